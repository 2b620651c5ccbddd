"""The SDMX entry point on the service's own data (formats, filters, errors)."""

from __future__ import annotations

import io
import json

import polars as pl

from sela_testing.support import ServiceHarness
from tests.indices.conftest import staff
from tests.indices.support import csv_bytes, upload

ROWS = [
    {
        "indicator": "SL.UEM.TOTL.ZS",
        "area": area,
        "period": str(year),
        "value": 5.0 + i + year / 1000,
    }
    for i, area in enumerate(("CHL", "PER"))
    for year in range(2010, 2020)
]


async def test_data_in_three_formats_with_period_and_last_n_filters(
    indices: ServiceHarness,
) -> None:
    assert (await upload(indices.client, csv_bytes(ROWS), staff())).status_code == 201
    path = "/sdmx/data/DF_MACRO/A.CHL+PER.SL_UEM_TOTL_ZS"
    xml = await indices.client.get(path, params={"startPeriod": "2015"})
    assert xml.headers["content-type"].startswith("application/vnd.sdmx.genericdata+xml")
    assert xml.text.count("<gen:Obs>") == 10
    as_csv = await indices.client.get(
        path, headers={"Accept": "application/vnd.sdmx.data+csv;version=2.0.0"}
    )
    frame = pl.read_csv(io.BytesIO(as_csv.content))
    assert frame.height == 20
    assert set(frame["INDICATOR"]) == {"SL_UEM_TOTL_ZS"}
    last = await indices.client.get(path, params={"lastNObservations": "2", "format": "jsondata"})
    body = json.loads(last.content)
    series = body["dataSets"][0]["series"]
    assert sum(len(s["observations"]) for s in series.values()) == 4


async def test_sdmx_errors_follow_the_standard(indices: ServiceHarness) -> None:
    nothing = await indices.client.get("/sdmx/data/DF_MACRO/A.ATG.SL_UEM_TOTL_ZS")
    assert nothing.status_code == 404
    assert 'code="100"' in nothing.text
    syntax = await indices.client.get("/sdmx/data/DF_MACRO/A.CHL")
    assert syntax.status_code == 400
    unknown = await indices.client.get("/sdmx/codelist/SELA/CL_NOPE/latest")
    assert unknown.status_code == 404
    refused = await indices.client.get("/sdmx/data/DF_MACRO", headers={"Accept": "image/png"})
    assert refused.status_code == 406
    flows = await indices.client.get("/sdmx/dataflow/SELA/all/latest")
    assert flows.status_code == 200
    assert "DF_EXTERNAL_SECTOR" in flows.text
