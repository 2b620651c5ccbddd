"""Drill 2: NATS stops for 30 s during 1,000 writes across services, then comes back.

Writes keep succeeding while the broker is away (each change and its events commit together
in the service's outbox). Once NATS is back every event reaches every consumer that
subscribes to it, and none is applied twice. The consumers are read from the services
themselves (``ServiceSpec.consumers``), so a new consumer joins the drill by existing; today:

- indices ``indices.indicator.updated`` → migration ``migration-indicator-updated`` (marks
  correlations on the indicator stale), fed by observation loads;
- events ``events.notification.requested`` → the events mail sender (one ``.eml`` per
  message), fed by public registrations.

Delivery is checked on the effects: for every event in a producer's outbox, the consuming
service's inbox holds exactly one row (recorded in the transaction of the effect), its
handled-messages counter rose by exactly the number of events, and every mail is on disk.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from sela_cli.registry import SERVICES
from sela_kit.messaging import ConsumerSpec
from tests.drills.events_support import open_meeting, register, registration
from tests.drills.platform import Platform, count_by, server_errors, subject_matches
from tests.drills.report import record

# Bounded by its own deadlines; the suite's 300 s per test is too tight on a loaded machine.
pytestmark = [pytest.mark.drill, pytest.mark.timeout(600)]

OUTAGE_SECONDS = 30.0
REGISTRATIONS = 600
LOADS = 400
AREAS = ("ARG", "BRA", "CHL", "COL", "MEX", "PER", "URY", "ECU")
FIRST_YEAR = 1970
DELIVERY_TIMEOUT = 180.0
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


FED = {
    "events-mail-sender",
    "migration-indicator-updated",
    "smes-registration-confirmed",
}


def consumers() -> list[tuple[str, ConsumerSpec]]:
    return [(spec.name, consumer) for spec in SERVICES for consumer in spec.consumers]


def load_csv(i: int) -> bytes:
    area = AREAS[i % len(AREAS)]
    year = FIRST_YEAR + i // len(AREAS)
    return f"indicator,area,period,value\nFI.RES.TOTL.CD,{area},{year},{1e9 + i}\n".encode()


async def outbox_since(platform: Platform, since: Any) -> dict[str, list[Any]]:
    """Each service's outbox rows committed since ``since``."""
    found: dict[str, list[Any]] = {}
    for spec in SERVICES:
        found[spec.name] = await platform.fetch(
            spec.name,
            "SELECT id, subject, published_at FROM outbox WHERE created_at >= $1",
            since,
        )
    return found


async def inbox_ids(platform: Platform, service: str, consumer: str) -> list[str]:
    rows = await platform.fetch(
        service, "SELECT message_id FROM inbox WHERE consumer = $1", consumer
    )
    return [row["message_id"] for row in rows]


async def undelivered(
    platform: Platform, since: Any
) -> tuple[int, dict[str, set[str]], dict[str, int]]:
    """Outbox rows since ``since`` not yet published; per consumer the ids it should have
    received and how many of them its inbox still lacks."""
    outbox = await outbox_since(platform, since)
    unpublished = sum(1 for rows in outbox.values() for row in rows if row["published_at"] is None)
    expected: dict[str, set[str]] = {}
    missing: dict[str, int] = {}
    for service, consumer in consumers():
        wanted = {
            str(row["id"])
            for rows in outbox.values()
            for row in rows
            if any(subject_matches(s, row["subject"]) for s in consumer.subjects)
        }
        expected[consumer.name] = wanted
        missing[consumer.name] = len(
            wanted - set(await inbox_ids(platform, service, consumer.name))
        )
    return unpublished, expected, missing


async def settle(
    platform: Platform, since: Any, within: float
) -> tuple[dict[str, set[str]], dict[str, int]]:
    """Wait until every event since ``since`` is published and in each consumer's inbox."""
    deadline = time.monotonic() + within
    while True:
        unpublished, expected, missing = await undelivered(platform, since)
        if (unpublished == 0 and not any(missing.values())) or time.monotonic() > deadline:
            return expected, missing
        await asyncio.sleep(0.5)


def handled(samples: dict[str, float], service: str, consumer: str, metric: str) -> float:
    key = f'{metric}{{consumer="{consumer}",service="{service}"}}'
    return samples.get(key, 0.0)


