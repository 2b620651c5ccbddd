from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from sela_events.models import Base
from sela_events.vocab import ACTIVE, Category, RegistrationState, check_in
from sela_kit.models import Timestamps, UUIDPrimaryKey

_ACTIVE_SQL = "state IN (" + ", ".join(f"'{s.value}'" for s in sorted(ACTIVE)) + ")"


class Registration(UUIDPrimaryKey, Timestamps, Base):
    """One request for ``seats`` seats (one person, or a delegation) at one meeting.

    Personal fields are nullable: the retention job erases them and keeps category, country,
    seats and state, so the counts survive.
    """

    __tablename__ = "registrations"
    # RETURNING fills server defaults at insert time instead of a second SELECT.
    __mapper_args__ = {"eager_defaults": True}
    __table_args__ = (
        CheckConstraint(check_in("state", RegistrationState), name="state"),
        CheckConstraint(check_in("category", Category), name="category"),
        CheckConstraint("seats >= 1", name="seats"),
        # One live registration per person and meeting, whatever the concurrency.
        Index(
            "uq_registrations_meeting_email_active",
            "meeting_id",
            text("lower(email)"),
            unique=True,
            postgresql_where=text(_ACTIVE_SQL),
        ),
        Index(
            "uq_registrations_meeting_idempotency_key",
            "meeting_id",
            "idempotency_key",
            unique=True,
            postgresql_where=text("idempotency_key IS NOT NULL"),
        ),
        Index("ix_registrations_meeting_state_queue", "meeting_id", "state", "queue_number"),
        Index("ix_registrations_offer_expires_at", "offer_expires_at"),
        Index("ix_registrations_user_subject", "user_subject"),
    )

    meeting_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    # Arrival order: the waiting list is served first come, first served.
    queue_number: Mapped[int] = mapped_column(BigInteger, Identity(always=True))
    state: Mapped[str] = mapped_column(String(16))
    category: Mapped[str] = mapped_column(String(32))
    country: Mapped[str | None] = mapped_column(String(3))
    seats: Mapped[int] = mapped_column(Integer, server_default="1")
    first_name: Mapped[str | None] = mapped_column(Text)
    last_name: Mapped[str | None] = mapped_column(Text)
    email: Mapped[str | None] = mapped_column(Text)
    organisation: Mapped[str | None] = mapped_column(Text)
    position: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(2), server_default="es")
    companions: Mapped[list[str]] = mapped_column(JSONB, server_default=text("'[]'"))
    answers: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'"))
    consent_publish: Mapped[bool] = mapped_column(Boolean, server_default="false")
    user_subject: Mapped[str | None] = mapped_column(Text)
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    invitation_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("invitations.id", ondelete="SET NULL")
    )
    checkin_code: Mapped[str | None] = mapped_column(String(32), unique=True)
    offer_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decided_by: Mapped[str | None] = mapped_column(Text)
    erased: Mapped[bool] = mapped_column(Boolean, server_default="false")


class Invitation(UUIDPrimaryKey, Timestamps, Base):
    """A personal invitation: registering with its code skips moderation."""

    __tablename__ = "invitations"
    __table_args__ = (CheckConstraint(check_in("category", Category), name="category"),)

    meeting_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(String(64), unique=True)
    email: Mapped[str | None] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(32))
    country: Mapped[str | None] = mapped_column(String(3))
    seats: Mapped[int] = mapped_column(Integer, server_default="1")
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str | None] = mapped_column(Text)
