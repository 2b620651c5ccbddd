from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from sela_events.meetings.models import CategoryRule, FormField, Quota
from sela_events.registrations.models import Invitation, Registration
from sela_events.vocab import ACTIVE, SEAT_HOLDING, RegistrationState
from sela_kit.pagination import PageParams, paginate

_HELD = [s.value for s in SEAT_HOLDING]


class RegistrationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @classmethod
    def from_session(cls, session: AsyncSession) -> RegistrationRepository:
        return cls(session)

    async def get(self, registration_id: uuid.UUID, *, lock: bool = False) -> Registration | None:
        stmt = select(Registration).where(Registration.id == registration_id)
        if lock:
            stmt = stmt.with_for_update().execution_options(populate_existing=True)
        return (await self.session.scalars(stmt)).one_or_none()

    async def duplicates(
        self, meeting_id: uuid.UUID, emails: Sequence[str], keys: Sequence[str]
    ) -> Sequence[Registration]:
        """Registrations of the meeting made with one of ``keys``, or live ones of one of the
        addresses (one query for a whole batch)."""
        live = [s.value for s in ACTIVE]
        condition: ColumnElement[bool] = func.lower(Registration.email).in_(
            [e.lower() for e in emails]
        ) & Registration.state.in_(live)
        if keys:
            condition = or_(condition, Registration.idempotency_key.in_(list(keys)))
        stmt = select(Registration).where(Registration.meeting_id == meeting_id, condition)
        return (await self.session.scalars(stmt)).all()

    async def use_invitation(self, invitation_id: uuid.UUID, now: datetime) -> bool:
        """Mark the invitation used; False if it already was (a concurrent registration)."""
        result = await self.session.execute(
            update(Invitation)
            .where(Invitation.id == invitation_id, Invitation.used_at.is_(None))
            .values(used_at=now)
        )
        return bool(getattr(result, "rowcount", 0))

    async def usage(self, meeting_id: uuid.UUID) -> dict[tuple[str, str | None], int]:
        """Seats held per (category, country)."""
        stmt = (
            select(Registration.category, Registration.country, func.sum(Registration.seats))
            .where(Registration.meeting_id == meeting_id, Registration.state.in_(_HELD))
            .group_by(Registration.category, Registration.country)
        )
        return {(row[0], row[1]): int(row[2]) for row in await self.session.execute(stmt)}

    async def quotas(self, meeting_id: uuid.UUID) -> list[Quota]:
        stmt = select(Quota).where(Quota.meeting_id == meeting_id)
        return list((await self.session.scalars(stmt)).all())

    async def category_rules(self, meeting_id: uuid.UUID) -> list[CategoryRule]:
        stmt = select(CategoryRule).where(CategoryRule.meeting_id == meeting_id)
        return list((await self.session.scalars(stmt)).all())

    async def form_fields(self, meeting_id: uuid.UUID) -> list[FormField]:
        stmt = (
            select(FormField).where(FormField.meeting_id == meeting_id).order_by(FormField.position)
        )
        return list((await self.session.scalars(stmt)).all())

    async def waitlist(self, meeting_id: uuid.UUID) -> list[Registration]:
        """Waitlisted registrations in arrival order, locked (the meeting lock is held)."""
        stmt = (
            select(Registration)
            .where(
                Registration.meeting_id == meeting_id,
                Registration.state == RegistrationState.WAITLISTED.value,
            )
            .order_by(Registration.queue_number)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        return list((await self.session.scalars(stmt)).all())

    async def expired_offers(self, meeting_id: uuid.UUID, now: datetime) -> list[Registration]:
        stmt = (
            select(Registration)
            .where(
                Registration.meeting_id == meeting_id,
                Registration.state == RegistrationState.OFFERED.value,
                Registration.offer_expires_at <= now,
            )
            .order_by(Registration.queue_number)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        return list((await self.session.scalars(stmt)).all())

    async def meetings_with_expired_offers(self, now: datetime) -> list[uuid.UUID]:
        stmt = (
            select(Registration.meeting_id)
            .where(
                Registration.state == RegistrationState.OFFERED.value,
                Registration.offer_expires_at <= now,
            )
            .distinct()
            .limit(100)
        )
        return list((await self.session.scalars(stmt)).all())

    def add(self, registration: Registration) -> None:
        self.session.add(registration)

    async def list_page(
        self, meeting_id: uuid.UUID, page: PageParams, *, state: str | None
    ) -> tuple[list[Registration], str | None]:
        stmt: Select[Any] = select(Registration).where(Registration.meeting_id == meeting_id)
        if state is not None:
            stmt = stmt.where(Registration.state == state)
        return await paginate(self.session, stmt, [Registration.queue_number], page)

    async def all_of(self, meeting_id: uuid.UUID) -> Sequence[Registration]:
        stmt = (
            select(Registration)
            .where(Registration.meeting_id == meeting_id)
            .order_by(Registration.queue_number)
        )
        return (await self.session.scalars(stmt)).all()

    async def of_subject(self, subject: str) -> Sequence[Registration]:
        stmt = (
            select(Registration)
            .where(Registration.user_subject == subject)
            .order_by(Registration.created_at.desc())
            .limit(200)
        )
        return (await self.session.scalars(stmt)).all()

    async def participants(self, meeting_id: uuid.UUID) -> Sequence[Registration]:
        stmt = (
            select(Registration)
            .where(
                Registration.meeting_id == meeting_id,
                Registration.consent_publish.is_(True),
                Registration.erased.is_(False),
                Registration.state.in_(["confirmed", "attended"]),
            )
            .order_by(Registration.last_name, Registration.first_name, Registration.id)
        )
        return (await self.session.scalars(stmt)).all()

    async def by_checkin_code(
        self, meeting_id: uuid.UUID, code: str, *, lock: bool = True
    ) -> Registration | None:
        stmt = select(Registration).where(
            Registration.meeting_id == meeting_id, Registration.checkin_code == code
        )
        if lock:
            stmt = stmt.with_for_update().execution_options(populate_existing=True)
        return (await self.session.scalars(stmt)).one_or_none()

    async def invitation_by_id(self, invitation_id: uuid.UUID) -> Invitation | None:
        return await self.session.get(Invitation, invitation_id)

    async def invitation(self, meeting_id: uuid.UUID, code: str) -> Invitation | None:
        stmt = (
            select(Invitation)
            .where(Invitation.meeting_id == meeting_id, Invitation.code == code)
            .with_for_update()
        )
        return (await self.session.scalars(stmt)).one_or_none()

    async def confirmed_without_attendance(self, meeting_id: uuid.UUID) -> Sequence[Registration]:
        stmt = (
            select(Registration)
            .where(
                Registration.meeting_id == meeting_id,
                Registration.state == RegistrationState.CONFIRMED.value,
            )
            .with_for_update()
        )
        return (await self.session.scalars(stmt)).all()

    async def erase(self, meeting_id: uuid.UUID) -> int:
        """Blank every personal field of the meeting's registrations; keep what counts need."""
        result = await self.session.execute(
            update(Registration)
            .where(Registration.meeting_id == meeting_id, Registration.erased.is_(False))
            .values(
                first_name=None,
                last_name=None,
                email=None,
                organisation=None,
                position=None,
                companions=[],
                answers={},
                consent_publish=False,
                user_subject=None,
                idempotency_key=None,
                checkin_code=None,
                decided_by=None,
                erased=True,
            )
        )
        await self.session.execute(
            update(Invitation).where(Invitation.meeting_id == meeting_id).values(email=None)
        )
        return int(getattr(result, "rowcount", 0) or 0)
