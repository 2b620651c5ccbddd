"""Registration rules: bad input named and nothing written, moderation, invitations,
self-service, the waiting list and its offers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sela_events import jobs
from sela_events.settings import EventsSettings
from sela_testing.support import ServiceHarness, identity_headers
from tests.events.support import (
    ANONYMOUS,
    STAFF,
    field_names,
    open_meeting,
    person,
    problem,
)

pytestmark = pytest.mark.asyncio(loop_scope="session")

FORM = [
    {"key": "needs_visa", "label": {"en": "Do you need a visa?"}, "kind": "consent"},
    {
        "key": "passport",
        "label": {"en": "Passport number"},
        "kind": "text",
        "required": True,
        "condition": {"field": "needs_visa", "equals": True},
    },
    {"key": "diet", "label": {"es": "Dieta"}, "kind": "choice", "options": ["none", "vegetarian"]},
]


async def _count(events: ServiceHarness, meeting_id: str) -> int:
    counts = (await events.client.get(f"/meetings/{meeting_id}/counts", headers=STAFF)).json()
    return sum(row["registrations"] for row in counts["by_state"])


async def test_bad_input_is_named_and_writes_nothing(events: ServiceHarness) -> None:
    client = events.client
    meeting = await open_meeting(
        client,
        fields=FORM,
        quotas=[{"category": "delegation", "per_country": True, "seats": 2}],
    )
    url = f"/meetings/{meeting['id']}/registrations"
    problem(
        await client.post("/meetings/nope/registrations", json=person(1)), 404, "meeting_not_found"
    )
    body = problem(
        await client.post(url, json=person(1, answers={"needs_visa": True})),
        422,
        "validation_failed",
    )
    assert field_names(body) == {"body.answers.passport"}
    body = problem(
        await client.post(url, json=person(2, email="not-an-email")), 422, "validation_failed"
    )
    assert field_names(body) == {"body.email"}
    body = problem(
        await client.post(url, json=person(3, answers={"diet": "fish", "shoe": 1})),
        422,
        "validation_failed",
    )
    assert field_names(body) == {"body.answers.diet", "body.answers.shoe"}
    body = problem(
        await client.post(url, json=person(4, category="delegation", country=None)),
        422,
        "validation_failed",
    )
    assert field_names(body) == {"body.country"}
    body = problem(
        await client.post(url, json=person(5, category="delegation", seats=3)),
        422,
        "quota_exceeded",
    )
    assert field_names(body) == {"body.seats"}
    body = problem(await client.post(url, json=person(6, country="XX")), 422, "validation_failed")
    assert field_names(body) == {"body.country"}
    problem(
        await client.post(url, content=b"{not json", headers={"content-type": "application/json"}),
        422,
        "validation_failed",
    )
    assert await _count(events, meeting["id"]) == 0
    # Hidden conditional fields are neither required nor kept.
    ok = await client.post(url, json=person(7, answers={"needs_visa": False, "passport": "X1"}))
    assert ok.status_code == 201, ok.text
    assert ok.json()["answers"] == {"needs_visa": False}
    # Closed registration.
    await client.post(
        f"/meetings/{meeting['id']}/status", json={"status": "registration_closed"}, headers=STAFF
    )
    problem(await client.post(url, json=person(8)), 409, "registration_closed")
    assert await _count(events, meeting["id"]) == 1


async def test_roles(events: ServiceHarness) -> None:
    client = events.client
    problem(await client.post("/meetings", json={}, headers=ANONYMOUS), 401, "unauthorized")
    problem(
        await client.post("/meetings", json={}, headers=identity_headers("partner")),
        403,
        "forbidden",
    )
    meeting = await open_meeting(client)
    listing = f"/meetings/{meeting['id']}/registrations"
    problem(await client.get(listing, headers=identity_headers("sme_owner")), 403, "forbidden")
    # A draft is invisible to the public.
    draft = await client.post(
        "/meetings",
        json={"code": "DRAFT-X1", "title": {"en": "Draft"}, "type": "course"},
        headers=STAFF,
    )
    assert draft.status_code == 201
    problem(await client.get("/meetings/DRAFT-X1", headers=ANONYMOUS), 404, "meeting_not_found")
    assert (await client.get("/meetings/DRAFT-X1", headers=STAFF)).status_code == 200
    # Participants see their own registrations only.
    mine = identity_headers("sme_owner", subject="user-42")
    await client.post(f"/meetings/{meeting['id']}/registrations", json=person("own"), headers=mine)
    await client.post(f"/meetings/{meeting['id']}/registrations", json=person("other"))
    own = await client.get("/registrations/mine", headers=mine)
    assert [r["first_name"] for r in own.json()] == ["Anaown"]


async def test_moderation_and_invitations(events: ServiceHarness) -> None:
    client = events.client
    meeting = await open_meeting(
        client,
        capacity=1,
        categories=[{"category": "press", "moderated": True}, {"category": "delegation"}],
    )
    url = f"/meetings/{meeting['id']}/registrations"
    body = problem(await client.post(url, json=person(1)), 422, "validation_failed")
    assert field_names(body) == {"body.category"}
    pending = await client.post(url, json=person(2, category="press"))
    assert pending.json()["state"] == "pending"
    invitation = await client.post(
        f"/meetings/{meeting['id']}/invitations",
        json={"category": "press", "email": "guest@example.org"},
        headers=STAFF,
    )
    code = invitation.json()["code"]
    wrong = await client.post(url, json=person(3, category="press", invitation_code=code))
    assert field_names(problem(wrong, 422, "validation_failed")) == {"body.email"}
    invited = await client.post(
        url, json=person(3, category="press", email="guest@example.org", invitation_code=code)
    )
    assert invited.json()["state"] == "confirmed"
    reused = await client.post(
        url, json=person(4, category="press", email="guest@example.org", invitation_code=code)
    )
    assert field_names(problem(reused, 422, "validation_failed")) == {"body.invitation_code"}
    approved = await client.post(f"/registrations/{pending.json()['id']}/approve", headers=STAFF)
    assert approved.json()["state"] == "waitlisted"  # the one seat went to the invitee
    problem(
        await client.post(f"/registrations/{pending.json()['id']}/approve", headers=STAFF),
        409,
        "not_pending",
    )


async def test_cancel_offers_the_seat_to_the_first_in_line_once(
    events: ServiceHarness, events_settings: EventsSettings
) -> None:
    client = events.client
    meeting = await open_meeting(client, capacity=2, offer_hours=24)
    url = f"/meetings/{meeting['id']}/registrations"
    regs = [(await client.post(url, json=person(i))).json() for i in range(5)]
    assert [r["state"] for r in regs] == [
        "confirmed",
        "confirmed",
        "waitlisted",
        "waitlisted",
        "waitlisted",
    ]
    token = regs[0]["manage_token"]
    view = await client.get(f"/registrations/self/{token}")
    assert view.json()["id"] == regs[0]["id"]
    assert "no-store" in view.headers["cache-control"]
    problem(
        await client.get(f"/registrations/self/{regs[1]['id']}.forged"),
        404,
        "registration_not_found",
    )
    changed = await client.patch(f"/registrations/self/{token}", json={"organisation": "CAF"})
    assert changed.json()["organisation"] == "CAF"
    cancelled = await client.post(f"/registrations/self/{token}/cancel")
    assert cancelled.json()["state"] == "cancelled"
    problem(await client.post(f"/registrations/self/{token}/cancel"), 409, "invalid_state_change")
    states = [(await client.get(f"/registrations/self/{r['manage_token']}")).json() for r in regs]
    assert [s["state"] for s in states] == [
        "cancelled",
        "confirmed",
        "offered",
        "waitlisted",
        "waitlisted",
    ]
    assert states[2]["offer_expires_at"] is not None
    # The next in line declines: the seat passes on.
    declined = await client.post(f"/registrations/self/{regs[2]['manage_token']}/decline")
    assert declined.json()["state"] == "declined"
    assert (await client.get(f"/registrations/self/{regs[3]['manage_token']}")).json()[
        "state"
    ] == "offered"
    # The offer expires: the seat passes on again, once.
    later = datetime.now(UTC) + timedelta(hours=25)
    result = await jobs.expire_offers(events.database, events_settings, now=later)
    assert (result.offers_expired, result.offers_made) == (1, 1)
    again = await jobs.expire_offers(events.database, events_settings, now=later)
    assert (again.offers_expired, again.offers_made) == (0, 0)
    last = regs[4]["manage_token"]
    assert (await client.get(f"/registrations/self/{last}")).json()["state"] == "offered"
    accepted = await client.post(f"/registrations/self/{last}/accept")
    assert accepted.json()["state"] == "confirmed"


async def test_no_offers_after_the_meeting_starts(
    events: ServiceHarness, events_settings: EventsSettings
) -> None:
    client = events.client
    meeting = await open_meeting(client, capacity=1)
    url = f"/meetings/{meeting['id']}/registrations"
    first = (await client.post(url, json=person(1))).json()
    second = (await client.post(url, json=person(2))).json()
    assert second["state"] == "waitlisted"
    start = datetime.fromisoformat(meeting["start_at"])
    await client.patch(
        f"/meetings/{meeting['id']}",
        json={"start_at": (datetime.now(UTC) - timedelta(hours=1)).isoformat()},
        headers=STAFF,
    )
    cancelled = await client.post(f"/registrations/{first['id']}/cancel", headers=STAFF)
    assert cancelled.json()["state"] == "cancelled"
    assert (await client.get(f"/registrations/self/{second['manage_token']}")).json()[
        "state"
    ] == "waitlisted"
    assert start > datetime.now(UTC)
