"""The catalogue and the reference data, through the service's HTTP API."""

from __future__ import annotations

from typing import Any

import pytest

from sela_testing.support import ServiceHarness
from tests.indices.conftest import anonymous, staff
from tests.indices.support import problem

NEW_INDICATOR = {
    "code": "TEST.CO2",
    "names": {
        "en": "Carbon dioxide emissions per person",
        "es": "Emisiones de dióxido de carbono por habitante",
        "pt": "Emissões de dióxido de carbono por habitante",
        "fr": "Émissions de dioxyde de carbone par habitant",
    },
    "descriptions": {"en": "Tonnes of CO2 per inhabitant"},
    "unit": "t per person",
    "source": "Test source",
    "group": "environment",
    "direction": -1,
    "aggregation": {"rule": "weighted_mean", "weight": ["SP.POP.TOTL"]},
}


@pytest.mark.parametrize(
    ("query", "lang", "expected"),
    [
        ("poblacion", "es", "SP.POP.TOTL"),  # accent left out by the user
        ("Población total", "es", "SP.POP.TOTL"),
        ("população", "pt", "SP.POP.TOTL"),
        ("chomage", "fr", "SL.UEM.TOTL.ZS"),
        ("unemployment", "en", "SL.UEM.TOTL.ZS"),
        ("reservas", "es", "FI.RES.TOTL.CD"),
        ("inflac", "es", "FP.CPI.TOTL.ZG"),  # prefix while typing
        ("FP.CPI", "en", "FP.CPI.TOTL.ZG"),
    ],
)
async def test_search_in_four_languages_ignores_accents(
    indices: ServiceHarness, query: str, lang: str, expected: str
) -> None:
    response = await indices.client.get("/indicators", params={"q": query, "lang": lang})
    assert response.status_code == 200, response.text
    codes = [item["code"] for item in response.json()["items"]]
    assert expected in codes[:3], codes
    first = next(i for i in response.json()["items"] if i["code"] == expected)
    assert first["name"] == first["names"].get(lang, first["names"]["en"])


async def test_catalogue_pages_and_filters_by_group(indices: ServiceHarness) -> None:
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, str | int] = {"group": "external_sector", "limit": 3}
        if cursor:
            params["cursor"] = cursor
        body = (await indices.client.get("/indicators", params=params)).json()
        seen += [item["code"] for item in body["items"]]
        assert all(item["group"] == "external_sector" for item in body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(seen)
    assert len(seen) == len(set(seen)) >= 7
    groups = {
        g["code"]: g["indicators"] for g in (await indices.client.get("/indicator-groups")).json()
    }
    assert groups["external_sector"] == len(seen)


async def test_staff_create_edit_and_delete_an_indicator(indices: ServiceHarness) -> None:
    client = indices.client
    problem(await client.post("/indicators", json=NEW_INDICATOR, headers=anonymous()), 401)
    created = await client.post("/indicators", json=NEW_INDICATOR, headers=staff())
    assert created.status_code == 201, created.text
    problem(await client.post("/indicators", json=NEW_INDICATOR, headers=staff()), 409)
    found = (await client.get("/indicators", params={"q": "dioxido carbono", "lang": "es"})).json()
    assert found["items"][0]["code"] == "TEST.CO2"
    patched = await client.patch(
        "/indicators/TEST.CO2", json={"unit": "tonnes per person"}, headers=staff()
    )
    assert patched.json()["unit"] == "tonnes per person"
    one = (await client.get("/indicators/TEST.CO2")).json()
    assert one["coverage"]["observations"] == 0
    assert (await client.delete("/indicators/TEST.CO2", headers=staff())).status_code == 204
    problem(await client.get("/indicators/TEST.CO2"), 404)


async def test_invalid_indicator_definitions_are_422_naming_the_field(
    indices: ServiceHarness,
) -> None:
    bad = {**NEW_INDICATOR, "group": "weather", "names": {"xx": "?"}}
    body = problem(await indices.client.post("/indicators", json=bad, headers=staff()), 422)
    names = {e["name"] for e in body["errors"]}
    assert "body.group" in names
    assert "body.names" in names
    ratio = {**NEW_INDICATOR, "aggregation": {"rule": "ratio", "numerator": ["A"]}}
    problem(await indices.client.post("/indicators", json=ratio, headers=staff()), 422)


async def test_areas_and_mechanism_membership_by_period(indices: ServiceHarness) -> None:
    client = indices.client
    areas = (await client.get("/areas", params={"kind": "country"})).json()
    assert len(areas) > 240
    assert {"code": "URY", "m49": "858"}.items() <= next(
        a for a in areas if a["code"] == "URY"
    ).items()

    async def members(code: str, day: str) -> list[str]:
        response = await client.get(f"/mechanisms/{code}", params={"date": day})
        assert response.status_code == 200, response.text
        result: list[str] = response.json()["members"]
        return result

    assert await members("MERCOSUR", "2015-06-30") == ["ARG", "BRA", "PRY", "URY", "VEN"]
    assert await members("MERCOSUR", "2017-06-30") == ["ARG", "BRA", "PRY", "URY"]
    assert await members("MERCOSUR", "2013-01-01") == ["ARG", "BRA", "URY", "VEN"]
    assert "BOL" in await members("mercosur", "2024-12-31")
    assert "VEN" in await members("ANDEAN", "2005-06-30")
    assert "VEN" not in await members("ANDEAN", "2007-06-30")
    assert len(await members("CARICOM", "2019-06-30")) == 15
    problem(await client.get("/mechanisms/NOPE"), 404)
    editions = (await client.get("/mechanism-editions")).json()
    assert editions[0]["current"] is True


async def test_a_new_membership_edition_becomes_current(indices: ServiceHarness) -> None:
    edition: dict[str, Any] = {
        "edition": "2099-01",
        "description": "test edition",
        "mechanisms": [
            {
                "code": "PA",
                "names": {"en": "Pacific Alliance"},
                "subregional": True,
                "members": [
                    {"country": "CHL", "start": "2012-06-06"},
                    {"country": "CRI", "start": "2030-01-01"},
                ],
            }
        ],
    }
    problem(await indices.client.post("/mechanism-editions", json=edition), 403)
    created = await indices.client.post("/mechanism-editions", json=edition, headers=staff())
    assert created.status_code == 201, created.text
    pa = (await indices.client.get("/mechanisms/PA", params={"date": "2031-01-01"})).json()
    assert pa["edition"] == "2099-01"
    assert pa["members"] == ["CHL", "CRI"]
    problem(await indices.client.post("/mechanism-editions", json=edition, headers=staff()), 409)
    wrong: dict[str, Any] = {**edition, "edition": "2099-02"}
    wrong["mechanisms"] = [
        {
            "code": "PA",
            "names": {"en": "Pacific Alliance"},
            "members": [{"country": "ZZZ", "start": "2012-01-01"}],
        }
    ]
    body = problem(
        await indices.client.post("/mechanism-editions", json=wrong, headers=staff()), 422
    )
    assert body["errors"][0]["pointer"] == "/mechanisms/0/members/0/country"
