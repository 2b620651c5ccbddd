from pathlib import Path

from fastapi import FastAPI

from sela_kit import ServiceSpec
from sela_kit import create_app as build_app
from sela_ports.all_models import Base
from sela_ports.benchmark.endpoints import analysis_router as benchmark_analysis_router
from sela_ports.benchmark.endpoints import router as benchmark_router
from sela_ports.collab.endpoints import router as collab_router
from sela_ports.demo import load_demo
from sela_ports.governance.endpoints import router as governance_router
from sela_ports.registry.endpoints import router as registry_router
from sela_ports.settings import PortsSettings

SPEC = ServiceSpec(
    name="ports",
    title="Network of Digital and Collaborative Ports",
    description=(
        "Registry and governance of the Network of Digital and Collaborative Ports, its "
        "private collaborative area and the quantitative port benchmark."
    ),
    settings_cls=PortsSettings,
    migrations=Path(__file__).parent / "migrations",
    metadata=(Base.metadata,),
    routers=(
        registry_router,
        governance_router,
        collab_router,
        benchmark_router,
        benchmark_analysis_router,
    ),
    demo=load_demo,
)


def create_app() -> FastAPI:
    """Factory for ASGI servers (``uvicorn --factory sela_ports.app:create_app``)."""
    return build_app(SPEC)
