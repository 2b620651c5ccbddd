"""All SQL of governance."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from sela_ports.governance.models import (
    Body,
    Decision,
    DecisionKind,
    DecisionOutcome,
    Membership,
    Mou,
    MouStatus,
)


class GovernanceRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @classmethod
    def from_session(cls, session: AsyncSession) -> GovernanceRepository:
        return cls(session)

    async def add(self, row: Any) -> None:
        self.session.add(row)
        await self.session.flush()

    async def list_bodies(self) -> Sequence[Body]:
        return (await self.session.scalars(select(Body).order_by(Body.code))).all()

    async def body_by_code(self, code: str) -> Body | None:
        return await self.session.scalar(select(Body).where(Body.code == code))

    async def bodies_by_ids(self, ids: Sequence[uuid.UUID]) -> Sequence[Body]:
        return (await self.session.scalars(select(Body).where(Body.id.in_(ids)))).all()

    async def members(self, body_id: uuid.UUID) -> Sequence[Membership]:
        stmt = (
            select(Membership)
            .where(Membership.body_id == body_id)
            .order_by(Membership.since, Membership.id)
        )
        return (await self.session.scalars(stmt)).all()

    async def overlapping_membership(
        self, body_id: uuid.UUID, person_id: uuid.UUID, since: date, until: date | None
    ) -> Membership | None:
        stmt = select(Membership).where(
            Membership.body_id == body_id,
            Membership.person_id == person_id,
            or_(Membership.until.is_(None), Membership.until >= since),
        )
        if until is not None:
            stmt = stmt.where(Membership.since <= until)
        return await self.session.scalar(stmt.limit(1))

    async def active_body_ids(self, person_id: uuid.UUID, on: date) -> set[uuid.UUID]:
        stmt = select(Membership.body_id).where(
            Membership.person_id == person_id,
            Membership.since <= on,
            or_(Membership.until.is_(None), Membership.until >= on),
        )
        return set(await self.session.scalars(stmt))

    async def decisions(self, body_id: uuid.UUID) -> Sequence[Decision]:
        stmt = (
            select(Decision)
            .where(Decision.body_id == body_id)
            .order_by(Decision.taken_on, Decision.id)
        )
        return (await self.session.scalars(stmt)).all()

    async def secretariat_designees(self, on: date) -> list[str]:
        stmt = select(Decision.designee).where(
            Decision.kind == DecisionKind.technical_secretariat,
            Decision.outcome == DecisionOutcome.adopted,
            Decision.taken_on <= on,
            Decision.designee.is_not(None),
        )
        return [d for d in await self.session.scalars(stmt) if d is not None]

    async def list_mous(self) -> Sequence[Mou]:
        return (await self.session.scalars(select(Mou).order_by(Mou.signed_on, Mou.id))).all()

    async def signed_mou_windows(self) -> dict[uuid.UUID, list[tuple[date | None, date | None]]]:
        stmt = select(Mou.community_id, Mou.signed_on, Mou.expires_on).where(
            Mou.status == MouStatus.signed
        )
        windows: dict[uuid.UUID, list[tuple[date | None, date | None]]] = {}
        for community_id, signed, expires in (await self.session.execute(stmt)).all():
            windows.setdefault(community_id, []).append((signed, expires))
        return windows
