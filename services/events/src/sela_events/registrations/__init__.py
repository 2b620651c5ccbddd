"""Registrations: seats under capacity and quotas, moderation, waiting list, self-service."""
