"""The integration index computed by a job, end to end through the gateway on a database of its
own: the stored scores are the pure engine's on the same frame, the result records its
settings and input vintages, and reads as JSON, CSV and charts."""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator
from typing import Any, cast

import httpx
import polars as pl
import pytest
from polars.testing import assert_frame_equal
from sqlalchemy import text

from sela_indices.demo import load_demo
from sela_indices.methods import composite as engine
from sela_kit.db import Database
from sela_testing.support import Servers
from tests.indices.composite_support import (
    COUNTRIES,
    GAP,
    engine_frame,
    panel_rows,
    settings,
    structure,
)
from tests.indices.platform_support import (
    Platform,
    committed_database,
    gateway_client,
    indices_settings,
    start_platform,
)
from tests.indices.support import csv_bytes, problem
from tests.indices.test_platform import poll_job

API = "/api/v1/indices"
CODES = ["NY.GDP.MKTP.KD.ZG", "FP.CPI.TOTL.ZG", "SL.UEM.TOTL.ZS", "PWT.hc"]


@pytest.fixture(scope="module")
async def platform(
    sela_servers: Servers, sela_migrated: dict[str, str], gateway_database_url: str
) -> AsyncIterator[Platform]:
    url = await committed_database(sela_servers)
    async for running in start_platform(sela_servers, url, gateway_database_url):
        yield running


@pytest.fixture(scope="module")
async def loaded(platform: Platform) -> dict[str, Any]:
    clients = cast(AsyncGenerator[httpx.AsyncClient, None], gateway_client(platform))
    client = await anext(clients)
    try:
        response = await client.post(
            f"{API}/loads",
            files={"file": ("panel.csv", csv_bytes(panel_rows()))},
            headers=platform.staff,
        )
    finally:
        # Closed here, in this task: a generator left suspended would stop the gateway
        # whenever it is collected, in whichever test that happens.
        await clients.aclose()
    assert response.status_code == 201, response.text
    report: dict[str, Any] = response.json()
    return report


@pytest.fixture
async def gateway(platform: Platform) -> AsyncIterator[httpx.AsyncClient]:
    async for client in gateway_client(platform):
        yield client


async def run(gateway: httpx.AsyncClient, platform: Platform, body: dict[str, Any]) -> str:
    queued = await gateway.post(f"{API}/analyses/composite", json=body, headers=platform.staff)
    assert queued.status_code == 202, queued.text
    job = await poll_job(gateway, queued.json()["status_url"], platform.staff)
    assert job["status"] == "succeeded", job.get("error")
    result_url: str = queued.json()["result_url"]
    return result_url


async def table(gateway: httpx.AsyncClient, url: str, name: str) -> pl.DataFrame:
    response = await gateway.get(f"{url}/tables/{name}", params={"format": "csv"})
    assert response.status_code == 200, response.text
    return pl.read_csv(response.content)


