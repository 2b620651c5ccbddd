"""API keys: issued, cached on the hot path, used, rotated with a grace period, revoked."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from sela_gateway.auth.authenticator import Authenticator
from sela_kit.errors import UnauthorizedError
from sela_kit.identity import Identity
from sela_testing.support import Servers
from tests.gateway.auth_support import (
    AuthHarness,
    assert_problem,
    auth_app_for,
    auth_database_url,
    auth_harness,
)


@pytest.fixture
async def auth(sela_servers: Servers) -> AsyncIterator[AuthHarness]:
    async with auth_harness(await auth_database_url(sela_servers)) as harness:
        yield harness


async def refused(authenticator: Authenticator, key: str) -> str:
    with pytest.raises(UnauthorizedError) as caught:
        await authenticator.authenticate(None, key)
    return caught.value.code


async def test_key_authenticates_with_its_roles_and_scopes(auth: AuthHarness) -> None:
    row, key = await auth.api_key(scopes=["indices:read", "events:write"])
    assert key.startswith(f"sela_{row.prefix}_")
    stored = await auth.scalar("SELECT secret_hash FROM api_keys WHERE id = :id", id=row.id)
    assert len(stored) == 64
    assert key not in stored

    identity = await auth.authenticator.authenticate(None, key)
    assert identity == Identity(
        kind="api_key",
        subject=row.prefix,
        name="CAF",
        roles=frozenset({"partner"}),
        scopes=frozenset({"indices:read", "events:write"}),
    )
    # Tools that only speak bearer tokens may send the key that way.
    assert await auth.authenticator.authenticate(f"Bearer {key}", None) == identity
    me = await auth.client.get("/auth/me", headers={"X-API-Key": key})
    assert me.json()["kind"] == "api_key"
    assert me.json()["scopes"] == ["events:write", "indices:read"]


async def test_wrong_malformed_and_ambiguous_keys(auth: AuthHarness) -> None:
    _, key = await auth.api_key()
    assert await refused(auth.authenticator, key[:-1] + ("A" if key[-1] != "A" else "B")) == (
        "invalid_api_key"
    )
    assert await refused(auth.authenticator, "sela_000000000000_" + "x" * 43) == "invalid_api_key"
    assert await refused(auth.authenticator, "hello") == "invalid_api_key"
    response = await auth.client.get("/auth/me", headers={"X-API-Key": "hello"})
    body = assert_problem(response, 401, "invalid_api_key")
    assert "sela_<prefix>_<secret>" in body["detail"]
    assert response.headers["www-authenticate"].startswith("ApiKey")
    with pytest.raises(UnauthorizedError) as caught:
        await auth.authenticator.authenticate("Bearer x", key)
    assert caught.value.code == "ambiguous_credentials"


async def test_second_use_costs_no_database_round_trip(auth: AuthHarness) -> None:
    _, key = await auth.api_key()
    await auth.authenticator.authenticate(None, key)
    before = len(auth.statements)
    for _ in range(50):
        await auth.authenticator.authenticate(None, key)
    assert len(auth.statements) == before
    # A wrong secret under a known prefix is refused from the cache as well.
    assert await refused(auth.authenticator, key[:-2] + "zz") == "invalid_api_key"
    assert len(auth.statements) == before


async def test_concurrent_first_uses_share_one_lookup(auth: AuthHarness) -> None:
    _, key = await auth.api_key()
    before = len(auth.statements)
    identities = await asyncio.gather(
        *(auth.authenticator.authenticate(None, key) for _ in range(20))
    )
    assert len({i.subject for i in identities}) == 1
    selects = [s for s in auth.statements.statements[before:] if "FROM api_keys" in s]
    assert len(selects) == 1


async def test_last_used_at_is_written_in_batches(auth: AuthHarness) -> None:
    row, key = await auth.api_key()
    for _ in range(5):
        await auth.authenticator.authenticate(None, key)
    assert (await auth.key_row(row.id)).last_used_at is None
    before = len(auth.statements)
    await auth.authenticator.close()
    updates = [s for s in auth.statements.statements[before:] if s.startswith("UPDATE api_keys")]
    assert len(updates) == 1
    used = (await auth.key_row(row.id)).last_used_at
    assert used is not None
    assert datetime.now(UTC) - used < timedelta(seconds=10)


async def test_background_flush(auth: AuthHarness) -> None:
    authenticator = Authenticator(auth.database, auth.settings, flush_seconds=0.05)
    await authenticator.start()
    await authenticator.start()  # idempotent
    row, key = await auth.api_key()
    await authenticator.authenticate(None, key)
    for _ in range(100):
        if (await auth.key_row(row.id)).last_used_at is not None:
            break
        await asyncio.sleep(0.05)
    assert (await auth.key_row(row.id)).last_used_at is not None
    await authenticator.close()


async def test_expired_key_is_refused(auth: AuthHarness) -> None:
    _, key = await auth.api_key(expires_at=datetime.now(UTC) - timedelta(minutes=1))
    assert await refused(auth.authenticator, key) == "api_key_expired"
    response = await auth.client.get("/auth/me", headers={"X-API-Key": key})
    assert "expired" in assert_problem(response, 401, "api_key_expired")["detail"]


async def test_revoke_is_immediate_here_and_within_the_cache_time_elsewhere(
    auth: AuthHarness,
) -> None:
    admin = await auth.bearer("admin")
    row, key = await auth.api_key()
    other_replica = Authenticator(auth.database, auth.settings, cache_seconds=0.3)
    await auth.authenticator.authenticate(None, key)
    await other_replica.authenticate(None, key)

    response = await auth.client.delete(f"/admin/api-keys/{row.id}", headers=admin)
    assert response.status_code == 204
    assert await refused(auth.authenticator, key) == "api_key_revoked"
    # The other replica still holds the key until its cache entry ages out.
    await other_replica.authenticate(None, key)
    await asyncio.sleep(0.35)
    assert await refused(other_replica, key) == "api_key_revoked"
    await other_replica.close()

    again = await auth.client.delete(f"/admin/api-keys/{row.id}", headers=admin)
    assert again.status_code == 204


async def test_rotation_with_grace_period(auth: AuthHarness) -> None:
    admin = await auth.bearer("admin")
    old, old_key = await auth.api_key(scopes=["ports:write"], roles=["partner", "evaluator"])
    await auth.authenticator.authenticate(None, old_key)

    response = await auth.client.post(
        f"/admin/api-keys/{old.id}/rotate", params={"grace_seconds": 1}, headers=admin
    )
    assert response.status_code == 201, response.text
    body = response.json()
    new_key = body["key"]
    assert body["rotated_from"] == str(old.id)
    assert body["owner"] == "CAF"
    assert body["scopes"] == ["ports:write"]
    assert set(body["roles"]) == {"evaluator", "partner"}
    assert body["status"] == "active"

    new_identity = await auth.authenticator.authenticate(None, new_key)
    assert new_identity.scopes == {"ports:write"}
    assert (await auth.authenticator.authenticate(None, old_key)).subject == old.prefix
    listed = await auth.client.get("/admin/api-keys", headers=admin)
    statuses = {k["prefix"]: k["status"] for k in listed.json()["items"]}
    assert statuses[old.prefix] == "rotating"

    await asyncio.sleep(1.1)
    assert await refused(auth.authenticator, old_key) == "api_key_revoked"
    await auth.authenticator.authenticate(None, new_key)

    again = await auth.client.post(f"/admin/api-keys/{old.id}/rotate", headers=admin)
    assert_problem(again, 409, "api_key_revoked")


async def test_rotation_without_grace_refuses_the_old_key_at_once(auth: AuthHarness) -> None:
    admin = await auth.bearer("admin")
    old, old_key = await auth.api_key()
    await auth.authenticator.authenticate(None, old_key)
    response = await auth.client.post(f"/admin/api-keys/{old.id}/rotate", headers=admin)
    assert response.status_code == 201
    assert await refused(auth.authenticator, old_key) == "api_key_revoked"
    await auth.authenticator.authenticate(None, response.json()["key"])


async def test_cache_is_bounded(auth: AuthHarness) -> None:
    authenticator = Authenticator(auth.database, auth.settings, cache_size=2)
    keys = [(await auth.api_key())[1] for _ in range(3)]
    for key in keys:
        await authenticator.authenticate(None, key)
    before = len(auth.statements)
    await authenticator.authenticate(None, keys[0])  # evicted: read again
    assert len(auth.statements) == before + 1
    await authenticator.close()


async def test_a_separate_app_instance_sees_keys_made_elsewhere(auth: AuthHarness) -> None:
    # The endpoints find the authenticator through the middleware; no app.state needed.
    authenticator = Authenticator(auth.database, auth.settings)
    transport = httpx.ASGITransport(app=auth_app_for(auth.database, authenticator))
    _, key = await auth.api_key(owner="BID")
    async with httpx.AsyncClient(transport=transport, base_url="http://other") as client:
        response = await client.get("/auth/me", headers={"X-API-Key": key})
    assert response.json()["name"] == "BID"
    await authenticator.close()


async def test_revoking_ends_a_grace_period(auth: AuthHarness) -> None:
    admin = await auth.bearer("admin")
    old, old_key = await auth.api_key()
    rotated = await auth.client.post(
        f"/admin/api-keys/{old.id}/rotate", params={"grace_seconds": 3600}, headers=admin
    )
    assert rotated.status_code == 201
    await auth.authenticator.authenticate(None, old_key)
    assert (await auth.client.delete(f"/admin/api-keys/{old.id}", headers=admin)).status_code == 204
    assert await refused(auth.authenticator, old_key) == "api_key_revoked"
    await auth.authenticator.authenticate(None, rotated.json()["key"])
    missing = await auth.client.post(
        "/admin/api-keys/00000000-0000-0000-0000-000000000000/rotate", headers=admin
    )
    assert_problem(missing, 404, "api_key_not_found")
