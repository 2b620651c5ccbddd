from pathlib import Path

from fastapi import FastAPI

from sela_kit import ServiceSpec
from sela_kit import create_app as build_app
from sela_migration.models import Base
from sela_migration.settings import MigrationSettings

SPEC = ServiceSpec(
    name="migration",
    title="Migration networks",
    description=(
        "Bilateral migrant stocks analysed as networks: measures by year, node roles, "
        "backbone, correlation with development and a gravity model."
    ),
    settings_cls=MigrationSettings,
    migrations=Path(__file__).parent / "migrations",
    metadata=(Base.metadata,),
)


def create_app() -> FastAPI:
    """Factory for ASGI servers (``uvicorn --factory sela_migration.app:create_app``)."""
    return build_app(SPEC)
