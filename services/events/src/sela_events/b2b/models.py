from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, String, Text, func, text
from sqlalchemy.orm import Mapped, mapped_column

from sela_events.models import Base
from sela_kit.models import Timestamps, UUIDPrimaryKey


class B2BProfile(Timestamps, Base):
    """What a round-table participant offers and seeks, in one economic sector."""

    __tablename__ = "b2b_profiles"

    registration_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("registrations.id", ondelete="CASCADE"), primary_key=True
    )
    meeting_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    sector: Mapped[str] = mapped_column(String(64))
    offers: Mapped[str | None] = mapped_column(Text)
    seeks: Mapped[str | None] = mapped_column(Text)


class B2BRequest(UUIDPrimaryKey, Base):
    """A requested bilateral meeting, and the slot and table the scheduler gave it."""

    __tablename__ = "b2b_requests"
    __table_args__ = (
        # One request per pair, whoever asked first.
        Index(
            "uq_b2b_requests_pair",
            "meeting_id",
            text("least(requester_id, target_id)"),
            text("greatest(requester_id, target_id)"),
            unique=True,
        ),
    )

    meeting_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    requester_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("registrations.id", ondelete="CASCADE")
    )
    target_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"))
    sector: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    slot_starts_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    slot_ends_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    table_name: Mapped[str | None] = mapped_column(String(100))
