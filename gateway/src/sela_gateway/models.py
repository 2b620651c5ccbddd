from sqlalchemy.orm import DeclarativeBase

from sela_kit.models import new_metadata


class Base(DeclarativeBase):
    """Base of the gateway's tables: users, API keys, refresh tokens."""

    metadata = new_metadata()
