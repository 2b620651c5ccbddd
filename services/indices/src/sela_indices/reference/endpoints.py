from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, status

from sela_indices.reference import service
from sela_indices.reference.repository import ReferenceRepository
from sela_indices.reference.schemas import (
    AreaRead,
    EditionCreate,
    EditionRead,
    MechanismRead,
    MembershipRead,
)
from sela_kit.db import DbSession
from sela_kit.errors import problem_responses
from sela_kit.identity import Identity, require_roles

router = APIRouter(tags=["reference"])
Staff = Annotated[Identity, Depends(require_roles("staff"))]


@router.get("/areas", response_model=list[AreaRead])
async def list_areas(
    session: DbSession,
    kind: Annotated[Literal["country", "mechanism"] | None, Query()] = None,
) -> list[AreaRead]:
    """Countries (ISO 3166 alpha-3, M49, names in es/en/pt/fr) and integration mechanisms."""
    areas = await ReferenceRepository.from_session(session).areas(kind)
    return [AreaRead.model_validate(a) for a in areas]


async def _mechanism(
    session: DbSession, code: str, when: date, edition: str | None
) -> MechanismRead:
    code = await service.mechanism_area(session, code)
    table = await service.membership_table(session, edition)
    area = await ReferenceRepository.from_session(session).get_area(code)
    assert area is not None
    rows = table.by_mechanism().get(code, [])
    return MechanismRead(
        code=area.code,
        kind="mechanism",
        names=area.names,
        subregional=area.subregional,
        edition=table.edition,
        date=when,
        members=table.members_at(code, when),
        memberships=[MembershipRead.model_validate(m) for m in rows],
    )


@router.get("/mechanisms", response_model=list[MechanismRead])
async def list_mechanisms(
    session: DbSession,
    on: Annotated[date | None, Query(alias="date", description="Members on this day")] = None,
    edition: Annotated[
        str | None, Query(description="Membership edition; current if absent")
    ] = None,
) -> list[MechanismRead]:
    """Integration mechanisms with their members on a date and every membership period."""
    when = on or date.today()
    areas = await ReferenceRepository.from_session(session).areas("mechanism")
    return [await _mechanism(session, a.code, when, edition) for a in areas]


@router.get("/mechanisms/{code}", response_model=MechanismRead, responses=problem_responses(404))
async def get_mechanism(
    session: DbSession,
    code: str,
    on: Annotated[date | None, Query(alias="date", description="Members on this day")] = None,
    edition: Annotated[
        str | None, Query(description="Membership edition; current if absent")
    ] = None,
) -> MechanismRead:
    """One mechanism, e.g. MERCOSUR on 2017-06-30 (Venezuela suspended since December 2016)."""
    return await _mechanism(session, code, on or date.today(), edition)


@router.get("/mechanism-editions", response_model=list[EditionRead])
async def list_mechanism_editions(session: DbSession) -> list[EditionRead]:
    """Versions of the membership data, newest (current) first."""
    editions = await ReferenceRepository.from_session(session).editions()
    return [
        EditionRead.model_validate(e).model_copy(update={"current": i == 0})
        for i, e in enumerate(editions)
    ]


@router.post(
    "/mechanism-editions",
    response_model=EditionRead,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(401, 403, 409, 422),
)
async def create_mechanism_edition(
    session: DbSession, body: EditionCreate, _: Staff
) -> EditionRead:
    """Load a new edition of the memberships; it becomes current. Staff only."""
    await service.add_edition(session, body)
    edition = await ReferenceRepository.from_session(session).get_edition(body.edition)
    assert edition is not None
    return EditionRead.model_validate(edition).model_copy(update={"current": True})
