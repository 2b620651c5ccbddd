"""The indices service as partners and staff meet it: through the gateway, from the `sela`
command, and as `sela up` seeds it."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import polars as pl
import pytest
from sqlalchemy import text

from sela_gateway.app import Gateway
from sela_indices.demo import load_demo
from sela_kit.db import Database
from sela_testing.support import Servers
from tests.gateway.proxy_support import UpstreamServer
from tests.indices.platform_support import (
    Platform,
    committed_database,
    gateway_client,
    indices_settings,
    start_platform,
)
from tests.indices.support import csv_bytes, macro_file, problem

SELA = Path(sys.executable).parent / "sela"
ROWS: list[dict[str, Any]] = [
    {
        "indicator": "FI.RES.TOTL.CD",
        "area": area,
        "period": str(year),
        "value": 1e9 * (i + 1) + year,
    }
    for i, area in enumerate(["CHL", "COL", "MEX", "PER"])
    for year in range(2010, 2019)
]


@pytest.fixture(scope="module")
async def indices_url(sela_servers: Servers, sela_migrated: dict[str, str]) -> str:
    return await committed_database(sela_servers)


@pytest.fixture(scope="module")
async def platform(
    sela_servers: Servers, indices_url: str, gateway_database_url: str
) -> AsyncIterator[Platform]:
    async for running in start_platform(sela_servers, indices_url, gateway_database_url):
        yield running


@pytest.fixture
async def gateway(platform: Platform) -> AsyncIterator[httpx.AsyncClient]:
    async for client in gateway_client(platform):
        yield client


async def test_load_and_query_two_vintages_through_the_gateway(
    platform: Platform, gateway: httpx.AsyncClient
) -> None:
    url = "/api/v1/indices"
    anonymous = await gateway.post(
        f"{url}/loads", content=csv_bytes(ROWS), headers={"Content-Type": "text/csv"}
    )
    problem(anonymous, 401)
    first = await gateway.post(
        f"{url}/loads",
        content=csv_bytes(ROWS),
        headers={**platform.staff, "Content-Type": "text/csv", "X-File-Name": "reserves.csv"},
    )
    assert first.status_code == 201, first.text
    await asyncio.sleep(0.01)
    revised = [dict(r, value=r["value"] * 2) if r["area"] == "MEX" else r for r in ROWS]
    second = await gateway.post(
        f"{url}/loads",
        files={"file": ("reserves-rev.csv", csv_bytes(revised))},
        headers=platform.staff,
    )
    assert second.status_code == 201, second.text
    assert second.json()["revised"] == 9

    params = {"indicator": "FI.RES.TOTL.CD", "area": "MEX", "start": "2018", "end": "2018"}
    now = (await gateway.get(f"{url}/observations", params=params)).json()["items"]
    then = (
        await gateway.get(
            f"{url}/observations", params={**params, "as_of": first.json()["vintage"]}
        )
    ).json()["items"]
    assert now[0]["value"] == 2 * then[0]["value"]
    as_csv = await gateway.get(
        f"{url}/observations",
        params={"indicator": "FI.RES.TOTL.CD", "mechanism": "PA", "start": "2015"},
        headers={"Accept": "text/csv"},
    )
    assert as_csv.status_code == 200
    frame = pl.read_csv(as_csv.content)
    assert sorted(frame["area"].unique().to_list()) == ["CHL", "COL", "MEX", "PER"]
    report = await gateway.get(f"{url}/mechanisms/PA/reports/2018-S2")
    assert report.status_code == 200, report.text
    variables = [v for s in report.json()["sections"] for v in s["variables"]]
    reserves = next(v for v in variables if v["indicator"] == "FI.RES.TOTL.CD")
    assert reserves["chart_svg"].startswith("/api/v1/indices/mechanisms/PA/reports/2018-S2/")
    chart = await gateway.get(reserves["chart_svg"])
    assert chart.status_code == 200
    assert chart.headers["content-type"] == "image/svg+xml"


def run_sela(
    args: list[str], database_url: str, servers: Servers
) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "SELA_INDICES_DATABASE_URL": database_url,
        "SELA_NATS_URL": servers.nats_url,
        "COLUMNS": "200",
    }
    return subprocess.run(
        [str(SELA), *args], capture_output=True, text=True, env=env, timeout=120, check=False
    )


async def test_sela_import_loads_a_file_or_lists_what_is_wrong(
    tmp_path: Path, indices_url: str, sela_servers: Servers
) -> None:
    good = tmp_path / "gdp.csv"
    good.write_bytes(
        csv_bytes(
            [{"indicator": "NY.GDP.MKTP.CD", "area": "URY", "period": "2017", "value": 6.4e10}]
        )
    )
    done = await asyncio.to_thread(
        run_sela, ["import", "indices", str(good)], indices_url, sela_servers
    )
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["new"] == 1
    assert summary["indicators"] == ["NY.GDP.MKTP.CD"]
    assert "merge" in done.stderr  # the progress bar's stages

    bad = tmp_path / "bad.csv"
    bad.write_text("indicator,area,period,value\nNY.GDP.MKTP.CD,URY,2018,lots\n")
    failed = await asyncio.to_thread(
        run_sela, ["import", "indices", str(bad)], indices_url, sela_servers
    )
    assert failed.returncode == 1
    assert "not a number" in failed.stderr
    assert "lots" in failed.stderr


async def test_demo_loads_the_real_lac_series_once(indices_url: str, sela_servers: Servers) -> None:
    settings = indices_settings(sela_servers, indices_url)
    summary = await load_demo(settings)
    if "generated" in summary:
        pytest.skip("../shared/data/macro is not on this machine; the generated set was loaded")
    assert "already loaded" in summary
    again = await load_demo(settings)
    assert again.startswith("0 file(s) loaded")
    database = Database(indices_url)
    try:
        async with database.engine.connect() as conn:
            areas = set(
                (
                    await conn.execute(
                        text(
                            "SELECT DISTINCT o.area FROM observation o "
                            "JOIN indicator i ON i.id = o.indicator_id WHERE i.code = 'PWT.pop'"
                        )
                    )
                ).scalars()
            )
    finally:
        await database.dispose()
    assert "BRA" in areas
    assert "USA" not in areas


BALANCE: list[dict[str, Any]] = [
    {
        "indicator": "NE.RSB.GNFS.CD",
        "area": area,
        "period": str(year),
        "value": round((year - 2000) * 1.25e8 * (1 if area != "BRA" else -1), 2),
        "status": "P" if year == 2018 else "A",
    }
    for area in ("ARG", "BRA", "URY")
    for year in range(2000, 2019)
]


async def test_a_partner_reads_flows_and_data_with_the_standard_sdmx_client(
    platform: Platform,
) -> None:
    import sdmx

    gateway = UpstreamServer(Gateway(platform.gateway_settings))
    await gateway.start()
    try:
        async with httpx.AsyncClient(base_url=gateway.url) as client:
            loaded = await client.post(
                "/api/v1/indices/loads",
                files={"file": ("balance.csv", csv_bytes(BALANCE))},
                headers=platform.staff,
            )
            assert loaded.status_code == 201, loaded.text
            entry = f"{gateway.url}/api/v1/indices/sdmx"
            structure = await client.get(
                "/api/v1/indices/sdmx/dataflow/SELA/DF_EXTERNAL_SECTOR/latest",
                params={"references": "all"},
            )
            assert structure.status_code == 200, structure.text
            assert "DSD_SELA_INDICATORS" in structure.text
            missing = await client.get("/api/v1/indices/sdmx/data/DF_NOPE")
            assert missing.status_code == 404
            assert "100" in missing.text
            bad_key = await client.get("/api/v1/indices/sdmx/data/DF_ALL/A.ARG")
            assert bad_key.status_code == 400

        def through_sdmx1() -> tuple[Any, Any, Any]:
            sdmx.add_source({"id": "SELA", "url": entry, "name": "SELA"}, override=True)
            sela = sdmx.Client("SELA")
            flows = sela.dataflow()
            data = sela.data(
                "DF_EXTERNAL_SECTOR",
                key="A.ARG+BRA+URY.NE_RSB_GNFS_CD",
                params={"startPeriod": "2000", "endPeriod": "2018"},
            )
            by_dict = sela.data(
                "DF_EXTERNAL_SECTOR",
                key={"REF_AREA": ["BRA"], "INDICATOR": ["NE_RSB_GNFS_CD"]},
                params={"startPeriod": "2010"},
            )
            return flows, sdmx.to_pandas(data, attributes="o"), sdmx.to_pandas(by_dict)

        flows, frame, brazil = await asyncio.to_thread(through_sdmx1)
    finally:
        await gateway.stop()
    flow_ids = set(flows.dataflow)
    assert {"DF_ALL", "DF_EXTERNAL_SECTOR", "DF_MACRO"} <= flow_ids
    assert str(flows.dataflow["DF_EXTERNAL_SECTOR"].name["es"]) == "Sector externo"
    table = frame.reset_index()
    received = sorted(
        (r["REF_AREA"], r["TIME_PERIOD"], float(r["value"]), r["OBS_STATUS"])
        for r in table.to_dict(orient="records")
    )
    expected = sorted((r["area"], r["period"], float(r["value"]), r["status"]) for r in BALANCE)
    assert received == expected
    assert len(brazil) == 9
    assert float(brazil.iloc[-1]) == -18 * 1.25e8


async def test_vulnerability_early_warning_runs_as_a_job_through_the_gateway(
    platform: Platform, gateway: httpx.AsyncClient
) -> None:
    for name in (
        "wdi2025_PA.NUS.FCRF.csv",
        "wdi2025_FI.RES.TOTL.CD.csv",
        "wdi2018_FP.CPI.TOTL.ZG.csv",
        "wdi2018_NY.GDP.MKTP.KD.ZG.csv",
    ):
        loaded = await gateway.post(
            "/api/v1/indices/loads",
            files={"file": (name, macro_file(name).read_bytes())},
            headers=platform.staff,
        )
        assert loaded.status_code in (201, 422), loaded.text
    queued = await gateway.post(
        "/api/v1/indices/analyses/vulnerability",
        json={"k": 1.5, "cutoff": "1989"},
        headers=platform.staff,
    )
    assert queued.status_code == 202, queued.text
    status_url = queued.json()["status_url"]
    assert status_url.startswith("/api/v1/indices/jobs/")
    job: dict[str, Any] = {}
    for _ in range(120):
        job = (await gateway.get(status_url, headers=platform.staff)).json()
        if job["status"] in ("succeeded", "failed"):
            break
        await asyncio.sleep(0.5)
    assert job["status"] == "succeeded", job
    analysis = (await gateway.get(queued.json()["result_url"])).json()
    assert analysis["params"]["k"] == 1.5
    assert analysis["inputs"]["vintages"]
    assert {t["name"] for t in analysis["tables"]} >= {
        "emp",
        "thresholds",
        "composite",
        "backtest_summary",
    }
    crises = await gateway.get(
        f"{queued.json()['result_url']}/tables/emp",
        params={"country": "MEX", "format": "csv"},
    )
    frame = pl.read_csv(crises.content)
    assert set(frame["country"]) == {"MEX"}
    assert frame["crisis"].sum() >= 1


async def poll_job(gateway: httpx.AsyncClient, status_url: str, headers: dict[str, str]) -> Any:
    job: dict[str, Any] = {}
    for _ in range(240):
        job = (await gateway.get(status_url, headers=headers)).json()
        if job["status"] in ("succeeded", "failed"):
            break
        await asyncio.sleep(0.5)
    return job


async def test_productive_niches_from_a_trade_dataset_through_the_gateway(
    platform: Platform, gateway: httpx.AsyncClient, indices_url: str
) -> None:
    path = macro_file("pwt10.01.csv.gz").parent.parent / "complexity" / "world_trade_2017.csv.gz"
    if not path.exists():
        pytest.skip("../shared/data/complexity is not on this machine")
    world = pl.read_csv(path, schema_overrides={"product_code": pl.String})
    exports = (
        world.filter(pl.col("product_code").str.starts_with("0"))
        .drop_nulls("export_value_usd")
        .select(
            pl.col("reporter_iso").str.to_uppercase().alias("reporter"),
            pl.lit("ZZZ").alias("partner"),
            pl.lit(2017).alias("year"),
            pl.col("product_code").alias("product"),
            pl.lit("HS").alias("classification"),
            pl.col("export_value_usd").alias("value"),
            pl.lit("X").alias("flow"),
        )
    )
    loaded = await gateway.post(
        "/api/v1/indices/trade/datasets",
        params={"name": "ots-2017", "unit": "US$"},
        files={"file": ("ots.csv", exports.write_csv().encode())},
        headers=platform.staff,
    )
    assert loaded.status_code == 201, loaded.text
    queued = await gateway.post(
        "/api/v1/indices/analyses/complexity",
        json={"dataset": loaded.json()["id"], "year": 2017, "mechanism": "MERCOSUR", "top": 10},
        headers=platform.staff,
    )
    assert queued.status_code == 202, queued.text
    job = await poll_job(gateway, queued.json()["status_url"], platform.staff)
    assert job["status"] == "succeeded", job
    result_url = queued.json()["result_url"]
    niches = (await gateway.get(f"{result_url}/tables/niches", params={"country": "URY"})).json()[
        "items"
    ]
    assert 0 < len(niches) <= 10
    assert all(n["partner_count"] >= 1 for n in niches)
    as_csv = await gateway.get(f"{result_url}/tables/countries", params={"format": "csv"})
    eci = pl.read_csv(as_csv.content)
    assert eci["eci"].mean() == pytest.approx(0, abs=1e-9)
    database = Database(indices_url)
    try:
        async with database.engine.connect() as conn:
            published = await conn.scalar(
                text(
                    "SELECT count(*) FROM outbox WHERE subject = 'indices.niches.published' "
                    "AND payload->>'run_id' = :run"
                ),
                {"run": job["id"]},
            )
    finally:
        await database.dispose()
    assert published == 1
