"""The sela command."""
