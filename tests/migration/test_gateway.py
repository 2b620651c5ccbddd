"""The migration service behind the real gateway: public reads, authenticated writes."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text

from sela_kit.app import create_app
from sela_kit.db import Database
from sela_migration.app import SPEC
from sela_migration.demo import generated_long_csv
from sela_migration.stocks import service as stocks
from sela_testing.support import Servers
from tests.gateway.proxy_support import UpstreamServer, gateway_settings, running_gateway
from tests.migration.test_service import migration_settings

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_through_the_gateway(
    sela_servers: Servers, sela_migrated: dict[str, str], migration_gateway_database_url: str
) -> None:
    settings = migration_settings(sela_servers, sela_migrated["migration"])
    slug = f"t-gw-{uuid.uuid4().hex[:6]}"
    database = Database(settings.sqlalchemy_url)
    async with database.transaction() as session:
        await stocks.import_dataset(
            session,
            slug=slug,
            title="gateway",
            layout="long",
            data=generated_long_csv(),
            source_file=None,
        )
    upstream = UpstreamServer(create_app(SPEC, settings))
    await upstream.start()
    try:
        gw = gateway_settings(
            sela_servers, migration_gateway_database_url, {"migration": upstream.url}
        )
        async with running_gateway(gw) as (_, client):
            listed = await client.get("/api/v1/migration/datasets")
            assert listed.status_code == 200, listed.text
            assert slug in {d["slug"] for d in listed.json()}
            flows = await client.get(f"/api/v1/migration/datasets/{slug}/flows?year=2020")
            assert flows.status_code == 200
            assert flows.headers["x-request-id"]
            refused = await client.post(
                "/api/v1/migration/networks/computations", json={"dataset": slug}
            )
            assert refused.status_code == 401
            assert refused.headers["content-type"] == "application/problem+json"
            missing = await client.get(f"/api/v1/migration/networks/{slug}/2020/lac")
            assert missing.status_code == 404
            assert missing.json()["code"] == "network_not_computed"
    finally:
        await upstream.stop()
        async with database.transaction() as session:
            await session.execute(text("DELETE FROM datasets WHERE slug = :s"), {"s": slug})
        await database.dispose()
