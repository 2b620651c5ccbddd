"""Meetings and registrations for the drills, through the gateway."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

EVENTS = "/api/v1/events"


async def open_meeting(client: httpx.AsyncClient, staff: dict[str, str], capacity: int) -> str:
    """A meeting open for registration with ``capacity`` seats; its id."""
    body = {
        "code": f"DRILL-{uuid.uuid4().hex[:10]}",
        "title": {"en": "Drill meeting"},
        "type": "regional_meeting",
        "start_at": "2040-01-10T09:00:00",
        "end_at": "2040-01-11T18:00:00",
        "capacity": capacity,
    }
    created = await client.post(f"{EVENTS}/meetings", json=body, headers=staff)
    assert created.status_code == 201, created.text
    meeting_id = str(created.json()["id"])
    opened = await client.post(
        f"{EVENTS}/meetings/{meeting_id}/status",
        json={"status": "registration_open"},
        headers=staff,
    )
    assert opened.status_code == 200, opened.text
    return meeting_id


def registration(i: int, tag: str, country: str = "VEN") -> dict[str, Any]:
    return {
        "first_name": f"Drill{i}",
        "last_name": "Participant",
        "email": f"p{i}-{tag}@example.org",
        "category": "delegation",
        "country": country,
    }


async def register(
    client: httpx.AsyncClient, meeting_id: str, body: dict[str, Any]
) -> httpx.Response:
    return await client.post(f"{EVENTS}/meetings/{meeting_id}/registrations", json=body)
