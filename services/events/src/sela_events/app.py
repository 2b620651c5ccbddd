from pathlib import Path

from fastapi import FastAPI

from sela_events.models import Base
from sela_events.settings import EventsSettings
from sela_kit import ServiceSpec
from sela_kit import create_app as build_app

SPEC = ServiceSpec(
    name="events",
    title="SELA meetings",
    description=(
        "Intergovernmental meetings, courses, seminars and round tables of the Work "
        "Programme: registration with quotas and moderation, waiting lists, check-in, "
        "certificates."
    ),
    settings_cls=EventsSettings,
    migrations=Path(__file__).parent / "migrations",
    metadata=(Base.metadata,),
)


def create_app() -> FastAPI:
    """Factory for ASGI servers (``uvicorn --factory sela_events.app:create_app``)."""
    return build_app(SPEC)
