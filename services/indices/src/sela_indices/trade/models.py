from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    DateTime,
    Double,
    ForeignKey,
    Identity,
    Index,
    Integer,
    String,
    Text,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from sela_indices.models import Base


class TradeDataset(Base):
    """One loaded file of bilateral flows; a dataset name's latest load is its current one."""

    __tablename__ = "trade_dataset"
    __table_args__ = (Index("ix_trade_dataset_name", "name", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    layout: Mapped[str] = mapped_column(String(16))
    file_name: Mapped[str | None] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    rows: Mapped[int] = mapped_column(Integer)
    domestic: Mapped[int] = mapped_column(Integer)
    first_year: Mapped[int] = mapped_column(Integer)
    last_year: Mapped[int] = mapped_column(Integer)
    flows: Mapped[str] = mapped_column(String(4), comment="flow types present: X, M or XM")
    products: Mapped[bool] = mapped_column()
    unit: Mapped[str] = mapped_column(String(60))
    skipped: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    note: Mapped[str | None] = mapped_column(Text)
    submitted_by: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.clock_timestamp()
    )


class TradeFlow(Base):
    __tablename__ = "trade_flow"
    __table_args__ = (Index("ix_trade_flow_dataset_year", "dataset_id", "year"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("trade_dataset.id", ondelete="CASCADE"))
    reporter: Mapped[str] = mapped_column(String(3))
    partner: Mapped[str] = mapped_column(String(3))
    year: Mapped[int] = mapped_column(Integer)
    classification: Mapped[str | None] = mapped_column(String(16))
    product: Mapped[str | None] = mapped_column(String(12))
    flow: Mapped[str] = mapped_column(String(1))
    value: Mapped[float] = mapped_column(Double)
