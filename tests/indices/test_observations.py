"""Loads as vintages, queries as of a time, downloads, aggregates and reports."""

from __future__ import annotations

import asyncio
import io
from typing import Any

import polars as pl
import pytest
from sqlalchemy import text

from sela_testing.support import ServiceHarness
from tests.indices.conftest import staff
from tests.indices.support import csv_bytes, macro_file, problem, upload, xlsx_bytes

POPULATION: list[dict[str, Any]] = [
    {
        "indicator": "SP.POP.TOTL",
        "area": area,
        "period": str(year),
        "value": value * (1 + (year - 2015) / 100),
    }
    for area, value in {"ARG": 43e6, "BRA": 205e6, "PRY": 6.6e6, "URY": 3.4e6, "VEN": 31e6}.items()
    for year in range(2015, 2019)
]


async def count(harness: ServiceHarness, sql: str, **params: Any) -> int:
    assert harness.connection is not None
    return int((await harness.connection.execute(text(sql), params)).scalar() or 0)


async def test_a_load_is_a_vintage_and_as_of_reads_earlier_values(indices: ServiceHarness) -> None:
    client = indices.client
    first = await upload(client, csv_bytes(POPULATION), staff(), note="first")
    assert first.status_code == 201, first.text
    report = first.json()
    assert (report["new"], report["revised"], report["unchanged"]) == (20, 0, 0)
    assert report["indicators"][0]["areas"] == ["ARG", "BRA", "PRY", "URY", "VEN"]
    again = (await upload(client, csv_bytes(POPULATION), staff())).json()
    assert (again["new"], again["revised"], again["unchanged"]) == (0, 0, 20)

    await asyncio.sleep(0.01)
    revised_rows = [dict(r) for r in POPULATION]
    revised_rows[0]["value"] = 43_100_000.0  # ARG 2015 revised
    revised_rows.append(
        {"indicator": "SP.POP.TOTL", "area": "CHL", "period": "2018", "value": 18e6}
    )
    second = (await upload(client, csv_bytes(revised_rows), staff())).json()
    assert (second["new"], second["revised"], second["unchanged"]) == (1, 1, 19)

    params = {"indicator": "SP.POP.TOTL", "area": "ARG", "start": "2015", "end": "2015"}
    now = (await client.get("/observations", params=params)).json()["items"]
    assert [o["value"] for o in now] == [43_100_000.0]
    then = (
        await client.get("/observations", params={**params, "as_of": first.json()["vintage"]})
    ).json()
    assert [o["value"] for o in then["items"]] == [43e6]
    before_any = await client.get("/observations", params={**params, "as_of": "2000-01-01"})
    assert before_any.json()["items"] == []
    history = (
        await client.get(
            "/observations/history",
            params={"indicator": "SP.POP.TOTL", "area": "ARG", "period": "2015"},
        )
    ).json()
    assert [h["value"] for h in history] == [43e6, 43_100_000.0]
    assert history[0]["valid_to"] == history[1]["valid_from"]
    loads = (await client.get("/loads")).json()
    assert loads[0]["id"] == second["vintage_id"]
    assert loads[-1]["note"] in ("first", None)


async def test_every_load_announces_its_indicators_through_the_outbox(
    indices: ServiceHarness,
) -> None:
    before = await count(indices, "SELECT count(*) FROM outbox")
    report = (await upload(indices.client, csv_bytes(POPULATION), staff())).json()
    assert indices.connection is not None
    rows = (
        await indices.connection.execute(
            text("SELECT subject, payload FROM outbox ORDER BY created_at DESC LIMIT 2")
        )
    ).all()
    assert await count(indices, "SELECT count(*) FROM outbox") == before + 2
    by_subject: dict[str, Any] = dict(rows)
    updated = by_subject["indices.indicator.updated"]
    assert updated["indicator_code"] == "SP.POP.TOTL"
    assert updated["observations"] == 20
    assert by_subject["indices.load.completed"]["vintage_id"] == report["vintage_id"]