async def test_country_index_matches_the_engine_and_records_its_inputs(
    platform: Platform, gateway: httpx.AsyncClient, loaded: dict[str, Any]
) -> None:
    body = {
        "structure": structure(),
        "settings": settings(),
        "units": {"kind": "countries", "countries": COUNTRIES},
        "start": 2010,
        "end": 2017,
        "uncertainty": {
            "runs": 16,
            "imputation": ["interpolate", "mean"],
            "normalisation": [
                {"method": "minmax", "mode": "global", "lower": 1},
                {"method": "rank", "mode": "year"},
            ],
            "weight_noise": 0.25,
            "weight_sets": 8,
        },
        "missing_dimensions": [{"code": "environmental", "reason": "no series loaded"}],
    }
    url = await run(gateway, platform, body)
    analysis = (await gateway.get(url)).json()

    # The exact request, and what was read: the instant and each indicator's vintages.
    assert analysis["kind"] == "composite"
    assert analysis["params"]["structure"]["children"][0]["code"] == "economic"
    assert analysis["params"]["settings"]["imputation"]["method"] == "interpolate"
    inputs = analysis["inputs"]
    assert inputs["as_of"]
    assert set(inputs["indicators"]) == set(CODES)
    for code in CODES:
        read = inputs["indicators"][code]
        assert read["vintage_ids"] == [loaded["vintage_id"]]
        assert read["latest_valid_from"] <= inputs["as_of"]
    assert inputs["indicators"]["SL.UEM.TOTL.ZS"]["observations"] == len(COUNTRIES) * 8 - 1
    summary = analysis["summary"]
    assert summary["dimensions"] == ["economic", "social"]
    assert summary["missing_dimensions"][0]["code"] == "environmental"
    assert "environmental" in summary["note"]
    assert summary["uncertainty"]["runs"] == 16 * (3 + 2)

    # The stored scores are the pure engine's on the frame built here from the same rows.
    expected = engine.compute(engine_frame(panel_rows(), CODES), structure(), settings())
    stored = await table(gateway, url, "scores")
    key = ["node", "unit", "year"]
    assert_frame_equal(
        stored.select(*key, "score", "rank").sort(key),
        expected.scores.select(*key, "score", "rank").sort(key),
        check_dtypes=False,
        abs_tol=1e-9,
    )
    unit, year, code = GAP
    gap = stored.filter(
        (pl.col("unit") == unit) & (pl.col("year") == year) & (pl.col("node") == code)
    )
    assert gap["imputed"].to_list() == [True]

    # Per unit, dimension and year, as JSON and CSV.
    view = await gateway.get(f"{url}/composite", params={"unit": "ARG,BRA", "year": "2015"})
    assert view.status_code == 200, view.text
    items = view.json()["items"]
    assert {(i["unit"], i["node"]) for i in items} == {
        (u, n) for u in ("ARG", "BRA") for n in ("IINTALC", "economic", "social")
    }
    index_row = next(i for i in items if i["node"] == "IINTALC" and i["unit"] == "ARG")
    assert index_row["rank_q05"] <= index_row["median_rank"] <= index_row["rank_q95"]
    economic = next(i for i in items if i["node"] == "economic" and i["unit"] == "ARG")
    assert economic["median_rank"] is None
    csv = await gateway.get(f"{url}/composite", params={"dimension": "social", "format": "csv"})
    assert csv.headers["content-type"].startswith("text/csv")
    social = pl.read_csv(csv.content)
    assert set(social["node"]) == {"social"}
    assert social.height == len(COUNTRIES) * 8

    # Charts: scores by year for a dimension, and the rank uncertainty.
    png = await gateway.get(f"{url}/composite/chart", params={"dimension": "economic"})
    assert png.status_code == 200, png.text
    assert png.headers["content-type"] == "image/png"
    assert png.content.startswith(b"\x89PNG\r\n\x1a\n")
    svg = await gateway.get(
        f"{url}/composite/chart", params={"chart": "uncertainty", "format": "svg"}
    )
    assert svg.headers["content-type"].startswith("image/svg+xml")
    assert b"<svg" in svg.content[:500]
    assert b"rank uncertainty" in svg.content or b"ARG" in svg.content

    bad_year = problem(await gateway.get(f"{url}/composite", params={"year": "1900"}), 422)
    assert bad_year["code"] == "unknown_year"
    bad_node = problem(
        await gateway.get(f"{url}/composite/chart", params={"dimension": "cultural"}), 422
    )
    assert "cultural" in bad_node["detail"]


