from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, DateTime, ForeignKey, String, Uuid
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from sela_kit.models import Timestamps, UUIDPrimaryKey
from sela_migration.models import Base


class Correlation(UUIDPrimaryKey, Timestamps, Base):
    """A correlation of node measures with indicators, kept up to date by refresh jobs.

    ``result`` is the last finished computation; a refresh replaces it only when it
    succeeds, so readers always have one. ``vintages`` records, per indicator read from the
    indices service, the newest vintage among the values that result used.
    """

    __tablename__ = "correlations"

    dataset_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("datasets.id", ondelete="CASCADE"), index=True
    )
    params: Mapped[dict[str, Any]] = mapped_column(JSONB)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    vintages: Mapped[dict[str, str]] = mapped_column(JSONB, default=dict)
    computed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The job whose result is shown, and a refresh queued or running (null: none).
    job_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    pending_job_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    # The newest indicator vintage announced (indices.indicator.updated) for a refresh.
    pending_vintage: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    stale: Mapped[bool] = mapped_column(Boolean, default=False)
    submitted_by: Mapped[str | None] = mapped_column(String(200))
