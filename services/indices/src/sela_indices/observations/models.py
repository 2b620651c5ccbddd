from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Date,
    DateTime,
    Double,
    ForeignKey,
    Identity,
    Index,
    Integer,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from sela_indices.models import Base


class Vintage(Base):
    """One load: every observation it stored carries its id and its time."""

    __tablename__ = "vintage"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.clock_timestamp()
    )
    layout: Mapped[str] = mapped_column(String(16))
    file_name: Mapped[str | None] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    submitted_by: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    summary: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)


class Observation(Base):
    """A value as known from ``valid_from`` until ``valid_to`` (null while current).

    A revision closes the current row and adds a new one, so every earlier value stays
    queryable with ``as_of``.
    """

    __tablename__ = "observation"
    __table_args__ = (
        Index(
            "uq_observation_current",
            "indicator_id",
            "area",
            "period",
            unique=True,
            postgresql_where=text("valid_to IS NULL"),
        ),
        Index("ix_observation_history", "indicator_id", "area", "period", "valid_from"),
        Index(
            "ix_observation_area_current",
            "area",
            "indicator_id",
            postgresql_where=text("valid_to IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    indicator_id: Mapped[int] = mapped_column(Integer, ForeignKey("indicator.id"))
    area: Mapped[str] = mapped_column(String(16), ForeignKey("area.code"))
    period: Mapped[str] = mapped_column(String(10))
    freq: Mapped[str] = mapped_column(String(1))
    period_start: Mapped[date] = mapped_column(Date)
    value: Mapped[float | None] = mapped_column(Double)
    status: Mapped[str] = mapped_column(String(1), default="A")
    source: Mapped[str | None] = mapped_column(Text)
    vintage_id: Mapped[int] = mapped_column(ForeignKey("vintage.id"))
    valid_from: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    valid_to: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
