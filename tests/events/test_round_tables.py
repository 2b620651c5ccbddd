"""Sector round tables: profiles, requests, and a schedule with nobody double-booked."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

import pytest

from sela_events.b2b.scheduler import Table, Wish, schedule
from sela_testing.support import ServiceHarness
from tests.events.support import STAFF, field_names, open_meeting, person, problem


def test_scheduler_meets_as_many_as_possible() -> None:
    # A triangle needs three slots; with two, one of its meetings waits. D meets A at the
    # agrifood table.
    wishes = [
        Wish("ab", "A", "B"),
        Wish("ac", "A", "C"),
        Wish("bc", "B", "C"),
        Wish("da", "D", "A", "agrifood"),
        Wish("ef", "E", "F", "mining"),  # no mining table, no general table free enough
    ]
    plan = schedule(wishes, 2, [Table("T1"), Table("T2", "agrifood")])
    assert plan.optimal
    assert len(plan.assignments) == 4
    _no_double_booking(wishes, plan.assignments)


def _no_double_booking(wishes: list[Wish], assignments: dict[str, tuple[int, str]]) -> None:
    by_id = {w.id: w for w in wishes}
    people: Counter[tuple[str, int]] = Counter()
    tables: Counter[tuple[str, int]] = Counter()
    for wish_id, (slot, table) in assignments.items():
        people[(by_id[wish_id].a, slot)] += 1
        people[(by_id[wish_id].b, slot)] += 1
        tables[(table, slot)] += 1
    assert max(people.values()) == 1
    assert max(tables.values()) == 1


@pytest.mark.asyncio(loop_scope="session")
async def test_round_table_requests_and_schedule(events: ServiceHarness) -> None:
    client = events.client
    meeting = await open_meeting(client, type="round_table", activity="III.1.1")
    url = f"/meetings/{meeting['id']}/registrations"
    regs = [
        (
            await client.post(url, json=person(i, category="private_sector", consent_publish=True))
        ).json()
        for i in range(4)
    ]
    tokens = [r["manage_token"] for r in regs]
    problem(
        await client.post(
            f"/registrations/self/{tokens[0]}/b2b/requests",
            json={"target_registration_id": regs[1]["id"]},
        ),
        409,
        "profile_missing",
    )
    sectors = ["agrifood", "agrifood", "textiles", "agrifood"]
    for token, sector in zip(tokens, sectors, strict=True):
        profile = await client.put(
            f"/registrations/self/{token}/b2b/profile",
            json={"sector": sector, "offers": "coffee", "seeks": "logistics partners"},
        )
        assert profile.status_code == 200, profile.text
    listed = (await client.get(f"/meetings/{meeting['id']}/b2b/profiles")).json()
    assert Counter(p["sector"] for p in listed) == {"agrifood": 3, "textiles": 1}
    pairs = [(0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3)]
    for a, b in pairs:
        made = await client.post(
            f"/registrations/self/{tokens[a]}/b2b/requests",
            json={"target_registration_id": regs[b]["id"]},
        )
        assert made.status_code == 201, made.text
    again = await client.post(
        f"/registrations/self/{tokens[1]}/b2b/requests",
        json={"target_registration_id": regs[0]["id"]},
    )
    problem(again, 409, "already_requested")
    own = await client.post(
        f"/registrations/self/{tokens[1]}/b2b/requests",
        json={"target_registration_id": regs[1]["id"]},
    )
    assert field_names(problem(own, 422, "validation_failed")) == {"body.target_registration_id"}
    start = datetime.fromisoformat(meeting["start_at"])
    slots = [
        {
            "starts_at": (start + timedelta(minutes=30 * i)).isoformat(),
            "ends_at": (start + timedelta(minutes=30 * i + 25)).isoformat(),
        }
        for i in range(3)
    ]
    overlapping = [slots[0], {**slots[1], "starts_at": slots[0]["starts_at"]}]
    bad = await client.post(
        f"/meetings/{meeting['id']}/b2b/schedule",
        json={"tables": [{"name": "A"}], "slots": overlapping},
        headers=STAFF,
    )
    assert field_names(problem(bad, 422, "validation_failed")) == {"body.slots.1"}
    report = await client.post(
        f"/meetings/{meeting['id']}/b2b/schedule",
        json={
            "tables": [{"name": "Agro 1", "sector": "agrifood"}, {"name": "General"}],
            "slots": slots,
        },
        headers=STAFF,
    )
    assert report.status_code == 200, report.text
    body = report.json()
    # Four participants, every pair: at most two meetings per slot, three slots: all six met.
    assert (body["requests"], body["met"], body["unmet"], body["optimal"]) == (6, 6, 0, True)
    seen_people: Counter[tuple[str, str]] = Counter()
    seen_tables: Counter[tuple[str, str]] = Counter()
    for item in body["assignments"]:
        seen_people[(item["requester_id"], item["slot_starts_at"])] += 1
        seen_people[(item["target_id"], item["slot_starts_at"])] += 1
        seen_tables[(item["table_name"], item["slot_starts_at"])] += 1
    assert max(seen_people.values()) == 1
    assert max(seen_tables.values()) == 1
    mine = (await client.get(f"/registrations/self/{tokens[0]}/b2b/requests")).json()
    assert len(mine) == 3
    assert all(m["table_name"] for m in mine)
