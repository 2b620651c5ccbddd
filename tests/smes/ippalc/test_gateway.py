"""The IPPALC behind the real gateway: public results, country-bound editors, staff reviews."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text

from sela_gateway.auth.tokens import issue_access_token
from sela_kit.app import create_app
from sela_kit.db import Database
from sela_smes.app import SPEC
from sela_smes.ippalc import charts
from sela_testing.support import Servers, settings_for_tests
from tests.gateway.proxy_support import UpstreamServer, gateway_settings, running_gateway
from tests.smes.ippalc.support import SMALL_ANSWERS, answers_body, small_edition

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_access_rules_hold_through_the_gateway(
    sela_servers: Servers, sela_migrated: dict[str, str], smes_gateway_database_url: str
) -> None:
    # matplotlib's first import costs seconds, more than the gateway's upstream timeout here.
    charts.radar_chart("warm-up", ["a", "b", "c"], {"x": [1, 2, 3]}, (1, 5), "svg", "")
    settings = settings_for_tests(SPEC, sela_servers, database_url=sela_migrated["smes"])
    upstream = UpstreamServer(create_app(SPEC, settings))
    await upstream.start()
    suffix = uuid.uuid4().hex[:8]
    edition_code, round_ = f"gw-{suffix}", f"gw-{suffix}"
    config = gateway_settings(sela_servers, smes_gateway_database_url, {"smes": upstream.url})

    def bearer(role: str, country: str | None = None) -> dict[str, str]:
        subject = f"{role}-{country}-{suffix}"
        token = issue_access_token(
            user_id=subject, name=subject, roles=[role], country=country, settings=config
        ).token
        return {"Authorization": f"Bearer {token}"}

    staff, focal, evaluator = (
        bearer("staff"),
        bearer("focal_point", "URY"),
        bearer("evaluator", "URY"),
    )
    try:
        async with running_gateway(config) as (_, client):
            base = "/api/v1/smes/ippalc"
            edition = small_edition(edition_code)
            assert (await client.post(f"{base}/editions", json=edition)).status_code == 401
            denied = await client.post(f"{base}/editions", json=edition, headers=focal)
            assert denied.status_code == 403
            assert denied.headers["content-type"] == "application/problem+json"
            created = await client.post(f"{base}/editions", json=edition, headers=staff)
            assert created.status_code == 201, created.text
            opened = await client.post(
                f"{base}/assessments",
                json={"edition": edition_code, "country": "URY", "round": round_},
                headers=staff,
            )
            assert opened.status_code == 201, opened.text
            url = f"{base}/assessments/{opened.json()['id']}"

            assert (await client.get(url)).status_code == 404
            assert (await client.get(url, headers=bearer("focal_point", "ARG"))).status_code == 404
            assert (await client.get(url, headers=focal)).status_code == 200
            body = answers_body(SMALL_ANSWERS)
            wrong = await client.put(f"{url}/answers/evaluator", json=body, headers=focal)
            assert wrong.status_code == 403
            for questionnaire, headers in (("government", focal), ("evaluator", evaluator)):
                put = await client.put(f"{url}/answers/{questionnaire}", json=body, headers=headers)
                assert put.status_code == 200, put.text
            bad = await client.put(
                f"{url}/answers/government",
                json={"answers": [{"question": "nope", "value": True}]},
                headers=focal,
            )
            assert bad.status_code == 422
            assert bad.json()["errors"][0]["name"] == "body.answers.0.question"

            submit = await client.post(
                f"{url}/transitions", json={"to": "submitted"}, headers=focal
            )
            assert submit.status_code == 200, submit.text
            review = {"to": "under_review"}
            assert (
                await client.post(f"{url}/transitions", json=review, headers=focal)
            ).status_code == 403
            for step in ("under_review", "accept", "validated", "published"):
                if step == "accept":
                    done = await client.post(
                        f"{url}/reconciliation/accept-agreements", headers=staff
                    )
                else:
                    done = await client.post(f"{url}/transitions", json={"to": step}, headers=staff)
                assert done.status_code == 200, done.text

            public = await client.get(f"{base}/results?round={round_}")
            assert public.status_code == 200, public.text
            (result,) = public.json()["results"]
            assert result["country"] == "URY"
            assert result["overall"] == pytest.approx(637 / 240)
            chart = await client.get(f"{base}/results/radar?round={round_}&format=svg")
            assert chart.status_code == 200
            assert chart.headers["content-type"].startswith("image/svg+xml")
            locked = await client.put(f"{url}/answers/government", json=body, headers=focal)
            assert locked.status_code == 409
            assert locked.json()["code"] == "assessment_published"
    finally:
        await upstream.stop()
        # The service ran on the shared test database outside any rolled-back transaction.
        database = Database(sela_migrated["smes"])
        try:
            async with database.transaction() as session:
                params = {"code": edition_code}
                await session.execute(
                    text(
                        "DELETE FROM ippalc_assessments WHERE edition_id IN "
                        "(SELECT id FROM ippalc_editions WHERE code = :code)"
                    ),
                    params,
                )
                await session.execute(
                    text("DELETE FROM ippalc_editions WHERE code = :code"), params
                )
        finally:
            await database.dispose()
