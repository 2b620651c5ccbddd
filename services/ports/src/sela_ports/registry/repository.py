"""All SQL of the registry."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from sela_kit.pagination import PageParams, paginate
from sela_ports.registry.models import (
    DIRECTORY_KINDS,
    Community,
    Country,
    Organisation,
    Person,
    PortSystem,
)


class RegistryRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @classmethod
    def from_session(cls, session: AsyncSession) -> RegistryRepository:
        return cls(session)

    async def add(self, row: Any) -> None:
        self.session.add(row)
        await self.session.flush()

    # countries
    async def list_countries(self) -> Sequence[Country]:
        return (await self.session.scalars(select(Country).order_by(Country.iso3))).all()

    async def get_country(self, iso3: str) -> Country | None:
        return await self.session.get(Country, iso3)

    # port systems
    async def page_port_systems(
        self, page: PageParams, country: str | None
    ) -> tuple[list[PortSystem], str | None]:
        stmt = select(PortSystem)
        if country is not None:
            stmt = stmt.where(PortSystem.country_iso3 == country)
        return await paginate(self.session, stmt, [PortSystem.locode, PortSystem.id], page)

    async def get_port_system(self, port_system_id: uuid.UUID) -> PortSystem | None:
        return await self.session.get(PortSystem, port_system_id)

    async def port_system_by_locode(self, locode: str) -> PortSystem | None:
        return await self.session.scalar(select(PortSystem).where(PortSystem.locode == locode))

    async def port_systems_by_ids(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, PortSystem]:
        rows = await self.session.scalars(select(PortSystem).where(PortSystem.id.in_(ids)))
        return {p.id: p for p in rows}

    async def all_port_systems(self) -> Sequence[PortSystem]:
        return (await self.session.scalars(select(PortSystem).order_by(PortSystem.locode))).all()

    # communities
    async def list_communities(self) -> Sequence[Community]:
        return (await self.session.scalars(select(Community).order_by(Community.name))).all()

    async def get_community(self, community_id: uuid.UUID) -> Community | None:
        return await self.session.get(Community, community_id)

    async def community_by_name(self, name: str) -> Community | None:
        return await self.session.scalar(select(Community).where(Community.name == name))

    async def community_ids_of_port(self, port_system_id: uuid.UUID) -> set[uuid.UUID]:
        rows = await self.session.scalars(
            select(Community.id).where(Community.port_system_id == port_system_id)
        )
        return set(rows)

    async def communities_with_country(self) -> Sequence[tuple[Community, str]]:
        stmt = select(Community, PortSystem.country_iso3).join(
            PortSystem, PortSystem.id == Community.port_system_id
        )
        return [(c, iso3) for c, iso3 in (await self.session.execute(stmt)).all()]

    # organisations
    async def page_organisations(
        self, page: PageParams, community_id: uuid.UUID | None
    ) -> tuple[list[Organisation], str | None]:
        stmt = select(Organisation)
        if community_id is not None:
            stmt = stmt.where(Organisation.community_id == community_id)
        return await paginate(self.session, stmt, [Organisation.name, Organisation.id], page)

    async def get_organisation(self, organisation_id: uuid.UUID) -> Organisation | None:
        return await self.session.get(Organisation, organisation_id)

    async def organisation_by_name(self, name: str) -> Organisation | None:
        return await self.session.scalar(
            select(Organisation).where(Organisation.name == name).limit(1)
        )

    async def directory(self) -> Sequence[tuple[Organisation, str | None]]:
        stmt = (
            select(Organisation, Country.name)
            .outerjoin(Country, Country.iso3 == Organisation.country_iso3)
            .where(Organisation.kind.in_(DIRECTORY_KINDS))
            .order_by(Organisation.country_iso3, Organisation.name, Organisation.id)
        )
        return [(o, name) for o, name in (await self.session.execute(stmt)).all()]

    # people
    async def page_people(
        self, page: PageParams, organisation_id: uuid.UUID | None
    ) -> tuple[list[Person], str | None]:
        stmt = select(Person)
        if organisation_id is not None:
            stmt = stmt.where(Person.organisation_id == organisation_id)
        return await paginate(self.session, stmt, [Person.name, Person.id], page)

    async def get_person(self, person_id: uuid.UUID) -> Person | None:
        return await self.session.get(Person, person_id)

    async def person_by_subject(self, subject: str) -> Person | None:
        return await self.session.scalar(select(Person).where(Person.subject == subject))
