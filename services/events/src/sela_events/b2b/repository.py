from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from sela_events.b2b.models import B2BProfile, B2BRequest
from sela_events.registrations.models import Registration


class B2BRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @classmethod
    def from_session(cls, session: AsyncSession) -> B2BRepository:
        return cls(session)

    async def profile(self, registration_id: uuid.UUID) -> B2BProfile | None:
        return await self.session.get(B2BProfile, registration_id)

    def add(self, item: B2BProfile | B2BRequest) -> None:
        self.session.add(item)

    async def profiles(self, meeting_id: uuid.UUID) -> Sequence[tuple[B2BProfile, Registration]]:
        stmt = (
            select(B2BProfile, Registration)
            .join(Registration, Registration.id == B2BProfile.registration_id)
            .where(
                B2BProfile.meeting_id == meeting_id,
                Registration.state.in_(["confirmed", "attended"]),
                Registration.erased.is_(False),
            )
            .order_by(B2BProfile.sector, Registration.organisation, Registration.id)
        )
        return [(p, r) for p, r in await self.session.execute(stmt)]

    async def pair(self, meeting_id: uuid.UUID, a: uuid.UUID, b: uuid.UUID) -> B2BRequest | None:
        stmt = select(B2BRequest).where(
            B2BRequest.meeting_id == meeting_id,
            ((B2BRequest.requester_id == a) & (B2BRequest.target_id == b))
            | ((B2BRequest.requester_id == b) & (B2BRequest.target_id == a)),
        )
        return (await self.session.scalars(stmt)).first()

    async def requests(self, meeting_id: uuid.UUID) -> Sequence[B2BRequest]:
        stmt = (
            select(B2BRequest)
            .where(B2BRequest.meeting_id == meeting_id)
            .order_by(B2BRequest.created_at, B2BRequest.id)
        )
        return (await self.session.scalars(stmt)).all()

    async def of_registration(self, registration_id: uuid.UUID) -> Sequence[B2BRequest]:
        stmt = (
            select(B2BRequest)
            .where(
                (B2BRequest.requester_id == registration_id)
                | (B2BRequest.target_id == registration_id)
            )
            .order_by(B2BRequest.slot_starts_at, B2BRequest.created_at)
        )
        return (await self.session.scalars(stmt)).all()

    async def clear_schedule(self, meeting_id: uuid.UUID) -> None:
        await self.session.execute(
            update(B2BRequest)
            .where(B2BRequest.meeting_id == meeting_id)
            .values(slot_starts_at=None, slot_ends_at=None, table_name=None)
        )
