"""Drill 5: every write operation of the merged OpenAPI refuses callers who may not write.

Without credentials a write answers 401; with credentials that carry no right to write (a
signed-in user with no role, a signed-in partner, a partner's API key with read scopes only)
it answers 403. The exceptions are the writes meant for anyone, listed below with the reason;
the drill asserts the list is exactly the set of writes that let an anonymous caller through,
so a new public write has to be added here on purpose.
"""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from typing import Any

import httpx
import pytest

from tests.drills.platform import Platform, count_by, server_errors
from tests.drills.report import record

pytestmark = pytest.mark.drill

WRITE_METHODS = ("post", "put", "patch", "delete")

# Writes anyone may call. Keep each one justified.
PUBLIC_WRITES = {
    # Signing in, renewing and ending a session: the caller has no token yet (or an expired
    # one) and proves who they are with a password or a refresh token.
    ("POST", "/auth/login"),
    ("POST", "/auth/refresh"),
    ("POST", "/auth/logout"),
    # Anyone may register for a meeting (policy.json): participants are not platform users.
    ("POST", "/api/v1/events/meetings/{meeting_id}/registrations"),
    # A participant manages their registration through the secret self-service link mailed
    # to them (the token in the path is the credential).
    ("PATCH", "/api/v1/events/registrations/self/{token}"),
    ("POST", "/api/v1/events/registrations/self/{token}/cancel"),
    ("POST", "/api/v1/events/registrations/self/{token}/accept"),
    ("POST", "/api/v1/events/registrations/self/{token}/decline"),
    ("PUT", "/api/v1/events/registrations/self/{token}/b2b/profile"),
    ("POST", "/api/v1/events/registrations/self/{token}/b2b/requests"),
}

# Writes a partner institution may make: migration analyses are computations on public
# data that partners run themselves (they write only the job record of their request).
PARTNER_WRITES = {
    ("POST", "/api/v1/migration/gravity"),
    ("POST", "/api/v1/migration/correlations"),
    ("POST", "/api/v1/migration/correlations/{correlation_id}/refresh"),
}

# Computations any signed-in caller may ask for: they answer from the data and store nothing.
COMPUTATIONS = {
    ("POST", "/api/v1/ports/benchmark/dea"),
    ("POST", "/api/v1/ports/benchmark/rounds/{code}/dea"),
}

# Who must be refused every non-public write with 403: a signed-in user with no role, a
# signed-in partner (but for PARTNER_WRITES) and a partner's API key with read scopes only.
NOT_WRITERS = ("nobody", "partner", "reader_key")


def write_operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    found = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if method in WRITE_METHODS:
                found.append((method.upper(), path, operation))
    return sorted(found, key=lambda item: (item[1], item[0]))


def concrete_path(path: str, operation: dict[str, Any]) -> str:
    """The path with each parameter given a well-formed value of its type."""
    schemas = {
        p["name"]: p.get("schema", {})
        for p in operation.get("parameters", [])
        if p.get("in") == "path"
    }

    def value(match: re.Match[str]) -> str:
        schema = schemas.get(match.group(1), {})
        if schema.get("format") == "uuid" or any(
            option.get("format") == "uuid" for option in schema.get("anyOf", [])
        ):
            return str(uuid.uuid4())
        if schema.get("type") == "integer":
            return "1"
        if "enum" in schema:
            return str(schema["enum"][0])
        return "drill"

    return re.sub(r"\{([^}]+)\}", value, path)


async def test_every_write_refuses_the_anonymous_and_the_unentitled(
    platform: Platform, gateway: httpx.AsyncClient
) -> None:
    started = time.monotonic()
    spec = (await gateway.get("/openapi.json")).json()
    operations = write_operations(spec)
    assert len(operations) > 20, "the merged OpenAPI lists too few writes: a service is missing"

    anonymous_passes: set[tuple[str, str]] = set()
    wrong: list[str] = []
    statuses: list[int] = []
    semaphore = asyncio.Semaphore(16)

    async def call(method: str, url: str, headers: dict[str, str]) -> int:
        async with semaphore:
            response = await gateway.request(method, url, json={}, headers=headers)
        statuses.append(response.status_code)
        return response.status_code

    async def check(method: str, path: str, operation: dict[str, Any]) -> None:
        url = concrete_path(path, operation)
        anonymous = await call(method, url, {})
        if anonymous >= 500:
            wrong.append(f"{method} {path}: anonymous got {anonymous}")
        if anonymous != 401:
            anonymous_passes.add((method, path))
            return
        for who in NOT_WRITERS:
            if who == "partner" and (method, path) in PARTNER_WRITES:
                continue
            if who != "reader_key" and (method, path) in COMPUTATIONS:
                continue
            status = await call(method, url, platform.headers[who])
            if status != 403:
                wrong.append(f"{method} {path}: {who} got {status}, not 403")

    await asyncio.gather(*(check(m, p, op) for m, p, op in operations))
    counts = count_by(statuses)
    record(
        "write_access",
        {
            "write_operations": len(operations),
            "public_writes": len(anonymous_passes),
            "requests": len(statuses),
            "statuses": counts,
            "server_errors": server_errors(counts),
            "seconds": round(time.monotonic() - started, 1),
        },
    )
    assert not wrong, "\n".join(wrong)
    assert anonymous_passes == PUBLIC_WRITES, {
        "public but not listed": sorted(anonymous_passes - PUBLIC_WRITES),
        "listed but not public": sorted(PUBLIC_WRITES - anonymous_passes),
    }
