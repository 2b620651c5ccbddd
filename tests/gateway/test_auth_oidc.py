"""Bearer tokens of an external OpenID Connect issuer, checked against its published keys
(served here by a real HTTP server on loopback)."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import jwt
import pytest
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from sela_gateway.auth.authenticator import Authenticator
from sela_gateway.auth.tokens import issue_access_token
from sela_kit.db import Database
from sela_kit.errors import DomainError
from sela_kit.identity import Identity
from sela_testing.support import Servers
from tests.gateway.auth_support import auth_database_url, auth_settings

ISSUER = "https://idp.example.org/realms/sela"


@dataclass
class IdentityProvider:
    url: str
    keys: list[dict[str, Any]]
    fetches: int = 0
    up: bool = True


@pytest.fixture
async def provider() -> AsyncIterator[IdentityProvider]:
    state = IdentityProvider(url="", keys=[])

    async def jwks(request: web.Request) -> web.Response:
        state.fetches += 1
        if not state.up:
            return web.Response(status=503)
        return web.json_response({"keys": state.keys})

    app = web.Application()
    app.router.add_get("/certs", jwks)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    state.url = f"http://{host}:{port}/certs"
    yield state
    await runner.cleanup()


def public_jwk(key: rsa.RSAPrivateKey, kid: str) -> dict[str, Any]:
    jwk: dict[str, Any] = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
    return {**jwk, "kid": kid, "use": "sig", "alg": "RS256"}


def claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    values: dict[str, Any] = {
        "iss": ISSUER,
        "aud": "sela-portal",
        "sub": "f3c1-keycloak-user",
        "iat": now,
        "exp": now + 300,
        "preferred_username": "mrojas",
        "realm_access": {"roles": ["focal_point", "offline_access", "uma_authorization"]},
        "country": "PER",
    }
    values.update(overrides)
    return values


@pytest.fixture
async def database(sela_servers: Servers) -> AsyncIterator[Database]:
    database = Database(await auth_database_url(sela_servers))
    yield database
    await database.dispose()


def oidc_authenticator(database: Database, provider: IdentityProvider) -> Authenticator:
    settings = auth_settings(
        str(database.engine.url.render_as_string(hide_password=False)),
        oidc_issuer=ISSUER,
        oidc_jwks_url=provider.url,
        oidc_audience="sela-portal",
        oidc_roles_claim="realm_access.roles",
    )
    return Authenticator(database, settings)


async def refused(authenticator: Authenticator, token: str) -> DomainError:
    with pytest.raises(DomainError) as caught:
        await authenticator.authenticate(f"Bearer {token}", None)
    return caught.value


async def test_provider_token_is_verified_with_its_published_key(
    database: Database, provider: IdentityProvider
) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    provider.keys = [public_jwk(key, "k1")]
    authenticator = oidc_authenticator(database, provider)

    token = jwt.encode(claims(), key, algorithm="RS256", headers={"kid": "k1"})
    identity = await authenticator.authenticate(f"Bearer {token}", None)
    assert identity == Identity(
        kind="user",
        subject="f3c1-keycloak-user",
        name="mrojas",
        roles=frozenset({"focal_point"}),  # names the platform does not know are dropped
        country="PER",
    )
    # The key set is kept: later tokens cost no fetch.
    for _ in range(5):
        await authenticator.authenticate(f"Bearer {token}", None)
    assert provider.fetches == 1

    # The gateway's own access tokens keep working beside the provider's.
    own = issue_access_token(
        user_id="u1", name="Ana", roles=["admin"], country=None, settings=authenticator.settings
    ).token
    assert (await authenticator.authenticate(f"Bearer {own}", None)).roles == {"admin"}


async def test_tokens_the_provider_did_not_sign_are_refused(
    database: Database, provider: IdentityProvider
) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    intruder = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    provider.keys = [public_jwk(key, "k1")]
    authenticator = oidc_authenticator(database, provider)

    forged = jwt.encode(claims(), intruder, algorithm="RS256", headers={"kid": "k1"})
    error = await refused(authenticator, forged)
    assert error.code == "invalid_token"
    assert error.headers["WWW-Authenticate"].startswith('Bearer error="invalid_token"')

    unknown_kid = jwt.encode(claims(), intruder, algorithm="RS256", headers={"kid": "k2"})
    assert (await refused(authenticator, unknown_kid)).code == "invalid_token"
    fetches = provider.fetches
    for _ in range(5):
        await refused(authenticator, unknown_kid)
    assert provider.fetches == fetches  # made-up key ids do not make us hammer the provider

    # A symmetric token claiming the provider, signed with a public value, is no RS256 token.
    confused = jwt.encode(claims(), "x" * 40, algorithm="HS256", headers={"kid": "k1"})
    assert (await refused(authenticator, confused)).code == "invalid_token"

    ec_key = ec.generate_private_key(ec.SECP256R1())
    ec_token = jwt.encode(claims(), ec_key, algorithm="ES256", headers={"kid": "k1"})
    assert (await refused(authenticator, ec_token)).code == "invalid_token"


async def test_audience_expiry_and_es256(database: Database, provider: IdentityProvider) -> None:
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ec_key = ec.generate_private_key(ec.SECP256R1())
    ec_jwk = {**json.loads(ECAlgorithm.to_jwk(ec_key.public_key())), "kid": "ec1", "alg": "ES256"}
    provider.keys = [public_jwk(rsa_key, "k1"), ec_jwk]
    authenticator = oidc_authenticator(database, provider)

    other_audience = jwt.encode(
        claims(aud="another-app"), rsa_key, algorithm="RS256", headers={"kid": "k1"}
    )
    assert (await refused(authenticator, other_audience)).code == "invalid_token"
    expired = jwt.encode(
        claims(exp=int(time.time()) - 60), rsa_key, algorithm="RS256", headers={"kid": "k1"}
    )
    assert (await refused(authenticator, expired)).code == "token_expired"

    ec_token = jwt.encode(
        claims(realm_access={"roles": ["evaluator"]}),
        ec_key,
        algorithm="ES256",
        headers={"kid": "ec1"},
    )
    assert (await authenticator.authenticate(f"Bearer {ec_token}", None)).roles == {"evaluator"}


async def test_provider_unreachable_at_first_use(
    database: Database, provider: IdentityProvider
) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    provider.keys = [public_jwk(key, "k1")]
    provider.up = False
    authenticator = oidc_authenticator(database, provider)
    token = jwt.encode(claims(), key, algorithm="RS256", headers={"kid": "k1"})
    error = await refused(authenticator, token)
    assert error.status == 503
    assert error.code == "identity_provider_unavailable"
