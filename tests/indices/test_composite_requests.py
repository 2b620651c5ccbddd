"""POST /analyses/composite rejects what the job could not compute, before anything is
queued: unknown indicators or mechanisms, an empty structure, invalid settings, years without
data, values the chosen aggregation cannot take."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import text

from sela_testing.support import ServiceHarness
from tests.indices.composite_support import panel_rows, settings, structure
from tests.indices.conftest import anonymous, staff
from tests.indices.support import csv_bytes, problem, upload


def body(**changes: Any) -> dict[str, Any]:
    return {
        "structure": structure(),
        "settings": settings(),
        "units": {"kind": "countries", "countries": ["ARG", "BRA", "CHL", "COL"]},
        "start": 2010,
        "end": 2017,
        **changes,
    }


async def jobs(harness: ServiceHarness) -> int:
    assert harness.connection is not None
    return int((await harness.connection.execute(text("SELECT count(*) FROM jobs"))).scalar_one())


@pytest.fixture
async def loaded(indices: ServiceHarness) -> httpx.AsyncClient:
    response = await upload(indices.client, csv_bytes(panel_rows()), staff())
    assert response.status_code == 201, response.text
    return indices.client


async def post(client: httpx.AsyncClient, payload: dict[str, Any]) -> httpx.Response:
    return await client.post("/analyses/composite", json=payload, headers=staff())


async def test_a_valid_request_is_queued_and_bad_ones_write_nothing(
    indices: ServiceHarness, loaded: httpx.AsyncClient
) -> None:
    client = loaded
    before = await jobs(indices)

    unknown = problem(await post(client, body(structure=_with_leaf("NO.SUCH.CODE"))), 422)
    assert unknown["code"] == "unknown_indicator"
    assert "NO.SUCH.CODE" in unknown["detail"]
    assert unknown["errors"][0]["name"] == "body.structure"

    empty = problem(await post(client, body(structure={"code": "X", "children": []})), 422)
    assert any("children" in e["name"] for e in empty["errors"])

    bad_settings = body(settings={"normalisation": {"method": "minmax", "lower": 5, "upper": 1}})
    invalid = problem(await post(client, bad_settings), 422)
    assert any("settings.normalisation" in e["name"] for e in invalid["errors"])

    backwards = problem(await post(client, body(start=2017, end=2010)), 422)
    assert any("end must not be before start" in e["reason"] for e in backwards["errors"])

    stranger = body(units={"kind": "countries", "countries": ["ARG", "QQQ"]})
    unknown_country = problem(await post(client, stranger), 422)
    assert unknown_country["code"] == "unknown_country"
    assert unknown_country["errors"][0]["pointer"] == "/units/countries"

    no_data = problem(await post(client, body(start=1990, end=1995)), 422)
    assert no_data["code"] == "no_data"
    assert "1990–1995" in no_data["detail"]

    mechanism = body(units={"kind": "mechanisms", "mechanisms": ["PA", "ATLANTIS"]})
    unknown_mechanism = problem(await post(client, mechanism), 422)
    assert unknown_mechanism["code"] == "unknown_mechanism"
    assert "ATLANTIS" in unknown_mechanism["detail"]

    # Min–max from 0 puts a unit at 0 on the one-indicator social dimension: the geometric
    # mean across dimensions cannot take it, and says so before anything is queued.
    zero = problem(await post(client, body(settings=settings(lower=0.0))), 422)
    assert zero["code"] == "invalid_composite"
    assert "geometric" in zero["detail"]

    refused = await client.post("/analyses/composite", json=body(), headers=anonymous())
    assert refused.status_code in (401, 403)
    assert await jobs(indices) == before

    accepted = await post(client, body())
    assert accepted.status_code == 202, accepted.text
    assert accepted.headers["Location"] == accepted.json()["status_url"]
    assert await jobs(indices) == before + 1


async def test_mechanism_units_need_aggregable_indicators(
    indices: ServiceHarness, loaded: httpx.AsyncClient
) -> None:
    not_aggregable = {
        "code": "IX",
        "children": [{"code": "d", "children": [{"code": "PWT.ctfp"}, {"code": "PWT.hc"}]}],
    }
    response = await post(
        loaded,
        body(
            structure=not_aggregable,
            units={"kind": "mechanisms", "mechanisms": ["PA", "MERCOSUR"]},
        ),
    )
    assert problem(response, 422)["code"] == "not_aggregable"


def _with_leaf(code: str) -> dict[str, Any]:
    tree = structure()
    tree["children"][1]["children"].append({"code": code})
    return tree
