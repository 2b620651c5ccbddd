from pathlib import Path

from fastapi import FastAPI

from sela_indices.analyses.endpoints import router as analyses_router
from sela_indices.analyses.jobs import JOB_KINDS
from sela_indices.catalogue.endpoints import router as catalogue_router
from sela_indices.cli import app as import_app
from sela_indices.demo import load_demo
from sela_indices.observations.endpoints import router as observations_router
from sela_indices.reference.endpoints import router as reference_router
from sela_indices.reports.endpoints import router as reports_router
from sela_indices.sdmx_api.endpoints import router as sdmx_router
from sela_indices.settings import IndicesSettings
from sela_indices.tables import metadata
from sela_indices.trade.endpoints import router as trade_router
from sela_kit import ServiceSpec
from sela_kit import create_app as build_app

SPEC = ServiceSpec(
    name="indices",
    title="SELA regional indices",
    description=(
        "Statistics of the Permanent Secretariat: the indicator catalogue (searchable in "
        "Spanish, English, Portuguese and French), observations with vintages (`as_of`), "
        "integration mechanisms with membership by period, mechanism aggregates, the "
        "follow-up reports on the subregional mechanisms with charts, and downloads as "
        "CSV, XLSX, JSON and SDMX."
    ),
    settings_cls=IndicesSettings,
    migrations=Path(__file__).parent / "migrations",
    metadata=(metadata,),
    routers=(
        reference_router,
        catalogue_router,
        observations_router,
        reports_router,
        sdmx_router,
        trade_router,
        analyses_router,
    ),
    demo=load_demo,
    commands={"import": import_app},
    jobs=JOB_KINDS,
)


def create_app() -> FastAPI:
    """Factory for ASGI servers (``uvicorn --factory sela_indices.app:create_app``)."""
    return build_app(SPEC)
