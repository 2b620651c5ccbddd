"""Drill 1: many people register at once for a meeting with far fewer seats.

Anonymous registrations go through the gateway concurrently, four times the capacity. No
seat may be given twice (confirmed seats equal the capacity exactly, the rest waitlisted, in
the service's answers, its public counts and its database) and no request may fail with 5xx.
"""

from __future__ import annotations

import asyncio
import time
import uuid

import httpx
import pytest

from tests.drills.events_support import EVENTS, open_meeting, register, registration
from tests.drills.platform import Platform, count_by, server_errors
from tests.drills.report import record

pytestmark = pytest.mark.drill

CAPACITY = 60
REQUESTS = 4 * CAPACITY
CLIENTS = 48


async def test_registrations_beyond_capacity_never_overbook(
    platform: Platform, gateway: httpx.AsyncClient
) -> None:
    meeting_id = await open_meeting(gateway, platform.headers["staff"], CAPACITY)
    tag = uuid.uuid4().hex[:8]
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(REQUESTS):
        queue.put_nowait(i)
    statuses: list[int] = []
    states: list[str] = []

    async def client() -> None:
        while not queue.empty():
            i = queue.get_nowait()
            try:
                response = await register(gateway, meeting_id, registration(i, tag))
            except httpx.HTTPError:
                statuses.append(0)
                continue
            statuses.append(response.status_code)
            if response.status_code == 201:
                states.append(response.json()["state"])

    started = time.monotonic()
    await asyncio.gather(*(client() for _ in range(CLIENTS)))
    seconds = time.monotonic() - started

    counts = (await gateway.get(f"{EVENTS}/meetings/{meeting_id}/counts")).json()
    held_in_database = (
        await platform.fetch(
            "events",
            "SELECT coalesce(sum(seats), 0) AS seats FROM registrations WHERE meeting_id = $1 "
            "AND state IN ('confirmed', 'offered', 'attended', 'no_show')",
            uuid.UUID(meeting_id),
        )
    )[0]["seats"]
    by_status = count_by(statuses)
    figures = {
        "capacity": CAPACITY,
        "requests": REQUESTS,
        "clients": CLIENTS,
        "seconds": round(seconds, 2),
        "requests_per_second": round(REQUESTS / seconds, 1),
        "statuses": by_status,
        "server_errors": server_errors(by_status),
        "confirmed": states.count("confirmed"),
        "waitlisted": states.count("waitlisted"),
        "seats_held_counts_endpoint": counts["seats_held"],
        "seats_held_database": held_in_database,
        "overbooked": max(0, held_in_database - CAPACITY),
    }
    record("load_registrations", figures)
    assert figures["server_errors"] == 0, figures
    assert by_status == {"201": REQUESTS}, figures
    assert states.count("confirmed") == CAPACITY, figures
    assert states.count("waitlisted") == REQUESTS - CAPACITY, figures
    assert counts["seats_held"] == CAPACITY == held_in_database, figures
