from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from sela_events.attendance.models import Attendance
from sela_events.meetings.models import MeetingSession

NO_SESSION = uuid.UUID(int=0)


class AttendanceRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @classmethod
    def from_session(cls, session: AsyncSession) -> AttendanceRepository:
        return cls(session)

    async def record(
        self,
        registration_id: uuid.UUID,
        meeting_id: uuid.UUID,
        session_id: uuid.UUID | None,
        day: date,
        by: str | None,
    ) -> tuple[Attendance, bool]:
        """Insert the check-in unless it exists; return it and whether it is new."""
        stmt = (
            insert(Attendance)
            .values(
                id=uuid.uuid4(),
                registration_id=registration_id,
                meeting_id=meeting_id,
                session_id=session_id,
                day=day,
                recorded_by=by,
            )
            .on_conflict_do_nothing()
            .returning(Attendance.id)
        )
        new_id = (await self.session.execute(stmt)).scalar_one_or_none()
        query = select(Attendance).where(
            Attendance.registration_id == registration_id, Attendance.day == day
        )
        query = query.where(
            Attendance.session_id == session_id
            if session_id is not None
            else Attendance.session_id.is_(None)
        )
        row = (await self.session.scalars(query)).one()
        return row, new_id is not None

    async def of_registration(self, registration_id: uuid.UUID) -> Sequence[Attendance]:
        stmt = (
            select(Attendance)
            .where(Attendance.registration_id == registration_id)
            .order_by(Attendance.day, Attendance.recorded_at)
        )
        return (await self.session.scalars(stmt)).all()

    async def of_meeting(self, meeting_id: uuid.UUID) -> Sequence[Attendance]:
        stmt = (
            select(Attendance)
            .where(Attendance.meeting_id == meeting_id)
            .order_by(Attendance.day, Attendance.recorded_at)
        )
        return (await self.session.scalars(stmt)).all()

    async def sessions(self, meeting_id: uuid.UUID) -> Sequence[MeetingSession]:
        stmt = (
            select(MeetingSession)
            .where(MeetingSession.meeting_id == meeting_id)
            .order_by(MeetingSession.starts_at)
        )
        return (await self.session.scalars(stmt)).all()
