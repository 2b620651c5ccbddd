"""Registry rules: references must exist (422 naming the field), names and codes are unique
(409), and port members write only within their own community."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from sela_kit.errors import NotFoundError
from sela_ports.access import Viewer, require_community, require_staff
from sela_ports.problems import conflict, invalid
from sela_ports.registry.models import Community, Country, Organisation, Person, PortSystem
from sela_ports.registry.repository import RegistryRepository
from sela_ports.registry.schemas import (
    CommunityCreate,
    CommunityStageUpdate,
    CountryCreate,
    OrganisationCreate,
    PersonCreate,
    PortSystemCreate,
)


async def create_country(session: AsyncSession, viewer: Viewer, body: CountryCreate) -> Country:
    require_staff(viewer.identity)
    repo = RegistryRepository.from_session(session)
    if await repo.get_country(body.iso3) is not None:
        raise conflict("body.iso3", f"country {body.iso3} is already registered")
    country = Country(**body.model_dump())
    await repo.add(country)
    return country


async def create_port_system(
    session: AsyncSession, viewer: Viewer, body: PortSystemCreate
) -> PortSystem:
    require_staff(viewer.identity)
    repo = RegistryRepository.from_session(session)
    if await repo.get_country(body.country_iso3) is None:
        raise invalid("body.country_iso3", f"no country {body.country_iso3} is registered")
    if await repo.port_system_by_locode(body.locode) is not None:
        raise conflict("body.locode", f"port system {body.locode} is already registered")
    port = PortSystem(**body.model_dump(), source="manual")
    await repo.add(port)
    return port


async def port_system_by_locode(session: AsyncSession, locode: str) -> PortSystem:
    port = await RegistryRepository.from_session(session).port_system_by_locode(locode.upper())
    if port is None:
        raise NotFoundError(f"No port system {locode}.")
    return port


async def create_community(
    session: AsyncSession, viewer: Viewer, body: CommunityCreate
) -> Community:
    require_staff(viewer.identity)
    repo = RegistryRepository.from_session(session)
    if await repo.get_port_system(body.port_system_id) is None:
        raise invalid("body.port_system_id", "no such port system")
    if await repo.community_by_name(body.name) is not None:
        raise conflict("body.name", f"a community named {body.name!r} exists")
    community = Community(**body.model_dump())
    await repo.add(community)
    return community


async def get_community(session: AsyncSession, community_id: uuid.UUID) -> Community:
    community = await RegistryRepository.from_session(session).get_community(community_id)
    if community is None:
        raise NotFoundError(f"No community {community_id}.")
    return community


async def set_stage(
    session: AsyncSession, viewer: Viewer, community_id: uuid.UUID, body: CommunityStageUpdate
) -> Community:
    require_staff(viewer.identity)
    community = await get_community(session, community_id)
    community.stage = body.stage
    community.stage_since = body.stage_since
    await session.flush()
    return community


async def create_organisation(
    session: AsyncSession, viewer: Viewer, body: OrganisationCreate
) -> Organisation:
    repo = RegistryRepository.from_session(session)
    if body.community_id is None:
        require_staff(viewer.identity)
    else:
        if await repo.get_community(body.community_id) is None:
            raise invalid("body.community_id", "no such community")
        require_community(viewer, {body.community_id})
    if body.country_iso3 is not None and await repo.get_country(body.country_iso3) is None:
        raise invalid("body.country_iso3", f"no country {body.country_iso3} is registered")
    organisation = Organisation(**body.model_dump())
    await repo.add(organisation)
    return organisation


async def create_person(session: AsyncSession, viewer: Viewer, body: PersonCreate) -> Person:
    repo = RegistryRepository.from_session(session)
    organisation = None
    if body.organisation_id is not None:
        organisation = await repo.get_organisation(body.organisation_id)
        if organisation is None:
            raise invalid("body.organisation_id", "no such organisation")
    if organisation is None or organisation.community_id is None:
        require_staff(viewer.identity)
    else:
        require_community(viewer, {organisation.community_id})
    if body.subject is not None and await repo.person_by_subject(body.subject) is not None:
        raise conflict("body.subject", "another person has this login subject")
    person = Person(**body.model_dump())
    await repo.add(person)
    return person
