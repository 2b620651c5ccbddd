"""Administration of users and API keys over HTTP: who may, what is validated, what is shown."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from sela_testing.support import Servers
from tests.gateway.auth_support import (
    PASSWORD,
    AuthHarness,
    assert_problem,
    auth_database_url,
    auth_harness,
)


@pytest.fixture
async def auth(sela_servers: Servers) -> AsyncIterator[AuthHarness]:
    async with auth_harness(await auth_database_url(sela_servers)) as harness:
        yield harness


NEW_USER = {"email": "Luis@SELA.org", "name": "Luis", "password": "a long password", "roles": []}
NEW_KEY = {"name": "reports", "owner": "CAF", "scopes": ["indices:read"]}
ADMIN_CALLS: list[tuple[str, str, dict[str, Any] | None]] = [
    ("GET", "/admin/users", None),
    ("POST", "/admin/users", NEW_USER),
    ("PATCH", "/admin/users/00000000-0000-0000-0000-000000000000", {"name": "x"}),
    ("GET", "/admin/api-keys", None),
    ("POST", "/admin/api-keys", NEW_KEY),
    ("POST", "/admin/api-keys/00000000-0000-0000-0000-000000000000/rotate", None),
    ("DELETE", "/admin/api-keys/00000000-0000-0000-0000-000000000000", None),
]


async def test_admin_endpoints_refuse_anonymous_and_non_admins(auth: AuthHarness) -> None:
    staff = await auth.bearer("staff")
    _, partner_key = await auth.api_key()
    for method, path, body in ADMIN_CALLS:
        anonymous = await auth.client.request(method, path, json=body)
        assert_problem(anonymous, 401, "unauthorized")
        for headers in (staff, {"X-API-Key": partner_key}):
            response = await auth.client.request(method, path, json=body, headers=headers)
            assert_problem(response, 403, "forbidden")


async def test_admin_creates_lists_and_updates_users(auth: AuthHarness) -> None:
    admin = await auth.bearer("admin", email="root@sela.org")
    created = await auth.client.post(
        "/admin/users",
        json={**NEW_USER, "roles": ["staff", "evaluator", "staff"], "country": "per"},
        headers=admin,
    )
    assert created.status_code == 201, created.text
    user = created.json()
    assert user["email"] == "luis@sela.org"
    assert user["roles"] == ["evaluator", "staff"]
    assert user["country"] == "PER"
    assert "password" not in user
    assert "password_hash" not in user

    taken = await auth.client.post(
        "/admin/users", json={**NEW_USER, "email": "LUIS@sela.org"}, headers=admin
    )
    assert_problem(taken, 409, "email_taken")

    for i in range(3):
        await auth.user(f"user{i}@sela.org")
    emails: list[str] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = (await auth.client.get("/admin/users", params=params, headers=admin)).json()
        assert len(page["items"]) <= 2
        emails += [u["email"] for u in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert emails == sorted(emails)
    assert len(emails) == 5

    patched = await auth.client.patch(
        f"/admin/users/{user['id']}",
        json={"name": "Luis Gómez", "roles": ["admin"], "country": None},
        headers=admin,
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["name"] == "Luis Gómez"
    assert patched.json()["roles"] == ["admin"]
    assert patched.json()["country"] is None
    assert patched.json()["updated_at"] >= user["updated_at"]

    missing = await auth.client.patch(
        "/admin/users/00000000-0000-0000-0000-000000000000", json={"name": "x"}, headers=admin
    )
    assert_problem(missing, 404, "user_not_found")


async def test_new_password_or_deactivation_ends_sign_ins(auth: AuthHarness) -> None:
    admin = await auth.bearer("admin")
    user = await auth.user("ana@sela.org")
    tokens = await auth.login("ana@sela.org")
    response = await auth.client.patch(
        f"/admin/users/{user.id}", json={"password": "another long password"}, headers=admin
    )
    assert response.status_code == 200
    refreshed = await auth.client.post(
        "/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
    )
    assert_problem(refreshed, 401, "refresh_token_revoked")
    old = await auth.client.post(
        "/auth/login", json={"email": "ana@sela.org", "password": PASSWORD}
    )
    assert_problem(old, 401, "invalid_credentials")
    await auth.login("ana@sela.org", "another long password")

    await auth.client.patch(f"/admin/users/{user.id}", json={"active": False}, headers=admin)
    disabled = await auth.client.post(
        "/auth/login", json={"email": "ana@sela.org", "password": "another long password"}
    )
    assert_problem(disabled, 401, "account_disabled")


async def test_user_input_is_validated(auth: AuthHarness) -> None:
    admin = await auth.bearer("admin")
    cases = [
        ({**NEW_USER, "roles": ["staff", "king"]}, "body.roles.1"),
        ({**NEW_USER, "email": "not-an-email"}, "body.email"),
        ({**NEW_USER, "password": "short"}, "body.password"),
        ({**NEW_USER, "country": "PE"}, "body.country"),
    ]
    for body, field in cases:
        response = await auth.client.post("/admin/users", json=body, headers=admin)
        problem = assert_problem(response, 422, "validation_failed")
        assert [e["name"] for e in problem["errors"]] == [field], problem
    response = await auth.client.patch(
        "/admin/users/00000000-0000-0000-0000-000000000000",
        json={"roles": ["root"]},
        headers=admin,
    )
    problem = assert_problem(response, 422, "validation_failed")
    assert "unknown role 'root'" in problem["errors"][0]["reason"]


async def test_api_key_input_is_validated(auth: AuthHarness) -> None:
    admin = await auth.bearer("admin")
    cases = [
        ({**NEW_KEY, "scopes": ["indices:read", "indices:delete"]}, "body.scopes.1"),
        ({**NEW_KEY, "scopes": ["payments:read"]}, "body.scopes.0"),
        ({**NEW_KEY, "scopes": []}, "body.scopes"),
        ({**NEW_KEY, "roles": ["partner", "superuser"]}, "body.roles.1"),
        ({**NEW_KEY, "expires_at": "2001-01-01T00:00:00Z"}, "body.expires_at"),
        ({**NEW_KEY, "owner": ""}, "body.owner"),
    ]
    for body, field in cases:
        response = await auth.client.post("/admin/api-keys", json=body, headers=admin)
        problem = assert_problem(response, 422, "validation_failed")
        assert [e["name"] for e in problem["errors"]] == [field], problem
    wildcard = await auth.client.post(
        "/admin/api-keys", json={**NEW_KEY, "scopes": ["*"]}, headers=admin
    )
    assert wildcard.status_code == 201
    rotate = await auth.client.post(
        "/admin/api-keys/00000000-0000-0000-0000-000000000000/rotate",
        params={"grace_seconds": -1},
        headers=admin,
    )
    assert assert_problem(rotate, 422, "validation_failed")["errors"][0]["name"] == (
        "query.grace_seconds"
    )


async def test_admin_issues_and_lists_api_keys_without_secrets(auth: AuthHarness) -> None:
    admin = await auth.bearer("admin")
    created = await auth.client.post(
        "/admin/api-keys",
        json={
            **NEW_KEY,
            "scopes": ["smes:write", "indices:read"],
            "expires_at": "2999-01-01T00:00:00Z",
        },
        headers=admin,
    )
    assert created.status_code == 201, created.text
    key = created.json()
    assert key["key"].startswith(f"sela_{key['prefix']}_")
    assert key["roles"] == ["partner"]
    assert key["scopes"] == ["indices:read", "smes:write"]
    assert key["created_by"].startswith("user:")
    identity = await auth.authenticator.authenticate(None, key["key"])
    assert identity.scopes == {"indices:read", "smes:write"}

    other = await auth.client.post(
        "/admin/api-keys", json={**NEW_KEY, "owner": "BID"}, headers=admin
    )
    revoked = await auth.client.post(
        "/admin/api-keys", json={**NEW_KEY, "owner": "BID"}, headers=admin
    )
    await auth.client.delete(f"/admin/api-keys/{revoked.json()['id']}", headers=admin)

    listing = await auth.client.get("/admin/api-keys", headers=admin)
    assert listing.status_code == 200
    text = listing.text
    for secret in (key["key"], other.json()["key"], revoked.json()["key"]):
        assert secret not in text
    items = listing.json()["items"]
    assert all("key" not in item and "secret_hash" not in item for item in items)
    assert [i["prefix"] for i in items] == [other.json()["prefix"], key["prefix"]]

    everything = await auth.client.get(
        "/admin/api-keys", params={"include_revoked": True}, headers=admin
    )
    assert len(everything.json()["items"]) == 3
    by_owner = await auth.client.get(
        "/admin/api-keys",
        params={"owner": "BID", "include_revoked": True, "limit": 1},
        headers=admin,
    )
    page = by_owner.json()
    assert [(i["owner"], i["status"]) for i in page["items"]] == [("BID", "revoked")]
    assert page["next_cursor"]
    second = await auth.client.get(
        "/admin/api-keys",
        params={"owner": "BID", "include_revoked": True, "cursor": page["next_cursor"]},
        headers=admin,
    )
    assert second.json()["items"][0]["prefix"] == other.json()["prefix"]
    assert second.json()["next_cursor"] is None

    missing = await auth.client.delete(
        "/admin/api-keys/00000000-0000-0000-0000-000000000000", headers=admin
    )
    assert_problem(missing, 404, "api_key_not_found")


async def test_admin_api_key_may_administer(auth: AuthHarness) -> None:
    _, key = await auth.api_key(scopes=["*"], roles=["admin"])
    response = await auth.client.get("/admin/users", headers={"X-API-Key": key})
    assert response.status_code == 200


async def test_openapi_document(auth: AuthHarness) -> None:
    document = auth.app.openapi()
    operations = {
        op["operationId"]: (path, op)
        for path, methods in document["paths"].items()
        for op in methods.values()
    }
    assert set(operations) == {
        "login",
        "refresh_tokens",
        "logout",
        "read_me",
        "create_user",
        "list_users",
        "update_user",
        "create_api_key",
        "list_api_keys",
        "rotate_api_key",
        "revoke_api_key",
    }
    for name, (path, op) in operations.items():
        assert op.get("description"), name
        if path.startswith("/admin"):
            assert {"401", "403"} <= set(op["responses"]), name
        for status, response in op["responses"].items():
            if status.startswith("4"):
                assert "application/problem+json" in response["content"], (name, status)
    schemas = document["components"]["schemas"]
    assert {"UserCreate", "UserUpdate", "UserRead", "ApiKeyCreate", "ApiKeyRead"} <= set(schemas)
    roles = schemas["ApiKeyCreate"]["properties"]["roles"]["items"]
    assert roles["enum"] == [
        "admin",
        "staff",
        "focal_point",
        "port_member",
        "evaluator",
        "sme_owner",
        "partner",
    ]
