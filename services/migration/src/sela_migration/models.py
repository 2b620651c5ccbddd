from sqlalchemy.orm import DeclarativeBase

from sela_kit.models import new_metadata


class Base(DeclarativeBase):
    """Base of the migration service's tables (its own metadata, its own database)."""

    metadata = new_metadata()


def load_models() -> None:
    """Import every model module so Base.metadata knows all tables (Alembic, tests)."""
    from sela_migration.analysis import models as _analysis  # noqa: F401
    from sela_migration.network import models as _network  # noqa: F401
    from sela_migration.stocks import models as _stocks  # noqa: F401
