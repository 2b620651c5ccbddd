"""An in-process app with the authentication endpoints and middleware, on a real database.

The auth tests keep their own database (``test_sela_gateway_auth``, migrated with the gateway's
history) and empty its tables before each test: the authenticator opens its own sessions and
flushes in the background, so the tests commit for real, and other gateway tests keep their
rows in ``test_sela_gateway``.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx
from argon2 import PasswordHasher
from fastapi import FastAPI
from sqlalchemy import event, select, text
from sqlalchemy.engine import Connection

from sela_gateway import MIGRATIONS
from sela_gateway.auth import service
from sela_gateway.auth.authenticator import Authenticator
from sela_gateway.auth.endpoints import router
from sela_gateway.auth.middleware import AuthenticationMiddleware
from sela_gateway.auth.models import ApiKey, User
from sela_gateway.auth.schemas import ApiKeyCreate, UserCreate
from sela_gateway.settings import GatewaySettings
from sela_kit.db import Database
from sela_kit.errors import PROBLEM_MEDIA_TYPE, install_error_handlers
from sela_kit.migrations import ensure_database, upgrade
from sela_kit.settings import asyncpg_url
from sela_testing.support import TEST_SECRET, Servers

AUTH_DATABASE = "test_sela_gateway_auth"
TOKEN_SECRET = "sela-test-token-signing-secret-of-enough-length"
PASSWORD = "correct horse battery"
_migrated: set[str] = set()


async def auth_database_url(servers: Servers) -> str:
    """The auth tests' database, created and migrated on first use in the session."""
    url = asyncpg_url(servers.database_url, AUTH_DATABASE)
    rendered = url.render_as_string(hide_password=False)
    if rendered not in _migrated:
        await ensure_database(url)
        await upgrade(url, MIGRATIONS)
        _migrated.add(rendered)
    return rendered


def auth_settings(database_url: str, **overrides: Any) -> GatewaySettings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "internal_secret": TEST_SECRET,
        "token_secret": TOKEN_SECRET,
        "environment": "development",
    }
    values.update(overrides)
    return GatewaySettings(**values)


@dataclass
class StatementCounter:
    """Statements the engine sends to PostgreSQL (observed, not intercepted)."""

    statements: list[str] = field(default_factory=list)

    def __call__(self, conn: Connection, cursor: Any, statement: str, *args: Any) -> None:
        self.statements.append(statement)

    def __len__(self) -> int:
        return len(self.statements)


@dataclass
class AuthHarness:
    app: FastAPI
    client: httpx.AsyncClient
    database: Database
    authenticator: Authenticator
    settings: GatewaySettings
    statements: StatementCounter

    async def user(
        self,
        email: str = "ana@sela.org",
        *,
        roles: Sequence[str] = (),
        password: str = PASSWORD,
        active: bool = True,
        name: str = "Ana Pérez",
    ) -> User:
        data = UserCreate(
            email=email, name=name, password=password, roles=list(roles), active=active
        )
        async with self.database.transaction() as session:
            return await service.create_user(session, data)

    async def login(self, email: str, password: str = PASSWORD) -> dict[str, Any]:
        response = await self.client.post(
            "/auth/login", json={"email": email, "password": password}
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def bearer(self, *roles: str, email: str | None = None) -> dict[str, str]:
        """Headers of a freshly created and signed-in user with ``roles``."""
        email = email or f"{'-'.join(roles) or 'nobody'}-{uuid.uuid4().hex[:8]}@sela.org"
        await self.user(email, roles=roles)
        token = (await self.login(email))["access_token"]
        return {"Authorization": f"Bearer {token}"}

    async def api_key(
        self,
        *,
        owner: str = "CAF",
        scopes: Sequence[str] = ("indices:read",),
        roles: Sequence[str] = ("partner",),
        expires_at: datetime | None = None,
    ) -> tuple[ApiKey, str]:
        data = ApiKeyCreate.model_construct(
            name="reports",
            owner=owner,
            scopes=list(scopes),
            roles=list(roles),
            expires_at=expires_at,
        )
        async with self.database.transaction() as session:
            return await service.create_api_key(session, data, created_by="test")

    async def key_row(self, key_id: uuid.UUID) -> ApiKey:
        async with self.database.transaction() as session:
            row = await session.scalar(select(ApiKey).where(ApiKey.id == key_id))
        assert row is not None
        return row

    async def scalar(self, sql: str, **params: Any) -> Any:
        async with self.database.engine.connect() as conn:
            return (await conn.execute(text(sql), params)).scalar()


def auth_app_for(database: Database, authenticator: Authenticator) -> AuthenticationMiddleware:
    app = FastAPI(generate_unique_id_function=lambda route: route.name)
    install_error_handlers(app)
    app.include_router(router)
    app.state.database = database
    return AuthenticationMiddleware(app, authenticator)


# argon2id with minimal cost: the tests of hashing itself use the real parameters.
FAST_PASSWORDS = service.Passwords(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@asynccontextmanager
async def auth_harness(
    database_url: str, *, real_passwords: bool = False, **overrides: Any
) -> AsyncIterator[AuthHarness]:
    settings = auth_settings(database_url, **overrides)
    real = service.passwords
    if not real_passwords:
        service.passwords = FAST_PASSWORDS
    database = Database(settings.sqlalchemy_url, pool_size=4)
    async with database.engine.begin() as conn:
        await conn.execute(text("TRUNCATE refresh_tokens, api_keys, users CASCADE"))
    counter = StatementCounter()
    event.listen(database.engine.sync_engine, "before_cursor_execute", counter)
    authenticator = Authenticator(database, settings)
    asgi = auth_app_for(database, authenticator)
    transport = httpx.ASGITransport(app=asgi, raise_app_exceptions=False)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            app = asgi.app
            assert isinstance(app, FastAPI)
            yield AuthHarness(app, client, database, authenticator, settings, counter)
    finally:
        service.passwords = real
        await authenticator.close()
        await database.dispose()


def assert_problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    body: dict[str, Any] = response.json()
    assert body["code"] == code, body
    assert body["status"] == status
    return body
