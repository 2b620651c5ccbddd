"""Factories for the events tests: meetings through the API, registration payloads."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from sela_kit.identity import Kind
from sela_testing.support import identity_headers


class FreshIdentity(Mapping[str, str]):
    """Identity headers signed anew at each use: the gateway's tokens live 60 seconds, and a
    test module can run longer than that."""

    def __init__(self, *roles: str, kind: Kind = "user", subject: str | None = "tester") -> None:
        self.roles, self.kind, self.subject = roles, kind, subject

    def __getitem__(self, key: str) -> str:
        if key != "X-Sela-Identity":
            raise KeyError(key)
        return identity_headers(*self.roles, kind=self.kind, subject=self.subject)[key]

    def __iter__(self) -> Iterator[str]:
        return iter(["X-Sela-Identity"])

    def __len__(self) -> int:
        return 1


STAFF = FreshIdentity("staff", subject="staff-1")
ANONYMOUS = FreshIdentity(kind="anonymous")


def person(n: int | str, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "first_name": f"Ana{n}",
        "last_name": "Pérez",
        "email": f"ana{n}-{uuid.uuid4().hex[:6]}@example.org",
        "category": "academia",
        "country": "VEN",
    }
    body.update(extra)
    return body


async def open_meeting(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    """A meeting created by staff and opened for registration; returns its JSON."""
    start = datetime.now(UTC) + timedelta(days=30)
    body: dict[str, Any] = {
        "code": f"T-{uuid.uuid4().hex[:10]}",
        "title": {"es": "Reunión de prueba", "en": "Test meeting"},
        "type": "regional_meeting",
        "activity": "II.3.2",
        "venue": "Sede del SELA",
        "city": "Caracas",
        "country": "VEN",
        "timezone": "America/Caracas",
        "start_at": start.isoformat(),
        "end_at": (start + timedelta(days=2)).isoformat(),
    }
    body.update(fields)
    created = await client.post("/meetings", json=body, headers=STAFF)
    assert created.status_code == 201, created.text
    opened = await client.post(
        f"/meetings/{created.json()['id']}/status",
        json={"status": "registration_open"},
        headers=STAFF,
    )
    assert opened.status_code == 200, opened.text
    result: dict[str, Any] = opened.json()
    return result


def problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["code"] == code, body
    return body


def field_names(body: dict[str, Any]) -> set[str]:
    return {e["name"] for e in body.get("errors") or []}
