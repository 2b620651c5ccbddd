from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from sela_indices.reference.models import Area, MechanismEdition, Membership


@dataclass
class ReferenceRepository:
    session: AsyncSession

    @classmethod
    def from_session(cls, session: AsyncSession) -> ReferenceRepository:
        return cls(session)

    async def areas(self, kind: str | None = None) -> Sequence[Area]:
        stmt = select(Area).order_by(Area.kind, Area.code)
        if kind is not None:
            stmt = stmt.where(Area.kind == kind)
        return (await self.session.scalars(stmt)).all()

    async def area_codes(self) -> set[str]:
        return set((await self.session.scalars(select(Area.code))).all())

    async def get_area(self, code: str) -> Area | None:
        return await self.session.get(Area, code)

    async def current_edition(self) -> MechanismEdition | None:
        stmt = select(MechanismEdition).order_by(MechanismEdition.loaded_at.desc()).limit(1)
        return (await self.session.scalars(stmt)).first()

    async def editions(self) -> Sequence[MechanismEdition]:
        stmt = select(MechanismEdition).order_by(MechanismEdition.loaded_at.desc())
        return (await self.session.scalars(stmt)).all()

    async def get_edition(self, edition: str) -> MechanismEdition | None:
        return await self.session.get(MechanismEdition, edition)

    async def memberships(self, edition: str, mechanism: str | None = None) -> Sequence[Membership]:
        stmt = select(Membership).where(Membership.edition == edition)
        if mechanism is not None:
            stmt = stmt.where(Membership.mechanism == mechanism)
        stmt = stmt.order_by(Membership.mechanism, Membership.country, Membership.start_date)
        return (await self.session.scalars(stmt)).all()

    async def members_between(
        self, edition: str, mechanism: str, start: date | None, end: date | None
    ) -> list[str]:
        """Countries that were full members at some time in [start, end]."""
        conditions = [
            Membership.edition == edition,
            Membership.mechanism == mechanism,
            Membership.status == "full",
        ]
        if end is not None:
            conditions.append(Membership.start_date <= end)
        if start is not None:
            conditions.append(or_(Membership.end_date.is_(None), Membership.end_date > start))
        stmt = select(func.distinct(Membership.country)).where(and_(*conditions))
        return sorted((await self.session.scalars(stmt)).all())

    async def add_edition(
        self,
        edition: dict[str, Any],
        areas: list[dict[str, Any]],
        memberships: list[dict[str, Any]],
    ) -> None:
        stmt = insert(Area).values(areas)
        await self.session.execute(
            stmt.on_conflict_do_update(
                index_elements=[Area.code],
                set_={"names": stmt.excluded.names, "subregional": stmt.excluded.subregional},
                where=Area.kind == "mechanism",
            )
        )
        self.session.add(MechanismEdition(**edition))
        await self.session.flush()
        await self.session.execute(insert(Membership).values(memberships))
