"""Countries, port systems, communities, organisations, people and the public directory."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from sela_kit.db import DbSession
from sela_kit.errors import problem_responses
from sela_kit.pagination import CursorPage, Page
from sela_ports.access import CurrentViewer, require_writer, writers_only
from sela_ports.registry import service
from sela_ports.registry.repository import RegistryRepository
from sela_ports.registry.schemas import (
    CommunityCreate,
    CommunityRead,
    CommunityStageUpdate,
    CountryCreate,
    CountryRead,
    DirectoryEntry,
    OrganisationCreate,
    OrganisationRead,
    PersonCreate,
    PersonRead,
    PortSystemCreate,
    PortSystemRead,
)

router = APIRouter(tags=["registry"], dependencies=[Depends(writers_only)])
WRITE_ERRORS = problem_responses(401, 403, 409, 422)


@router.get("/countries", response_model=list[CountryRead])
async def list_countries(session: DbSession) -> list[CountryRead]:
    """Countries of the Network."""
    rows = await RegistryRepository.from_session(session).list_countries()
    return [CountryRead.model_validate(r) for r in rows]


@router.post("/countries", status_code=201, response_model=CountryRead, responses=WRITE_ERRORS)
async def create_country(
    body: CountryCreate, session: DbSession, viewer: CurrentViewer
) -> CountryRead:
    """Register a country (staff)."""
    return CountryRead.model_validate(await service.create_country(session, viewer, body))


@router.get("/port-systems", response_model=CursorPage[PortSystemRead])
async def list_port_systems(
    session: DbSession,
    page: Page,
    country: Annotated[str | None, Query(pattern=r"^[A-Z]{3}$")] = None,
) -> CursorPage[PortSystemRead]:
    """Port systems by UN/LOCODE, with their World Port Index attributes."""
    rows, cursor = await RegistryRepository.from_session(session).page_port_systems(page, country)
    return CursorPage(items=[PortSystemRead.model_validate(r) for r in rows], next_cursor=cursor)


@router.get(
    "/port-systems/{locode}", response_model=PortSystemRead, responses=problem_responses(404)
)
async def get_port_system(locode: str, session: DbSession) -> PortSystemRead:
    """One port system by UN/LOCODE (e.g. MXZLO)."""
    return PortSystemRead.model_validate(await service.port_system_by_locode(session, locode))


@router.post(
    "/port-systems", status_code=201, response_model=PortSystemRead, responses=WRITE_ERRORS
)
async def create_port_system(
    body: PortSystemCreate, session: DbSession, viewer: CurrentViewer
) -> PortSystemRead:
    """Register a port system (staff)."""
    return PortSystemRead.model_validate(await service.create_port_system(session, viewer, body))


@router.get("/communities", response_model=list[CommunityRead])
async def list_communities(session: DbSession) -> list[CommunityRead]:
    """Logistic port communities and their formalisation stage."""
    rows = await RegistryRepository.from_session(session).list_communities()
    return [CommunityRead.model_validate(r) for r in rows]


@router.get(
    "/communities/{community_id}", response_model=CommunityRead, responses=problem_responses(404)
)
async def get_community(community_id: uuid.UUID, session: DbSession) -> CommunityRead:
    """One logistic port community."""
    return CommunityRead.model_validate(await service.get_community(session, community_id))


@router.post("/communities", status_code=201, response_model=CommunityRead, responses=WRITE_ERRORS)
async def create_community(
    body: CommunityCreate, session: DbSession, viewer: CurrentViewer
) -> CommunityRead:
    """Register a logistic port community (staff)."""
    return CommunityRead.model_validate(await service.create_community(session, viewer, body))


@router.put(
    "/communities/{community_id}/stage",
    response_model=CommunityRead,
    responses=problem_responses(401, 403, 404, 422),
)
async def set_community_stage(
    community_id: uuid.UUID, body: CommunityStageUpdate, session: DbSession, viewer: CurrentViewer
) -> CommunityRead:
    """Move a community to another formalisation stage (staff)."""
    return CommunityRead.model_validate(
        await service.set_stage(session, viewer, community_id, body)
    )


@router.get("/organisations", response_model=CursorPage[OrganisationRead])
async def list_organisations(
    session: DbSession, page: Page, community_id: uuid.UUID | None = None
) -> CursorPage[OrganisationRead]:
    """Member organisations, by name."""
    rows, cursor = await RegistryRepository.from_session(session).page_organisations(
        page, community_id
    )
    return CursorPage(items=[OrganisationRead.model_validate(r) for r in rows], next_cursor=cursor)


@router.post(
    "/organisations", status_code=201, response_model=OrganisationRead, responses=WRITE_ERRORS
)
async def create_organisation(
    body: OrganisationCreate, session: DbSession, viewer: CurrentViewer
) -> OrganisationRead:
    """Add a member organisation (staff, or a port member of that community)."""
    return OrganisationRead.model_validate(await service.create_organisation(session, viewer, body))


@router.get("/people", response_model=CursorPage[PersonRead], responses=problem_responses(401, 403))
async def list_people(
    session: DbSession, viewer: CurrentViewer, page: Page, organisation_id: uuid.UUID | None = None
) -> CursorPage[PersonRead]:
    """People and their contacts: for members of the Network and staff only."""
    require_writer(viewer.identity)
    rows, cursor = await RegistryRepository.from_session(session).page_people(page, organisation_id)
    return CursorPage(items=[PersonRead.model_validate(r) for r in rows], next_cursor=cursor)


@router.post("/people", status_code=201, response_model=PersonRead, responses=WRITE_ERRORS)
async def create_person(
    body: PersonCreate, session: DbSession, viewer: CurrentViewer
) -> PersonRead:
    """Add a person (staff, or a port member of the organisation's community)."""
    return PersonRead.model_validate(await service.create_person(session, viewer, body))


@router.get("/directory", response_model=list[DirectoryEntry])
async def directory(session: DbSession) -> list[DirectoryEntry]:
    """Public directory of the ministries and authorities taking part (no personal contacts)."""
    rows = await RegistryRepository.from_session(session).directory()
    return [
        DirectoryEntry(
            organisation_id=o.id,
            name=o.name,
            kind=o.kind,
            country_iso3=o.country_iso3,
            country=country,
            website=o.website,
        )
        for o, country in rows
    ]
