from sqlalchemy.orm import DeclarativeBase

from sela_kit.models import new_metadata


class Base(DeclarativeBase):
    """Base of the ports service's tables (its own metadata, its own database)."""

    metadata = new_metadata()
