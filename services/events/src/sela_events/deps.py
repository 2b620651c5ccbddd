"""Dependencies shared by the service's endpoints."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from sela_events.settings import EventsSettings
from sela_kit.identity import Identity, require_roles


def events_settings(request: Request) -> EventsSettings:
    settings: EventsSettings = request.app.state.settings
    return settings


Settings = Annotated[EventsSettings, Depends(events_settings)]
Staff = Annotated[Identity, Depends(require_roles("staff"))]
Authenticated = Annotated[
    Identity,
    Depends(
        require_roles("staff", "focal_point", "port_member", "evaluator", "sme_owner", "partner")
    ),
]
PRIVATE = {"Cache-Control": "private, no-store"}
