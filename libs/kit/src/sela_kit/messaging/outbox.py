"""Transactional outbox: events are rows written with the change, relayed to JetStream later.

Guarantees: an event exists if and only if its transaction committed; every committed event
reaches the stream at least once; JetStream's de-duplication on ``Nats-Msg-Id`` (the event id)
turns a re-publish after a crash into a duplicate PubAck, which counts as success, so the
stream holds each event once. Order on the stream follows commit order except when a publish
fails and is retried after later events.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession

from sela_contracts import EventContract
from sela_kit.context import child_traceparent, request_id_var, traceparent_var
from sela_kit.db import Database
from sela_kit.messaging.bus import Bus
from sela_kit.messaging.tables import OUTBOX
from sela_kit.metrics import OUTBOX_FAILURES, OUTBOX_PENDING, OUTBOX_PUBLISHED

logger = logging.getLogger("sela.outbox")
_Row = Row[Any, Any, Any, Any, Any]

_DIRTY = "sela_outbox_dirty"
HEADER_EVENT_VERSION = "Sela-Event-Version"
HEADER_OCCURRED_AT = "Sela-Occurred-At"
HEADER_SOURCE = "Sela-Source"
HEADER_REQUEST_ID = "X-Request-ID"


async def record_event(
    session: AsyncSession, event: EventContract, *, source: str, event_id: uuid.UUID | None = None
) -> uuid.UUID:
    """Write ``event`` to the outbox inside the caller's transaction; return its id."""
    event_id = event_id or uuid.uuid4()
    headers: dict[str, str] = {
        HEADER_EVENT_VERSION: str(event.version),
        HEADER_OCCURRED_AT: datetime.now(UTC).isoformat(),
        HEADER_SOURCE: source,
        "traceparent": child_traceparent(traceparent_var.get()),
    }
    request_id = request_id_var.get()
    if request_id is not None:
        headers[HEADER_REQUEST_ID] = request_id
    await session.execute(
        insert(OUTBOX).values(
            id=event_id,
            subject=event.subject,
            version=event.version,
            payload=event.model_dump(mode="json"),
            headers=headers,
        )
    )
    session.info[_DIRTY] = True
    return event_id


async def record_events(
    session: AsyncSession, events: Sequence[EventContract], *, source: str
) -> list[uuid.UUID]:
    """:func:`record_event` for many events in one INSERT: one round trip for a batch."""
    if not events:
        return []
    now = datetime.now(UTC).isoformat()
    request_id = request_id_var.get()
    rows: list[dict[str, Any]] = []
    ids: list[uuid.UUID] = []
    for event in events:
        ids.append(uuid.uuid4())
        headers: dict[str, str] = {
            HEADER_EVENT_VERSION: str(event.version),
            HEADER_OCCURRED_AT: now,
            HEADER_SOURCE: source,
            "traceparent": child_traceparent(traceparent_var.get()),
        }
        if request_id is not None:
            headers[HEADER_REQUEST_ID] = request_id
        rows.append(
            {
                "id": ids[-1],
                "subject": event.subject,
                "version": event.version,
                "payload": event.model_dump(mode="json"),
                "headers": headers,
            }
        )
    await session.execute(insert(OUTBOX), rows)
    session.info[_DIRTY] = True
    return ids


def backoff(attempts: int, *, base: float = 0.5, cap: float = 30.0) -> float:
    """Exponential backoff with full jitter."""
    return random.uniform(0, min(cap, base * 2 ** max(attempts - 1, 0)))  # noqa: S311


