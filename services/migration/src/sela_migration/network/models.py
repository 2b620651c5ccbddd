from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint, Uuid
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from sela_kit.models import Timestamps, UUIDPrimaryKey
from sela_migration.models import Base


class NetworkMeasures(UUIDPrimaryKey, Timestamps, Base):
    """The measures of one dataset's network in one year, scope and sex (latest computation)."""

    __tablename__ = "network_measures"
    __table_args__ = (UniqueConstraint("dataset_id", "year", "scope", "sex"),)

    dataset_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("datasets.id", ondelete="CASCADE"))
    year: Mapped[int] = mapped_column(Integer)
    scope: Mapped[str] = mapped_column(String(10))
    # total, female or male: whose stocks weigh the links.
    sex: Mapped[str] = mapped_column(String(6), default="total")
    # The job that computed them (the kit's jobs table; no foreign key, jobs may be purged).
    job_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    params: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    summary: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    # Tables as lists of row objects (polars ``to_dicts``).
    nodes: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    by_degree: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    distributions: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    backbone: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    corridors: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
