"""The indices service on a real port, behind an in-process gateway, on a database of its own
(these tests commit, so they never share the rolled-back tests' database)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
from sqlalchemy import text

from sela_gateway.auth import service as auth
from sela_gateway.auth.schemas import UserCreate
from sela_gateway.auth.tokens import issue_access_token
from sela_gateway.settings import GatewaySettings
from sela_indices.app import SPEC
from sela_indices.settings import IndicesSettings
from sela_kit.app import create_app
from sela_kit.db import Database
from sela_kit.migrations import ensure_database, upgrade
from sela_kit.settings import asyncpg_url
from sela_testing.support import Servers, settings_for_tests
from tests.gateway.proxy_support import UpstreamServer, gateway_settings, running_gateway

COMMITTED_DATABASE = "test_sela_indices_committed"


async def committed_database(servers: Servers) -> str:
    url = asyncpg_url(servers.database_url, COMMITTED_DATABASE)
    await ensure_database(url)
    await upgrade(url, SPEC.migrations)
    engine_url = url.render_as_string(hide_password=False)
    database = Database(engine_url)
    try:
        async with database.transaction() as session:
            await session.execute(text("TRUNCATE observation, vintage, outbox CASCADE"))
    finally:
        await database.dispose()
    return engine_url


def indices_settings(servers: Servers, url: str) -> IndicesSettings:
    settings = settings_for_tests(SPEC, servers, database_url=url)
    assert isinstance(settings, IndicesSettings)
    return settings


@dataclass
class Platform:
    service: UpstreamServer
    gateway_settings: GatewaySettings
    staff: dict[str, str]


async def staff_headers(database_url: str, settings: GatewaySettings) -> dict[str, str]:
    database = Database(database_url)
    try:
        async with database.transaction() as session:
            await session.execute(
                text("DELETE FROM users WHERE email = 'indices-staff@example.org'")
            )
            user = await auth.create_user(
                session,
                UserCreate(
                    email="indices-staff@example.org",
                    name="Statistics staff",
                    password="x" * 12,
                    roles=["staff"],
                ),
            )
    finally:
        await database.dispose()
    token = issue_access_token(
        user_id=str(user.id), name=user.name, roles=["staff"], country=None, settings=settings
    ).token
    return {"Authorization": f"Bearer {token}"}


async def start_platform(
    servers: Servers, indices_url: str, gateway_database_url: str
) -> AsyncIterator[Platform]:
    service = UpstreamServer(create_app(SPEC, indices_settings(servers, indices_url)))
    await service.start()
    try:
        settings = gateway_settings(servers, gateway_database_url, {"indices": service.url})
        # The first chart imports matplotlib (seconds on a busy machine): not a timeout test.
        settings.upstreams["indices"].timeout_seconds = 60
        staff = await staff_headers(gateway_database_url, settings)
        yield Platform(service, settings, staff)
    finally:
        await service.stop()


async def gateway_client(platform: Platform) -> AsyncIterator[httpx.AsyncClient]:
    async with running_gateway(platform.gateway_settings) as (_, client):
        yield client
