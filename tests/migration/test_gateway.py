"""The migration service behind the real gateway: public reads, authenticated writes, a job
queued through the gateway, run by a worker and polled through the gateway."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from sqlalchemy import text

from sela_gateway.auth import service as auth
from sela_gateway.auth.schemas import UserCreate
from sela_gateway.auth.tokens import issue_access_token
from sela_gateway.settings import GatewaySettings
from sela_kit.app import create_app
from sela_kit.db import Database
from sela_migration.app import SPEC
from sela_migration.demo import generated_long_csv
from sela_migration.stocks import service as stocks
from sela_testing.support import Servers
from tests.gateway.proxy_support import UpstreamServer, gateway_settings, running_gateway
from tests.migration.test_service import migration_settings

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def staff_token(database_url: str, settings: GatewaySettings) -> dict[str, str]:
    database = Database(database_url)
    try:
        async with database.transaction() as session:
            await session.execute(
                text("DELETE FROM users WHERE email = 'migration-staff@example.org'")
            )
            user = await auth.create_user(
                session,
                UserCreate(
                    email="migration-staff@example.org",
                    name="Migration staff",
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

            staff = await staff_token(migration_gateway_database_url, gw)
            started = await client.post(
                "/api/v1/migration/networks/computations",
                headers=staff,
                json={"dataset": slug, "years": [2020], "scopes": ["lac"], "sex": "female"},
            )
            assert started.status_code == 202, started.text
            job_id = started.json()["id"]
            for _ in range(600):
                job = (await client.get(f"/api/v1/migration/jobs/{job_id}")).json()
                if job["status"] in ("succeeded", "failed"):
                    break
                await asyncio.sleep(0.1)
            assert job["status"] == "succeeded", job
            assert job["submitted_by"] == started.json()["submitted_by"]
            nodes = await client.get(
                f"/api/v1/migration/networks/{slug}/2020/lac/nodes", params={"sex": "female"}
            )
            assert nodes.status_code == 200
            assert len(nodes.json()["items"]) == 20
    finally:
        await upstream.stop()
        async with database.transaction() as session:
            await session.execute(text("DELETE FROM datasets WHERE slug = :s"), {"s": slug})
            await session.execute(text("DELETE FROM jobs"))
            await session.execute(text("DELETE FROM outbox"))
        await database.dispose()
