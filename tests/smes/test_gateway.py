"""The directory behind the real gateway: public reads without contacts, staff and owners
write, claims reviewed by staff, bad input named, cached public reads dropped on change."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from sqlalchemy import text

from sela_gateway.auth.tokens import issue_access_token
from sela_kit.app import create_app
from sela_kit.db import Database
from sela_smes.app import SPEC
from sela_testing.support import Servers
from tests.gateway.proxy_support import UpstreamServer, gateway_settings, running_gateway
from tests.smes.conftest import smes_settings
from tests.smes.support import enterprise

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_access_rules_hold_through_the_gateway(
    sela_servers: Servers, sela_migrated: dict[str, str], smes_gateway_database_url: str
) -> None:
    settings = smes_settings(sela_servers, sela_migrated["smes"])
    upstream = UpstreamServer(create_app(SPEC, settings))
    await upstream.start()
    suffix = uuid.uuid4().hex[:8]
    tax_id = f"GW-{suffix}"
    config = gateway_settings(sela_servers, smes_gateway_database_url, {"smes": upstream.url})

    def bearer(subject: str, *roles: str) -> dict[str, str]:
        token = issue_access_token(
            user_id=subject, name=subject, roles=list(roles), country=None, settings=config
        ).token
        return {"Authorization": f"Bearer {token}"}

    staff = bearer(f"staff-{suffix}", "staff")
    owner = bearer(f"owner-{suffix}", "sme_owner")
    reader = bearer(f"reader-{suffix}")
    try:
        async with running_gateway(config) as (_, client):
            base = "/api/v1/smes"
            body = enterprise(tax_id, legal_name=f"Gateway Café {suffix}")
            assert (await client.post(f"{base}/enterprises", json=body)).status_code == 401
            # A signed-in user without a directory role is stopped at the gateway.
            assert (
                await client.post(f"{base}/enterprises", json=body, headers=reader)
            ).status_code == 403
            # An owner passes the gateway but the service wants staff to create.
            refused = await client.post(f"{base}/enterprises", json=body, headers=owner)
            assert refused.status_code == 403
            assert refused.json()["required_roles"] == ["staff"]
            bad = await client.post(
                f"{base}/enterprises", json={**body, "isic": "04"}, headers=staff
            )
            assert bad.status_code == 422
            assert bad.headers["content-type"] == "application/problem+json"
            assert [e["name"] for e in bad.json()["errors"]] == ["body.isic"]
            created = await client.post(f"{base}/enterprises", json=body, headers=staff)
            assert created.status_code == 201, created.text
            url = f"{base}/enterprises/{created.json()['id']}"

            public = await client.get(url)
            assert public.status_code == 200
            assert "contacts" not in public.json()
            assert "tax_id" not in public.json()
            detail = await client.get(url, headers=reader)
            assert detail.json()["contacts"][0]["email"] == "ana@altiplano.example"
            search = await client.get(f"{base}/enterprises", params={"q": f"gateway {suffix}"})
            assert search.status_code == 200
            assert [i["id"] for i in search.json()["items"]] == [created.json()["id"]]

            # The owner claims, staff approve through the gateway; the owner edits.
            claim = await client.post(
                f"{url}/claims", json={"email": "o@altiplano.example"}, headers=owner
            )
            assert claim.status_code == 201, claim.text
            assert (await client.get(f"{base}/claims", headers=owner)).status_code == 403
            decided = await client.post(
                f"{base}/claims/{claim.json()['id']}/decision",
                json={"approve": True},
                headers=staff,
            )
            assert decided.status_code == 200, decided.text
            edited = await client.patch(url, json={"city": "Valdivia"}, headers=owner)
            assert edited.status_code == 200, edited.text

            # The anonymous read was cached; the change's event drops it.
            async def fresh() -> bool:
                return bool((await client.get(url)).json()["city"] == "Valdivia")

            for _ in range(50):
                if await fresh():
                    break
                await asyncio.sleep(0.2)
            assert await fresh()
    finally:
        await upstream.stop()
        # The service ran on the shared test database outside any rolled-back transaction.
        database = Database(sela_migrated["smes"])
        try:
            async with database.transaction() as session:
                await session.execute(
                    text("DELETE FROM smes_enterprises WHERE tax_id = :t"), {"t": tax_id}
                )
        finally:
            await database.dispose()
