"""Domain errors that name the offending input, in the shape of request validation errors."""

from sela_kit.errors import conflict, invalid, invalid_many

__all__ = ["conflict", "invalid", "invalid_many"]
