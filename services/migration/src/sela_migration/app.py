from pathlib import Path

from fastapi import FastAPI

from sela_kit import ServiceSpec
from sela_kit import create_app as build_app
from sela_migration.analysis.consumers import INDICATOR_UPDATED
from sela_migration.analysis.endpoints import router as analysis_router
from sela_migration.cli import import_app
from sela_migration.demo import load_demo
from sela_migration.jobs import JOB_KINDS
from sela_migration.models import Base, load_models
from sela_migration.network.endpoints import router as networks_router
from sela_migration.settings import MigrationSettings
from sela_migration.stocks.endpoints import router as datasets_router

load_models()

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
    routers=(datasets_router, networks_router, analysis_router),
    consumers=(INDICATOR_UPDATED,),
    jobs=JOB_KINDS,
    demo=load_demo,
    commands={"import": import_app},
)


def create_app() -> FastAPI:
    """Factory for ASGI servers (``uvicorn --factory sela_migration.app:create_app``)."""
    return build_app(SPEC)
