"""/readyz follows the database: 503 while it is down, 200 once it is back."""

from __future__ import annotations

from pathlib import Path

from sela_devservers import EmbeddedPostgres
from sela_indices.app import SPEC
from sela_kit.migrations import ensure_database, upgrade
from sela_kit.settings import asyncpg_url
from sela_testing.support import Servers, run_service, settings_for_tests
from tests.kit.messaging_helpers import eventually


async def test_readyz_503_while_database_down_200_after(
    tmp_path: Path, sela_servers: Servers
) -> None:
    postgres = EmbeddedPostgres(tmp_path / "pg", fast=True)
    postgres.start()
    try:
        url = asyncpg_url(postgres.url, "sela_indices")
        await ensure_database(url)
        await upgrade(url, SPEC.migrations)
        settings = settings_for_tests(
            SPEC, sela_servers, database_url=str(url), readiness_timeout_seconds=1.0
        )
        async with run_service(SPEC, settings, isolated=False) as service:
            client = service.client

            async def status_is(code: int) -> bool:
                return (await client.get("/readyz")).status_code == code

            await eventually(lambda: status_is(200), 10, "ready with the database up")
            postgres.stop()
            response = await client.get("/readyz")
            assert response.status_code == 503
            assert response.headers["content-type"] == "application/problem+json"
            assert response.headers["retry-after"] == "1"
            body = response.json()
            assert body["code"] == "not_ready"
            assert body["checks"]["database"].startswith("failed")
            assert body["checks"]["nats"] == "ok"
            assert (await client.get("/healthz")).status_code == 200  # liveness is unaffected
            # A request that needs the database: 503 to retry, not a 500.
            away = await client.get("/indicators")
            assert away.status_code == 503, away.text
            assert away.headers["content-type"] == "application/problem+json"
            assert away.headers["retry-after"] == "1"
            assert away.json()["code"] == "database_unavailable"

            postgres.start()
            await eventually(lambda: status_is(200), 15, "ready again after the restart")
            assert (await client.get("/indicators")).status_code == 200
    finally:
        postgres.stop()
