"""The SELA gateway: the only public entry of the platform."""

from pathlib import Path

MIGRATIONS = Path(__file__).parent / "migrations"
