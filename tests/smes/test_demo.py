"""The generated demo listings: labelled, valid, loaded once."""

from __future__ import annotations

from sela_smes.demo import COUNTRIES, DEMO_SIZE, GENERATED, generate, load
from sela_testing.support import ServiceHarness


def test_generated_listings_are_valid_and_labelled() -> None:
    rows = list(generate(200, seed=7))
    assert rows == list(generate(200, seed=7))  # reproducible
    assert {e["country_iso3"] for e, _ in rows} == set(COUNTRIES)
    assert all(e["source"] == GENERATED for e, _ in rows)
    assert all(e["description"].startswith("Generated record") for e, _ in rows)
    assert all(c["email"].endswith(".example") for _, c in rows)
    assert len({(e["country_iso3"], e["tax_id"]) for e, _ in rows}) == 200
    assert {e["size_class"] for e, _ in rows} == {"micro", "small", "medium"}


async def test_demo_loads_once_and_is_searchable(smes: ServiceHarness) -> None:
    async with smes.database.sessionmaker() as session:
        first = await load(session)
        await session.commit()
    async with smes.database.sessionmaker() as session:
        second = await load(session)
        await session.commit()
    assert first.startswith(f"{DEMO_SIZE} generated SME listings")
    assert second == f"{DEMO_SIZE} generated SME listings already present"
    page = (await smes.client.get("/enterprises", params={"q": "cafe", "limit": 5})).json()
    assert page["total"] > 0
    assert all(i["source"] == GENERATED for i in page["items"])
    countries = {f["value"] for f in page["facets"]["country"]}
    assert countries <= set(COUNTRIES)
    some = page["items"][0]["id"]
    partners = (await smes.client.get(f"/enterprises/{some}/partners")).json()
    assert partners["matches"]
    assert all(m["reasons"] for m in partners["matches"])
