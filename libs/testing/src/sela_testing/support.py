from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from sela_devservers import EmbeddedNats, EmbeddedPostgres
from sela_kit.app import ServiceSpec, create_app
from sela_kit.db import Database
from sela_kit.identity import Identity, Kind, sign_identity
from sela_kit.migrations import ensure_database, upgrade
from sela_kit.settings import ServiceSettings, asyncpg_url

TEST_SECRET = "sela-test-internal-secret-of-enough-length"  # noqa: S105
S = TypeVar("S", bound=ServiceSettings)


@dataclass
class Servers:
    """The PostgreSQL server and NATS server of this test session."""

    database_url: str
    nats_url: str
    postgres: EmbeddedPostgres | None = None
    nats: EmbeddedNats | None = None

    def database(self, name: str) -> str:
        return asyncpg_url(self.database_url, name).render_as_string(hide_password=False)


def database_name_for_tests(service: str) -> str:
    return f"test_sela_{service}"


def settings_for_tests(spec: ServiceSpec, servers: Servers, **overrides: Any) -> ServiceSettings:
    values: dict[str, Any] = {
        "database_url": servers.database(database_name_for_tests(spec.name)),
        "nats_url": servers.nats_url,
        "internal_secret": TEST_SECRET,
        "environment": "development",
        "relay_poll_seconds": 0.1,
    }
    values.update(overrides)
    return spec.settings_cls(**values)


def identity_headers(
    *roles: str,
    kind: Kind = "user",
    subject: str | None = "tester",
    secret: str = TEST_SECRET,
    **fields: Any,
) -> dict[str, str]:
    """The header the gateway would add for a caller with ``roles``."""
    if kind == "anonymous":
        identity = Identity()
    else:
        identity = Identity(kind=kind, subject=subject, roles=frozenset(roles), **fields)
    return {"X-Sela-Identity": sign_identity(identity, secret)}


def bind_to_connection(database: Database, connection: AsyncConnection) -> None:
    """Route every session of ``database`` through ``connection``'s open transaction.

    Commits become savepoint releases; the test's outer transaction is rolled back at the end.
    """
    database.sessionmaker = async_sessionmaker(
        bind=connection,
        expire_on_commit=False,
        autoflush=False,
        join_transaction_mode="create_savepoint",
        class_=AsyncSession,
    )


@dataclass
class ServiceHarness:
    app: FastAPI
    client: httpx.AsyncClient
    database: Database
    connection: AsyncConnection | None


@asynccontextmanager
async def run_service(
    spec: ServiceSpec,
    settings: ServiceSettings,
    *,
    isolated: bool = True,
    run_background: bool = False,
    headers: Iterable[tuple[str, str]] | None = None,
) -> AsyncIterator[ServiceHarness]:
    """Start ``spec`` in-process (lifespan included) with an HTTP client bound to it.

    ``isolated`` wraps the test in a rolled-back outer transaction.
    """
    app = create_app(spec, settings, run_background=run_background)
    database: Database = app.state.database
    async with LifespanManager(app, startup_timeout=30, shutdown_timeout=30):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        default_headers = dict(headers or identity_headers(subject="tester"))
        async with httpx.AsyncClient(
            transport=transport, base_url="http://testserver", headers=default_headers
        ) as client:
            if not isolated:
                yield ServiceHarness(app, client, database, None)
                return
            async with database.engine.connect() as connection:
                outer = await connection.begin()
                original = database.sessionmaker
                bind_to_connection(database, connection)
                try:
                    yield ServiceHarness(app, client, database, connection)
                finally:
                    database.sessionmaker = original
                    if outer.is_active:
                        await outer.rollback()


async def migrate_for_tests(servers: Servers, spec: ServiceSpec) -> str:
    """Create (if needed) and migrate the test database of ``spec``; return its URL."""
    url = asyncpg_url(servers.database_url, database_name_for_tests(spec.name))
    await ensure_database(url)
    await upgrade(url, spec.migrations)
    return url.render_as_string(hide_password=False)


async def table_names(url: str) -> set[str]:
    """The tables of the database ``url`` names."""
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            return set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
    finally:
        await engine.dispose()


def problem(response: httpx.Response, status: int) -> dict[str, Any]:
    """The body of an RFC 9457 problem answer, after checking its status and media type."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    return body


def error_names(body: dict[str, Any]) -> list[str]:
    """The fields a problem names, e.g. ``["body.products.1"]``."""
    return [e["name"] for e in body.get("errors") or []]
