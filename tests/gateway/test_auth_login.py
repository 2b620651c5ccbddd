"""Signing in, access tokens, refresh rotation with reuse detection, signing out."""

from __future__ import annotations

import statistics
import time
from collections.abc import AsyncIterator

import jwt
import pytest
from argon2 import PasswordHasher
from sqlalchemy import text, update

from sela_gateway.auth.models import User
from sela_gateway.auth.tokens import issue_access_token
from sela_kit.errors import UnauthorizedError
from sela_kit.identity import Identity, InvalidIdentityError, sign_identity, verify_identity
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


@pytest.fixture
async def real_auth(sela_servers: Servers) -> AsyncIterator[AuthHarness]:
    """With the production argon2 parameters."""
    url = await auth_database_url(sela_servers)
    async with auth_harness(url, real_passwords=True) as harness:
        yield harness


async def test_login_returns_tokens_and_stores_only_an_argon2id_hash(
    real_auth: AuthHarness,
) -> None:
    auth = real_auth
    user = await auth.user("Ana@SELA.org", roles=["staff"])
    assert user.email == "ana@sela.org"
    stored = await auth.scalar("SELECT password_hash FROM users WHERE id = :id", id=user.id)
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored

    body = await auth.login("  ANA@sela.org ")
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 900
    assert body["refresh_token"]
    claims = jwt.decode(
        body["access_token"], auth.settings.signing_key, algorithms=["HS256"], audience="sela-api"
    )
    assert claims["sub"] == str(user.id)
    assert claims["roles"] == ["staff"]
    assert claims["typ"] == "access"
    assert claims["iss"] == "sela-gateway"
    assert claims["exp"] - claims["iat"] == 900


async def test_wrong_password_and_unknown_email_look_the_same(auth: AuthHarness) -> None:
    await auth.user("ana@sela.org")
    wrong = await auth.client.post(
        "/auth/login", json={"email": "ana@sela.org", "password": "not it at all"}
    )
    unknown = await auth.client.post(
        "/auth/login", json={"email": "nobody@sela.org", "password": PASSWORD}
    )
    first = assert_problem(wrong, 401, "invalid_credentials")
    second = assert_problem(unknown, 401, "invalid_credentials")
    assert first["detail"] == second["detail"]


async def test_unknown_email_costs_a_password_check_too(real_auth: AuthHarness) -> None:
    auth = real_auth
    await auth.user("ana@sela.org")

    async def timed(email: str) -> float:
        started = time.perf_counter()
        await auth.client.post("/auth/login", json={"email": email, "password": "wrong pass"})
        return time.perf_counter() - started

    await timed("warm-up@sela.org")
    wrong = statistics.median([await timed("ana@sela.org") for _ in range(3)])
    unknown = statistics.median([await timed("nobody@sela.org") for _ in range(3)])
    # Both are dominated by one argon2 verification; without it the unknown email would be
    # two orders of magnitude faster.
    assert 0.4 < unknown / wrong < 2.5, (unknown, wrong)


async def test_inactive_user_cannot_sign_in(auth: AuthHarness) -> None:
    await auth.user("gone@sela.org", active=False)
    response = await auth.client.post(
        "/auth/login", json={"email": "gone@sela.org", "password": PASSWORD}
    )
    assert_problem(response, 401, "account_disabled")
    response = await auth.client.post(
        "/auth/login", json={"email": "gone@sela.org", "password": "wrong password"}
    )
    assert_problem(response, 401, "invalid_credentials")


async def test_password_hash_is_upgraded_when_parameters_changed(real_auth: AuthHarness) -> None:
    auth = real_auth
    user = await auth.user("ana@sela.org")
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD)
    async with auth.database.transaction() as session:
        await session.execute(update(User).where(User.id == user.id).values(password_hash=weak))
    await auth.login("ana@sela.org")
    stored = await auth.scalar("SELECT password_hash FROM users WHERE id = :id", id=user.id)
    assert stored != weak
    assert not PasswordHasher().check_needs_rehash(stored)
    await auth.login("ana@sela.org")


