from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, Text, cast, delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from sela_events.meetings.models import CategoryRule, FormField, Meeting, MeetingSession, Quota
from sela_events.registrations.models import Registration
from sela_events.vocab import SEAT_HOLDING
from sela_kit.pagination import PageParams, paginate

_CHILDREN = (
    selectinload(Meeting.sessions),
    selectinload(Meeting.fields),
    selectinload(Meeting.category_rules),
    selectinload(Meeting.quotas),
)


def _by_ref(ref: str) -> Any:
    try:
        return Meeting.id == uuid.UUID(ref)
    except ValueError:
        return Meeting.code == ref


class MeetingRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @classmethod
    def from_session(cls, session: AsyncSession) -> MeetingRepository:
        return cls(session)

    async def get(self, ref: str, *, children: bool = False) -> Meeting | None:
        stmt = select(Meeting).where(_by_ref(ref))
        if children:
            stmt = stmt.options(*_CHILDREN)
        return (await self.session.scalars(stmt)).one_or_none()

    async def get_by_code(self, code: str) -> Meeting | None:
        return (await self.session.scalars(select(Meeting).where(Meeting.code == code))).first()

    async def reload_with_children(self, meeting_id: uuid.UUID) -> Meeting:
        stmt = (
            select(Meeting)
            .where(Meeting.id == meeting_id)
            .options(*_CHILDREN)
            .execution_options(populate_existing=True)
        )
        return (await self.session.scalars(stmt)).one()

    async def lock(self, meeting_id: uuid.UUID, *, skip_locked: bool = False) -> Meeting | None:
        """The meeting row, locked for this transaction: the lock every seat change takes.

        FOR NO KEY UPDATE, so inserts that only reference the meeting are not blocked.
        """
        stmt = (
            select(Meeting)
            .where(Meeting.id == meeting_id)
            .with_for_update(key_share=True, skip_locked=skip_locked)
            .execution_options(populate_existing=True)
        )
        return (await self.session.scalars(stmt)).one_or_none()

    async def list_page(
        self,
        page: PageParams,
        *,
        statuses: Sequence[str] | None,
        activity: str | None,
        type_: str | None,
        year: int | None,
        q: str | None,
    ) -> tuple[list[Meeting], str | None]:
        stmt: Select[Any] = select(Meeting)
        if statuses is not None:
            stmt = stmt.where(Meeting.status.in_(statuses))
        if activity is not None:
            stmt = stmt.where(Meeting.activity == activity)
        if type_ is not None:
            stmt = stmt.where(Meeting.type == type_)
        if year is not None:
            stmt = stmt.where(
                or_(
                    func.extract("year", Meeting.start_at) == year,
                    Meeting.period_note.contains(str(year)),
                )
            )
        if q:
            stmt = stmt.where(
                or_(
                    Meeting.code.icontains(q, autoescape=True),
                    cast(Meeting.title, Text).icontains(q, autoescape=True),
                )
            )
        return await paginate(self.session, stmt, [Meeting.code, Meeting.id], page)

    def add(self, meeting: Meeting) -> None:
        self.session.add(meeting)

    async def replace_fields(self, meeting_id: uuid.UUID, fields: Sequence[FormField]) -> None:
        await self.session.execute(delete(FormField).where(FormField.meeting_id == meeting_id))
        self.session.add_all(fields)

    async def replace_categories(
        self, meeting_id: uuid.UUID, rules: Sequence[CategoryRule]
    ) -> None:
        await self.session.execute(
            delete(CategoryRule).where(CategoryRule.meeting_id == meeting_id)
        )
        self.session.add_all(rules)

    async def replace_quotas(self, meeting_id: uuid.UUID, quotas: Sequence[Quota]) -> None:
        await self.session.execute(delete(Quota).where(Quota.meeting_id == meeting_id))
        self.session.add_all(quotas)

    async def session_of(
        self, meeting_id: uuid.UUID, session_id: uuid.UUID
    ) -> MeetingSession | None:
        stmt = select(MeetingSession).where(
            MeetingSession.id == session_id, MeetingSession.meeting_id == meeting_id
        )
        return (await self.session.scalars(stmt)).one_or_none()

    async def delete_session(self, item: MeetingSession) -> None:
        await self.session.delete(item)

    async def counts(
        self, meeting_id: uuid.UUID
    ) -> tuple[
        list[tuple[str, int, int]], list[tuple[str, int, int]], list[tuple[str | None, int, int]]
    ]:
        held = [s.value for s in SEAT_HOLDING]
        base = select(func.count(), func.coalesce(func.sum(Registration.seats), 0)).where(
            Registration.meeting_id == meeting_id
        )
        by_state = await self.session.execute(
            base.add_columns(Registration.state).group_by(Registration.state)
        )
        by_category = await self.session.execute(
            base.add_columns(Registration.category)
            .where(Registration.state.in_(held))
            .group_by(Registration.category)
        )
        by_country = await self.session.execute(
            base.add_columns(Registration.country)
            .where(Registration.state.in_(held))
            .group_by(Registration.country)
        )
        return (
            [(r[2], r[0], int(r[1])) for r in by_state],
            [(r[2], r[0], int(r[1])) for r in by_category],
            [(r[2], r[0], int(r[1])) for r in by_country],
        )

    async def due_for_erasure(self, now: datetime) -> list[uuid.UUID]:
        """Meetings whose retention period is over, locked; rows other replicas hold are skipped."""
        stmt = (
            select(Meeting.id)
            .where(
                Meeting.erased_at.is_(None),
                Meeting.end_at.is_not(None),
                Meeting.end_at + func.make_interval(0, 0, 0, Meeting.retention_days) < now,
            )
            .with_for_update(skip_locked=True, key_share=True)
            .limit(20)
        )
        return list((await self.session.scalars(stmt)).all())
