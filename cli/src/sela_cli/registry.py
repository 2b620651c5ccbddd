"""The services the platform runs, in start order."""

from __future__ import annotations

from sela_events.app import SPEC as EVENTS
from sela_indices.app import SPEC as INDICES
from sela_kit.app import ServiceSpec
from sela_migration.app import SPEC as MIGRATION
from sela_ports.app import SPEC as PORTS
from sela_smes.app import SPEC as SMES

SERVICES: tuple[ServiceSpec, ...] = (INDICES, EVENTS, PORTS, SMES, MIGRATION)


def by_name(name: str) -> ServiceSpec:
    for spec in SERVICES:
        if spec.name == name:
            return spec
    raise KeyError(f"unknown service {name!r}; known: {', '.join(s.name for s in SERVICES)}")