async def test_access_token_authenticates(auth: AuthHarness) -> None:
    user = await auth.user("ana@sela.org", roles=["focal_point"])
    token = (await auth.login("ana@sela.org"))["access_token"]
    identity = await auth.authenticator.authenticate(f"Bearer {token}", None)
    assert identity == Identity(
        kind="user", subject=str(user.id), name="Ana Pérez", roles=frozenset({"focal_point"})
    )
    me = await auth.client.get("/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200
    assert me.json() == {
        "kind": "user",
        "subject": str(user.id),
        "name": "Ana Pérez",
        "roles": ["focal_point"],
        "scopes": [],
        "country": None,
    }


async def test_anonymous_me_is_401(auth: AuthHarness) -> None:
    assert await auth.authenticator.authenticate(None, None) == Identity()
    response = await auth.client.get("/auth/me")
    assert_problem(response, 401, "unauthorized")
    assert response.headers["www-authenticate"].startswith("Bearer")


async def test_expired_access_token(auth: AuthHarness) -> None:
    token = issue_access_token(
        user_id="u1",
        name="Ana",
        roles=[],
        country=None,
        settings=auth.settings,
        now=time.time() - 3600,
    ).token
    with pytest.raises(UnauthorizedError) as caught:
        await auth.authenticator.authenticate(f"Bearer {token}", None)
    assert caught.value.code == "token_expired"
    response = await auth.client.get("/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert_problem(response, 401, "token_expired")
    assert response.headers["www-authenticate"].startswith('Bearer error="invalid_token"')


async def test_token_signed_with_another_key_is_refused(auth: AuthHarness) -> None:
    claims = {
        "iss": "sela-gateway",
        "aud": "sela-api",
        "typ": "access",
        "sub": "u1",
        "roles": ["admin"],
        "iat": int(time.time()),
        "exp": int(time.time()) + 600,
    }
    forged = jwt.encode(claims, "another-signing-key-that-is-long-enough!", algorithm="HS256")
    response = await auth.client.get("/auth/me", headers={"Authorization": f"Bearer {forged}"})
    body = assert_problem(response, 401, "invalid_token")
    assert "Signature" in body["detail"]
    unsigned = jwt.encode(claims, "", algorithm="none")
    response = await auth.client.get("/auth/me", headers={"Authorization": f"Bearer {unsigned}"})
    assert_problem(response, 401, "invalid_token")


async def test_internal_identity_token_is_not_an_access_token(auth: AuthHarness) -> None:
    # Even signed with the very same key, the services' audience is refused here.
    internal = sign_identity(
        Identity(kind="user", subject="u1", roles=frozenset({"admin"})), auth.settings.signing_key
    )
    with pytest.raises(UnauthorizedError) as caught:
        await auth.authenticator.authenticate(f"Bearer {internal}", None)
    assert caught.value.code == "invalid_token"
    assert "audience" in caught.value.detail.lower()
    # ... and an access token is no identity token for the services either.
    await auth.user("ana@sela.org", roles=["admin"])
    token = (await auth.login("ana@sela.org"))["access_token"]
    with pytest.raises(InvalidIdentityError):
        verify_identity(token, auth.settings.signing_key)


async def test_malformed_authorization_headers(auth: AuthHarness) -> None:
    for header, code in [
        ("Basic dXNlcjpwYXNz", "unsupported_authorization"),
        ("Bearer", "unsupported_authorization"),
        ("Bearer not-a-jwt", "invalid_token"),
    ]:
        response = await auth.client.get("/auth/me", headers={"Authorization": header})
        assert_problem(response, 401, code)


async def test_refresh_rotates_and_reuse_revokes_the_family(auth: AuthHarness) -> None:
    user = await auth.user("ana@sela.org")
    first = await auth.login("ana@sela.org")

    response = await auth.client.post(
        "/auth/refresh", json={"refresh_token": first["refresh_token"]}
    )
    assert response.status_code == 200, response.text
    second = response.json()
    assert second["refresh_token"] != first["refresh_token"]
    identity = await auth.authenticator.authenticate(f"Bearer {second['access_token']}", None)
    assert identity.subject == str(user.id)

    response = await auth.client.post(
        "/auth/refresh", json={"refresh_token": second["refresh_token"]}
    )
    third = response.json()

    # The first token comes back: stolen. Every token of this sign-in is revoked, for good.
    reused = await auth.client.post("/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert_problem(reused, 401, "refresh_token_reused")
    latest = await auth.client.post("/auth/refresh", json={"refresh_token": third["refresh_token"]})
    assert_problem(latest, 401, "refresh_token_revoked")
    live = await auth.scalar(
        "SELECT count(*) FROM refresh_tokens WHERE user_id = :id AND revoked_at IS NULL",
        id=user.id,
    )
    assert live == 0

    # Another sign-in of the same user is another family, untouched.
    other = await auth.login("ana@sela.org")
    response = await auth.client.post(
        "/auth/refresh", json={"refresh_token": other["refresh_token"]}
    )
    assert response.status_code == 200


async def test_refresh_with_unknown_or_expired_token(auth: AuthHarness) -> None:
    response = await auth.client.post("/auth/refresh", json={"refresh_token": "made-up"})
    assert_problem(response, 401, "invalid_refresh_token")
    await auth.user("ana@sela.org")
    tokens = await auth.login("ana@sela.org")
    async with auth.database.engine.begin() as conn:
        await conn.execute(text("UPDATE refresh_tokens SET expires_at = now() - interval '1 s'"))
    response = await auth.client.post(
        "/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
    )
    assert_problem(response, 401, "refresh_token_expired")


async def test_refresh_works_with_a_stale_access_token_still_attached(auth: AuthHarness) -> None:
    await auth.user("ana@sela.org")
    tokens = await auth.login("ana@sela.org")
    stale = issue_access_token(
        user_id="u1",
        name="Ana",
        roles=[],
        country=None,
        settings=auth.settings,
        now=time.time() - 3600,
    ).token
    response = await auth.client.post(
        "/auth/refresh",
        json={"refresh_token": tokens["refresh_token"]},
        headers={"Authorization": f"Bearer {stale}"},
    )
    assert response.status_code == 200, response.text


async def test_logout_revokes_the_sign_in(auth: AuthHarness) -> None:
    await auth.user("ana@sela.org")
    tokens = await auth.login("ana@sela.org")
    response = await auth.client.post(
        "/auth/logout", json={"refresh_token": tokens["refresh_token"]}
    )
    assert response.status_code == 204
    response = await auth.client.post(
        "/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
    )
    assert_problem(response, 401, "refresh_token_revoked")
    again = await auth.client.post("/auth/logout", json={"refresh_token": "never-issued"})
    assert again.status_code == 204


async def test_disabled_user_cannot_refresh(auth: AuthHarness) -> None:
    user = await auth.user("ana@sela.org")
    tokens = await auth.login("ana@sela.org")
    async with auth.database.transaction() as session:
        await session.execute(update(User).where(User.id == user.id).values(active=False))
    response = await auth.client.post(
        "/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
    )
    assert_problem(response, 401, "account_disabled")
