from pathlib import Path

from fastapi import FastAPI

from sela_kit import ServiceSpec
from sela_kit import create_app as build_app
from sela_smes.ippalc.endpoints import router as ippalc_router
from sela_smes.models import Base
from sela_smes.settings import SmesSettings

SPEC = ServiceSpec(
    name="smes",
    title="SME directory and IPPALC",
    description=(
        "Directory of small and medium-sized enterprises with partner matching, and the "
        "Public Policy Index for MSMEs in Latin America and the Caribbean (IPPALC)."
    ),
    settings_cls=SmesSettings,
    migrations=Path(__file__).parent / "migrations",
    metadata=(Base.metadata,),
    routers=(ippalc_router,),
)


def create_app() -> FastAPI:
    """Factory for ASGI servers (``uvicorn --factory sela_smes.app:create_app``)."""
    return build_app(SPEC)