class OutboxRelay:
    """Publishes pending outbox rows; several relays (replicas) share the work safely."""

    def __init__(
        self,
        database: Database,
        bus: Bus,
        service: str,
        *,
        batch_size: int = 200,
        poll_seconds: float = 0.5,
        retention: timedelta = timedelta(days=7),
    ) -> None:
        self.database = database
        self.bus = bus
        self.service = service
        self.batch_size = batch_size
        self.poll_seconds = poll_seconds
        self.retention = retention
        self._wake = asyncio.Event()
        self._stopping = False
        database.after_commit.append(self._after_commit)
        bus.on_ready.append(self._on_bus_ready)

    def _after_commit(self, session: AsyncSession) -> None:
        if session.info.pop(_DIRTY, False):
            self._wake.set()

    async def _on_bus_ready(self) -> None:
        self._wake.set()

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()

    async def run(self) -> None:
        last_housekeeping = 0.0
        loop = asyncio.get_running_loop()
        while not self._stopping:
            published = 0
            try:
                if self.bus.ready:
                    published = await self.relay_once()
                if loop.time() - last_housekeeping > 5.0:
                    await self._housekeeping()
                    last_housekeeping = loop.time()
            except Exception:
                logger.exception("outbox relay iteration failed")
            if published >= self.batch_size:
                continue  # more may be waiting: no pause between full batches
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.poll_seconds)
            self._wake.clear()

    async def relay_once(self) -> int:
        """Publish one batch of due rows; return how many were published."""
        async with self.database.transaction() as session:
            rows = (
                await session.execute(
                    select(
                        OUTBOX.c.id,
                        OUTBOX.c.subject,
                        OUTBOX.c.payload,
                        OUTBOX.c.headers,
                        OUTBOX.c.attempts,
                    )
                    .where(OUTBOX.c.published_at.is_(None), OUTBOX.c.next_attempt_at <= func.now())
                    .order_by(OUTBOX.c.created_at, OUTBOX.c.id)
                    .limit(self.batch_size)
                    .with_for_update(skip_locked=True)
                )
            ).all()
            if not rows:
                return 0
            outcomes = await self._publish(rows)
            published = [row.id for row, error in zip(rows, outcomes, strict=True) if error is None]
            failed = [
                (row, error) for row, error in zip(rows, outcomes, strict=True) if error is not None
            ]
            await self._mark_published(session, published)
            await self._mark_failed(session, failed)
        if published:
            OUTBOX_PUBLISHED.labels(self.service).inc(len(published))
        if failed:
            OUTBOX_FAILURES.labels(self.service).inc(len(failed))
            logger.warning(
                "%d outbox event(s) not published, first error: %s", len(failed), failed[0][1]
            )
        return len(published)

    async def _publish(self, rows: Sequence[_Row]) -> list[BaseException | None]:
        # Pipelined: every publish is sent before any PubAck is awaited, in commit order.
        js = self.bus.js
        futures: list[asyncio.Future[Any] | BaseException] = []
        for row in rows:
            headers = dict(row.headers)
            headers["Nats-Msg-Id"] = str(row.id)
            data = _json_bytes(row.payload)
            try:
                futures.append(
                    await js.publish_async(
                        row.subject, data, headers=headers, wait_stall=self.bus.publish_timeout
                    )
                )
            except Exception as exc:
                futures.append(exc)
        outcomes: list[BaseException | None] = []
        for future in futures:
            if isinstance(future, BaseException):
                outcomes.append(future)
                continue
            try:
                # A duplicate PubAck (already stored under this id) is a success too.
                await asyncio.wait_for(future, self.bus.publish_timeout)
                outcomes.append(None)
            except Exception as exc:
                outcomes.append(exc)
        return outcomes

    async def _mark_published(self, session: AsyncSession, ids: Sequence[uuid.UUID]) -> None:
        if ids:
            await session.execute(
                update(OUTBOX).where(OUTBOX.c.id.in_(ids)).values(published_at=func.now())
            )

    async def _mark_failed(
        self, session: AsyncSession, failed: Sequence[tuple[_Row, BaseException]]
    ) -> None:
        now = datetime.now(UTC)
        for row, error in failed:
            await session.execute(
                update(OUTBOX)
                .where(OUTBOX.c.id == row.id)
                .values(
                    attempts=row.attempts + 1,
                    next_attempt_at=now + timedelta(seconds=backoff(row.attempts + 1)),
                    last_error=f"{error.__class__.__name__}: {error}"[:2000],
                )
            )

    async def _housekeeping(self) -> None:
        async with self.database.transaction() as session:
            pending = await session.scalar(
                select(func.count()).select_from(OUTBOX).where(OUTBOX.c.published_at.is_(None))
            )
            OUTBOX_PENDING.labels(self.service).set(pending or 0)
            await session.execute(
                delete(OUTBOX).where(OUTBOX.c.published_at < func.now() - self.retention)
            )


def _json_bytes(payload: Any) -> bytes:
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
