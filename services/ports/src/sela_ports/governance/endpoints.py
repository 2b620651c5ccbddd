"""Bodies of the Network, memberships, decisions, MoUs and the formalisation rule."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from sela_kit.db import DbSession
from sela_kit.errors import problem_responses
from sela_ports.access import CurrentViewer, require_writer, writers_only
from sela_ports.governance import rules, service
from sela_ports.governance.repository import GovernanceRepository
from sela_ports.governance.schemas import (
    BodyCreate,
    BodyRead,
    DecisionCreate,
    DecisionRead,
    FormalisationRead,
    MembershipCreate,
    MembershipRead,
    MouCreate,
    MouRead,
)

router = APIRouter(prefix="/governance", tags=["governance"], dependencies=[Depends(writers_only)])
WRITE_ERRORS = problem_responses(401, 403, 404, 409, 422)


@router.get("/bodies", response_model=list[BodyRead])
async def list_bodies(session: DbSession) -> list[BodyRead]:
    """The Transitional Steering Committee, the technical committees, the group of experts."""
    rows = await GovernanceRepository.from_session(session).list_bodies()
    return [BodyRead.model_validate(r) for r in rows]


@router.post("/bodies", status_code=201, response_model=BodyRead, responses=WRITE_ERRORS)
async def create_body(body: BodyCreate, session: DbSession, viewer: CurrentViewer) -> BodyRead:
    """Create a committee or group (staff)."""
    return BodyRead.model_validate(await service.create_body(session, viewer, body))


@router.get(
    "/bodies/{code}/members",
    response_model=list[MembershipRead],
    responses=problem_responses(401, 403, 404),
)
async def list_members(
    code: str, session: DbSession, viewer: CurrentViewer
) -> list[MembershipRead]:
    """Memberships of a body (members of the Network and staff)."""
    require_writer(viewer.identity)
    target = await service.body_by_code(session, code)
    rows = await GovernanceRepository.from_session(session).members(target.id)
    return [MembershipRead.model_validate(r) for r in rows]


@router.post(
    "/bodies/{code}/members",
    status_code=201,
    response_model=MembershipRead,
    responses=WRITE_ERRORS,
)
async def add_member(
    code: str, body: MembershipCreate, session: DbSession, viewer: CurrentViewer
) -> MembershipRead:
    """Make a person a member of a body (staff)."""
    return MembershipRead.model_validate(await service.add_member(session, viewer, code, body))


@router.get(
    "/bodies/{code}/decisions",
    response_model=list[DecisionRead],
    responses=problem_responses(404),
)
async def list_decisions(code: str, session: DbSession) -> list[DecisionRead]:
    """Decisions of a body with their records, oldest first."""
    target = await service.body_by_code(session, code)
    rows = await GovernanceRepository.from_session(session).decisions(target.id)
    return [DecisionRead.model_validate(r) for r in rows]


@router.post(
    "/bodies/{code}/decisions",
    status_code=201,
    response_model=DecisionRead,
    responses=WRITE_ERRORS,
)
async def record_decision(
    code: str, body: DecisionCreate, session: DbSession, viewer: CurrentViewer
) -> DecisionRead:
    """Record a decision of a body (staff)."""
    return DecisionRead.model_validate(await service.record_decision(session, viewer, code, body))


@router.get("/mous", response_model=list[MouRead])
async def list_mous(session: DbSession) -> list[MouRead]:
    """Memoranda of Understanding with SELA."""
    rows = await GovernanceRepository.from_session(session).list_mous()
    return [MouRead.model_validate(r) for r in rows]


@router.post("/mous", status_code=201, response_model=MouRead, responses=WRITE_ERRORS)
async def create_mou(body: MouCreate, session: DbSession, viewer: CurrentViewer) -> MouRead:
    """Record an MoU with SELA (staff)."""
    return MouRead.model_validate(await service.create_mou(session, viewer, body))


@router.get("/formalisation", response_model=FormalisationRead)
async def formalisation(
    session: DbSession,
    on: Annotated[date | None, Query(description="Evaluation date; today by default")] = None,
) -> FormalisationRead:
    """The I.3.1 rule evaluated now: which countries qualify and what each still lacks."""
    status = await service.formalisation(session, on or date.today())
    data = asdict(status)
    data["rule"] = (
        f"A regional non-profit association with at least {rules.MIN_COUNTRIES} countries, each "
        "with a formalised logistic port community bound to SELA by an MoU in force, and SELA "
        "designated technical secretariat by an adopted decision."
    )
    return FormalisationRead.model_validate(data)
