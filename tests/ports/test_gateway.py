"""The ports service behind the real gateway: public reads, signed-in writes, hidden items."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from sqlalchemy import text

from sela_gateway.auth.tokens import issue_access_token
from sela_kit.app import create_app
from sela_kit.db import Database
from sela_ports.app import SPEC
from sela_testing.support import Servers, settings_for_tests
from tests.gateway.proxy_support import UpstreamServer, gateway_settings, running_gateway

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_access_rules_hold_through_the_gateway(
    sela_servers: Servers,
    sela_migrated: dict[str, str],
    ports_gateway_database_url: str,
    tmp_path: Path,
) -> None:
    settings = settings_for_tests(
        SPEC, sela_servers, database_url=sela_migrated["ports"], storage_dir=tmp_path
    )
    upstream = UpstreamServer(create_app(SPEC, settings))
    await upstream.start()
    suffix = uuid.uuid4().hex[:8]
    code = f"gw-{suffix}"
    member_subject = f"member-{suffix}"
    config = gateway_settings(sela_servers, ports_gateway_database_url, {"ports": upstream.url})

    def bearer(subject: str, role: str) -> dict[str, str]:
        token = issue_access_token(
            user_id=subject, name=subject, roles=[role], country=None, settings=config
        ).token
        return {"Authorization": f"Bearer {token}"}

    staff, member = bearer(f"staff-{suffix}", "staff"), bearer(member_subject, "port_member")
    try:
        async with running_gateway(config) as (_, client):
            base = "/api/v1/ports"
            public = await client.get(f"{base}/governance/formalisation")
            assert public.status_code == 200, public.text
            assert public.json()["required_countries"] == 5
            anonymous_write = await client.post(f"{base}/governance/bodies", json={})
            assert anonymous_write.status_code == 401
            body = {"code": code, "name": "Gateway committee", "kind": "working_group"}
            assert (
                await client.post(f"{base}/governance/bodies", json=body, headers=member)
            ).status_code == 403
            created = await client.post(f"{base}/governance/bodies", json=body, headers=staff)
            assert created.status_code == 201, created.text
            person = await client.post(
                f"{base}/people", json={"name": "Gate Member", "subject": member_subject},
                headers=staff,
            )  # fmt: skip
            assert person.status_code == 201, person.text
            joined = await client.post(
                f"{base}/governance/bodies/{code}/members",
                json={"person_id": person.json()["id"], "since": "2019-01-01"},
                headers=staff,
            )
            assert joined.status_code == 201, joined.text
            item = await client.post(
                f"{base}/collab/items",
                json={"kind": "document", "title": "Private minutes", "shared_with": [code]},
                headers=member,
            )
            assert item.status_code == 201, item.text
            url = f"{base}/collab/items/{item.json()['id']}"
            assert (await client.get(url, headers=member)).status_code == 200
            hidden = await client.get(url)
            assert hidden.status_code == 404
            assert hidden.headers["content-type"] == "application/problem+json"
            bad = await client.post(
                f"{base}/benchmark/kpi-values",
                json={"port": "ZZZZZ", "items": [{"kpi_code": "ship_turnaround", "value": 1,
                      "unit": "h", "period_start": "2019-01-01", "period_end": "2018-01-01"}]},
                headers=staff,
            )  # fmt: skip
            assert bad.status_code == 422
            assert bad.json()["errors"][0]["name"] == "body.items.0"
    finally:
        await upstream.stop()
        # The service ran on the shared test database outside any rolled-back transaction.
        database = Database(sela_migrated["ports"])
        try:
            async with database.transaction() as session:
                params = {"code": code, "subject": member_subject}
                await session.execute(
                    text(
                        "DELETE FROM ports_collab_items WHERE id IN (SELECT s.item_id FROM "
                        "ports_collab_shares s JOIN ports_bodies b ON b.id = s.body_id "
                        "WHERE b.code = :code)"
                    ),
                    params,
                )
                await session.execute(
                    text(
                        "DELETE FROM ports_memberships WHERE body_id IN "
                        "(SELECT id FROM ports_bodies WHERE code = :code)"
                    ),
                    params,
                )
                await session.execute(text("DELETE FROM ports_bodies WHERE code = :code"), params)
                await session.execute(
                    text("DELETE FROM ports_people WHERE subject = :subject"), params
                )
        finally:
            await database.dispose()
