"""Two replicas of the service on one database: offer expiry passes a seat on exactly once.

Both run their periodic jobs (every 50 ms) and are also driven by hand at the same moment; the
meeting lock with SKIP LOCKED must let exactly one of them expire each offer and offer the
seat to exactly one next in line, with one event and one mail for each change.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from sela_events import jobs
from sela_events.app import SPEC
from sela_events.registrations.models import Registration
from sela_events.settings import EventsSettings
from sela_kit.messaging.tables import OUTBOX
from sela_testing.support import ServiceHarness, run_service
from tests.events.support import open_meeting, person

pytestmark = pytest.mark.asyncio(loop_scope="session")


@pytest.fixture
async def replicas(events_settings: EventsSettings) -> AsyncIterator[list[ServiceHarness]]:
    settings = events_settings.model_copy(
        update={"jobs_enabled": True, "jobs_interval_seconds": 0.05}
    )
    async with AsyncExitStack() as stack:
        yield [
            await stack.enter_async_context(run_service(SPEC, settings, isolated=False))
            for _ in range(2)
        ]


async def _states(harness: ServiceHarness, ids: list[str]) -> list[str]:
    async with harness.database.transaction() as session:
        rows = dict(
            (
                await session.execute(
                    select(Registration.id, Registration.state).where(
                        Registration.id.in_([uuid.UUID(i) for i in ids])
                    )
                )
            ).all()
        )
    return [rows[uuid.UUID(i)] for i in ids]


async def _expire_now(harness: ServiceHarness, registration_id: str) -> None:
    """Move an offer's deadline into the past (as if its hours had gone by)."""
    async with harness.database.transaction() as session:
        await session.execute(
            update(Registration)
            .where(Registration.id == uuid.UUID(registration_id))
            .values(offer_expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )


async def _messages(harness: ServiceHarness, ids: list[str]) -> Counter[tuple[str, str, str]]:
    """(registration, subject, mail kind) of every outbox row about ``ids``."""
    async with harness.database.transaction() as session:
        rows = (
            await session.execute(
                select(OUTBOX.c.subject, OUTBOX.c.payload).where(
                    OUTBOX.c.payload["registration_id"].astext.in_(ids)
                )
            )
        ).all()
    return Counter(
        (payload["registration_id"], subject, payload.get("kind", "")) for subject, payload in rows
    )


async def _until(harness: ServiceHarness, ids: list[str], expected: list[str]) -> None:
    for _ in range(200):
        if await _states(harness, ids) == expected:
            return
        await asyncio.sleep(0.05)
    assert await _states(harness, ids) == expected


async def test_an_expired_offer_passes_the_seat_on_exactly_once(
    replicas: list[ServiceHarness],
) -> None:
    first, second = replicas
    meeting = await open_meeting(first.client, capacity=1, offer_hours=24)
    url = f"/meetings/{meeting['id']}/registrations"
    regs: list[dict[str, Any]] = []
    for i, harness in enumerate([first, second, first, second]):
        response = await harness.client.post(url, json=person(f"replica-{i}"))
        assert response.status_code == 201, response.text
        regs.append(response.json())
    ids = [r["id"] for r in regs]
    assert await _states(first, ids) == ["confirmed", "waitlisted", "waitlisted", "waitlisted"]
    # The confirmed participant cancels through the other replica: the seat is offered.
    cancelled = await second.client.post(f"/registrations/self/{regs[0]['manage_token']}/cancel")
    assert cancelled.json()["state"] == "cancelled"
    assert await _states(first, ids) == ["cancelled", "offered", "waitlisted", "waitlisted"]

    for holder in (1, 2):
        await _expire_now(first, ids[holder])
        # Both replicas' job loops are running; drive both by hand at the same moment too.
        results = await asyncio.gather(
            *(jobs.expire_offers(h.database, h.app.state.settings) for h in replicas for _ in "ab")
        )
        assert sum(r.offers_expired for r in results) <= 1
        expected = (
            ["cancelled"] + ["declined"] * holder + ["offered"] + ["waitlisted"] * (2 - holder)
        )
        await _until(first, ids, expected)
    # Quiet afterwards: the loops keep running and change nothing more.
    await asyncio.sleep(0.3)
    assert await _states(second, ids) == ["cancelled", "declined", "declined", "offered"]

    messages = await _messages(first, ids)
    mails = Counter((r, kind) for r, subject, kind in messages if subject.endswith("requested"))
    # Each expired holder got one "expired" mail, each next in line one "offered" mail.
    for holder in (ids[1], ids[2]):
        assert mails[(holder, "offered")] == 1, mails
        assert mails[(holder, "expired")] == 1, mails
    assert mails[(ids[3], "offered")] == 1, mails
    assert mails[(ids[3], "expired")] == 0, mails
    cancellations = Counter(r for r, subject, _ in messages if subject.endswith("cancelled"))
    assert cancellations == Counter({ids[0]: 1, ids[1]: 1, ids[2]: 1})
