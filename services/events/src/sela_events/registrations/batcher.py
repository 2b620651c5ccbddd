"""Group commit of registrations: one lock and one transaction for many requests.

Requests for a meeting are checked against its settings (read at most every two seconds)
and queue their claims here; one task per meeting takes everything queued,
decides it under the meeting's row lock in one transaction, commits, and answers each request.
While a batch is in its transaction the next requests queue up, so the batch size follows the
load: one claim when registrations trickle in, dozens under a rush. Correctness still rests on
the row lock (several replicas each batch their own requests). See docs/decisions/0034.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections import deque

from sela_events.registrations import service
from sela_kit.db import Database

logger = logging.getLogger("sela.events.batcher")
MAX_BATCH = 200
# How long a meeting's form, categories and details are reused for checking registrations
# before the lock. Seats, quotas, status and duplicates are always read under the lock.
CONFIG_SECONDS = 2.0


class SeatBatcher:
    def __init__(self, database: Database) -> None:
        self.database = database
        self._queues: dict[uuid.UUID, deque[tuple[service.Claim, asyncio.Future[service.Outcome]]]]
        self._queues = {}
        self._workers: dict[uuid.UUID, asyncio.Task[None]] = {}
        self._configs: dict[str, tuple[float, service.MeetingConfig]] = {}
        self._config_locks: dict[str, asyncio.Lock] = {}

    async def config(self, meeting_ref: str) -> service.MeetingConfig:
        """The meeting's registration settings, read at most every CONFIG_SECONDS: under a
        rush, requests are checked without a database round trip of their own."""
        loop = asyncio.get_running_loop()
        cached = self._configs.get(meeting_ref)
        if cached is not None and loop.time() - cached[0] < CONFIG_SECONDS:
            return cached[1]
        lock = self._config_locks.setdefault(meeting_ref, asyncio.Lock())
        async with lock:
            cached = self._configs.get(meeting_ref)
            if cached is not None and loop.time() - cached[0] < CONFIG_SECONDS:
                return cached[1]
            async with self.database.transaction() as session:
                config = await service.load_config(session, meeting_ref)
            self._configs[meeting_ref] = (loop.time(), config)
        self._config_locks.pop(meeting_ref, None)
        return config

    async def submit(self, meeting_id: uuid.UUID, claim: service.Claim) -> service.Outcome:
        future: asyncio.Future[service.Outcome] = asyncio.get_running_loop().create_future()
        self._queues.setdefault(meeting_id, deque()).append((claim, future))
        if meeting_id not in self._workers:
            self._workers[meeting_id] = asyncio.create_task(
                self._drain(meeting_id), name=f"registrations-{meeting_id}"
            )
        # A cancelled request leaves its claim in the batch: it is decided (and kept) anyway,
        # like a registration whose client went away after sending it.
        return await asyncio.shield(future)

    async def _drain(self, meeting_id: uuid.UUID) -> None:
        queue = self._queues[meeting_id]
        try:
            while queue:
                batch = [queue.popleft() for _ in range(min(len(queue), MAX_BATCH))]
                claims = [claim for claim, _ in batch]
                try:
                    async with self.database.transaction() as session:
                        outcomes = await service.decide(
                            session, meeting_id, claims, service.now_utc()
                        )
                except Exception as exc:
                    logger.exception("a batch of %d registration(s) failed", len(batch))
                    for _, future in batch:
                        if not future.done():
                            future.set_exception(exc)
                    continue
                for (_, future), outcome in zip(batch, outcomes, strict=True):
                    if not future.done():
                        future.set_result(outcome)
        finally:
            del self._workers[meeting_id]
            if not queue:
                self._queues.pop(meeting_id, None)
            else:
                # Claims that arrived while the worker was finishing: start a new one.
                self._workers[meeting_id] = asyncio.create_task(self._drain(meeting_id))
