"""Jobs: long computations queued by a request and run by worker processes of the service.

A job is a row of the service's ``jobs`` table (parameters, status, progress, result) and a
message ``jobs.<service>.queued`` on the work-queue stream JOBS, written through the outbox in
the transaction that creates the row, so a job is never queued without its row or lost when
NATS is down. Every worker of the service pulls from one durable consumer filtered on its
service's subjects: running more workers (more pods, or ``python -m sela_<service> worker``)
takes more jobs, and a message is gone once a worker acknowledges it.

A worker claims the row (``queued`` -> ``running``), runs the handler, stores the result and
``succeeded`` in one transaction, then acknowledges. While it runs, progress is written every
half second and the message's ack deadline is extended, so a long job is not handed to another
worker; if the worker dies, the message comes back after the deadline and another worker runs
the job again (handlers must be idempotent: they write results keyed by the job id). A job
whose row is already finished is acknowledged without running. A handler that raises is retried
up to ``max_attempts`` and then ``failed`` with the error.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any

import nats.errors
from fastapi import APIRouter, Query
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from pydantic import BaseModel, Field
from sqlalchemy import (
    Column,
    DateTime,
    Double,
    Index,
    Integer,
    Table,
    Text,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.ext.asyncio import AsyncSession

from sela_contracts import JOBS_STREAM, contract_for
from sela_contracts.jobs import JobQueuedBase
from sela_kit.db import Database, DbSession
from sela_kit.errors import NotFoundError, problem_responses
from sela_kit.messaging.bus import Bus
from sela_kit.messaging.outbox import record_event
from sela_kit.models import new_metadata
from sela_kit.tasks import cancel_and_wait

logger = logging.getLogger("sela.jobs")

JOBS_METADATA = new_metadata()
JOBS = Table(
    "jobs",
    JOBS_METADATA,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("kind", Text, nullable=False),
    Column("params", JSONB, nullable=False),
    Column("status", Text, nullable=False, server_default=text("'queued'")),
    Column("progress", Double, nullable=False, server_default=text("0")),
    Column("message", Text),
    Column("result", JSONB),
    Column("error", Text),
    Column("attempts", Integer, nullable=False, server_default=text("0")),
    Column("submitted_by", Text),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("started_at", DateTime(timezone=True)),
    Column("finished_at", DateTime(timezone=True)),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
Index("ix_jobs_kind_created", JOBS.c.kind, JOBS.c.created_at)

FINISHED = ("succeeded", "failed")


def create_jobs_table() -> None:
    """For a service migration that introduces jobs."""
    from alembic import context

    JOBS.create(context.get_bind())


def drop_jobs_table() -> None:
    from alembic import context

    JOBS.drop(context.get_bind())


class JobError(Exception):
    """Raised by a handler when retrying cannot help: the job fails at once with this text."""


@dataclass
class JobContext:
    """What a handler gets: the job, its parameters, a session factory and a progress hook.

    ``progress`` may be called from any thread (handlers run computations off the loop).
    """

    job_id: uuid.UUID
    kind: str
    params: dict[str, Any]
    database: Database
    attempt: int
    submitted_by: str | None = None
    # The settings of the process running the job (its service's settings class).
    settings: Any = None
    _progress: float = 0.0
    _message: str | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def progress(self, done: float, total: float = 1.0, message: str | None = None) -> None:
        with self._lock:
            self._progress = min(1.0, max(0.0, done / total if total else 0.0))
            if message is not None:
                self._message = message

    def snapshot(self) -> tuple[float, str | None]:
        with self._lock:
            return self._progress, self._message


Handler = Callable[[JobContext], Awaitable[dict[str, Any]]]


@dataclass(frozen=True)
class JobKind:
    name: str
    handler: Handler
    max_attempts: int = 2


def subject_for(service: str) -> str:
    return f"jobs.{service}.queued"


async def submit_job(
    session: AsyncSession,
    service: str,
    kind: str,
    params: Mapping[str, Any],
    *,
    submitted_by: str | None = None,
) -> uuid.UUID:
    """Create the job row and queue its message, in the caller's transaction."""
    job_id = uuid.uuid4()
    await session.execute(
        insert(JOBS).values(id=job_id, kind=kind, params=dict(params), submitted_by=submitted_by)
    )
    contract = contract_for(subject_for(service), 1)
    event = contract.model_validate({"job_id": job_id, "kind": kind})
    await record_event(session, event, source=service, event_id=job_id)
    return job_id


