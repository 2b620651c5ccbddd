"""Dependencies shared by the service's endpoints."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from sela_events.settings import EventsSettings
from sela_kit.identity import Identity, current_identity, require_roles


# Both are coroutines on purpose: FastAPI runs a plain ``def`` dependency in the thread pool,
# a hand-off per request that showed in profiles of the registration endpoint.
async def events_settings(request: Request) -> EventsSettings:
    settings: EventsSettings = request.app.state.settings
    return settings


async def caller(request: Request) -> Identity:
    """The identity the gateway vouched for (anonymous when none)."""
    return current_identity(request)


Settings = Annotated[EventsSettings, Depends(events_settings)]
CurrentIdentity = Annotated[Identity, Depends(caller)]
Staff = Annotated[Identity, Depends(require_roles("staff"))]
Authenticated = Annotated[
    Identity,
    Depends(
        require_roles("staff", "focal_point", "port_member", "evaluator", "sme_owner", "partner")
    ),
]
PRIVATE = {"Cache-Control": "private, no-store"}
