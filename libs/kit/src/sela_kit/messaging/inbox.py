"""Idempotent inbox: durable pull consumers whose effects are applied once per message.

The handler runs in a transaction that also records ``(consumer, message id)`` in the inbox
table; the message is acknowledged only after that transaction commits. A redelivery (lost
ack, broker restart, replica race) finds the inbox row and is acknowledged without effect.
A message that keeps failing is copied to ``dlq.<consumer>.<subject>`` with its error and
acknowledged, so one poison message does not block the rest.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import nats.errors
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from pydantic import ValidationError
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from sela_contracts import EventContract, UnknownEventError, parse_event, stream_for_subject
from sela_kit.context import child_traceparent, request_id_var, traceparent_var
from sela_kit.db import Database
from sela_kit.messaging.bus import Bus
from sela_kit.messaging.outbox import HEADER_EVENT_VERSION, HEADER_REQUEST_ID, backoff
from sela_kit.messaging.tables import INBOX
from sela_kit.metrics import DEAD_LETTERS, INBOX_DUPLICATES, INBOX_FAILURES, INBOX_HANDLED

logger = logging.getLogger("sela.inbox")


class PermanentError(Exception):
    """Raised by a handler when retrying cannot help: the message is dead-lettered at once."""


@dataclass(frozen=True)
class InboundEvent:
    message_id: str
    subject: str
    version: int
    event: EventContract
    headers: Mapping[str, str]
    deliveries: int


Handler = Callable[[AsyncSession, InboundEvent], Awaitable[None]]


@dataclass(frozen=True)
class ConsumerSpec:
    """A durable pull consumer of some subjects, and what to do with each event."""

    name: str
    subjects: tuple[str, ...]
    handler: Handler
    max_deliver: int | None = None
    batch: int = 50
    stream: str = field(default="")

    def stream_name(self) -> str:
        return self.stream or stream_for_subject(self.subjects[0]).name


class ConsumerRunner:
    def __init__(
        self,
        spec: ConsumerSpec,
        database: Database,
        bus: Bus,
        service: str,
        *,
        max_deliver: int = 5,
        ack_wait: float = 30.0,
    ) -> None:
        self.spec = spec
        self.database = database
        self.bus = bus
        self.service = service
        self.max_deliver = spec.max_deliver or max_deliver
        self.ack_wait = ack_wait
        self._stopping = False
        bus.add_consumer(
            spec.stream_name(),
            Bus.pull_consumer_config(spec.name, spec.subjects, ack_wait=ack_wait),
        )

    def stop(self) -> None:
        self._stopping = True

    async def run(self) -> None:
        subscription: JetStreamContext.PullSubscription | None = None
        while not self._stopping:
            if not self.bus.ready:
                # The client re-subscribes by itself after a reconnection; keeping the same
                # subscription keeps the messages already delivered to it.
                await self.bus.wait_ready(timeout=1.0)
                continue
            try:
                if subscription is None:
                    subscription = await self.bus.js.pull_subscribe_bind(
                        durable=self.spec.name, stream=self.spec.stream_name()
                    )
                messages = await subscription.fetch(self.spec.batch, timeout=1.0)
            except (TimeoutError, nats.errors.TimeoutError):
                # Nothing to do: an empty fetch raises rather than returning []. Under load
                # nats-py may raise the bare (builtin) timeout for the same thing.
                continue
            except Exception as exc:
                logger.warning("consumer %s fetch failed: %r", self.spec.name, exc)
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

    def decode(self, message: Msg) -> InboundEvent:
        """The message as a typed event; raises if no contract accepts it."""
        headers = dict(message.headers or {})
        metadata = message.metadata
        message_id = headers.get("Nats-Msg-Id") or (f"{metadata.stream}:{metadata.sequence.stream}")
        version = int(headers.get(HEADER_EVENT_VERSION, "1"))
        return InboundEvent(
            message_id=message_id,
            subject=message.subject,
            version=version,
            event=parse_event(message.subject, version, message.data),
            headers=headers,
            deliveries=metadata.num_delivered or 1,
        )

    async def handle(self, message: Msg) -> None:
        """Apply one message at most once, then acknowledge, retry or dead-letter it."""
        headers = message.headers or {}
        deliveries = message.metadata.num_delivered or 1
        fallback_id = headers.get("Nats-Msg-Id") or f"seq:{message.metadata.sequence.stream}"
        rid = request_id_var.set(headers.get(HEADER_REQUEST_ID))
        tp = traceparent_var.set(child_traceparent(headers.get("traceparent")))
        try:
            try:
                inbound = self.decode(message)
            except (UnknownEventError, ValidationError, ValueError) as exc:
                await self._dead_letter(message, fallback_id, exc, deliveries)
                return
            try:
                applied = await self.apply(inbound)
            except PermanentError as exc:
                await self._dead_letter(message, inbound.message_id, exc, deliveries)
                return
            except Exception as exc:
                INBOX_FAILURES.labels(self.service, self.spec.name).inc()
                if deliveries >= self.max_deliver:
                    await self._dead_letter(message, inbound.message_id, exc, deliveries)
                else:
                    logger.warning(
                        "consumer %s failed on %s (delivery %d): %s",
                        self.spec.name,
                        inbound.message_id,
                        deliveries,
                        exc,
                    )
                    with contextlib.suppress(Exception):
                        await message.nak(delay=backoff(deliveries, base=1.0, cap=60.0))
                return
            counter = INBOX_HANDLED if applied else INBOX_DUPLICATES
            counter.labels(self.service, self.spec.name).inc()
            # If this ack is lost the message comes back and the inbox absorbs it.
            with contextlib.suppress(Exception):
                await message.ack()
        finally:
            request_id_var.reset(rid)
            traceparent_var.reset(tp)

    async def apply(self, inbound: InboundEvent) -> bool:
        """Run the handler and record the message in one transaction; False if seen before."""
        async with self.database.transaction() as session:
            claimed = await session.scalar(
                pg_insert(INBOX)
                .values(
                    consumer=self.spec.name, message_id=inbound.message_id, subject=inbound.subject
                )
                .on_conflict_do_nothing()
                .returning(INBOX.c.message_id)
            )
            if claimed is None:
                return False
            await self.spec.handler(session, inbound)
        return True

    async def _dead_letter(
        self, message: Msg, message_id: str, error: BaseException, deliveries: int
    ) -> None:
        logger.error(
            "consumer %s dead-letters %s after %d deliveries: %s",
            self.spec.name,
            message_id,
            deliveries,
            error,
        )
        headers = {k: v for k, v in (message.headers or {}).items() if not k.startswith("Nats-")}
        headers.update(
            {
                "Nats-Msg-Id": f"dlq:{self.spec.name}:{message_id}",
                "Sela-Dead-Letter-Consumer": self.spec.name,
                "Sela-Dead-Letter-Subject": message.subject,
                "Sela-Dead-Letter-Message-Id": message_id,
                "Sela-Dead-Letter-Deliveries": str(deliveries),
                "Sela-Dead-Letter-Error": _one_line(f"{error.__class__.__name__}: {error}"),
            }
        )
        try:
            await self.bus.publish(f"dlq.{self.spec.name}.{message.subject}", message.data, headers)
        except Exception as exc:
            # Not acknowledged: the broker redelivers and we try to dead-letter again.
            logger.warning("could not dead-letter %s: %s", message_id, exc)
            return
        DEAD_LETTERS.labels(self.service, self.spec.name).inc()
        with contextlib.suppress(Exception):
            await message.ack()


def _one_line(text: str, limit: int = 1000) -> str:
    return " ".join(text.split())[:limit]


def dead_letter_summary(headers: Mapping[str, str], data: bytes) -> dict[str, Any]:
    """A dead-lettered message as a dict, for operators' tools and tests."""
    return {
        "consumer": headers.get("Sela-Dead-Letter-Consumer"),
        "subject": headers.get("Sela-Dead-Letter-Subject"),
        "message_id": headers.get("Sela-Dead-Letter-Message-Id"),
        "deliveries": int(headers.get("Sela-Dead-Letter-Deliveries", "0")),
        "error": headers.get("Sela-Dead-Letter-Error"),
        "payload": json.loads(data) if data else None,
    }


__all__ = [
    "ConsumerRunner",
    "ConsumerSpec",
    "Handler",
    "InboundEvent",
    "PermanentError",
    "dead_letter_summary",
]