async def test_mechanisms_as_units_aggregate_members_by_the_catalogue_rules(
    platform: Platform, gateway: httpx.AsyncClient, loaded: dict[str, Any]
) -> None:
    # The Pacific Alliance (CHL, COL, MEX, PER from 2012) against MERCOSUR (ARG, BRA, URY,
    # PRY and VEN without data here): with a coverage of 0.5 both have every year.
    body = {
        "structure": structure(),
        "settings": settings(),
        "units": {"kind": "mechanisms", "mechanisms": ["PA", "MERCOSUR"], "min_coverage": 0.5},
        "start": 2013,
        "end": 2017,
    }
    url = await run(gateway, platform, body)
    data = await table(gateway, url, "data")
    assert set(data["unit"]) == {"PA", "MERCOSUR"}
    # Inflation is a GDP-weighted mean (GDP = GDP per capita × population) over the members.
    rows = pl.DataFrame(panel_rows()).filter(pl.col("period") == "2015")
    wide = rows.pivot(on="indicator", index="area", values="value")
    pa = wide.filter(pl.col("area").is_in(["CHL", "COL", "MEX", "PER"]))
    gdp = pa["NY.GDP.PCAP.CD"] * pa["SP.POP.TOTL"]
    expected = float((pa["FP.CPI.TOTL.ZG"] * gdp).sum()) / float(gdp.sum())
    stored = data.filter(
        (pl.col("unit") == "PA")
        & (pl.col("year") == 2015)
        & (pl.col("indicator") == "FP.CPI.TOTL.ZG")
    )["value"].item()
    assert stored == pytest.approx(expected, rel=1e-9)
    members = await table(gateway, url, "members")
    assert set(members.filter(pl.col("mechanism") == "PA")["country"]) == {
        "CHL",
        "COL",
        "MEX",
        "PER",
    }
    analysis = (await gateway.get(url)).json()
    assert analysis["inputs"]["membership_edition"]
    # The weights of the aggregation are inputs too: their vintages are recorded.
    assert {"SP.POP.TOTL", "NY.GDP.PCAP.CD"} <= set(analysis["inputs"]["indicators"])
    view = (await gateway.get(f"{url}/composite", params={"dimension": "IINTALC"})).json()
    assert {i["unit"] for i in view["items"]} == {"PA", "MERCOSUR"}
    assert all(i["rank"] in (1, 2) for i in view["items"])
    chart = await gateway.get(f"{url}/composite/chart", params={"format": "svg"})
    assert chart.status_code == 200
    assert b"MERCOSUR" in chart.content
    no_band = problem(
        await gateway.get(f"{url}/composite/chart", params={"chart": "uncertainty"}), 422
    )
    assert no_band["code"] == "no_uncertainty"


async def test_the_demo_queues_the_integration_index_of_the_five_mechanisms(
    platform: Platform, gateway: httpx.AsyncClient, sela_servers: Servers
) -> None:
    url = await committed_database(sela_servers)
    database = Database(url)
    try:
        async with database.transaction() as session:
            await session.execute(text("DELETE FROM jobs WHERE submitted_by = 'demo'"))
    finally:
        await database.dispose()
    summary = await load_demo(indices_settings(sela_servers, url))
    if "generated" in summary:
        pytest.skip("../shared/data/macro is not on this machine; no demo index without it")
    assert "integration index demo queued" in summary, summary
    job_id = summary.rsplit("analysis ", 1)[1].rstrip(")")
    job = await poll_job(gateway, f"{API}/jobs/{job_id}", platform.staff)
    assert job["status"] == "succeeded", job.get("error")
    again = await load_demo(indices_settings(sela_servers, url))
    assert again.endswith("integration index demo already queued")

    analysis = (await gateway.get(f"{API}/analyses/{job_id}")).json()
    summary_ = analysis["summary"]
    assert summary_["units"] == sorted(["PA", "ANDEAN", "MERCOSUR", "SICA", "CARICOM"])
    assert summary_["dimensions"] == ["economic", "social", "political"]
    assert [d["code"] for d in summary_["missing_dimensions"]] == ["cultural", "environmental"]
    assert summary_["years"] == list(range(2008, 2017))
    read = analysis["inputs"]["indicators"]
    assert {"HFI.pf_rol", "PWT.hc", "BX.KLT.DINV.CD.WD", "SP.POP.TOTL"} <= set(read)
    view = (
        await gateway.get(f"{API}/analyses/{job_id}/composite", params={"dimension": "IINTALC"})
    ).json()["items"]
    assert len(view) == 5 * 9
    assert all(1 <= row["score"] <= 100 for row in view if row["score"] is not None)
    # The Pacific Alliance exists from 2012 (framework agreement); every other cell has a score.
    assert {(r["unit"], r["year"]) for r in view if r["score"] is None} == {
        ("PA", year) for year in range(2008, 2012)
    }
