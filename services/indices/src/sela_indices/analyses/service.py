"""Stored analyses and the jobs that compute them."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

import polars as pl
from sqlalchemy.ext.asyncio import AsyncSession

from sela_indices.analyses import composite
from sela_indices.analyses.repository import AnalysisRepository
from sela_indices.analyses.schemas import AnalysisRead, JobAccepted, TableInfo
from sela_kit.errors import InvalidInputError, NotFoundError
from sela_kit.jobs import submit_job

SERVICE = "indices"


async def submit(
    session: AsyncSession,
    kind: str,
    params: Mapping[str, Any],
    submitted_by: str | None,
    prefix: str,
) -> JobAccepted:
    job_id = await submit_job(session, SERVICE, kind, params, submitted_by=submitted_by)
    return JobAccepted(
        job=job_id,
        status_url=f"{prefix}/jobs/{job_id}",
        result_url=f"{prefix}/analyses/{job_id}",
    )


async def read(session: AsyncSession, run_id: uuid.UUID) -> AnalysisRead:
    repo = AnalysisRepository.from_session(session)
    run = await repo.get(run_id)
    if run is None:
        raise NotFoundError(
            f"Analysis {run_id} does not exist (yet: a queued job stores it when it succeeds)."
        )
    tables = [TableInfo(name=n, rows=r, columns=c) for n, r, c in await repo.table_names(run_id)]
    return AnalysisRead.model_validate(run).model_copy(update={"tables": tables})


async def table(
    session: AsyncSession,
    run_id: uuid.UUID,
    name: str,
    filters: Mapping[str, list[str]],
) -> pl.DataFrame:
    frame = await AnalysisRepository.from_session(session).table(run_id, name)
    if frame is None:
        await read(session, run_id)
        raise NotFoundError(f"Analysis {run_id} has no table {name!r}.")
    for column, values in filters.items():
        if column not in frame.columns:
            raise InvalidInputError(
                f"{name} has no column {column!r}; its columns: {', '.join(frame.columns)}.",
                code="unknown_column",
            )
        frame = frame.filter(pl.col(column).cast(pl.String).is_in(values))
    return frame


async def composite_result(
    session: AsyncSession, run_id: uuid.UUID
) -> tuple[dict[str, Any], pl.DataFrame, pl.DataFrame | None]:
    """The summary, scores and (with an uncertainty analysis) rank statistics of a
    composite-index analysis."""
    repo = AnalysisRepository.from_session(session)
    run = await repo.get(run_id)
    if run is None or run.kind != composite.KIND:
        await read(session, run_id)
        raise NotFoundError(
            f"Analysis {run_id} is not a composite index ({run.kind if run else ''})."
        )
    scores = await repo.table(run_id, "scores")
    if scores is None:  # pragma: no cover - stored together with the run
        raise NotFoundError(f"Analysis {run_id} has no scores.")
    ranks = await repo.table(run_id, "ranks")
    return run.summary, scores, ranks


async def submit_composite(
    session: AsyncSession,
    params: composite.CompositeParams,
    submitted_by: str | None,
    prefix: str,
) -> JobAccepted:
    """Check the request against the catalogue and the data, then queue it."""
    await composite.validate(session, params)
    return await submit(
        session, composite.KIND, params.model_dump(mode="json"), submitted_by, prefix
    )
