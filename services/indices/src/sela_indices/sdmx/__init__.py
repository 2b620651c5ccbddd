"""SDMX REST v1.5 / SDMX 2.1 view of the indicator observations (pure: no database, no HTTP).
"""
