"""Sector round tables: participants state what they offer and seek, request bilateral
meetings, and a scheduler assigns them slots and tables."""
