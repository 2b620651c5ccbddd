"""Drill 3: PostgreSQL restarts under the running platform.

While it is down every service says so on its own ``/readyz`` (503, the database check
failing) and requests through the gateway get 503, never a 500. Once it is back every
service is ready again by itself (no restart of ours) and the same traffic answers with no
5xx at all.
"""

from __future__ import annotations

import asyncio
import time
import uuid

import httpx
import pytest

from tests.drills.events_support import EVENTS, open_meeting, register, registration
from tests.drills.platform import SERVICE_NAMES, Platform, count_by, server_errors
from tests.drills.report import record

pytestmark = pytest.mark.drill

NOT_READY_WITHIN = 30.0
READY_WITHIN = 60.0
# One read per service that needs its database, and the gateway's own database (sign-in).
READS: dict[str, str | None] = {
    "indices": "/api/v1/indices/indicators",
    "events": "/api/v1/events/meetings",
    "ports": "/api/v1/ports/countries",
    "migration": "/api/v1/migration/datasets",
}
ROUNDS_AFTER = 20
DOWN_AT_LEAST = 8.0


async def traffic(
    platform: Platform,
    client: httpx.AsyncClient,
    meeting_id: str,
    tag: str,
    rounds: int,
    failures: list[str] | None = None,
) -> list[int]:
    """``rounds`` times: a read of every service, a registration, ``/auth/me`` and a
    failed sign-in (the gateway's own database)."""
    statuses: list[int] = []

    async def one(round_: int) -> None:
        # A query the gateway has not cached: every read reaches its service.
        fresh = {"drill": uuid.uuid4().hex}
        calls = [client.get(path, params=fresh) for path in READS.values() if path is not None]
        calls.append(register(client, meeting_id, registration(round_, tag)))
        calls.append(client.get("/auth/me", headers=platform.headers["staff"]))
        calls.append(
            client.post(
                "/auth/login", json={"email": f"x-{tag}@sela.org", "password": "not-the-password"}
            )
        )
        for outcome in await asyncio.gather(*calls, return_exceptions=True):
            if isinstance(outcome, httpx.Response):
                statuses.append(outcome.status_code)
                continue
            statuses.append(0)
            if failures is not None:
                request = getattr(outcome, "request", None)
                where = f"{request.method} {request.url.path}" if request else "?"
                failures.append(f"{where}: {outcome.__class__.__name__} {outcome}")

    await asyncio.gather(*(one(i) for i in range(rounds)))
    return statuses


async def wait_for(
    platform: Platform, client: httpx.AsyncClient, status: int, within: float
) -> dict[str, float]:
    """Seconds until each service's and the gateway's ``/readyz`` answered ``status``."""
    started = time.monotonic()
    reached: dict[str, float] = {}
    while time.monotonic() - started < within:
        for name, code in (await platform.readiness(client)).items():
            if code == status and name not in reached:
                reached[name] = round(time.monotonic() - started, 1)
        if len(reached) == len(SERVICE_NAMES) + 1:
            break
        await asyncio.sleep(0.25)
    return reached


async def test_services_report_not_ready_then_recover_after_a_postgres_restart(
    platform: Platform, gateway: httpx.AsyncClient
) -> None:
    meeting_id = await open_meeting(gateway, platform.headers["staff"], capacity=1000)
    tag = uuid.uuid4().hex[:8]
    before = count_by(await traffic(platform, gateway, meeting_id, tag + "a", 2))
    assert server_errors(before) == 0, before

    await asyncio.to_thread(platform.postgres.stop)
    stopped = time.monotonic()
    not_ready = await wait_for(platform, gateway, 503, NOT_READY_WITHIN)
    checks = {
        name: (await gateway.get(f"{platform.service_url(name)}/readyz"))
        .json()
        .get("checks", {})
        .get("database")
        for name in SERVICE_NAMES
    }
    dropped: list[str] = []
    during = count_by(await traffic(platform, gateway, meeting_id, tag + "b", 2, dropped))
    await asyncio.sleep(max(0.0, DOWN_AT_LEAST - (time.monotonic() - stopped)))
    down_for = time.monotonic() - stopped
    await asyncio.to_thread(platform.postgres.start)
    restarted = time.monotonic()
    ready = await wait_for(platform, gateway, 200, READY_WITHIN)
    # Through the gateway: the first moment a read of every service answers 200.
    routed_after = None
    while time.monotonic() - restarted < READY_WITHIN:
        reads = await asyncio.gather(
            *(
                gateway.get(path, params={"drill": uuid.uuid4().hex})
                for path in READS.values()
                if path is not None
            )
        )
        if all(r.status_code == 200 for r in reads):
            routed_after = round(time.monotonic() - restarted, 1)
            break
        await asyncio.sleep(0.5)
    after_statuses = await traffic(platform, gateway, meeting_id, tag + "c", ROUNDS_AFTER)
    after = count_by(after_statuses)
    figures = {
        "down_seconds": round(down_for, 1),
        "not_ready_after_seconds": not_ready,
        "database_check_while_down": checks,
        "statuses_while_down": during,
        "no_answer_while_down": dropped,
        "server_errors_other_than_503_while_down": sum(
            n for status, n in during.items() if status.startswith("5") and status != "503"
        ),
        "ready_after_restart_seconds": ready,
        "routed_again_after_seconds": routed_after,
        "requests_after_recovery": len(after_statuses),
        "statuses_after_recovery": after,
        "server_errors_after_recovery": server_errors(after),
    }
    record("postgres_restart", figures)
    platform.alive()

    assert set(not_ready) == {*SERVICE_NAMES, "gateway"}, figures
    assert all(str(check).startswith("failed") for check in checks.values()), figures
    assert figures["server_errors_other_than_503_while_down"] == 0, figures
    assert not dropped, figures
    assert set(ready) == {*SERVICE_NAMES, "gateway"}, figures
    assert routed_after is not None, figures
    assert figures["server_errors_after_recovery"] == 0, figures
    counts = (await gateway.get(f"{EVENTS}/meetings/{meeting_id}/counts")).json()
    assert counts["seats_held"] == after.get("201", 0) + before.get("201", 0) + during.get(
        "201", 0
    ), (counts, figures)
