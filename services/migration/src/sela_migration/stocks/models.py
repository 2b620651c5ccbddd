from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import BigInteger, Float, ForeignKey, Integer, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from sela_kit.models import Timestamps, UUIDPrimaryKey
from sela_migration.models import Base


class Dataset(UUIDPrimaryKey, Timestamps, Base):
    """One imported edition of bilateral migrant stocks (e.g. UN DESA 2020)."""

    __tablename__ = "datasets"

    slug: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    layout: Mapped[str] = mapped_column(String(10))
    source_file: Mapped[str | None] = mapped_column(String(300))
    years: Mapped[list[int]] = mapped_column(JSONB, default=list)
    areas: Mapped[int] = mapped_column(Integer, default=0)
    rows: Mapped[int] = mapped_column(BigInteger, default=0)
    dropped: Mapped[list[str]] = mapped_column(JSONB, default=list)
    extra: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)


class Stock(Base):
    """Migrants born in ``origin`` living in ``destination`` in ``year`` (mid-year)."""

    __tablename__ = "stocks"

    dataset_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("datasets.id", ondelete="CASCADE"), primary_key=True
    )
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    origin: Mapped[str] = mapped_column(String(3), primary_key=True)
    destination: Mapped[str] = mapped_column(String(3), primary_key=True)
    total: Mapped[float] = mapped_column(Float)
    female: Mapped[float | None] = mapped_column(Float)
    male: Mapped[float | None] = mapped_column(Float)
