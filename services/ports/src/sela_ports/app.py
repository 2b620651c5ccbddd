from pathlib import Path

from fastapi import FastAPI

from sela_kit import ServiceSpec
from sela_kit import create_app as build_app
from sela_ports.models import Base
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
)


def create_app() -> FastAPI:
    """Factory for ASGI servers (``uvicorn --factory sela_ports.app:create_app``)."""
    return build_app(SPEC)
