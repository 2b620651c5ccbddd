"""The gateway in front of real services: routing, auth matrix, limits, breaker, cache, CORS."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from openapi_spec_validator import validate
from sqlalchemy import text

from sela_cli.registry import SERVICES
from sela_gateway.auth import service as auth
from sela_gateway.auth.schemas import ApiKeyCreate, UserCreate
from sela_gateway.auth.tokens import issue_access_token
from sela_gateway.settings import GatewaySettings
from sela_kit.app import create_app
from sela_kit.db import Database
from sela_kit.identity import ROLES, Identity, sign_identity
from sela_testing.support import TEST_SECRET, Servers, settings_for_tests
from tests.gateway.proxy_support import (
    UpstreamServer,
    away_from_window_edge,
    gateway_settings,
    running_gateway,
)
from tests.kit.messaging_helpers import eventually
from tests.kit.support import KIT_SPEC

pytestmark = pytest.mark.asyncio(loop_scope="session")


@dataclass
class Platform:
    kit: UpstreamServer
    services: dict[str, UpstreamServer]
    database_url: str
    servers: Servers

    def settings(self, **overrides: object) -> GatewaySettings:
        upstreams = {name: server.url for name, server in self.services.items()}
        # The kit's note service stands in for "events" (writes, roles) and as "kittest"
        # (its own events invalidate the cache of that name).
        upstreams["events"] = self.kit.url
        upstreams["kittest"] = self.kit.url
        return gateway_settings(self.servers, self.database_url, upstreams, **overrides)


@pytest.fixture(scope="module")
async def platform(
    sela_servers: Servers,
    sela_migrated: dict[str, str],
    kit_database_url: str,
    gateway_database_url: str,
) -> AsyncIterator[Platform]:
    kit_settings = settings_for_tests(KIT_SPEC, sela_servers, database_url=kit_database_url)
    kit = UpstreamServer(create_app(KIT_SPEC, kit_settings))
    services = {}
    for spec in SERVICES:
        if spec.name == "events":
            continue
        settings = settings_for_tests(spec, sela_servers, database_url=sela_migrated[spec.name])
        services[spec.name] = UpstreamServer(create_app(spec, settings))
    for server in (kit, *services.values()):
        await server.start()
    try:
        yield Platform(kit, services, gateway_database_url, sela_servers)
    finally:
        for server in (kit, *services.values()):
            await server.stop()


@dataclass
class Credentials:
    staff_token: str
    tokens: dict[str, str]
    writer_key: str
    reader_key: str


@pytest.fixture(scope="module")
async def credentials(platform: Platform) -> Credentials:
    settings = platform.settings()
    database = Database(platform.database_url)
    tokens = {}
    try:
        async with database.transaction() as session:
            await session.execute(text("TRUNCATE users, api_keys, refresh_tokens CASCADE"))
            for role in ROLES:
                user = await auth.create_user(
                    session,
                    UserCreate(
                        email=f"{role}@example.org",
                        name=role.title(),
                        password="x" * 12,
                        roles=[role],
                    ),
                )
                tokens[role] = issue_access_token(
                    user_id=str(user.id),
                    name=user.name,
                    roles=[role],
                    country=None,
                    settings=settings,
                ).token
            _, writer = await auth.create_api_key(
                session,
                ApiKeyCreate(name="writer", owner="CAF", scopes=["events:write", "events:read"]),
                created_by="test",
            )
            _, reader = await auth.create_api_key(
                session,
                ApiKeyCreate(name="reader", owner="OECD", scopes=["events:read"]),
                created_by="test",
            )
    finally:
        await database.dispose()
    return Credentials(tokens["staff"], tokens, writer, reader)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def problem_of(response: httpx.Response, status: int, code: str) -> dict[str, object]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, object] = response.json()
    assert body["code"] == code, body
    assert body["request_id"] == response.headers["x-request-id"]
    return body


async def test_routes_to_the_service_with_request_id_and_trace(platform: Platform) -> None:
    async with running_gateway(platform.settings()) as (_, client):
        response = await client.get("/api/v1/events/notes", headers={"X-Request-ID": "abc-1"})
        assert response.status_code == 200, response.text
        assert response.json()["items"] is not None
        assert response.headers["x-request-id"] == "abc-1"
        assert response.headers["traceparent"].startswith("00-")
        assert "ratelimit-remaining" in response.headers
        for name in ("indices", "ports", "smes", "migration"):
            probe = await client.get(f"/api/v1/{name}/nothing-here")
            assert probe.status_code == 404  # answered by the service itself
            assert probe.json()["instance"] == "/nothing-here"
        problem_of(await client.get("/api/v1/nowhere/x"), 404, "unknown_service")


async def test_auth_matrix(platform: Platform, credentials: Credentials) -> None:
    async with running_gateway(platform.settings()) as (_, client):
        note = {"text": f"matrix {uuid.uuid4()}"}
        # Anonymous: public reads yes, writes no.
        assert (await client.get("/api/v1/events/notes")).status_code == 200
        problem_of(await client.post("/api/v1/events/notes", json=note), 401, "unauthorized")
        # API keys: the scope decides.
        reader = {"X-API-Key": credentials.reader_key}
        writer = {"X-API-Key": credentials.writer_key}
        body = problem_of(
            await client.post("/api/v1/events/notes", json=note, headers=reader),
            403,
            "insufficient_scope",
        )
        assert body["required_scope"] == "events:write"
        assert (
            await client.post("/api/v1/events/notes", json=note, headers=writer)
        ).status_code == 201
        problem_of(
            await client.get("/api/v1/events/notes", headers={"X-API-Key": "sela_nope_nope"}),
            401,
            "invalid_api_key",
        )
        # People: any signed-in user may write through the gateway; the service checks roles
        # on the identity the gateway forwarded.
        for role, token in credentials.tokens.items():
            response = await client.get("/api/v1/events/notes/staff-only", headers=bearer(token))
            expected = 200 if role in ("staff", "admin") else 403
            assert response.status_code == expected, (role, response.text)
        problem_of(await client.get("/api/v1/events/notes/staff-only"), 401, "unauthorized")
        # Gateway policy with roles: /admin/** reads need staff.
        problem_of(await client.get("/api/v1/indices/admin/x"), 401, "unauthorized")
        problem_of(
            await client.get(
                "/api/v1/indices/admin/x", headers=bearer(credentials.tokens["partner"])
            ),
            403,
            "forbidden",
        )
        passed = await client.get(
            "/api/v1/indices/admin/x", headers=bearer(credentials.tokens["staff"])
        )
        assert passed.status_code == 404  # allowed through; the service has no such page
        problem_of(
            await client.get("/api/v1/events/notes", headers=bearer("not-a-jwt")),
            401,
            "invalid_token",
        )


async def test_spoofed_identity_headers_are_ignored(platform: Platform) -> None:
    forged = sign_identity(
        Identity(kind="user", subject="mallory", roles=frozenset({"admin"})), TEST_SECRET
    )
    async with running_gateway(platform.settings()) as (_, client):
        response = await client.get(
            "/api/v1/events/notes/staff-only",
            headers={"X-Sela-Identity": forged, "X-Forwarded-For": "10.9.9.9"},
        )
        problem_of(response, 401, "unauthorized")
        seen = (
            await client.get(
                "/api/v1/events/notes/headers",
                headers={
                    "X-Forwarded-For": "10.9.9.9",
                    "Connection": "keep-alive, x-secret",
                    "X-Api-Key": "",
                    "Cookie": "session=1",
                    "X-Custom": "kept",
                },
            )
        ).json()
        assert seen["x-forwarded-for"] == "127.0.0.1"  # the client's own address, not its claim
        assert seen["x-forwarded-proto"] == "http"
        assert seen["x-forwarded-host"] == "gateway"
        assert seen["x-custom"] == "kept"
        assert "cookie" not in seen
        assert len(seen["x-request-id"]) == 32
        assert seen["traceparent"].startswith("00-")
        assert seen["x-sela-identity"] != forged


async def test_rate_limit_holds_across_two_gateways(platform: Platform) -> None:
    settings = platform.settings(rate_limit_anonymous_per_minute=5, rate_limit_sync_seconds=0.05)
    client_ip = f"192.0.2.{uuid.uuid4().int % 250}"
    await away_from_window_edge()
    async with (
        running_gateway(settings, client_ip) as (first, a),
        running_gateway(settings, client_ip) as (_, b),
    ):
        for _ in range(3):
            assert (await a.get("/api/v1/events/notes")).status_code == 200
        await first.limiter.sync()
        statuses = [(await b.get("/api/v1/events/notes")) for _ in range(3)]
        assert [r.status_code for r in statuses] == [200, 200, 429]
        refused = statuses[-1]
        problem_of(refused, 429, "rate_limited")
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        assert refused.headers["ratelimit-limit"] == "5"
        assert refused.headers["ratelimit-remaining"] == "0"


async def test_breaker_opens_on_a_dead_service_and_recovers(
    platform: Platform, kit_database_url: str
) -> None:
    kit_settings = settings_for_tests(KIT_SPEC, platform.servers, database_url=kit_database_url)
    flaky = UpstreamServer(create_app(KIT_SPEC, kit_settings))
    settings = platform.settings(breaker_failures=2, breaker_reset_seconds=0.5, retry_attempts=0)
    settings.upstreams["smes"].url = flaky.url  # nothing listens there yet
    async with running_gateway(settings) as (gateway, client):
        for _ in range(2):
            body = problem_of(await client.get("/api/v1/smes/notes"), 503, "upstream_unavailable")
            assert body["upstream"] == "smes"
        opened = problem_of(await client.get("/api/v1/smes/notes"), 503, "upstream_unavailable")
        assert "failing repeatedly" in str(opened["detail"])
        assert gateway.proxy.upstreams["smes"].breaker.state == "open"
        # The others keep answering.
        assert (await client.get("/api/v1/events/notes")).status_code == 200
        status = (await client.get("/status")).json()
        assert status["upstreams"]["smes"]["breaker"] == "open"
        assert status["upstreams"]["smes"]["ready"] is False
        assert status["upstreams"]["indices"]["ready"] is True

        await flaky.start()
        try:
            await asyncio.sleep(0.6)

            async def recovered() -> bool:
                return (await client.get("/api/v1/smes/notes")).status_code == 200

            await eventually(recovered, 10, "breaker closed after the service came back")
            assert gateway.proxy.upstreams["smes"].breaker.state == "closed"
        finally:
            await flaky.stop()


async def test_etag_304_and_invalidation_by_event(
    platform: Platform, credentials: Credentials
) -> None:
    async with running_gateway(platform.settings()) as (_, client):
        first = await client.get("/api/v1/kittest/notes?limit=500")
        assert first.status_code == 200
        etag = first.headers["etag"]
        assert "max-age" in first.headers["cache-control"]
        again = await client.get("/api/v1/kittest/notes?limit=500", headers={"If-None-Match": etag})
        assert again.status_code == 304
        assert again.content == b""
        cached = await client.get("/api/v1/kittest/notes?limit=500")
        assert cached.headers["x-cache"] == "hit"
        created = await client.post(
            "/api/v1/kittest/notes",
            json={"text": "new note"},
            headers=bearer(credentials.staff_token),
        )
        assert created.status_code == 201, created.text

        async def etag_changed() -> bool:
            response = await client.get(
                "/api/v1/kittest/notes?limit=500", headers={"If-None-Match": etag}
            )
            return response.status_code == 200 and response.headers["etag"] != etag

        # The service's outbox relays kittest.note.written; the gateway drops its cache.
        await eventually(etag_changed, 10, "a new ETag after the update event")


async def test_cors_preflight_and_simple_request(platform: Platform) -> None:
    settings = platform.settings(cors_origins=["https://www.sela.org"])
    async with running_gateway(settings) as (_, client):
        preflight = await client.options(
            "/api/v1/events/notes",
            headers={
                "Origin": "https://www.sela.org",
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "content-type, x-api-key",
            },
        )
        assert preflight.status_code == 204
        assert preflight.headers["access-control-allow-origin"] == "https://www.sela.org"
        assert "POST" in preflight.headers["access-control-allow-methods"]
        assert preflight.headers["access-control-allow-headers"] == "content-type, x-api-key"
        refused = await client.options(
            "/api/v1/events/notes",
            headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
        )
        problem_of(refused, 403, "cors_origin_refused")
        simple = await client.get(
            "/api/v1/events/notes", headers={"Origin": "https://www.sela.org"}
        )
        assert simple.headers["access-control-allow-origin"] == "https://www.sela.org"
        assert "x-request-id" in simple.headers["access-control-expose-headers"].lower()
        other = await client.get("/api/v1/events/notes", headers={"Origin": "https://x.example"})
        assert "access-control-allow-origin" not in other.headers


async def test_oversize_bodies_get_413(platform: Platform, credentials: Credentials) -> None:
    settings = platform.settings(max_body_bytes=2048)
    async with running_gateway(settings) as (_, client):
        big = {"text": "x" * 4000}
        body = problem_of(
            await client.post(
                "/api/v1/events/notes", json=big, headers=bearer(credentials.staff_token)
            ),
            413,
            "payload_too_large",
        )
        assert body["max_bytes"] == 2048

        async def chunks() -> AsyncIterator[bytes]:
            for _ in range(10):
                yield b"x" * 512

        streamed = await client.post(
            "/api/v1/events/notes",
            content=chunks(),
            headers={**bearer(credentials.staff_token), "Content-Type": "application/json"},
        )
        problem_of(streamed, 413, "payload_too_large")


async def test_merged_openapi_is_valid_and_complete(platform: Platform) -> None:
    async with running_gateway(platform.settings()) as (gateway, client):

        async def complete() -> bool:
            return set(gateway.openapi.documents) == set(platform.settings().upstreams)

        await eventually(complete, 10, "every service's OpenAPI fetched")
        document = (await client.get("/openapi.json")).json()
        validate(document)
        operation_ids = [
            op["operationId"]
            for item in document["paths"].values()
            for op in item.values()
            if isinstance(op, dict) and "operationId" in op
        ]
        assert len(operation_ids) == len(set(operation_ids))
        assert "/api/v1/events/notes/{note_id}" in document["paths"]
        assert "events_get_note" in operation_ids
        assert "/auth/login" in document["paths"]
        assert {"apiKey", "bearer"} <= set(document["components"]["securitySchemes"])
        assert "EventsNoteRead" in document["components"]["schemas"]
        for name in ("indices", "ports", "smes", "migration"):
            assert f"{name.capitalize()}Problem" in document["components"]["schemas"]
        public = document["paths"]["/api/v1/events/notes"]["get"]["security"]
        assert {} in public
        private = document["paths"]["/api/v1/events/notes"]["post"]["security"]
        assert {} not in private
        docs = await client.get("/docs")
        assert docs.status_code == 200
        assert "swagger" in docs.text.lower()

        # A service that goes away is served from its last good copy.
        await platform.services["ports"].stop()
        try:
            await gateway.openapi.refresh(gateway.proxy.session)  # type: ignore[arg-type]
            assert "ports" in gateway.openapi.errors
            assert "ports" in gateway.openapi.documents  # the last good copy is kept
            tags = {t["name"] for t in (await client.get("/openapi.json")).json()["tags"]}
            assert "ports" in tags
        finally:
            await platform.services["ports"].start()


async def test_idempotent_requests_are_retried_and_deadlines_hold(platform: Platform) -> None:
    settings = platform.settings(
        retry_attempts=2,
        route_timeouts=[
            {
                "service": "events",
                "path_prefix": "/notes/slow",
                "methods": ["GET"],
                "timeout_seconds": 0.3,
            }
        ],
    )
    async with running_gateway(settings) as (gateway, client):
        token = uuid.uuid4().hex
        retried = await client.get(f"/api/v1/events/notes/unavailable-once/{token}")
        assert retried.status_code == 200, retried.text
        assert retried.json() == {"token": token}
        late = await client.get("/api/v1/events/notes/slow", params={"seconds": 2})
        body = problem_of(late, 504, "upstream_timeout")
        assert body["upstream"] == "events"
        quick = await client.get("/api/v1/events/notes/slow", params={"seconds": 0})
        assert quick.status_code == 200
        assert gateway.proxy.upstreams["events"].timeout_for("GET", "/notes/slow") == 0.3
