"""Partner matching without the indices service: value chains, sector, markets, explained."""

from __future__ import annotations

import pytest

from sela_testing.support import ServiceHarness
from tests.smes.support import create, ok, problem, staff


async def test_matches_are_ranked_and_explained(smes: ServiceHarness) -> None:
    client = smes.client
    common: dict[str, list[str]] = {"target_markets": [], "export_markets": [], "contacts": []}
    fabric = await create(
        client, "M-1", **{**common, "legal_name": "Tejidos del Sur", "isic": "13",
                          "products": ["5208"], "export_markets": ["USA"],
                          "target_markets": ["IND"]},
    )  # fmt: skip
    apparel = await create(
        client, "M-2", **{**common, "legal_name": "Confecciones Lima", "country": "PER",
                          "isic": "14", "products": ["6204"], "target_markets": ["USA"]},
    )  # fmt: skip
    weaver = await create(
        client, "M-3", **{**common, "legal_name": "Textil Pampa", "country": "ARG",
                          "isic": "13", "products": ["5509"]},
    )  # fmt: skip
    trader = await create(
        client, "M-4", **{**common, "legal_name": "Software Maya", "country": "MEX",
                          "isic": "62", "products": [], "export_markets": ["IND"]},
    )  # fmt: skip
    await create(
        client, "M-5", **{**common, "legal_name": "Unrelated", "isic": "62", "products": []}
    )
    hidden = await create(
        client, "M-6", **{**common, "legal_name": "Hidden Apparel", "country": "COL",
                          "isic": "14", "products": ["6204"], "consent_listed": False},
    )  # fmt: skip

    found = await ok(await client.get(f"/enterprises/{fabric['id']}/partners"))
    assert found["proximity_source"].startswith("unavailable")
    by_id = {m["enterprise"]["id"]: m for m in found["matches"]}
    assert set(by_id) == {apparel["id"], weaver["id"], trader["id"]}
    assert hidden["id"] not in by_id
    first = found["matches"][0]
    assert first["enterprise"]["id"] == apparel["id"]
    kinds = {r["kind"]: r for r in first["reasons"]}
    assert set(kinds) == {"value_chain", "markets"}
    assert "supplies: HS 52 (Cotton) → HS 62" in kinds["value_chain"]["detail"]
    assert "exports to USA, which the partner seeks" in kinds["markets"]["detail"]
    assert first["score"] == pytest.approx(
        kinds["value_chain"]["score"] + kinds["markets"]["score"]
    )
    sector = by_id[weaver["id"]]["reasons"]
    assert [r["kind"] for r in sector] == ["same_sector"]
    assert "ISIC division 13" in sector[0]["detail"]
    markets = by_id[trader["id"]]["reasons"]
    assert markets[0]["detail"] == "the partner exports to IND, which it seeks"
    scores = [m["score"] for m in found["matches"]]
    assert scores == sorted(scores, reverse=True)

    # The other direction: the apparel maker buys from the weaver of cotton.
    back = await ok(await client.get(f"/enterprises/{apparel['id']}/partners", params={"limit": 1}))
    assert len(back["matches"]) == 1
    assert back["matches"][0]["reasons"][0]["detail"].startswith("buys: HS 52 (Cotton)")
    # Hidden listings have no public matches page; staff see it.
    problem(await client.get(f"/enterprises/{hidden['id']}/partners"), 404)
    await ok(await client.get(f"/enterprises/{hidden['id']}/partners", headers=staff()))
