"""Trade datasets and the introversion indices through the service's HTTP API."""

from __future__ import annotations

import io
from typing import Any

import polars as pl
import pytest

from sela_testing.support import ServiceHarness
from tests.indices.conftest import staff
from tests.indices.support import csv_bytes, macro_file, problem

# Exports among four countries: ARG and BRA in MERCOSUR, CHL and MEX outside it.
EXPORTS = {
    ("ARG", "BRA"): 30.0,
    ("ARG", "CHL"): 10.0,
    ("ARG", "MEX"): 10.0,
    ("BRA", "ARG"): 20.0,
    ("BRA", "CHL"): 20.0,
    ("BRA", "MEX"): 40.0,
    ("CHL", "ARG"): 5.0,
    ("CHL", "BRA"): 5.0,
    ("CHL", "MEX"): 10.0,
    ("MEX", "ARG"): 10.0,
    ("MEX", "BRA"): 10.0,
    ("MEX", "CHL"): 30.0,
}
ROWS: list[dict[str, Any]] = [
    {"reporter": a, "partner": b, "year": 2017, "value": v, "flow": "X"}
    for (a, b), v in EXPORTS.items()
]


async def load(harness: ServiceHarness, rows: list[dict[str, Any]], name: str = "test") -> Any:
    return await harness.client.post(
        "/trade/datasets",
        params={"name": name},
        files={"file": ("flows.csv", csv_bytes(rows))},
        headers=staff(),
    )


async def test_introversion_of_a_bloc_matches_the_hand_computation(indices: ServiceHarness) -> None:
    created = await load(indices, ROWS)
    assert created.status_code == 201, created.text
    assert created.json()["flows"] == "X"
    response = await indices.client.get(
        "/trade/introversion", params={"mechanism": "MERCOSUR", "flow": "exports"}
    )
    assert response.status_code == 200, response.text
    row = response.json()["items"][0]
    f_ii = 30 + 20
    f_i = 30 + 10 + 10 + 20 + 20 + 40
    f_oi = 5 + 5 + 10 + 10
    f_o = 5 + 5 + 10 + 10 + 10 + 30
    world = f_i + f_o
    share = f_ii / f_i
    hi = share / (f_oi / f_o)
    he = (1 - share) / (1 - f_oi / f_o)
    assert row["share"] == pytest.approx(share)
    assert row["intensity"] == pytest.approx(share / ((f_ii + f_oi) / world))
    assert row["hi"] == pytest.approx(hi)
    assert row["he"] == pytest.approx(he)
    assert row["rtii"] == pytest.approx((hi - he) / (hi + he))
    assert row["members"] == 4  # ARG, BRA, PRY, URY in 2017
    total = await indices.client.get(
        "/trade/introversion",
        params={"mechanism": "MERCOSUR", "flow": "total", "format": "csv"},
    )
    assert total.headers["content-type"].startswith("text/csv")
    frame = pl.read_csv(io.BytesIO(total.content))
    assert frame["bloc"].to_list() == ["MERCOSUR"]
    mirrored = await indices.client.get(
        "/trade/introversion", params={"mechanism": "MERCOSUR", "flow": "imports"}
    )
    assert mirrored.json()["mirrored"] is True


async def test_bilateral_intensity(indices: ServiceHarness) -> None:
    await load(indices, ROWS)
    response = await indices.client.get(
        "/trade/bilateral-intensity", params={"reporter": "ARG", "partner": "BRA"}
    )
    assert response.status_code == 200, response.text
    item = response.json()["items"][0]
    world = sum(EXPORTS.values())
    to_brazil = sum(v for (_, b), v in EXPORTS.items() if b == "BRA")
    assert item["intensity"] == pytest.approx((30 / 50) / (to_brazil / world))


async def test_bad_trade_files_are_rejected_whole(indices: ServiceHarness) -> None:
    bad = [*ROWS, {"reporter": "XXX", "partner": "ARG", "year": 2017, "value": 1.0, "flow": "X"}]
    body = problem(await load(indices, bad), 422)
    assert body["code"] == "file_rejected"
    assert body["rejected"][0]["column"] == "reporter"
    listed = (await indices.client.get("/trade/datasets")).json()
    assert all(d["name"] != "test" for d in listed)
    problem(
        await indices.client.get(
            "/trade/introversion", params={"mechanism": "NOPE", "dataset": 999}
        ),
        404,
    )


async def test_real_agtpa_panel(indices: ServiceHarness) -> None:
    path = (
        macro_file("pwt10.01.csv.gz").parent.parent
        / "trade"
        / "agtpa_applications_1986_2006.csv.gz"
    )
    if not path.exists():
        pytest.skip("../shared/data/trade is not on this machine")
    created = await indices.client.post(
        "/trade/datasets",
        params={"name": "agtpa"},
        files={"file": ("agtpa.csv.gz", path.read_bytes())},
        headers=staff(),
    )
    assert created.status_code == 201, created.text
    assert created.json()["domestic"] > 0
    response = await indices.client.get(
        "/trade/introversion", params={"mechanism": "MERCOSUR,ANDEAN", "start": 2000}
    )
    rows = response.json()["items"]
    assert {r["bloc"] for r in rows} == {"MERCOSUR", "ANDEAN"}
    assert all(-1 <= r["rtii"] <= 1 for r in rows if r["rtii"] is not None)
