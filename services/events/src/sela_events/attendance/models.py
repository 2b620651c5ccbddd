from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Index, Text, func, text
from sqlalchemy.orm import Mapped, mapped_column

from sela_events.models import Base
from sela_kit.models import UUIDPrimaryKey


class Attendance(UUIDPrimaryKey, Base):
    """A check-in: one per registration and day, or per registration and session."""

    __tablename__ = "attendance"
    __table_args__ = (
        Index(
            "uq_attendance_registration_day_session",
            "registration_id",
            "day",
            text("coalesce(session_id, '00000000-0000-0000-0000-000000000000'::uuid)"),
            unique=True,
        ),
    )

    registration_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("registrations.id", ondelete="CASCADE"), index=True
    )
    meeting_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    session_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("meeting_sessions.id", ondelete="CASCADE")
    )
    day: Mapped[date] = mapped_column(Date)
    recorded_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    recorded_by: Mapped[str | None] = mapped_column(Text)
