"""Rate limits per API key, user and client IP, shared by every gateway replica.

Fixed one-minute windows. Each replica counts locally and, every ``sync_seconds``, adds its
pending count to the window's counter in a NATS JetStream key-value bucket with
compare-and-swap; the first time a replica meets a key in a window it reads the shared count
before deciding. So replicas agree to within one sync interval of traffic, and the hot path
never waits for the store except on that first read.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import time
from dataclasses import dataclass
from typing import Literal, Protocol

from nats.js.errors import KeyNotFoundError, KeyWrongLastSequenceError, NotFoundError

from sela_kit.messaging.bus import Bus
from sela_kit.tasks import cancel_and_wait

logger = logging.getLogger("sela.gateway.ratelimit")

WINDOW_SECONDS = 60
BUCKET = "sela_ratelimit"


@dataclass(frozen=True)
class Decision:
    allowed: bool
    limit: int
    remaining: int
    reset_seconds: int
    store_available: bool = True

    def headers(self) -> list[tuple[bytes, bytes]]:
        return [
            (b"ratelimit-limit", str(self.limit).encode()),
            (b"ratelimit-remaining", str(self.remaining).encode()),
            (b"ratelimit-reset", str(self.reset_seconds).encode()),
            (b"ratelimit-policy", f"{self.limit};w={WINDOW_SECONDS}".encode()),
        ]


class CounterStore(Protocol):
    async def read(self, key: str) -> int: ...
    async def add(self, key: str, amount: int) -> int: ...
    @property
    def available(self) -> bool: ...


class MemoryStore:
    """One process only: for a single replica, or tests of the local logic."""

    def __init__(self) -> None:
        self.values: dict[str, int] = {}

    @property
    def available(self) -> bool:
        return True

    async def read(self, key: str) -> int:
        return self.values.get(key, 0)

    async def add(self, key: str, amount: int) -> int:
        self.values[key] = self.values.get(key, 0) + amount
        return self.values[key]


class NatsKvStore:
    """Counters in a JetStream key-value bucket whose entries expire after two windows."""

    def __init__(self, bus: Bus) -> None:
        self.bus = bus
        self._kv: object | None = None
        bus.on_ready.append(self._open)

    async def _open(self) -> None:
        js = self.bus.js
        try:
            self._kv = await js.key_value(BUCKET)
        except (NotFoundError, Exception):
            self._kv = await js.create_key_value(bucket=BUCKET, history=1, ttl=2 * WINDOW_SECONDS)

    @property
    def available(self) -> bool:
        return self._kv is not None and self.bus.ready

    async def read(self, key: str) -> int:
        kv = self._kv
        if kv is None:
            raise ConnectionError("rate-limit store not open")
        try:
            entry = await kv.get(key)  # type: ignore[attr-defined]
        except KeyNotFoundError:
            return 0
        return int(entry.value or b"0")

    async def add(self, key: str, amount: int) -> int:
        kv = self._kv
        if kv is None:
            raise ConnectionError("rate-limit store not open")
        for _ in range(10):
            try:
                entry = await kv.get(key)  # type: ignore[attr-defined]
            except KeyNotFoundError:
                try:
                    await kv.create(key, str(amount).encode())  # type: ignore[attr-defined]
                    return amount
                except KeyWrongLastSequenceError:
                    continue
            value = int(entry.value or b"0") + amount
            try:
                await kv.update(key, str(value).encode(), last=entry.revision)  # type: ignore[attr-defined]
                return value
            except KeyWrongLastSequenceError:
                continue  # another replica wrote first: read again
        raise ConnectionError(f"could not update {key} after 10 attempts")


class RedisStore:
    """Counters in Redis (``INCRBY`` + ``EXPIRE`` in one transaction), for sites that run it."""

    def __init__(self, url: str) -> None:
        import redis.asyncio as redis

        self.client = redis.Redis.from_url(url, socket_timeout=1.0, socket_connect_timeout=1.0)
        self._healthy = False

    @property
    def available(self) -> bool:
        return self._healthy

    async def recover(self) -> None:
        try:
            await self.client.ping()
        except Exception:
            self._healthy = False
        else:
            self._healthy = True

    async def read(self, key: str) -> int:
        try:
            value = await self.client.get(key)
        except Exception:
            self._healthy = False
            raise
        return int(value or 0)

    async def add(self, key: str, amount: int) -> int:
        try:
            async with self.client.pipeline(transaction=True) as pipe:
                pipe.incrby(key, amount)
                pipe.expire(key, 2 * WINDOW_SECONDS)
                value, _ = await pipe.execute()
        except Exception:
            self._healthy = False
            raise
        return int(value)

    async def close(self) -> None:
        await self.client.aclose()


class RateLimiter:
    def __init__(
        self,
        store: CounterStore,
        *,
        sync_seconds: float = 0.2,
        when_store_down: Literal["allow", "local", "deny"] = "local",
    ) -> None:
        self.store = store
        self.sync_seconds = sync_seconds
        self.when_store_down = when_store_down
        self._shared: dict[str, int] = {}
        self._pending: dict[str, int] = {}
        self._window = self._current_window()
        self._task: asyncio.Task[None] | None = None
        self._keys: dict[tuple[str, str], tuple[int, str]] = {}

    @staticmethod
    def _current_window() -> int:
        return int(time.time()) // WINDOW_SECONDS

    @staticmethod
    def key_for(kind: str, subject: str, window: int) -> str:
        # Hashed: KV keys allow few characters and client IPs or key ids should not leak.
        digest = hashlib.blake2b(subject.encode(), digest_size=10).hexdigest()
        return f"rl.{kind}.{digest}.{window}"

    def _key(self, kind: str, subject: str, window: int) -> str:
        cached = self._keys.get((kind, subject))
        if cached is None or cached[0] != window:
            if len(self._keys) > 100_000:
                self._keys.clear()
            cached = self._keys[(kind, subject)] = (window, self.key_for(kind, subject, window))
        return cached[1]

    def _roll_window(self, window: int) -> None:
        if window != self._window:
            self._window = window
            self._shared.clear()
            self._pending = {k: v for k, v in self._pending.items() if k.endswith(f".{window}")}

    async def check(self, kind: str, subject: str, limit: int) -> Decision:
        now = time.time()
        window = int(now) // WINDOW_SECONDS
        self._roll_window(window)
        reset = max(1, WINDOW_SECONDS * (window + 1) - int(now))
        key = self._key(kind, subject, window)
        available = self.store.available
        if key not in self._shared:
            shared = 0
            if available:
                try:
                    shared = await self.store.read(key)
                except Exception as exc:
                    logger.warning("rate-limit store read failed: %s", exc)
                    available = False
            self._shared[key] = shared
        if not available:
            if self.when_store_down == "allow":
                return Decision(True, limit, limit, reset, store_available=False)
            if self.when_store_down == "deny":
                return Decision(False, limit, 0, reset, store_available=False)
        used = self._shared[key] + self._pending.get(key, 0)
        if used >= limit:
            return Decision(False, limit, 0, reset, store_available=available)
        self._pending[key] = self._pending.get(key, 0) + 1
        return Decision(True, limit, max(0, limit - used - 1), reset, store_available=available)

    async def sync(self) -> None:
        """Push local counts to the shared store and learn the others' counts."""
        if not self.store.available:
            recover = getattr(self.store, "recover", None)
            if recover is not None:
                await recover()
            if not self.store.available:
                return
        pending, self._pending = self._pending, {}
        for key, amount in pending.items():
            try:
                self._shared[key] = await self.store.add(key, amount)
            except Exception as exc:
                logger.warning("rate-limit store update failed: %s", exc)
                self._pending[key] = self._pending.get(key, 0) + amount
                return
        stale = [k for k in self._shared if k not in pending]
        for key in stale:
            with contextlib.suppress(Exception):
                self._shared[key] = await self.store.read(key)

    async def start(self) -> None:
        recover = getattr(self.store, "recover", None)
        if recover is not None:
            await recover()
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="ratelimit-sync")

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.sync_seconds)
            try:
                await self.sync()
            except Exception:
                logger.exception("rate-limit sync failed")

    async def close(self) -> None:
        await cancel_and_wait(self._task)
        self._task = None
        with contextlib.suppress(Exception):
            await self.sync()
        closer = getattr(self.store, "close", None)
        if closer is not None:
            with contextlib.suppress(Exception):
                await closer()
