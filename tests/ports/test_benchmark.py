"""KPI submissions, call records, CPPI, rounds with their event, surveys and censuses."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select, text

from sela_ports.benchmark.models import CallRecord, KpiValue
from sela_testing.support import ServiceHarness
from tests.ports.support import anonymous, error_names, member, ok, problem, small_network, staff


async def _count(ports: ServiceHarness, model: type[KpiValue] | type[CallRecord]) -> int:
    assert ports.connection is not None
    return int(await ports.connection.scalar(select(func.count()).select_from(model)) or 0)


def item(
    kpi: str, value: float, unit: str, start: str = "2018-01-01", end: str = "2018-12-31"
) -> dict[str, Any]:
    return {"kpi_code": kpi, "period_start": start, "period_end": end, "value": value, "unit": unit}


async def test_kpi_submissions_are_validated_whole_and_revised_by_vintage(
    ports: ServiceHarness,
) -> None:
    client = ports.client
    await small_network(client)
    catalogue = await ok(await client.get("/benchmark/kpis", headers=anonymous()))
    assert {"ship_turnaround", "berth_occupancy", "teu_per_hectare"} <= {
        k["code"] for k in catalogue
    }
    before = await _count(ports, KpiValue)
    # One bad item spoils the batch; every bad item is named.
    bad = problem(
        await client.post(
            "/benchmark/kpi-values",
            json={"port": "ZAAAA", "items": [
                item("ship_turnaround", 30, "h"),
                item("berth_occupancy", 0.7, "ratio"),
                item("berth_occupancy", 170, "%", "2017-01-01", "2017-12-31"),
                item("no_such_kpi", 1, "h"),
            ]},
            headers=member("ana"),
        ),
        422,
    )  # fmt: skip
    assert error_names(bad) == [
        "body.items.1.unit",
        "body.items.2.value",
        "body.items.3.kpi_code",
    ]
    assert await _count(ports, KpiValue) == before
    # Minutes are converted to the catalogue's hours.
    stored = await ok(
        await client.post(
            "/benchmark/kpi-values",
            json={"port": "ZAAAA", "items": [item("ship_turnaround", 1800, "min"),
                                             item("berth_occupancy", 65, "%")]},
            headers=member("ana"),
        ),
        201,
    )  # fmt: skip
    assert stored[0]["value"] == pytest.approx(30)
    assert stored[0]["unit"] == "h"
    # Ana belongs to ZAAAA's community, not ZBCCC's.
    problem(
        await client.post(
            "/benchmark/kpi-values",
            json={"port": "ZBCCC", "items": [item("ship_turnaround", 30, "h")]},
            headers=member("ana"),
        ),
        403,
    )
    duplicate = problem(
        await client.post(
            "/benchmark/kpi-values",
            json={"port": "ZAAAA", "items": [item("ship_turnaround", 31, "h")]},
            headers=member("ana"),
        ),
        409,
    )
    assert duplicate["code"] == "duplicate_kpi_value"
    overlap = problem(
        await client.post(
            "/benchmark/kpi-values",
            json={
                "port": "ZAAAA",
                "items": [item("ship_turnaround", 31, "h", "2018-06-01", "2019-05-31")],
            },
            headers=member("ana"),
        ),
        422,
    )  # fmt: skip
    assert error_names(overlap) == ["body.items.0.period_start"]
    backwards = problem(
        await client.post(
            "/benchmark/kpi-values",
            json={
                "port": "ZAAAA",
                "items": [item("ship_turnaround", 31, "h", "2019-06-01", "2019-05-31")],
            },
            headers=member("ana"),
        ),
        422,
    )  # fmt: skip
    assert error_names(backwards) == ["body.items.0"]

    revised = await ok(
        await client.post(
            "/benchmark/kpi-values/revisions",
            json={"port": "ZAAAA", **item("ship_turnaround", 28.5, "h")},
            headers=staff(),
        ),
        201,
    )
    assert revised["vintage"] == 2
    latest = await ok(
        await client.get(
            "/benchmark/kpi-values", params={"port": "ZAAAA", "kpi": "ship_turnaround"}
        )
    )
    assert [(v["value"], v["vintage"]) for v in latest] == [(28.5, 2)]
    everything = await ok(
        await client.get(
            "/benchmark/kpi-values",
            params={"port": "ZAAAA", "kpi": "ship_turnaround", "all_vintages": True},
        )
    )
    assert [(v["value"], v["vintage"]) for v in everything] == [(30, 1), (28.5, 2)]
    nothing = problem(
        await client.post(
            "/benchmark/kpi-values/revisions",
            json={
                "port": "ZAAAA",
                **item("ship_turnaround", 28.5, "h", "2016-01-01", "2016-12-31"),
            },
            headers=staff(),
        ),
        422,
    )  # fmt: skip
    assert error_names(nothing) == ["body.period_start"]


def call(
    day: int, arrival: str, all_fast: str, last_line: str, departure: str, **extra: Any
) -> dict[str, Any]:
    def at(clock: str) -> str:
        d, hm = (day, clock) if "+" not in clock else (day + 1, clock[1:])
        return f"2019-03-{d:02d}T{hm}:00Z"

    return {
        "vessel_id": extra.pop("vessel_id", "IMO1"),
        "vessel_teu": extra.pop("vessel_teu", 4000),
        "arrival": at(arrival),
        "all_fast": at(all_fast),
        "last_line": at(last_line),
        "departure": at(departure),
        "moves": extra.pop("moves", 500),
        **extra,
    }


async def test_call_records_derive_kpis_and_the_port_hours_index(ports: ServiceHarness) -> None:
    client = ports.client
    await small_network(client)
    before = await _count(ports, CallRecord)
    wrong = problem(
        await client.post(
            "/benchmark/calls",
            json={"port": "ZAAAA", "calls": [
                call(1, "00:00", "02:00", "12:00", "13:00"),
                call(2, "10:00", "12:00", "20:00", "09:00", vessel_id="IMO2"),
            ]},
            headers=member("ana"),
        ),
        422,
    )  # fmt: skip
    assert error_names(wrong) == ["body.calls.1.departure"]
    assert await _count(ports, CallRecord) == before
    calls = [
        call(1, "00:00", "02:00", "12:00", "13:00", crane_hours=20),
        call(2, "00:00", "04:00", "20:00", "22:00", vessel_id="IMO2", moves=800),
    ]
    await ok(
        await client.post(
            "/benchmark/calls", json={"port": "ZAAAA", "calls": calls}, headers=member("ana")
        ),
        201,
    )
    again = problem(
        await client.post(
            "/benchmark/calls", json={"port": "ZAAAA", "calls": calls[:1]}, headers=member("ana")
        ),
        409,
    )
    assert again["code"] == "duplicate_call_record"
    derived = await ok(
        await client.get(
            "/benchmark/ports/ZAAAA/derived-kpis",
            params={"start": "2019-03-01", "end": "2019-03-31"},
        )
    )
    values = {k["kpi_code"]: k["value"] for k in derived["kpis"]}
    # Turnaround (13 + 22) / 2, waiting (2 + 4) / 2, berth (10 + 16) / 2 hours;
    # berth productivity 1300 moves / 26 h; crane productivity 500 moves / 20 crane hours.
    assert values == pytest.approx(
        {"ship_turnaround": 17.5, "waiting_time": 3, "berth_time": 13,
         "berth_productivity": 50, "gross_crane_productivity": 25}
    )  # fmt: skip
    await ok(
        await client.post(
            "/benchmark/calls",
            json={"port": "ZBCCC", "calls": [call(3, "00:00", "01:00", "10:00", "11:00")]},
            headers=member("ben"),
        ),
        201,
    )
    index = await ok(
        await client.get("/benchmark/cppi", params={"start": "2019-03-01", "end": "2019-03-31"})
    )
    # Cell (1501-5000 TEU, 250-500 moves) holds the 13 h and the 11 h call: average 12 h.
    # ZAAAA's 800-move call is alone in its cell (0 points); its two calls weigh one half each.
    points = {p["port"]: p["index"] for p in index["ports"]}
    assert points == pytest.approx({"ZBCCC": 1 / 12, "ZAAAA": 0.5 * (12 - 13) / 12})
    assert [p["rank"] for p in index["ports"]] == [1, 2]
    problem(
        await client.get("/benchmark/cppi", params={"start": "2019-03-31", "end": "2019-03-01"}),
        422,
    )


async def test_round_ranks_with_ties_and_publishes_once_with_its_event(
    ports: ServiceHarness,
) -> None:
    client = ports.client
    await small_network(client)
    for port, who, turnaround, teu in (
        ("ZAAAA", "ana", 20, 3_000_000),
        ("ZBCCC", "ben", 20, 400_000),
    ):
        await ok(
            await client.post(
                "/benchmark/kpi-values",
                json={"port": port, "items": [item("ship_turnaround", turnaround, "h"),
                                              item("container_throughput", teu, "TEU")]},
                headers=member(who),
            ),
            201,
        )  # fmt: skip
    await ok(
        await client.post(
            "/benchmark/kpi-values",
            json={"port": "ZABBB", "items": [item("ship_turnaround", 40, "h")]},
            headers=staff(),
        ),
        201,
    )
    body = {
        "code": "r2018",
        "title": "Benchmark 2018",
        "year": 2018,
        "period_start": "2018-01-01",
        "period_end": "2018-12-31",
        "weights": {"ship_turnaround": 1},
    }
    problem(await client.post("/benchmark/rounds", json=body, headers=member("ana")), 403)
    unknown = problem(
        await client.post(
            "/benchmark/rounds", json={**body, "weights": {"nope": 1}}, headers=staff()
        ),
        422,
    )
    assert error_names(unknown) == ["body.weights.nope"]
    draft = await ok(await client.post("/benchmark/rounds", json=body, headers=staff()), 201)
    ranks = {r["port"]: (r["rank"], r["composite"], r["peer_group"]) for r in draft["results"]}
    # Lower turnaround is better; the two 20 h ports tie at rank 1, the 40 h port is 3rd.
    assert ranks == {
        "ZAAAA": (1, 1.0, ">2.5M TEU"),
        "ZBCCC": (1, 1.0, "<0.5M TEU"),
        "ZABBB": (3, 0.0, "unknown size"),
    }
    published = await ok(await client.post("/benchmark/rounds/r2018/publish", headers=staff()))
    assert published["status"] == "published"
    problem(await client.post("/benchmark/rounds/r2018/publish", headers=staff()), 409)
    assert ports.connection is not None
    events = (
        await ports.connection.execute(
            text("SELECT payload FROM outbox WHERE subject = 'ports.benchmark.published'")
        )
    ).all()
    assert len(events) == 1
    payload = events[0][0]
    assert payload["year"] == 2018
    assert sorted(payload["port_systems"]) == ["ZAAAA", "ZABBB", "ZBCCC"]
    assert payload["indicators"] == ["ship_turnaround"]

    # A later value does not move the published round; the next round shows the change.
    await ok(
        await client.post(
            "/benchmark/kpi-values",
            json={
                "port": "ZABBB",
                "items": [item("ship_turnaround", 10, "h", "2019-01-01", "2019-12-31")],
            },
            headers=staff(),
        ),
        201,
    )  # fmt: skip
    assert (await ok(await client.get("/benchmark/rounds/r2018")))["results"] == published[
        "results"
    ]
    later = await ok(
        await client.post(
            "/benchmark/rounds",
            json={**body, "code": "r2019", "year": 2019, "period_start": "2019-01-01",
                  "period_end": "2019-12-31"},
            headers=staff(),
        ),
        201,
    )  # fmt: skip
    assert later["previous_round"] == "r2018"
    assert later["results"][0]["port"] == "ZABBB"
    assert later["results"][0]["rank_change"] == 2
    # DEA on the round's data: turnaround as input, throughput as output, two ports complete.
    efficiency = await ok(
        await client.post(
            "/benchmark/rounds/r2018/dea",
            json={"inputs": ["ship_turnaround"], "outputs": ["container_throughput"]},
        )
    )
    scores = {d["name"]: d["efficiency"] for d in efficiency["dmus"]}
    assert scores == pytest.approx({"ZAAAA": 1.0, "ZBCCC": 400_000 / 3_000_000})
    few = problem(
        await client.post(
            "/benchmark/rounds/r2018/dea",
            json={"inputs": ["berth_occupancy"], "outputs": ["container_throughput"]},
        ),
        422,
    )
    assert error_names(few) == ["body.inputs"]
    trend = await ok(
        await client.get("/benchmark/ports/ZABBB/trend", params={"kpi": "ship_turnaround"})
    )
    assert trend["change_last"] == pytest.approx(-0.75)
    assert trend["slope_per_year"] < 0


async def test_surveys_aggregate_by_pillar_with_confidence_intervals(ports: ServiceHarness) -> None:
    client = ports.client
    await small_network(client)
    await ok(
        await client.post(
            "/benchmark/surveys",
            json={"code": "comp-2019", "title": "Competitiveness 2019", "questions": [
                {"code": "q1", "pillar": "infrastructure", "text": "Berths suffice"},
                {"code": "q2", "pillar": "infrastructure", "text": "Roads suffice"},
                {"code": "q3", "pillar": "technology", "text": "The PCS works"},
            ]},
            headers=staff(),
        ),
        201,
    )  # fmt: skip
    for answers in ({"q1": 4, "q2": 2, "q3": 5}, {"q1": 5, "q2": 5, "q3": 4}, {"q1": 1, "q2": 3}):
        await ok(
            await client.post(
                "/benchmark/surveys/comp-2019/responses",
                json={"port": "ZAAAA", "answers": answers},
                headers=member("ana"),
            ),
            201,
        )
    bad = problem(
        await client.post(
            "/benchmark/surveys/comp-2019/responses",
            json={"answers": {"q1": 6, "q9": 3}},
            headers=member("ana"),
        ),
        422,
    )
    assert error_names(bad) == ["body.answers.q1", "body.answers.q9"]
    problem(
        await client.post(
            "/benchmark/surveys/comp-2019/responses",
            json={"answers": {"q1": 3}},
            headers=anonymous(),
        ),
        401,
    )
    results = await ok(await client.get("/benchmark/surveys/comp-2019/results"))
    pillars = {p["pillar"]: p for p in results["pillars"]}
    infra = pillars["infrastructure"]
    # Respondent means 3, 5, 2: mean 10/3, sd sqrt(7/3), t(0.975, 2) = 4.302653.
    assert (infra["responses"], infra["answers"]) == (3, 6)
    assert infra["mean"] == pytest.approx(10 / 3)
    half = 4.302652729911275 * (7 / 3) ** 0.5 / 3**0.5
    assert infra["ci_low"] == pytest.approx(10 / 3 - half)
    assert infra["ci_high"] == pytest.approx(10 / 3 + half)
    assert pillars["technology"]["responses"] == 2


async def test_land_interface_census_medians_and_p90(ports: ServiceHarness) -> None:
    client = ports.client
    await small_network(client)
    census = await ok(
        await client.post(
            "/benchmark/censuses",
            json={"port": "ZAAAA", "title": "Gate census March 2019",
                  "starts_at": "2019-03-01T00:00:00Z", "ends_at": "2019-03-08T00:00:00Z"},
            headers=member("ana"),
        ),
        201,
    )  # fmt: skip
    visits = [
        {"queue_arrival": f"2019-03-02T08:{q:02d}:00Z", "gate_in": "2019-03-02T09:00:00Z",
         "gate_out": f"2019-03-02T{9 + t // 60:02d}:{t % 60:02d}:00Z",
         "containers_in": 1, "containers_out": 1}
        for q, t in ((50, 30), (40, 40), (30, 50), (20, 60), (0, 100))
    ]  # fmt: skip
    url = f"/benchmark/censuses/{census['id']}"
    wrong = problem(
        await client.post(
            f"{url}/visits",
            json={"visits": [{**visits[0], "gate_out": "2019-03-02T08:00:00Z"}]},
            headers=member("ana"),
        ),
        422,
    )
    assert error_names(wrong) == ["body.visits.0.gate_out"]
    problem(await client.post(f"{url}/visits", json={"visits": visits}, headers=member("ben")), 403)
    await ok(
        await client.post(f"{url}/visits", json={"visits": visits}, headers=member("ana")), 201
    )
    summary = await ok(await client.get(f"{url}/summary"))
    # Turnarounds 30, 40, 50, 60, 100 min; queues 10, 20, 30, 40, 60 min (linear percentiles).
    assert summary["truck_visits"] == 5
    assert summary["container_movements"] == 10
    assert summary["turnaround_minutes_median"] == pytest.approx(50)
    assert summary["turnaround_minutes_p90"] == pytest.approx(84)
    assert summary["queue_minutes_median"] == pytest.approx(30)
    assert summary["queue_minutes_p90"] == pytest.approx(52)


async def test_dea_endpoint_names_bad_rows(ports: ServiceHarness) -> None:
    client = ports.client
    dmus = [{"name": n, "inputs": [x], "outputs": [y]} for n, x, y in
            (("A", 2, 1), ("B", 3, 3), ("C", 3, 2), ("D", 4, 3))]  # fmt: skip
    result = await ok(
        await client.post("/benchmark/dea", json={"dmus": dmus, "super_efficiency": True})
    )
    assert [d["efficiency"] for d in result["dmus"]] == pytest.approx([0.5, 1, 2 / 3, 0.75])
    assert result["dmus"][0]["peers"] == pytest.approx({"B": 1 / 3})
    bad = problem(
        await client.post(
            "/benchmark/dea",
            json={"dmus": [*dmus, {"name": "E", "inputs": [0, 1], "outputs": [1]}]},
        ),
        422,
    )
    assert error_names(bad) == ["body.dmus.4.inputs", "body.dmus.4.inputs"]
