"""The connection to NATS JetStream, kept alive and its topology ensured."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Awaitable, Callable, Sequence

import nats
from nats.aio.client import Client
from nats.js import JetStreamContext
from nats.js.api import (
    AckPolicy,
    ConsumerConfig,
    DeliverPolicy,
    PubAck,
    RetentionPolicy,
    StorageType,
    StreamConfig,
)
from nats.js.errors import BadRequestError, NotFoundError

from sela_contracts import DEAD_LETTER_STREAM, STREAMS, StreamSpec
from sela_kit.metrics import BUS_CONNECTED
from sela_kit.tasks import cancel_and_wait

logger = logging.getLogger("sela.bus")

_STREAM_NAME_IN_USE = 10058
DAY = 86_400.0


def stream_config(spec: StreamSpec) -> StreamConfig:
    return StreamConfig(
        name=spec.name,
        subjects=list(spec.subjects),
        retention=(
            RetentionPolicy.WORK_QUEUE if spec.retention == "workqueue" else RetentionPolicy.LIMITS
        ),
        storage=StorageType.FILE,
        duplicate_window=spec.duplicate_window_seconds,
        max_age=spec.max_age_days * DAY,
    )


class Bus:
    """One NATS connection per process.

    The first connection is retried forever in the background, so a service starts (and
    reports not-ready) while NATS is away. Streams and durable consumers are ensured after
    every (re)connection, because a broker that lost its state must get them back.
    """

    def __init__(
        self,
        url: str,
        service: str,
        *,
        streams: Sequence[StreamSpec] = (*STREAMS, DEAD_LETTER_STREAM),
        publish_timeout: float = 5.0,
    ) -> None:
        self.url = url
        self.service = service
        self.streams = tuple(streams)
        self.publish_timeout = publish_timeout
        self._consumers: dict[str, tuple[str, ConsumerConfig]] = {}
        self._nc: Client | None = None
        self._js: JetStreamContext | None = None
        self._ready = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._closing = False
        self._background: set[asyncio.Task[None]] = set()
        # Incremented each time the bus becomes ready (first connection and every reconnection).
        self.generation = 0
        self.on_ready: list[Callable[[], Awaitable[None]]] = []

    # -- lifecycle -----------------------------------------------------------------------

    async def start(self) -> None:
        if self._task is None:
            self._closing = False
            self._task = asyncio.create_task(self._connect_forever(), name=f"bus-{self.service}")

    async def wait_ready(self, timeout: float | None = None) -> bool:
        try:
            await asyncio.wait_for(self._ready.wait(), timeout)
        except TimeoutError:
            return False
        return True

    async def close(self) -> None:
        self._closing = True
        await cancel_and_wait(self._task)
        self._task = None
        if self._nc is not None and not self._nc.is_closed:
            with contextlib.suppress(Exception):
                await self._nc.drain()
        self._nc = None
        self._js = None
        self._ready.clear()
        BUS_CONNECTED.labels(self.service).set(0)

    @property
    def ready(self) -> bool:
        """Connected, and streams and consumers ensured since the last (re)connection."""
        return self._ready.is_set() and self._nc is not None and self._nc.is_connected

    @property
    def nc(self) -> Client:
        if self._nc is None:
            raise ConnectionError("not connected to NATS")
        return self._nc

    @property
    def js(self) -> JetStreamContext:
        if self._js is None:
            raise ConnectionError("not connected to NATS")
        return self._js

    # -- topology ------------------------------------------------------------------------

    def add_consumer(self, stream: str, config: ConsumerConfig) -> None:
        assert config.durable_name is not None
        self._consumers[config.durable_name] = (stream, config)

    @staticmethod
    def pull_consumer_config(
        durable: str, subjects: Sequence[str], *, ack_wait: float, max_ack_pending: int = 1000
    ) -> ConsumerConfig:
        return ConsumerConfig(
            durable_name=durable,
            name=durable,
            ack_policy=AckPolicy.EXPLICIT,
            deliver_policy=DeliverPolicy.ALL,
            filter_subjects=list(subjects),
            ack_wait=ack_wait,
            # Redelivery is bounded by the consumer runner, which dead-letters the message.
            max_deliver=-1,
            max_ack_pending=max_ack_pending,
        )

    async def ensure_topology(self) -> None:
        js = self.js
        for spec in self.streams:
            config = stream_config(spec)
            try:
                await js.add_stream(config)
            except BadRequestError as exc:
                if exc.err_code != _STREAM_NAME_IN_USE:
                    raise
                await js.update_stream(config)
        for stream, consumer in self._consumers.values():
            assert consumer.durable_name is not None
            try:
                await js.consumer_info(stream, consumer.durable_name)
            except NotFoundError:
                await js.add_consumer(stream, consumer)

    # -- publishing ----------------------------------------------------------------------

    async def publish(self, subject: str, payload: bytes, headers: dict[str, str]) -> PubAck:
        return await self.js.publish(
            subject, payload, timeout=self.publish_timeout, headers=headers
        )

    # -- connection ----------------------------------------------------------------------

    async def _connect_forever(self) -> None:
        delay = 0.2
        while not self._closing:
            try:
                self._nc = await nats.connect(
                    self.url,
                    name=self.service,
                    connect_timeout=2,
                    reconnect_time_wait=1,
                    max_reconnect_attempts=-1,
                    drain_timeout=5,
                    disconnected_cb=self._on_disconnected,
                    reconnected_cb=self._on_reconnected,
                    error_cb=self._on_error,
                    closed_cb=self._on_closed,
                )
            except Exception as exc:
                logger.warning(
                    "NATS at %s unreachable (%s); retrying in %.1fs",
                    self.url,
                    exc.__class__.__name__,
                    delay,
                )
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
                continue
            self._js = self._nc.jetstream(timeout=self.publish_timeout)
            await self._become_ready()
            return

    async def _become_ready(self) -> None:
        delay = 0.2
        while not self._closing and self._nc is not None and self._nc.is_connected:
            try:
                await self.ensure_topology()
            except Exception as exc:
                logger.warning("could not ensure JetStream streams and consumers: %s", exc)
                await asyncio.sleep(delay + random.random() * delay)  # noqa: S311
                delay = min(delay * 2, 5.0)
                continue
            # Callbacks (key-value buckets, subscriptions) run before the bus reports ready.
            for callback in self.on_ready:
                try:
                    await callback()
                except Exception:
                    logger.exception("NATS on-ready callback failed")
            self.generation += 1
            self._ready.set()
            BUS_CONNECTED.labels(self.service).set(1)
            logger.info("connected to NATS at %s", self.url)
            return

    async def _on_disconnected(self) -> None:
        if self._ready.is_set() and not self._closing:
            logger.warning("disconnected from NATS")
        self._ready.clear()
        BUS_CONNECTED.labels(self.service).set(0)

    async def _on_reconnected(self) -> None:
        logger.info("reconnected to NATS")
        task = asyncio.get_running_loop().create_task(self._become_ready())
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _on_error(self, exc: Exception) -> None:
        logger.debug("NATS client error: %s", exc)

    async def _on_closed(self) -> None:
        self._ready.clear()
        BUS_CONNECTED.labels(self.service).set(0)
