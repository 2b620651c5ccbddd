"""Changing seats, category or country through the self-service link: decided again under
the meeting's capacity, quotas and moderation; illegal changes are problems and change
nothing."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from sela_testing.support import ServiceHarness
from tests.events.support import STAFF, field_names, open_meeting, person, problem

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def _register(
    client: httpx.AsyncClient, meeting: dict[str, Any], body: dict[str, Any]
) -> dict[str, Any]:
    response = await client.post(f"/meetings/{meeting['id']}/registrations", json=body)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def _state(client: httpx.AsyncClient, reg: dict[str, Any]) -> dict[str, Any]:
    response = await client.get(f"/registrations/self/{reg['manage_token']}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def _held(client: httpx.AsyncClient, meeting: dict[str, Any]) -> int:
    response = await client.get(f"/meetings/{meeting['id']}/counts")
    assert response.status_code == 200, response.text
    return int(response.json()["seats_held"])


async def test_more_seats_while_they_fit_and_fewer_seats_free_them(
    events: ServiceHarness,
) -> None:
    client = events.client
    meeting = await open_meeting(client, capacity=4)
    delegation = await _register(client, meeting, person(1, category="delegation", seats=2))
    other = await _register(client, meeting, person(2))
    waiting = await _register(client, meeting, person(3, seats=2))
    assert [delegation["state"], other["state"], waiting["state"]] == [
        "confirmed",
        "confirmed",
        "waitlisted",
    ]
    link = f"/registrations/self/{delegation['manage_token']}"
    grown = await client.patch(link, json={"seats": 3, "companions": ["Luis Díaz", "Eva Sosa"]})
    assert grown.status_code == 200, grown.text
    assert (grown.json()["state"], grown.json()["seats"]) == ("confirmed", 3)
    assert grown.json()["companions"] == ["Luis Díaz", "Eva Sosa"]
    # Capacity 4 is now full: one more seat does not fit; refused, nothing changed.
    refused = problem(await client.patch(link, json={"seats": 4}), 409, "no_seats")
    assert field_names(refused) == {"body.seats"}
    assert (await _state(client, delegation))["seats"] == 3
    # Fewer seats than companions named is invalid.
    too_few = problem(await client.patch(link, json={"seats": 1}), 422, "validation_failed")
    assert field_names(too_few) == {"body.companions"}
    # Back to one seat (dropping the companions): two seats free, offered to the next in line.
    shrunk = await client.patch(link, json={"seats": 1, "companions": []})
    assert (shrunk.json()["state"], shrunk.json()["seats"]) == ("confirmed", 1)
    assert (await _state(client, waiting))["state"] == "offered"
    assert await _held(client, meeting) == 4


async def test_a_change_that_does_not_fit_may_wait_in_the_list(events: ServiceHarness) -> None:
    client = events.client
    meeting = await open_meeting(client, capacity=10, quotas=[{"category": "press", "seats": 1}])
    journalist = await _register(client, meeting, person(1, category="press"))
    academic = await _register(client, meeting, person(2))
    assert academic["state"] == "confirmed"
    link = f"/registrations/self/{academic['manage_token']}"
    # The press quota is taken: refused by default, seats kept.
    refused = problem(await client.patch(link, json={"category": "press"}), 409, "no_seats")
    assert "quota of 1 seat(s) for category press" in refused["detail"]
    assert (await _state(client, academic))["category"] == "academia"
    # Asked for: the seat is given up and the request waits for the press quota.
    moved = await client.patch(link, json={"category": "press", "waitlist_if_full": True})
    assert moved.status_code == 200, moved.text
    assert (moved.json()["state"], moved.json()["category"]) == ("waitlisted", "press")
    # When the journalist cancels, the press seat is offered to it.
    await client.post(f"/registrations/self/{journalist['manage_token']}/cancel")
    assert (await _state(client, academic))["state"] == "offered"
    # A request larger than a quota could ever allow is a 422, whatever is free.
    impossible = problem(
        await client.patch(link, json={"seats": 2, "companions": ["X Y"]}), 422, "quota_exceeded"
    )
    assert field_names(impossible) == {"body.seats"}


async def test_a_moderated_category_goes_back_to_approval(events: ServiceHarness) -> None:
    client = events.client
    meeting = await open_meeting(
        client,
        capacity=5,
        categories=[
            {"category": "academia"},
            {"category": "press", "moderated": True},
            {"category": "delegation"},
        ],
    )
    reg = await _register(client, meeting, person(1))
    assert reg["state"] == "confirmed"
    link = f"/registrations/self/{reg['manage_token']}"
    pending = await client.patch(link, json={"category": "press"})
    assert (pending.json()["state"], pending.json()["category"]) == ("pending", "press")
    assert await _held(client, meeting) == 0
    # Leaving the moderated category decides the request at once.
    back = await client.patch(link, json={"category": "academia"})
    assert back.json()["state"] == "confirmed"
    # Categories the meeting does not accept, and delegations without a country, are 422s.
    refused = problem(
        await client.patch(link, json={"category": "staff"}), 422, "validation_failed"
    )
    assert field_names(refused) == {"body.category"}
    no_country = problem(
        await client.patch(link, json={"category": "delegation", "country": None}),
        422,
        "validation_failed",
    )
    assert field_names(no_country) == {"body.country"}
    assert (await _state(client, reg))["category"] == "academia"
    nulls = problem(await client.patch(link, json={"seats": None}), 422, "validation_failed")
    assert field_names(nulls) == {"body.seats"}


async def test_per_country_quota_is_checked_for_a_new_country(events: ServiceHarness) -> None:
    client = events.client
    meeting = await open_meeting(
        client, quotas=[{"category": "delegation", "per_country": True, "seats": 1}]
    )
    await _register(client, meeting, person(1, category="delegation", country="ARG"))
    chile = await _register(client, meeting, person(2, category="delegation", country="CHL"))
    link = f"/registrations/self/{chile['manage_token']}"
    problem(await client.patch(link, json={"country": "ARG"}), 409, "no_seats")
    moved = await client.patch(link, json={"country": "BRA"})
    assert (moved.json()["state"], moved.json()["country"]) == ("confirmed", "BRA")


async def test_changes_follow_the_modification_rule(events: ServiceHarness) -> None:
    client = events.client
    never = await open_meeting(client, modification_rule="never")
    reg = await _register(client, never, person(1))
    problem(
        await client.patch(f"/registrations/self/{reg['manage_token']}", json={"seats": 2}),
        409,
        "modification_closed",
    )
    until_approved = await open_meeting(
        client,
        modification_rule="until_approved",
        categories=[{"category": "academia", "moderated": True}, {"category": "press"}],
    )
    pending = await _register(client, until_approved, person(2))
    assert pending["state"] == "pending"
    link = f"/registrations/self/{pending['manage_token']}"
    changed = await client.patch(link, json={"seats": 2, "companions": ["Eva Sosa"]})
    assert (changed.json()["state"], changed.json()["seats"]) == ("pending", 2)
    approved = await client.post(f"/registrations/{pending['id']}/approve", headers=STAFF)
    assert approved.json()["state"] == "confirmed"
    problem(await client.patch(link, json={"seats": 1}), 409, "modification_closed")
