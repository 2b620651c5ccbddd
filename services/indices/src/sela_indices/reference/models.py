from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, Index, String, Text, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from sela_indices.models import Base


class Area(Base):
    """A country (ISO 3166 alpha-3) or an integration mechanism: what an observation is about."""

    __tablename__ = "area"
    __table_args__ = (CheckConstraint("kind IN ('country', 'mechanism')", name="kind"),)

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    iso2: Mapped[str | None] = mapped_column(String(2))
    m49: Mapped[str | None] = mapped_column(String(3))
    names: Mapped[dict[str, str]] = mapped_column(JSONB)
    subregional: Mapped[bool] = mapped_column(default=False, server_default="false")


class MechanismEdition(Base):
    """One version of the membership data; the latest loaded one is current."""

    __tablename__ = "mechanism_edition"

    edition: Mapped[str] = mapped_column(String(32), primary_key=True)
    description: Mapped[str] = mapped_column(Text)
    notes: Mapped[list[Any]] = mapped_column(JSONB, default=list)
    loaded_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.clock_timestamp()
    )


class Membership(Base):
    __tablename__ = "membership"
    __table_args__ = (
        CheckConstraint("status IN ('full', 'suspended')", name="status"),
        CheckConstraint("end_date IS NULL OR end_date > start_date", name="dates"),
        Index("ix_membership_lookup", "edition", "mechanism", "start_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    edition: Mapped[str] = mapped_column(
        ForeignKey("mechanism_edition.edition", ondelete="CASCADE")
    )
    mechanism: Mapped[str] = mapped_column(ForeignKey("area.code"))
    country: Mapped[str] = mapped_column(ForeignKey("area.code"))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="full")