@pytest.mark.parametrize(
    ("rows", "row", "column", "reason"),
    [
        (
            [{"indicator": "SP.POP.TOTL", "area": "XYZ", "period": "2017", "value": "1"}],
            2,
            "area",
            "unknown area",
        ),
        (
            [{"indicator": "NO.SUCH", "area": "ARG", "period": "2017", "value": "1"}],
            2,
            "indicator",
            "unknown indicator",
        ),
        (
            [{"indicator": "SP.POP.TOTL", "area": "ARG", "period": "2017-14", "value": "1"}],
            2,
            "period",
            "malformed period",
        ),
        (
            [{"indicator": "SP.POP.TOTL", "area": "ARG", "period": "2017", "value": "many"}],
            2,
            "value",
            "not a number",
        ),
        (
            [
                {
                    "indicator": "SP.POP.TOTL",
                    "area": "ARG",
                    "period": "2017",
                    "value": "1",
                    "unit": "kg",
                }
            ],
            2,
            "unit",
            "differs",
        ),
        (
            [{"indicator": "SP.POP.TOTL", "area": "ARG", "period": "2017", "value": "1"}] * 2,
            3,
            "area",
            "duplicate",
        ),
    ],
)
async def test_bad_files_are_rejected_whole_naming_rows_and_columns(
    indices: ServiceHarness, rows: list[dict[str, str]], row: int, column: str, reason: str
) -> None:
    before = await count(indices, "SELECT count(*) FROM observation")
    good = [
        {
            "indicator": "SP.POP.TOTL",
            "area": "URY",
            "period": "2010",
            "value": "3.3e6",
            **({"unit": ""} if "unit" in rows[0] else {}),
        }
    ]
    body = problem(await upload(indices.client, csv_bytes(good + rows), staff()), 422)
    assert body["code"] == "file_rejected"
    cells = {(c["row"], c["column"]) for c in body["rejected"]}
    assert (row + 1, column) in cells, body["rejected"]
    assert any(reason in c["reason"] for c in body["rejected"])
    assert body["errors"][0]["pointer"].startswith("/rows/")
    assert await count(indices, "SELECT count(*) FROM observation") == before
    assert await count(indices, "SELECT count(*) FROM vintage WHERE submitted_by = 'staff-1'") == 0


async def test_files_that_are_not_data_and_oversized_uploads(indices: ServiceHarness) -> None:
    client = indices.client
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8
    body = problem(await upload(client, png, staff(), name="chart.png"), 422)
    assert body["code"] == "unreadable_file"
    assert "CSV" in body["detail"]
    problem(await upload(client, b"", staff()), 422)
    problem(await upload(client, b"x,y\n1,2\n", staff()), 422)
    problem(await upload(client, csv_bytes(POPULATION), {}), 403)
    indices.app.state.settings.max_upload_bytes = 100
    try:
        problem(await upload(client, csv_bytes(POPULATION), staff()), 413)
    finally:
        indices.app.state.settings.max_upload_bytes = 200 * 1024 * 1024


async def test_dry_run_reports_without_storing(indices: ServiceHarness) -> None:
    before = await count(indices, "SELECT count(*) FROM vintage")
    response = await upload(indices.client, csv_bytes(POPULATION), staff(), dry_run="true")
    assert response.status_code == 200
    assert response.json()["dry_run"] is True
    assert response.json()["accepted"] == 20
    assert await count(indices, "SELECT count(*) FROM vintage") == before


async def test_downloads_as_csv_xlsx_and_json_carry_the_same_rows(indices: ServiceHarness) -> None:
    client = indices.client
    xlsx_upload = await upload(client, xlsx_bytes(POPULATION), staff(), name="pop.xlsx")
    assert xlsx_upload.status_code == 201, xlsx_upload.text
    params = {"indicator": "SP.POP.TOTL", "mechanism": "MERCOSUR", "start": "2015", "end": "2018"}
    as_json = (await client.get("/observations", params=params)).json()
    as_csv = await client.get("/observations", params=params, headers={"Accept": "text/csv"})
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert "attachment" in as_csv.headers["content-disposition"]
    as_xlsx = await client.get("/observations", params={**params, "format": "xlsx"})
    assert as_xlsx.content[:2] == b"PK"
    csv_frame = pl.read_csv(io.BytesIO(as_csv.content))
    xlsx_frame = pl.read_excel(io.BytesIO(as_xlsx.content))
    assert as_json["count"] == csv_frame.height == xlsx_frame.height == 20
    assert csv_frame["value"].to_list() == [o["value"] for o in as_json["items"]]
    assert xlsx_frame["area"].to_list() == csv_frame["area"].to_list()
    problem(await client.get("/observations", params={"start": "twenty"}), 422)
    problem(await client.get("/observations", params={"as_of": "yesterday"}), 422)


