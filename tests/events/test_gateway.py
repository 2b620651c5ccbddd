"""The events service behind the real gateway: who may do what."""

from __future__ import annotations

import pytest

from sela_events.app import SPEC
from sela_gateway.auth.tokens import issue_access_token
from sela_kit.app import create_app
from sela_testing.support import Servers, settings_for_tests
from tests.gateway.proxy_support import UpstreamServer, gateway_settings, running_gateway

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_meetings_and_registration_through_the_gateway(
    sela_servers: Servers, sela_migrated: dict[str, str], gateway_database_url: str
) -> None:
    settings = settings_for_tests(
        SPEC, sela_servers, database_url=sela_migrated["events"], jobs_enabled=False
    )
    upstream = UpstreamServer(create_app(SPEC, settings, run_background=False))
    await upstream.start()
    try:
        gw_settings = gateway_settings(sela_servers, gateway_database_url, {"events": upstream.url})

        def bearer(role: str) -> dict[str, str]:
            token = issue_access_token(
                user_id=f"user-{role}", name=role, roles=[role], country=None, settings=gw_settings
            ).token
            return {"Authorization": f"Bearer {token}"}

        async with running_gateway(gw_settings) as (_, client):
            base = "/api/v1/events"
            meeting = {
                "code": "GW-TEST-1",
                "title": {"es": "Seminario", "en": "Seminar"},
                "type": "seminar",
                "activity": "II.3.5",
                "start_at": "2031-05-05T09:00:00",
                "end_at": "2031-05-06T17:00:00",
                "capacity": 1,
            }
            assert (await client.post(f"{base}/meetings", json=meeting)).status_code == 401
            denied = await client.post(
                f"{base}/meetings", json=meeting, headers=bearer("sme_owner")
            )
            assert denied.status_code == 403
            created = await client.post(f"{base}/meetings", json=meeting, headers=bearer("staff"))
            assert created.status_code == 201, created.text
            opened = await client.post(
                f"{base}/meetings/GW-TEST-1/status",
                json={"status": "registration_open"},
                headers=bearer("staff"),
            )
            assert opened.status_code == 200
            # Anyone may register and use the link; nobody else sees the list.
            person = {
                "first_name": "Ana",
                "last_name": "Silva",
                "email": "ana.silva@example.org",
                "category": "private_sector",
                "country": "BRA",
            }
            registered = await client.post(f"{base}/meetings/GW-TEST-1/registrations", json=person)
            assert registered.status_code == 201, registered.text
            assert registered.json()["state"] == "confirmed"
            token = registered.json()["manage_token"]
            own = await client.get(f"{base}/registrations/self/{token}")
            assert own.status_code == 200
            assert own.json()["email"] == "ana.silva@example.org"
            listing = f"{base}/meetings/GW-TEST-1/registrations"
            assert (await client.get(listing)).status_code == 401
            assert (await client.get(listing, headers=bearer("partner"))).status_code == 403
            assert len((await client.get(listing, headers=bearer("staff"))).json()["items"]) == 1
            public = await client.get(f"{base}/meetings/GW-TEST-1")
            assert public.status_code == 200
            assert public.json()["activity"] == "II.3.5"
            cancelled = await client.post(f"{base}/registrations/self/{token}/cancel")
            assert cancelled.json()["state"] == "cancelled"
            bad = await client.post(
                f"{base}/meetings/GW-TEST-1/registrations", json={**person, "email": "x"}
            )
            assert bad.status_code == 422
            assert bad.headers["content-type"] == "application/problem+json"
    finally:
        await upstream.stop()
