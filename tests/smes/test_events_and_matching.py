"""Events from other services through the real broker and the kit's inbox, and partner
matching (with product proximities read from the real indices service over HTTP)."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import polars as pl
import pytest
from sqlalchemy import text

from sela_indices.analyses.repository import AnalysisRepository
from sela_indices.app import SPEC as INDICES
from sela_kit.app import create_app
from sela_kit.db import Database
from sela_smes.app import SPEC
from sela_testing.support import Servers, ServiceHarness, run_service
from tests.gateway.proxy_support import UpstreamServer
from tests.indices.platform_support import committed_database, indices_settings
from tests.kit.messaging_helpers import eventually
from tests.smes.conftest import smes_settings
from tests.smes.support import anonymous, create, ok, staff

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def publish(service: ServiceHarness, subject: str, payload: dict[str, Any]) -> None:
    bus = service.app.state.bus
    assert await bus.wait_ready(10)
    await bus.js.publish(
        subject,
        json.dumps(payload).encode(),
        headers={"Nats-Msg-Id": str(uuid.uuid4()), "Sela-Event-Version": "1"},
    )


async def _cleanup(url: str, prefix: str, run_id: str) -> None:
    database = Database(url)
    try:
        async with database.transaction() as session:
            params = {"prefix": f"{prefix}%", "run": run_id}
            await session.execute(
                text("DELETE FROM smes_enterprises WHERE tax_id LIKE :prefix"), params
            )
            await session.execute(text("DELETE FROM smes_niches WHERE run_id = :run"), params)
            await session.execute(text("DELETE FROM smes_niche_runs WHERE run_id = :run"), params)
    finally:
        await database.dispose()


@pytest.fixture
async def indices_with_proximity(
    sela_servers: Servers, sela_migrated: dict[str, str]
) -> AsyncIterator[tuple[UpstreamServer, str]]:
    """The real indices service with one stored analysis holding a proximity table."""
    url = await committed_database(sela_servers)
    run_id = uuid.uuid4()
    proximity = pl.DataFrame(
        {
            "product": ["0901", "2101", "0901", "1801"],
            "product_2": ["2101", "0901", "1801", "0901"],
            "proximity": [0.62, 0.62, 0.35, 0.35],
        }
    )
    database = Database(url)
    try:
        async with database.transaction() as session:
            await AnalysisRepository.from_session(session).save(
                run_id, "complexity", {}, {}, {}, {"proximity": proximity}, "tests"
            )
        server = UpstreamServer(create_app(INDICES, indices_settings(sela_servers, url)))
        await server.start()
        try:
            yield server, str(run_id)
        finally:
            await server.stop()
            async with database.transaction() as session:
                await session.execute(
                    text("DELETE FROM analysis_run WHERE id = :id"), {"id": run_id}
                )
    finally:
        await database.dispose()


async def test_niches_attendance_and_matching_with_proximities(
    sela_servers: Servers,
    sela_migrated: dict[str, str],
    indices_with_proximity: tuple[UpstreamServer, str],
) -> None:
    indices, run_id = indices_with_proximity
    prefix = f"EV{uuid.uuid4().hex[:6]}-"
    settings = smes_settings(sela_servers, sela_migrated["smes"], indices_url=indices.url)
    async with run_service(SPEC, settings, isolated=False, run_background=True) as service:
        client = service.client
        try:
            coffee = await create(client, f"{prefix}1", products=["0901", "2101"])
            cocoa = await create(
                client, f"{prefix}2", legal_name="Cacao Fino del Perú", country="PER",
                isic="01", products=["1801"], export_markets=[], target_markets=[],
                contacts=[{"name": "Luz", "email": "luz@cacao.example"}],
            )  # fmt: skip
            assert coffee["niche_products"] == []

            # The indices service publishes niches: Chilean coffee is one, so is cocoa in Peru
            # (an HS6 code counts for its heading); other products and countries are not.
            await publish(
                service,
                "indices.niches.published",
                {
                    "run_id": run_id,
                    "year": 2017,
                    "niches": [
                        {"country": "CHL", "product": "0901", "classification": "HS92"},
                        {"country": "PER", "product": "180100", "classification": "HS92"},
                        {"country": "MEX", "product": "0901", "classification": "HS92"},
                    ],
                },
            )

            async def flagged() -> bool:
                body = await ok(await client.get(f"/enterprises/{coffee['id']}"))
                return bool(body["niche_products"] == ["0901"])

            await eventually(flagged, 15, "coffee flagged as a niche of Chile")
            cocoa_now = await ok(await client.get(f"/enterprises/{cocoa['id']}"))
            assert cocoa_now["niche_products"] == ["1801"]
            niches = await ok(
                await client.get("/enterprises", params={"niches_only": "true", "q": prefix})
            )
            assert niches["total"] == 0  # the tax id is not searchable text
            only = await ok(
                await client.get(
                    "/enterprises", params={"niches_only": "true", "country": "CHL,PER"}
                )
            )
            assert {coffee["id"], cocoa["id"]} <= {i["id"] for i in only["items"]}

            # Confirmed registrations: by tax id (and country), then by a contact's email.
            meeting = str(uuid.uuid4())
            registration = {
                "meeting_id": meeting,
                "activity": "III.1.1",
                "category": "business",
                "country": "CHL",
                "organisation_tax_id": f"{prefix}1",
            }
            await publish(
                service,
                "events.registration.confirmed",
                {**registration, "registration_id": f"{prefix}r1"},
            )
            # The same registration again (another message): recorded once.
            await publish(
                service,
                "events.registration.confirmed",
                {**registration, "registration_id": f"{prefix}r1"},
            )
            await publish(
                service,
                "events.registration.confirmed",
                {
                    "registration_id": f"{prefix}r2",
                    "meeting_id": meeting,
                    "category": "business",
                    "email": "LUZ@cacao.example",
                },
            )
            await publish(
                service,
                "events.registration.confirmed",
                {
                    "registration_id": f"{prefix}r3",
                    "meeting_id": meeting,
                    "category": "business",
                    "email": "nobody@else.example",
                    "organisation_tax_id": "unknown",
                },
            )

            async def attended() -> bool:
                body = await ok(await client.get(f"/enterprises/{cocoa['id']}", headers=staff()))
                return len(body["meetings"]) == 1

            await eventually(attended, 15, "cocoa producer's meeting recorded")
            coffee_meetings = (
                await ok(await client.get(f"/enterprises/{coffee['id']}", headers=staff()))
            )["meetings"]
            assert coffee_meetings == [
                {
                    "meeting_id": meeting,
                    "activity": "III.1.1",
                    "registration_id": f"{prefix}r1",
                    "matched_by": "tax_id",
                }
            ]
            cocoa_meetings = (
                await ok(await client.get(f"/enterprises/{cocoa['id']}", headers=staff()))
            )["meetings"]
            assert cocoa_meetings[0]["matched_by"] == "email"
            # Public readers do not see meetings.
            public = await ok(await client.get(f"/enterprises/{cocoa['id']}", headers=anonymous()))
            assert "meetings" not in public

            # Matching now reads proximities of the run from the indices service.
            found = await ok(await client.get(f"/enterprises/{coffee['id']}/partners"))
            assert found["proximity_source"] == f"indices analysis {run_id}"
            match = next(m for m in found["matches"] if m["enterprise"]["id"] == cocoa["id"])
            reasons = {r["kind"]: r for r in match["reasons"]}
            assert reasons["product_proximity"]["score"] == pytest.approx(0.35)
            assert "HS 0901 and HS 1801" in reasons["product_proximity"]["detail"]
        finally:
            await _cleanup(sela_migrated["smes"], prefix, run_id)
