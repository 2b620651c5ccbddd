"""Running jobs off the request: a task per job, the CPU work in a worker thread.

The job row is written in the request's transaction; the task starts only after that
transaction commits (``Database.after_commit``), so it always finds its row. The task then
uses transactions of its own: one to mark the job running, one for the computation's
effects, one to record the outcome. A job cut off by a shutdown stays ``running``; a new
request recomputes.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI, Request
from sqlalchemy.ext.asyncio import AsyncSession

from sela_kit.db import Database
from sela_kit.errors import DomainError
from sela_migration.jobs.models import Job
from sela_migration.jobs.repository import JobRepository

logger = logging.getLogger("sela.migration.jobs")

# kind -> handler(session, job) returning the job's result; it runs in one transaction.
Handler = Callable[[AsyncSession, Job, Any], Awaitable[dict[str, Any]]]
HANDLERS: dict[str, Handler] = {}
_PENDING = "sela_migration_jobs"
_TASKS: set[asyncio.Task[None]] = set()


def handler(kind: str) -> Callable[[Handler], Handler]:
    def register(func: Handler) -> Handler:
        HANDLERS[kind] = func
        return func

    return register


def _install(app: FastAPI) -> None:
    if getattr(app.state, "migration_jobs_installed", False):
        return
    database: Database = app.state.database
    settings = app.state.settings

    def start_pending(session: AsyncSession) -> None:
        for job_id in session.info.pop(_PENDING, []):
            task = asyncio.get_running_loop().create_task(run_job(database, job_id, settings))
            _TASKS.add(task)
            task.add_done_callback(_TASKS.discard)

    database.after_commit.append(start_pending)
    app.state.migration_jobs_installed = True


async def submit(
    request: Request, session: AsyncSession, kind: str, params: dict[str, Any], by: str | None
) -> Job:
    """Queue a job in the request's transaction; it starts once that commits."""
    _install(request.app)
    job = await JobRepository.from_session(session).add(
        Job(kind=kind, status="queued", params=params, requested_by=by, stale=False)
    )
    session.info.setdefault(_PENDING, []).append(job.id)
    return job


async def run_job(database: Database, job_id: uuid.UUID, settings: Any) -> None:
    async with database.transaction() as session:
        job = await JobRepository.from_session(session).get(job_id)
        if job is None or job.status != "queued":
            return
        job.status = "running"
        job.started_at = datetime.now(UTC)
        kind = job.kind
    try:
        async with database.transaction() as session:
            job = await JobRepository.from_session(session).get(job_id)
            assert job is not None
            result = await HANDLERS[kind](session, job, settings)
            job.status = "done"
            job.result = result
            job.finished_at = datetime.now(UTC)
    except Exception as exc:
        message = exc.detail if isinstance(exc, DomainError) else f"{type(exc).__name__}: {exc}"
        if not isinstance(exc, DomainError):
            logger.exception("job %s (%s) failed", job_id, kind)
        async with database.transaction() as session:
            await JobRepository.from_session(session).set(
                job_id, status="failed", error=message, finished_at=datetime.now(UTC)
            )


async def wait_all() -> None:
    """Wait for the jobs running in this process (tests, the demo)."""
    while _TASKS:
        await asyncio.gather(*list(_TASKS), return_exceptions=True)
