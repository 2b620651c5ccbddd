"""Liveness (the process answers) and readiness (its database and NATS answer)."""

from __future__ import annotations

import asyncio
from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from sela_kit.errors import problem_response, problem_responses


class Health(BaseModel):
    status: Literal["ok", "ready"]
    service: str
    checks: dict[str, str] = {}


router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health)
async def healthz(request: Request) -> Health:
    """The process is alive and serving HTTP; checks nothing else."""
    return Health(status="ok", service=request.app.state.spec.name)


@router.get("/readyz", response_model=Health, responses=problem_responses(503))
async def readyz(request: Request) -> Health | JSONResponse:
    """Ready for traffic: the database answers a query and the NATS bus is connected."""
    state = request.app.state
    timeout = state.settings.readiness_timeout_seconds
    checks: dict[str, str] = {}
    try:
        await asyncio.wait_for(state.database.ping(), timeout)
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = f"failed: {exc.__class__.__name__}"
    checks["nats"] = "ok" if state.bus.ready else "failed: not connected"
    if all(value == "ok" for value in checks.values()):
        return Health(status="ready", service=state.spec.name, checks=checks)
    failing = ", ".join(name for name, value in checks.items() if value != "ok")
    return problem_response(
        request,
        503,
        code="not_ready",
        detail=f"Not ready: {failing}",
        extra={"checks": checks},
        headers={"Retry-After": "1"},
    )
