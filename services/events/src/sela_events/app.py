from pathlib import Path

from fastapi import APIRouter, FastAPI

from sela_events import demo, jobs
from sela_events.attendance.endpoints import router as attendance_router
from sela_events.b2b.endpoints import router as b2b_router
from sela_events.mail.sender import mail_sender
from sela_events.meetings.endpoints import router as meetings_router
from sela_events.models import Base, load_all_models
from sela_events.registrations.endpoints import router as registrations_router
from sela_events.settings import EventsSettings
from sela_kit import ServiceSpec
from sela_kit import create_app as build_app

load_all_models()

# Carries the periodic jobs: FastAPI merges an included router's lifespan into the app's.
_jobs_router = APIRouter(lifespan=jobs.jobs_lifespan)

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
    routers=(
        meetings_router,
        registrations_router,
        attendance_router,
        b2b_router,
        _jobs_router,
    ),
    consumers=(mail_sender(),),
    demo=demo.load,
)


def create_app() -> FastAPI:
    """Factory for ASGI servers (``uvicorn --factory sela_events.app:create_app``)."""
    return build_app(SPEC)
