from __future__ import annotations

import io
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from sela_indices.analyses.models import AnalysisRun, AnalysisTable
from sela_kit.jobs import JOBS


def to_parquet(frame: pl.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.write_parquet(buffer, compression="zstd")
    return buffer.getvalue()


def from_parquet(data: bytes) -> pl.DataFrame:
    return pl.read_parquet(io.BytesIO(data))


@dataclass
class AnalysisRepository:
    session: AsyncSession

    @classmethod
    def from_session(cls, session: AsyncSession) -> AnalysisRepository:
        return cls(session)

    async def save(
        self,
        run_id: uuid.UUID,
        kind: str,
        params: Mapping[str, Any],
        inputs: Mapping[str, Any],
        summary: Mapping[str, Any],
        tables: Mapping[str, pl.DataFrame],
        submitted_by: str | None,
    ) -> None:
        existing = await self.session.get(AnalysisRun, run_id)
        if existing is not None:
            # A job run again after a lost acknowledgement replaces its own earlier result.
            await self.session.delete(existing)
            await self.session.flush()
        self.session.add(
            AnalysisRun(
                id=run_id,
                kind=kind,
                params=dict(params),
                inputs=dict(inputs),
                summary=dict(summary),
                submitted_by=submitted_by,
            )
        )
        await self.session.flush()
        for name, frame in tables.items():
            self.session.add(
                AnalysisTable(
                    run_id=run_id,
                    name=name,
                    rows=frame.height,
                    columns=frame.columns,
                    data=to_parquet(frame),
                )
            )
        await self.session.flush()

    async def runs(self, kind: str | None, limit: int) -> Sequence[AnalysisRun]:
        stmt = select(AnalysisRun).order_by(AnalysisRun.created_at.desc()).limit(limit)
        if kind is not None:
            stmt = stmt.where(AnalysisRun.kind == kind)
        return (await self.session.scalars(stmt)).all()

    async def get(self, run_id: uuid.UUID) -> AnalysisRun | None:
        return await self.session.get(AnalysisRun, run_id)

    async def latest(self, kind: str) -> AnalysisRun | None:
        stmt = (
            select(AnalysisRun)
            .where(AnalysisRun.kind == kind)
            .order_by(AnalysisRun.created_at.desc())
            .limit(1)
        )
        return (await self.session.scalars(stmt)).first()

    async def table_names(self, run_id: uuid.UUID) -> list[tuple[str, int, list[str]]]:
        rows = await self.session.execute(
            select(AnalysisTable.name, AnalysisTable.rows, AnalysisTable.columns).where(
                AnalysisTable.run_id == run_id
            )
        )
        return [(r[0], r[1], r[2]) for r in rows.all()]

    async def table(self, run_id: uuid.UUID, name: str) -> pl.DataFrame | None:
        data = await self.session.scalar(
            select(AnalysisTable.data).where(
                AnalysisTable.run_id == run_id, AnalysisTable.name == name
            )
        )
        return None if data is None else from_parquet(data)

    async def has_job(self, kind: str, submitted_by: str) -> bool:
        """Whether a job of this kind was ever submitted by ``submitted_by`` (any status)."""
        found = await self.session.scalar(
            select(JOBS.c.id)
            .where(JOBS.c.kind == kind, JOBS.c.submitted_by == submitted_by)
            .limit(1)
        )
        return found is not None