class JobRead(BaseModel):
    id: uuid.UUID
    kind: str
    status: str = Field(description="queued, running, succeeded or failed")
    progress: float = Field(ge=0, le=1)
    message: str | None
    params: dict[str, Any]
    result: dict[str, Any] | None
    error: str | None
    attempts: int
    submitted_by: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


async def get_job(session: AsyncSession, job_id: uuid.UUID) -> JobRead | None:
    row = (await session.execute(select(JOBS).where(JOBS.c.id == job_id))).mappings().first()
    return None if row is None else JobRead.model_validate(dict(row))


def jobs_router() -> APIRouter:
    router = APIRouter(tags=["jobs"])

    @router.get("/jobs/{job_id}", response_model=JobRead, responses=problem_responses(404))
    async def get_job_status(session: DbSession, job_id: uuid.UUID) -> JobRead:
        """A job's status, progress (0–1) and, once it succeeded, its result."""
        job = await get_job(session, job_id)
        if job is None:
            raise NotFoundError(f"Job {job_id} does not exist.")
        return job

    @router.get("/jobs", response_model=list[JobRead])
    async def list_jobs(
        session: DbSession,
        kind: str | None = None,
        status: str | None = None,
        limit: Annotated[int, Query(ge=1, le=200)] = 50,
    ) -> list[JobRead]:
        """Recent jobs, newest first."""
        stmt = select(JOBS).order_by(JOBS.c.created_at.desc()).limit(limit)
        if kind is not None:
            stmt = stmt.where(JOBS.c.kind == kind)
        if status is not None:
            stmt = stmt.where(JOBS.c.status == status)
        rows = (await session.execute(stmt)).mappings().all()
        return [JobRead.model_validate(dict(r)) for r in rows]

    return router


