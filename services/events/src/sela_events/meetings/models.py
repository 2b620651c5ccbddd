from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sela_events.models import Base
from sela_events.vocab import (
    Category,
    FieldKind,
    MeetingStatus,
    MeetingType,
    ModificationRule,
    check_in,
)
from sela_kit.models import Timestamps, UUIDPrimaryKey


class Meeting(UUIDPrimaryKey, Timestamps, Base):
    """A meeting, seminar, workshop, course or round table of the Work Programme.

    The meeting row is also the lock that serialises every change of seats for the meeting
    (registration, approval, cancellation, offers): see docs/decisions/0030.
    """

    __tablename__ = "meetings"
    __table_args__ = (
        CheckConstraint(check_in("type", MeetingType), name="type"),
        CheckConstraint(check_in("status", MeetingStatus), name="status"),
        CheckConstraint(check_in("modification_rule", ModificationRule), name="modification_rule"),
        CheckConstraint("capacity IS NULL OR capacity >= 0", name="capacity"),
        CheckConstraint("end_at IS NULL OR start_at IS NULL OR end_at >= start_at", name="dates"),
        Index("ix_meetings_activity", "activity"),
    )

    code: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[dict[str, str]] = mapped_column(JSONB)
    description: Mapped[dict[str, str]] = mapped_column(JSONB, server_default=text("'{}'"))
    type: Mapped[str] = mapped_column(String(32))
    activity: Mapped[str | None] = mapped_column(String(16))
    venue: Mapped[str | None] = mapped_column(Text)
    city: Mapped[str | None] = mapped_column(Text)
    country: Mapped[str | None] = mapped_column(String(3))
    timezone: Mapped[str] = mapped_column(String(64), server_default="America/Caracas")
    start_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    end_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    period_note: Mapped[str | None] = mapped_column(Text)
    organisers: Mapped[list[str]] = mapped_column(JSONB, server_default=text("'[]'"))
    partners: Mapped[list[str]] = mapped_column(JSONB, server_default=text("'[]'"))
    status: Mapped[str] = mapped_column(String(32), server_default=MeetingStatus.DRAFT.value)
    capacity: Mapped[int | None] = mapped_column(Integer)
    registration_closes_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    modification_rule: Mapped[str] = mapped_column(
        String(32), server_default=ModificationRule.UNTIL_DEADLINE.value
    )
    offer_hours: Mapped[int] = mapped_column(Integer, server_default="48")
    retention_days: Mapped[int] = mapped_column(Integer, server_default="730")
    erased_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    source: Mapped[str | None] = mapped_column(Text)

    sessions: Mapped[list[MeetingSession]] = relationship(
        lazy="raise", order_by="MeetingSession.starts_at", cascade="all, delete-orphan"
    )
    fields: Mapped[list[FormField]] = relationship(
        lazy="raise", order_by="FormField.position", cascade="all, delete-orphan"
    )
    category_rules: Mapped[list[CategoryRule]] = relationship(
        lazy="raise", cascade="all, delete-orphan"
    )
    quotas: Mapped[list[Quota]] = relationship(lazy="raise", cascade="all, delete-orphan")

    @property
    def categories(self) -> list[CategoryRule]:
        return self.category_rules


class MeetingSession(UUIDPrimaryKey, Base):
    """One item of the agenda: a session with its room and speakers."""

    __tablename__ = "meeting_sessions"
    __table_args__ = (CheckConstraint("ends_at >= starts_at", name="times"),)

    meeting_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[dict[str, str]] = mapped_column(JSONB)
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    room: Mapped[str | None] = mapped_column(Text)
    speakers: Mapped[list[str]] = mapped_column(JSONB, server_default=text("'[]'"))


class FormField(UUIDPrimaryKey, Base):
    """A custom field of a meeting's registration form, possibly shown only on a condition."""

    __tablename__ = "form_fields"
    __table_args__ = (
        UniqueConstraint("meeting_id", "key"),
        CheckConstraint(check_in("kind", FieldKind), name="kind"),
    )

    meeting_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    key: Mapped[str] = mapped_column(String(64))
    label: Mapped[dict[str, str]] = mapped_column(JSONB)
    kind: Mapped[str] = mapped_column(String(16))
    required: Mapped[bool] = mapped_column(Boolean, server_default="false")
    options: Mapped[list[str]] = mapped_column(JSONB, server_default=text("'[]'"))
    # {"field": key, "equals": value} or {"field": key, "in": [values]}
    condition: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    position: Mapped[int] = mapped_column(Integer, server_default="0")


class CategoryRule(Base):
    """Which participant categories a meeting accepts, and which need approval."""

    __tablename__ = "category_rules"
    __table_args__ = (CheckConstraint(check_in("category", Category), name="category"),)

    meeting_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True
    )
    category: Mapped[str] = mapped_column(String(32), primary_key=True)
    moderated: Mapped[bool] = mapped_column(Boolean, server_default="false")


class Quota(UUIDPrimaryKey, Base):
    """At most ``seats`` seats for the registrations the quota matches.

    A quota matches a registration when its category (if set) and country (if set) equal the
    registration's. ``per_country`` makes the limit apply to each country separately
    ("two delegates per member state").
    """

    __tablename__ = "quotas"
    __table_args__ = (
        CheckConstraint("seats >= 0", name="seats"),
        CheckConstraint("category IS NULL OR " + check_in("category", Category), name="category"),
        CheckConstraint("NOT (per_country AND country IS NOT NULL)", name="per_country"),
    )

    meeting_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    category: Mapped[str | None] = mapped_column(String(32))
    country: Mapped[str | None] = mapped_column(String(3))
    per_country: Mapped[bool] = mapped_column(Boolean, server_default="false")
    seats: Mapped[int] = mapped_column(Integer)
