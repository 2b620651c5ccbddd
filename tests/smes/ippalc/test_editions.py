"""The shipped 2019 edition scored with one complete answer set; a second edition as data."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from sela_smes.ippalc import framework
from sela_testing.support import ServiceHarness, identity_headers
from tests.smes.ippalc.support import (
    BASE,
    anonymous,
    create_assessment,
    ok,
    problem,
    publish_with,
    staff,
)

EDITION = framework.shipped_edition("2019")

# Every sub-dimension of 2019 has the same seven questions: p1 (core) and p2 in planning and
# design, i1 (core), i2 and the open o1 in implementation, m1 (core) and m2 in monitoring.
# Pattern "mixed": p1 yes, p2 general (0.5), i1 no, i2 most (0.75), m1 yes, m2 no:
#   planning       2 + 0.5  of 3 -> 1 + 4 * 2.5/3  = 13/3
#   implementation 0 + 0.75 of 3 -> 1 + 4 * 0.75/3 = 2
#   monitoring     2 + 0    of 3 -> 1 + 4 * 2/3    = 11/3
#   sub-dimension  (40*13/3 + 40*2 + 20*11/3) / 100 = 49/15
MIXED = {"p1": True, "p2": "general", "i1": False, "i2": "most", "m1": True, "m2": False}
BEST = {"p1": True, "p2": "targets", "i1": True, "i2": "full", "m1": True, "m2": True}
WORST = {"p1": False, "p2": "none", "i1": False, "i2": "not_started", "m1": False, "m2": False}
MIXED_BLOCKS = {"planning": 13 / 3, "implementation": 2.0, "monitoring": 11 / 3}


def _pattern(sub: str) -> dict[str, Any]:
    """Sub-dimension 1.1 and dimension 3 answer best, dimension 7 worst, the rest mixed."""
    if sub == "1.1" or sub.startswith("3."):
        return BEST
    if sub.startswith("7."):
        return WORST
    return MIXED


def answers_2019(edition: framework.Edition = EDITION) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for dim in edition.dimensions:
        for sub in dim.subdimensions:
            for q in sub.questions:
                suffix = q.code.rsplit(".", 1)[1]
                if q.kind == framework.QuestionKind.open:
                    values[q.code] = f"Measures of {sub.name}."
                else:
                    values[q.code] = _pattern(sub.code)[suffix]
    return values


# Dimension 1 = (5 + 3 * 49/15) / 4 = 37/10 (four equally weighted sub-dimensions);
# dimensions 2, 4, 5, 6 = 49/15; dimension 3 = 5; dimension 7 = 1.
EXPECTED_DIMS = {"1": 3.7, "2": 49 / 15, "3": 5.0, "4": 49 / 15, "5": 49 / 15, "6": 49 / 15,
                 "7": 1.0}  # fmt: skip
EXPECTED_OVERALL = 683 / 210  # (37/10 + 4 * 49/15 + 5 + 1) / 7


def test_the_2019_edition_has_the_seven_dimensions_of_the_method() -> None:
    assert [d.name for d in EDITION.dimensions] == [
        "Institutional framework",
        "Operational environment and simplification of procedures",
        "Access to finance",
        "SME development services and public procurement",
        "Innovation and technology",
        "Productive transformation",
        "Access to markets and internationalisation",
    ]
    assert [len(d.subdimensions) for d in EDITION.dimensions] == [4, 4, 4, 3, 3, 3, 5]
    assert [(b.code, b.weight) for b in EDITION.blocks] == [
        ("planning", 40), ("implementation", 40), ("monitoring", 20)
    ]  # fmt: skip
    assert len(EDITION.questions()) == 26 * 7


async def test_one_complete_answer_set_on_the_2019_edition(smes: ServiceHarness) -> None:
    client = smes.client
    editions = ok(await client.get(f"{BASE}/editions", headers=anonymous()))
    shipped = next(e for e in editions if e["code"] == "2019")
    assert shipped["dimensions"] == ["1", "2", "3", "4", "5", "6", "7"]
    assert (shipped["questions"], shipped["scored_questions"]) == (182, 156)

    assessment = await create_assessment(client, "2019", "PER", "2019-test")
    await publish_with(client, assessment, "PER", answers_2019())
    scores = ok(await client.get(f"{BASE}/assessments/{assessment}/scores", headers=anonymous()))
    assert scores["complete"]
    assert scores["overall"] == pytest.approx(EXPECTED_OVERALL)
    assert {d["code"]: d["score"] for d in scores["dimensions"]} == pytest.approx(EXPECTED_DIMS)
    for dim in scores["dimensions"]:
        for sub in dim["subdimensions"]:
            pattern = _pattern(sub["code"])
            blocks = {b["code"]: b["score"] for b in sub["blocks"]}
            if pattern is MIXED:
                assert blocks == pytest.approx(MIXED_BLOCKS), sub["code"]
                assert sub["score"] == pytest.approx(49 / 15), sub["code"]
            else:
                level = 5.0 if pattern is BEST else 1.0
                assert set(blocks.values()) == {level}, sub["code"]
                assert sub["score"] == level


def edition_2024() -> dict[str, Any]:
    """The 2019 structure plus an eighth dimension, digitalisation: new data, no new code."""
    data = copy.deepcopy(EDITION.model_dump(mode="json"))
    data["code"] = "2024"
    data["title"] = "IPPALC 2024 (test edition)"
    data["dimensions"].append(
        {
            "code": "8",
            "name": "Digitalisation",
            "subdimensions": [
                {
                    "code": "8.1",
                    "name": "Digital skills and adoption",
                    "questions": [
                        {"code": "8.1.p1", "block": "planning", "kind": "binary", "core": True,
                         "text": "Is there a digitalisation strategy for MSMEs?"},
                        {"code": "8.1.i1", "block": "implementation", "kind": "binary",
                         "text": "Are digital adoption programmes running?"},
                    ],
                },
                {
                    "code": "8.2",
                    "name": "Broadband and digital infrastructure",
                    "questions": [
                        {"code": "8.2.i1", "block": "implementation", "kind": "binary",
                         "text": "Do MSMEs have affordable broadband programmes?"},
                    ],
                },
            ],
        }
    )  # fmt: skip
    return data


async def test_a_second_edition_is_data_and_rounds_compare(smes: ServiceHarness) -> None:
    client = smes.client
    created = ok(await client.post(f"{BASE}/editions", json=edition_2024(), headers=staff()), 201)
    assert created["dimensions"] == ["1", "2", "3", "4", "5", "6", "7", "8"]
    again = problem(
        await client.post(f"{BASE}/editions", json=edition_2024(), headers=staff()), 409
    )
    assert again["errors"][0]["name"] == "body.code"
    full = ok(await client.get(f"{BASE}/editions/2024", headers=anonymous()))
    assert full["dimensions"][7]["name"] == "Digitalisation"

    edition = framework.Edition.model_validate(edition_2024())
    values = answers_2019(edition)
    # 8.1: planning 2 of 2 -> 5, implementation 0 of 1 -> 1: (40*5 + 40*1) / 80 = 3;
    # 8.2: implementation 1 of 1 -> 5.  Dimension 8 = (3 + 5) / 2 = 4.
    values.update({"8.1.p1": True, "8.1.i1": False, "8.2.i1": True})
    round_2019 = await create_assessment(client, "2019", "ECU", "r-2019")
    await publish_with(client, round_2019, "ECU", answers_2019())
    round_2024 = await create_assessment(client, "2024", "ECU", "r-2024")
    await publish_with(client, round_2024, "ECU", values)
    other_2019 = await create_assessment(client, "2019", "URY", "r-2019")
    await publish_with(
        client, other_2019, "URY", {**answers_2019(), **{f"3.{i}.p1": False for i in (1, 2, 3, 4)}}
    )

    over_rounds = ok(
        await client.get(
            f"{BASE}/results?round=r-2019&round=r-2024&country=ECU", headers=anonymous()
        )
    )
    assert over_rounds["rounds"] == ["r-2019", "r-2024"]
    assert [d["code"] for d in over_rounds["dimensions"]] == [str(i) for i in range(1, 9)]
    by_round = {r["round"]: r for r in over_rounds["results"]}
    assert "8" not in by_round["r-2019"]["dimensions"]
    assert by_round["r-2024"]["dimensions"]["8"] == pytest.approx(4.0)
    assert by_round["r-2024"]["subdimensions"]["8.1"] == pytest.approx(3.0)
    assert by_round["r-2024"]["overall"] == pytest.approx((EXPECTED_OVERALL * 7 + 4) / 8)
    assert by_round["r-2019"]["overall"] == pytest.approx(EXPECTED_OVERALL)

    # Between countries in one round, with the regional average. URY misses the core planning
    # question of each access-to-finance sub-dimension: planning 1 of 3 -> 1 + 4/3 = 7/3, so
    # each sub-dimension = (40*7/3 + 40*5 + 20*5) / 100 = 59/15, and so dimension 3.
    countries = ok(await client.get(f"{BASE}/results?round=r-2019", headers=anonymous()))
    scores = {r["country"]: r["dimensions"]["3"] for r in countries["results"]}
    assert scores == pytest.approx({"ECU": 5.0, "URY": 59 / 15})
    (average,) = countries["regional_averages"]
    assert average["countries"] == ["ECU", "URY"]
    assert average["dimensions"]["3"] == pytest.approx((5 + 59 / 15) / 2)
    assert average["dimensions"]["1"] == pytest.approx(3.7)

    png = await client.get(f"{BASE}/results/radar?round=r-2019&round=r-2024&country=ECU")
    assert png.status_code == 200, png.text
    assert png.headers["content-type"] == "image/png"
    assert png.content.startswith(b"\x89PNG")
    svg = await client.get(f"{BASE}/results/radar?round=r-2019&format=svg")
    assert svg.headers["content-type"].startswith("image/svg+xml")
    assert b"URY" in svg.content
    assert b"Average r-2019" in svg.content
    none = problem(await client.get(f"{BASE}/results/radar?round=nothing-here"), 422)
    assert none["code"] == "no_results"


async def test_published_results_loaded_as_data(smes: ServiceHarness) -> None:
    client = smes.client
    url = f"{BASE}/reported-results"
    regional: dict[str, Any] = {
        "edition": "2019",
        "round": "2019-report",
        "source": "OECD/CAF/SELA (2019), regional average of the seven countries",
        "dimensions": {"3": 3.77},
    }
    created = ok(await client.post(url, json=regional, headers=staff()), 201)
    assert created["country"] is None
    assert created["dimensions"] == {"3": 3.77}
    country = {**regional, "country": "chl", "dimensions": {"3": 4.1, "7": 3.2},
               "subdimensions": {"3.1": 4.5}, "overall": 3.9}  # fmt: skip
    ok(await client.post(url, json=country, headers=staff()), 201)

    again = problem(await client.post(url, json=regional, headers=staff()), 409)
    assert again["errors"][0]["name"] == "body.round"
    wrong = {**regional, "country": "XXX"}
    assert (
        problem(await client.post(url, json=wrong, headers=staff()), 422)["errors"][0]["name"]
        == "body.country"
    )
    wrong = {**regional, "country": "URY", "dimensions": {"9": 3.0, "3": 5.5},
             "subdimensions": {"3.9": 2.0}, "overall": 0.5}  # fmt: skip
    bad = problem(await client.post(url, json=wrong, headers=staff()), 422)
    assert sorted(e["name"] for e in bad["errors"]) == [
        "body.dimensions.3", "body.dimensions.9", "body.overall", "body.subdimensions.3.9"
    ]  # fmt: skip
    empty = {**regional, "country": "URY", "dimensions": {}}
    assert (
        problem(await client.post(url, json=empty, headers=staff()), 422)["errors"][0]["name"]
        == "body.dimensions"
    )
    focal = identity_headers("focal_point", country="URY")
    problem(await client.post(url, json={**regional, "country": "URY"}, headers=focal), 403)

    results = ok(await client.get(f"{BASE}/results?round=2019-report", headers=anonymous()))
    assert results["rounds"] == ["2019-report"]
    assert results["results"] == []
    assert [(r["country"], r["dimensions"].get("3")) for r in results["reported"]] == [
        (None, 3.77), ("CHL", 4.1)
    ]  # fmt: skip
    # A country filter keeps the regional figures beside the country's.
    only = ok(await client.get(f"{BASE}/results?round=2019-report&country=MEX"))
    assert [r["country"] for r in only["reported"]] == [None]
    svg = await client.get(f"{BASE}/results/radar?round=2019-report&format=svg")
    assert svg.status_code == 200, svg.text
    assert b"Region 2019-report (reported)" in svg.content