class JobRunner:
    """One worker: pulls this service's job messages and runs them one at a time."""

    def __init__(
        self,
        service: str,
        kinds: Mapping[str, JobKind],
        database: Database,
        bus: Bus,
        *,
        ack_wait: float = 30.0,
        flush_seconds: float = 0.5,
        settings: Any = None,
    ) -> None:
        self.service = service
        self.settings = settings
        self.kinds = dict(kinds)
        self.database = database
        self.bus = bus
        self.ack_wait = ack_wait
        self.flush_seconds = flush_seconds
        self.durable = f"jobs-{service}"
        self._stopping = False
        bus.add_consumer(
            JOBS_STREAM.name,
            Bus.pull_consumer_config(
                self.durable, (f"jobs.{service}.>",), ack_wait=ack_wait, max_ack_pending=1000
            ),
        )

    def stop(self) -> None:
        self._stopping = True

    async def run(self) -> None:
        subscription: JetStreamContext.PullSubscription | None = None
        while not self._stopping:
            if not self.bus.ready:
                await self.bus.wait_ready(timeout=1.0)
                continue
            try:
                if subscription is None:
                    subscription = await self.bus.js.pull_subscribe_bind(
                        durable=self.durable, stream=JOBS_STREAM.name
                    )
                messages = await subscription.fetch(1, timeout=1.0)
            except nats.errors.TimeoutError:
                continue
            except Exception as exc:
                logger.warning("job fetch failed: %s", exc)
                if subscription is not None:
                    with contextlib.suppress(Exception):
                        await subscription.unsubscribe()
                subscription = None
                await asyncio.sleep(0.5)
                continue
            for message in messages:
                await self.handle(message)
        if subscription is not None:
            with contextlib.suppress(Exception):
                await subscription.unsubscribe()

    async def handle(self, message: Msg) -> None:
        try:
            queued = JobQueuedBase.model_validate_json(message.data)
        except ValueError as exc:
            logger.error("dropping a malformed job message: %s", exc)
            await message.ack()
            return
        claimed = await self._claim(queued.job_id)
        if claimed is None:
            await message.ack()  # finished already, or unknown: nothing to run
            return
        kind_name, params, attempt, submitted_by = claimed
        kind = self.kinds.get(kind_name)
        context = JobContext(
            queued.job_id,
            kind_name,
            params,
            self.database,
            attempt,
            submitted_by,
            settings=self.settings,
        )
        if kind is None:
            await self._finish(queued.job_id, "failed", error=f"unknown job kind {kind_name!r}")
            await message.ack()
            return
        ticker = asyncio.create_task(self._tick(context, message))
        try:
            result = await kind.handler(context)
        except JobError as exc:
            await self._finish(queued.job_id, "failed", error=str(exc))
            await message.ack()
            return
        except Exception as exc:
            logger.exception("job %s (%s) failed on attempt %d", queued.job_id, kind_name, attempt)
            if attempt >= kind.max_attempts:
                await self._finish(queued.job_id, "failed", error=f"{type(exc).__name__}: {exc}")
                await message.ack()
            else:
                await self._requeue(queued.job_id, f"{type(exc).__name__}: {exc}")
                with contextlib.suppress(Exception):
                    await message.nak(delay=1.0)
            return
        finally:
            await cancel_and_wait(ticker)
        await self._finish(queued.job_id, "succeeded", result=result, message=context.snapshot()[1])
        with contextlib.suppress(Exception):
            await message.ack()

    async def _claim(self, job_id: uuid.UUID) -> tuple[str, dict[str, Any], int, str | None] | None:
        async with self.database.transaction() as session:
            row = (
                await session.execute(
                    update(JOBS)
                    .where(JOBS.c.id == job_id, JOBS.c.status.not_in(FINISHED))
                    .values(
                        status="running",
                        attempts=JOBS.c.attempts + 1,
                        started_at=func.now(),
                        updated_at=func.now(),
                        error=None,
                    )
                    .returning(JOBS.c.kind, JOBS.c.params, JOBS.c.attempts, JOBS.c.submitted_by)
                )
            ).first()
        return None if row is None else (row[0], row[1], row[2], row[3])

    async def _tick(self, context: JobContext, message: Msg) -> None:
        last: tuple[float, str | None] | None = None
        while True:
            await asyncio.sleep(self.flush_seconds)
            with contextlib.suppress(Exception):
                await message.in_progress()
            snapshot = context.snapshot()
            if snapshot != last:
                last = snapshot
                async with self.database.transaction() as session:
                    await session.execute(
                        update(JOBS)
                        .where(JOBS.c.id == context.job_id, JOBS.c.status == "running")
                        .values(progress=snapshot[0], message=snapshot[1], updated_at=func.now())
                    )

    async def _finish(
        self,
        job_id: uuid.UUID,
        status: str,
        *,
        result: dict[str, Any] | None = None,
        error: str | None = None,
        message: str | None = None,
    ) -> None:
        values: dict[str, Any] = {
            "status": status,
            "finished_at": func.now(),
            "updated_at": func.now(),
            "error": error,
        }
        if status == "succeeded":
            values.update(progress=1.0, result=result)
        if message is not None:
            values["message"] = message
        async with self.database.transaction() as session:
            await session.execute(update(JOBS).where(JOBS.c.id == job_id).values(**values))

    async def _requeue(self, job_id: uuid.UUID, error: str) -> None:
        async with self.database.transaction() as session:
            await session.execute(
                update(JOBS)
                .where(JOBS.c.id == job_id)
                .values(status="queued", error=error, updated_at=func.now())
            )