async def test_writes_survive_a_nats_outage_and_every_event_is_applied_once(
    platform: Platform, gateway: httpx.AsyncClient
) -> None:
    assert consumers(), "no service consumes events: nothing to drill"
    staff = platform.headers["staff"]
    meeting_id = await open_meeting(gateway, staff, capacity=10 * REGISTRATIONS)
    # Earlier drills' events are delivered first, so the counters below are this drill's.
    _, left = await settle(platform, EPOCH, DELIVERY_TIMEOUT)
    assert not any(left.values()), left
    since = (await platform.fetch("events", "SELECT now() AS now"))[0]["now"]
    before = {service: await platform.metrics(gateway, service) for service, _ in consumers()}
    mails_before = len(list(platform.mail_dir.glob("*.eml")))

    statuses: dict[str, list[int]] = {"events": [], "indices": []}
    during_outage = 0
    nats_down = asyncio.Event()
    nats_back = asyncio.Event()
    tag = uuid.uuid4().hex[:8]

    async def writer(
        service: str, items: asyncio.Queue[int], send: Callable[[int], Awaitable[httpx.Response]]
    ) -> None:
        nonlocal during_outage
        while not items.empty():
            i = items.get_nowait()
            try:
                status = (await send(i)).status_code
            except httpx.HTTPError:
                status = 0
            statuses[service].append(status)
            if nats_down.is_set() and not nats_back.is_set():
                during_outage += 1

    async def send_registration(i: int) -> httpx.Response:
        return await register(gateway, meeting_id, registration(i, tag))

    async def send_load(i: int) -> httpx.Response:
        return await gateway.post(
            "/api/v1/indices/loads",
            content=load_csv(i),
            headers={**staff, "Content-Type": "text/csv", "X-File-Name": f"drill-{i}.csv"},
        )

    registrations: asyncio.Queue[int] = asyncio.Queue()
    loads: asyncio.Queue[int] = asyncio.Queue()
    for i in range(REGISTRATIONS):
        registrations.put_nowait(i)
    for i in range(LOADS):
        loads.put_nowait(i)

    started = time.monotonic()
    await asyncio.to_thread(platform.nats.stop)
    nats_down.set()
    stopped_at = time.monotonic()
    writers = [
        *(writer("events", registrations, send_registration) for _ in range(16)),
        *(writer("indices", loads, send_load) for _ in range(4)),
    ]
    writing = asyncio.gather(*writers)

    await asyncio.sleep(OUTAGE_SECONDS - (time.monotonic() - stopped_at) - 2)
    readiness_during = await platform.readiness(gateway)
    held = await outbox_since(platform, since)
    pending_during = {
        name: sum(1 for row in rows if row["published_at"] is None) for name, rows in held.items()
    }
    await asyncio.sleep(max(0.0, OUTAGE_SECONDS - (time.monotonic() - stopped_at)))
    await asyncio.to_thread(platform.nats.start)
    nats_back.set()
    outage = time.monotonic() - stopped_at
    await writing
    writes_done = time.monotonic() - started

    # Every event of the drill window reaches each consumer subscribed to it.
    expected, missing = await settle(platform, since, DELIVERY_TIMEOUT)
    delivered_after = time.monotonic() - stopped_at - outage

    after = {service: await platform.metrics(gateway, service) for service, _ in consumers()}
    per_consumer: dict[str, dict[str, Any]] = {}
    for service, consumer in consumers():
        rows = await inbox_ids(platform, service, consumer.name)
        applied = handled(
            after[service], service, consumer.name, "sela_inbox_handled_total"
        ) - handled(before[service], service, consumer.name, "sela_inbox_handled_total")
        absorbed = handled(
            after[service], service, consumer.name, "sela_inbox_duplicates_total"
        ) - handled(before[service], service, consumer.name, "sela_inbox_duplicates_total")
        in_inbox = [m for m in rows if m in expected[consumer.name]]
        per_consumer[consumer.name] = {
            "service": service,
            "subjects": list(consumer.subjects),
            "events": len(expected[consumer.name]),
            "delivered": len(set(in_inbox)),
            "missing": missing[consumer.name],
            "applied": int(applied),
            "applied_twice": len(in_inbox)
            - len(set(in_inbox))
            + max(0, int(applied) - len(in_inbox)),
            "redeliveries_absorbed": int(absorbed),
        }
    notifications = expected.get("events-mail-sender", set())
    mails = {path.stem for path in platform.mail_dir.glob("*.eml")}
    by_service = {service: count_by(codes) for service, codes in statuses.items()}
    figures = {
        "writes": {service: len(codes) for service, codes in statuses.items()},
        "statuses": by_service,
        "server_errors": sum(server_errors(c) for c in by_service.values()),
        "writes_during_outage": during_outage,
        "outage_seconds": round(outage, 1),
        "writes_seconds": round(writes_done, 1),
        "readiness_during_outage": readiness_during,
        "outbox_pending_before_restart": pending_during,
        "delivered_within_seconds_of_restart": round(delivered_after, 1),
        "consumers": per_consumer,
        "mails_written": len(mails) - mails_before,
        "mails_missing": len(notifications - mails),
    }
    record("nats_outage", figures)
    platform.alive()

    assert figures["server_errors"] == 0, figures
    assert by_service == {"events": {"201": REGISTRATIONS}, "indices": {"201": LOADS}}, figures
    assert during_outage > 0, figures
    assert all(readiness_during[s.name] == 503 for s in SERVICES), figures
    assert sum(pending_during.values()) > 0, figures
    # The writes publish registrations (read by the events mail sender and by the SME
    # directory) and indicator updates (read by migration); a consumer of another subject (the
    # SME directory's niches) has nothing to receive here, and must receive nothing.
    assert {name for name, outcome in per_consumer.items() if outcome["events"]} == FED, figures
    for name, outcome in per_consumer.items():
        assert outcome["missing"] == 0, (name, figures)
        assert outcome["applied"] == outcome["events"], (name, figures)
        assert outcome["applied_twice"] == 0, (name, figures)
    assert figures["mails_missing"] == 0, figures
