from pathlib import Path

from fastapi import FastAPI

from sela_indices.models import Base
from sela_indices.settings import IndicesSettings
from sela_kit import ServiceSpec
from sela_kit import create_app as build_app

SPEC = ServiceSpec(
    name="indices",
    title="SELA indices",
    description=(
        "Regional indicators and composite indices of Latin America and the Caribbean: "
        "indicator catalogue, observations with vintages, integration mechanisms by year, "
        "trade introversion, integration and vulnerability indices, productive niches."
    ),
    settings_cls=IndicesSettings,
    migrations=Path(__file__).parent / "migrations",
    metadata=(Base.metadata,),
)


def create_app() -> FastAPI:
    """Factory for ASGI servers (``uvicorn --factory sela_indices.app:create_app``)."""
    return build_app(SPEC)
