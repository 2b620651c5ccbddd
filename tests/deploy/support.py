"""What the deployment tests share: the repository's layout and the platform's applications."""

from __future__ import annotations

import re
from pathlib import Path

from sela_cli.registry import SERVICES
from sela_gateway.settings import SERVICE_PORTS
from sela_kit.settings import ServiceSettings

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
OVERLAYS = ("dev", "prod")
OPERATIONS = ROOT / "docs" / "operations.md"

# application -> (HTTP port, directory holding its Dockerfile)
APPS: dict[str, tuple[int, Path]] = {
    "gateway": (8000, ROOT / "gateway"),
    **{name: (port, ROOT / "services" / name) for name, port in SERVICE_PORTS.items()},
}
# Services whose long computations run on the kit's job queue: `python -m sela_<svc> worker`.
WORKER_SERVICES = tuple(spec.name for spec in SERVICES if spec.jobs)


def settings_classes() -> dict[str, type[ServiceSettings]]:
    from sela_gateway.settings import GatewaySettings

    classes: dict[str, type[ServiceSettings]] = {"gateway": GatewaySettings}
    classes.update({spec.name: spec.settings_cls for spec in SERVICES})
    return classes


def documented_variables() -> set[str]:
    """Every SELA_*/POSTGRES_* name written in backticks in docs/operations.md or README.md."""
    text = OPERATIONS.read_text() + (ROOT / "README.md").read_text()
    return set(re.findall(r"`([A-Z][A-Z0-9_]+)`", text))
