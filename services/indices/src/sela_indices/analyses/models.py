from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, ForeignKey, Integer, LargeBinary, String, func
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from sela_indices.models import Base


class AnalysisRun(Base):
    """A stored computation (niches, composite index, vulnerability): its exact settings,
    the inputs it read (datasets, vintages) and a summary; its tables are beside it."""

    __tablename__ = "analysis_run"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    params: Mapped[dict[str, Any]] = mapped_column(JSONB)
    inputs: Mapped[dict[str, Any]] = mapped_column(JSONB)
    summary: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    submitted_by: Mapped[str | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.clock_timestamp()
    )


class AnalysisTable(Base):
    """One result table of a run, kept as Parquet: typed, compact, read back whole by polars."""

    __tablename__ = "analysis_table"

    run_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("analysis_run.id", ondelete="CASCADE"), primary_key=True
    )
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    rows: Mapped[int] = mapped_column(Integer)
    columns: Mapped[list[str]] = mapped_column(JSONB)
    data: Mapped[bytes] = mapped_column(LargeBinary)
