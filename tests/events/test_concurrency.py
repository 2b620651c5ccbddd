"""Seats under concurrency, on real PostgreSQL with real commits: never more confirmed than
capacity or quota, whatever the interleaving."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from sela_events.registrations.models import Registration
from sela_testing.support import ServiceHarness
from tests.events.support import ANONYMOUS, STAFF, open_meeting, person

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def _burst(
    client: httpx.AsyncClient, meeting_id: str, bodies: list[dict[str, Any]]
) -> Counter[str]:
    async def one(body: dict[str, Any]) -> httpx.Response:
        return await client.post(
            f"/meetings/{meeting_id}/registrations", json=body, headers=ANONYMOUS
        )

    responses = await asyncio.gather(*(one(b) for b in bodies))
    assert all(r.status_code == 201 for r in responses), [
        r.text for r in responses if r.status_code != 201
    ][:3]
    return Counter(r.json()["state"] for r in responses)


async def _held(harness: ServiceHarness, meeting_id: str) -> Counter[str]:
    async with harness.database.transaction() as session:
        rows = await session.execute(
            select(Registration.state, func.sum(Registration.seats))
            .where(Registration.meeting_id == uuid.UUID(meeting_id))
            .group_by(Registration.state)
        )
        return Counter({state: int(seats) for state, seats in rows})


async def test_200_concurrent_registrations_for_50_seats(live_events: ServiceHarness) -> None:
    client = live_events.client
    for round_ in range(3):
        meeting = await open_meeting(client, capacity=50)
        states = await _burst(client, meeting["id"], [person(f"{round_}-{i}") for i in range(200)])
        assert states == Counter({"confirmed": 50, "waitlisted": 150}), (round_, states)
        assert (await _held(live_events, meeting["id"]))["confirmed"] == 50


async def test_per_country_quota_under_concurrency(live_events: ServiceHarness) -> None:
    client = live_events.client
    countries = ["ARG", "BRA", "CHL", "COL", "MEX", "PER", "URY", "VEN", "CUB", "JAM"]
    for round_ in range(2):
        meeting = await open_meeting(
            client,
            capacity=100,
            quotas=[{"category": "delegation", "per_country": True, "seats": 2}],
        )
        bodies = [
            person(f"q{round_}-{i}", category="delegation", country=countries[i % 10])
            for i in range(200)
        ]
        states = await _burst(client, meeting["id"], bodies)
        assert states == Counter({"confirmed": 20, "waitlisted": 180}), states
        counts = (await client.get(f"/meetings/{meeting['id']}/counts")).json()
        assert {row["key"]: row["seats"] for row in counts["by_country"]} == dict.fromkeys(
            countries, 2
        )


async def test_one_country_quota_and_multi_seat_delegations(live_events: ServiceHarness) -> None:
    client = live_events.client
    meeting = await open_meeting(client, capacity=60, quotas=[{"country": "BRA", "seats": 10}])
    bodies = [person(f"m{i}", category="delegation", country="BRA", seats=3) for i in range(40)]
    states = await _burst(client, meeting["id"], bodies)
    # 3 delegations of 3 seats fit in 10; the fourth would make 12.
    assert states == Counter({"confirmed": 3, "waitlisted": 37})
    assert (await _held(live_events, meeting["id"]))["confirmed"] == 9


async def test_same_request_twice_yields_one_registration(live_events: ServiceHarness) -> None:
    client = live_events.client
    meeting = await open_meeting(client, capacity=10)
    url = f"/meetings/{meeting['id']}/registrations"
    body = person("idem")
    key = {"Idempotency-Key": f"k-{uuid.uuid4()}", **ANONYMOUS}
    responses = await asyncio.gather(*(client.post(url, json=body, headers=key) for _ in range(20)))
    statuses = Counter(r.status_code for r in responses)
    assert statuses == Counter({201: 1, 200: 19}), statuses
    assert len({r.json()["id"] for r in responses}) == 1
    assert len({r.json()["manage_token"] for r in responses}) == 1
    # Same person, no key: one registration, the rest a conflict naming the email.
    other = person("twice")
    responses = await asyncio.gather(
        *(client.post(url, json=other, headers=ANONYMOUS) for _ in range(10))
    )
    statuses = Counter(r.status_code for r in responses)
    assert statuses == Counter({201: 1, 409: 9}), statuses
    conflict = next(r for r in responses if r.status_code == 409).json()
    assert conflict["code"] == "already_registered"
    assert conflict["errors"][0]["name"] == "body.email"
    listing = await client.get(f"/meetings/{meeting['id']}/registrations", headers=STAFF)
    assert len(listing.json()["items"]) == 2