async def test_mechanism_aggregates_use_the_members_of_each_year(indices: ServiceHarness) -> None:
    await upload(indices.client, csv_bytes(POPULATION), staff())
    response = await indices.client.get(
        "/mechanisms/MERCOSUR/aggregates",
        params={"indicator": "SP.POP.TOTL", "start": "2015", "end": "2018"},
    )
    assert response.status_code == 200, response.text
    points = {p["period"]: p for p in response.json()["items"]}
    values: dict[tuple[str, str], float] = {
        (str(r["area"]), str(r["period"])): float(r["value"]) for r in POPULATION
    }
    with_ven = sum(values[(a, "2016")] for a in ("ARG", "BRA", "PRY", "URY", "VEN"))
    without_ven = sum(values[(a, "2017")] for a in ("ARG", "BRA", "PRY", "URY"))
    assert points["2016"]["value"] == pytest.approx(with_ven)
    assert points["2016"]["members"] == 5
    assert points["2017"]["value"] == pytest.approx(without_ven)
    assert points["2017"]["members"] == 4
    body = problem(
        await indices.client.get(
            "/mechanisms/MERCOSUR/aggregates", params={"indicator": "PA.NUS.FCRF"}
        ),
        422,
    )
    assert body["code"] == "not_aggregable"


async def test_follow_up_report_and_its_charts(indices: ServiceHarness) -> None:
    gdp_pc = [
        {
            "indicator": "NY.GDP.PCAP.CD",
            "area": r["area"],
            "period": r["period"],
            "value": 10000.0 + i,
        }
        for i, r in enumerate(POPULATION)
    ]
    await upload(indices.client, csv_bytes(POPULATION + gdp_pc), staff())
    response = await indices.client.get(
        "/mechanisms/MERCOSUR/reports/2018-S2", params={"lang": "es", "years": 4}
    )
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["name"] == "Mercado Común del Sur"
    assert report["members"] == [
        "ARG",
        "BRA",
        "PRY",
        "URY",
    ]
    overview = report["sections"][0]
    variables = {v["indicator"]: v for v in overview["variables"]}
    assert set(variables) == {"SP.POP.TOTL", "NY.GDP.PCAP.CD"}
    assert variables["SP.POP.TOTL"]["name"] == "Población total"
    assert "FP.CPI.TOTL.ZG" in report["unavailable"]
    png = await indices.client.get(variables["SP.POP.TOTL"]["chart_png"].removeprefix("/"))
    assert png.status_code == 200
    assert png.content[:8] == b"\x89PNG\r\n\x1a\n"
    svg = await indices.client.get(
        "/mechanisms/MERCOSUR/reports/2018-S2/charts/NY.GDP.PCAP.CD", params={"format": "svg"}
    )
    assert svg.headers["content-type"] == "image/svg+xml"
    assert b"<svg" in svg.content
    problem(await indices.client.get("/mechanisms/MERCOSUR/reports/2018-Q2"), 422)
    problem(await indices.client.get("/mechanisms/MERCOSUR/reports/2018-S1/charts/XX"), 404)


async def test_real_wdi_file_loads_and_is_searchable_by_country(indices: ServiceHarness) -> None:
    content = macro_file("wdi2018_FP.CPI.TOTL.ZG.csv").read_bytes()
    response = await upload(indices.client, content, staff(), name="wdi.csv")
    assert response.status_code == 201, response.text
    report = response.json()
    assert report["layout"] == "wdi"
    assert report["new"] > 5000
    assert report["skipped_reasons"]["regional or income aggregate (not a country)"] > 0
    found = (
        await indices.client.get("/indicators", params={"country": "VEN", "group": "macro"})
    ).json()
    assert "FP.CPI.TOTL.ZG" in [i["code"] for i in found["items"]]
    coverage = (await indices.client.get("/indicators/FP.CPI.TOTL.ZG")).json()["coverage"]
    assert coverage["first_period"] == "1960"
    assert coverage["areas"] > 150


async def test_a_load_id_beyond_its_column_is_a_422_naming_it(indices: ServiceHarness) -> None:
    body = problem(await indices.client.get("/loads/27455256183"), 422)
    assert [e["name"] for e in body["errors"]] == ["path.vintage_id"]
    problem(await indices.client.get("/loads/2147483647"), 404)
