"""Pure computational methods of the indices service (no database, no HTTP)."""
