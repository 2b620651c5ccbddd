from sqlalchemy.orm import DeclarativeBase

from sela_kit.models import new_metadata


class Base(DeclarativeBase):
    """Base of the events service's tables (its own metadata, its own database)."""

    metadata = new_metadata()


def load_all_models() -> None:
    """Import every model module, so the metadata knows every table (migrations, tests)."""
    from sela_events.attendance import models as _attendance  # noqa: F401
    from sela_events.b2b import models as _b2b  # noqa: F401
    from sela_events.meetings import models as _meetings  # noqa: F401
    from sela_events.registrations import models as _registrations  # noqa: F401
