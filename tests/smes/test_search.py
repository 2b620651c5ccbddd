"""Directory search: full text without accents in three languages, facets, sorting, cursors."""

from __future__ import annotations

from typing import Any

import httpx

from sela_testing.support import ServiceHarness
from tests.smes.support import create, error_names, ok, problem, staff


async def _listings(client: httpx.AsyncClient) -> dict[str, str]:
    specs: list[tuple[str, dict[str, Any]]] = [
        ("Café Ñandú S.A.", {"country": "ARG", "isic": "10", "products": ["0901"],
                             "export_markets": ["USA", "CHN"], "employees": 12,
                             "annual_sales_usd": 400_000,
                             "description": "Tostadores de café orgánico"}),
        ("Confecções Açaí Ltda.", {"country": "BRA", "isic": "14", "products": ["6109", "5208"],
                                   "export_markets": ["USA"], "employees": 40,
                                   "annual_sales_usd": 900_000,
                                   "description": "Confecções de algodão e camisetas"}),
        ("Andean Coffee Growers Ltd.", {"country": "PER", "isic": "01", "products": ["0901"],
                                        "export_markets": ["DEU"], "employees": 5,
                                        "annual_sales_usd": 100_000,
                                        "description": "Specialty coffee growers"}),
        ("Muebles del Pacífico", {"country": "CHL", "isic": "31", "products": ["9403"],
                                  "export_markets": [], "employees": 80,
                                  "annual_sales_usd": 3_000_000,
                                  "description": "Muebles de madera certificada"}),
        ("Cafetalera Hidden", {"country": "COL", "isic": "01", "products": ["0901"],
                               "consent_listed": False, "employees": 3,
                               "annual_sales_usd": 50_000}),
    ]  # fmt: skip
    ids = {}
    for n, (name, extra) in enumerate(specs):
        body = {"legal_name": name, "trade_name": None, "target_markets": [], **extra}
        ids[name] = (await create(client, f"S-{n}", **body))["id"]
    return ids


def _names(page: dict[str, Any]) -> list[str]:
    return [i["legal_name"] for i in page["items"]]


async def test_full_text_facets_sorting_and_cursors(smes: ServiceHarness) -> None:
    client = smes.client
    ids = await _listings(client)

    # No accents typed, any of the three languages, prefix of the last word.
    cafe = await ok(await client.get("/enterprises", params={"q": "cafe"}))
    assert _names(cafe) == ["Café Ñandú S.A."]  # "Cafetalera Hidden" is not listed
    assert _names(await ok(await client.get("/enterprises", params={"q": "nandu"}))) == [
        "Café Ñandú S.A."
    ]
    assert _names(await ok(await client.get("/enterprises", params={"q": "confeccoes"}))) == [
        "Confecções Açaí Ltda."
    ]
    coffee = await ok(await client.get("/enterprises", params={"q": "coffee grow"}))
    assert _names(coffee) == ["Andean Coffee Growers Ltd."]
    assert (await ok(await client.get("/enterprises", params={"q": "hidden"})))["total"] == 0

    # Facets count the whole result, with every filter applied.
    everything = await ok(await client.get("/enterprises", params={"limit": 2}))
    assert everything["total"] == 4
    facets = everything["facets"]
    assert {f["value"]: f["count"] for f in facets["exports_to"]} == {
        "USA": 2,
        "CHN": 1,
        "DEU": 1,
    }
    assert {f["value"]: f["count"] for f in facets["product"]}["09"] == 2
    sectors = {f["value"]: f for f in facets["sector"]}
    assert (
        sectors["01"]["label"]
        == "Crop and animal production, hunting and related service activities"
    )
    assert {f["value"] for f in facets["country"]} == {"ARG", "BRA", "PER", "CHL"}
    filtered = await ok(
        await client.get("/enterprises", params={"product": "0901", "exports_to": "USA,DEU"})
    )
    assert set(_names(filtered)) == {"Café Ñandú S.A.", "Andean Coffee Growers Ltd."}
    assert filtered["facets"]["size"] == [{"value": "micro", "label": "micro", "count": 2}]
    by_chapter = await ok(await client.get("/enterprises", params={"product": "61"}))
    assert _names(by_chapter) == ["Confecções Açaí Ltda."]
    assert (await ok(await client.get("/enterprises", params={"size": "medium"})))["total"] == 1

    # Sorting and cursor pagination: every listing once, in order.
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"sort": "name", "limit": 1, "facets": "false"}
        if cursor:
            params["cursor"] = cursor
        page = await ok(await client.get("/enterprises", params=params))
        assert page["facets"] is None
        seen += _names(page)
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == [
        "Andean Coffee Growers Ltd.",
        "Café Ñandú S.A.",
        "Confecções Açaí Ltda.",
        "Muebles del Pacífico",
    ]
    by_staff = await ok(await client.get("/enterprises", params={"sort": "-employees"}))
    assert _names(by_staff)[0] == "Muebles del Pacífico"
    first = await ok(await client.get("/enterprises", params={"sort": "-employees", "limit": 2}))
    rest = await ok(
        await client.get(
            "/enterprises",
            params={"sort": "-employees", "limit": 2, "cursor": first["next_cursor"]},
        )
    )
    assert _names(first) + _names(rest) == _names(by_staff)
    # Relevance pages too: "cafe" in the name (weight A) ranks above it in the description.
    ranked = await ok(await client.get("/enterprises", params={"q": "cafe OR coffee", "limit": 1}))
    following = await ok(
        await client.get(
            "/enterprises",
            params={"q": "cafe OR coffee", "limit": 5, "cursor": ranked["next_cursor"]},
        )
    )
    assert sorted(_names(ranked) + _names(following)) == [
        "Andean Coffee Growers Ltd.",
        "Café Ñandú S.A.",
    ]

    # Unlisted ones only for staff, on request.
    problem(await client.get("/enterprises", params={"include_unlisted": "true"}), 403)
    all_of_them = await ok(
        await client.get("/enterprises", params={"include_unlisted": "true"}, headers=staff())
    )
    assert ids["Cafetalera Hidden"] in {i["id"] for i in all_of_them["items"]}


async def test_bad_filters_and_cursors_are_named(smes: ServiceHarness) -> None:
    client = smes.client
    bad = problem(
        await client.get(
            "/enterprises",
            params={"country": "CHL,XXX", "sector": "04", "product": "7701", "size": "huge"},
        ),
        422,
    )
    assert error_names(bad) == ["query.country", "query.sector", "query.size", "query.product"]
    cursor = problem(await client.get("/enterprises", params={"cursor": "garbage"}), 422)
    assert cursor["code"] == "invalid_cursor"
    sort = problem(await client.get("/enterprises", params={"sort": "price"}), 422)
    # A cursor of one sort used with another is refused, not misread.
    for n in range(3):
        await create(client, f"K-{n}", legal_name=f"Listing {n}")
    by_name = await ok(await client.get("/enterprises", params={"sort": "name", "limit": 1}))
    other = problem(
        await client.get(
            "/enterprises",
            params={"sort": "-employees", "limit": 1, "cursor": by_name["next_cursor"]},
        ),
        422,
    )
    assert other["code"] == "invalid_cursor"
    assert error_names(sort) == ["query.sort"]
