"""The demo round: seven countries, labelled demo answers, published through the workflow."""

from __future__ import annotations

from sela_smes.ippalc.demo import DEMO_COUNTRIES, DEMO_ROUND, load_ippalc_demo
from sela_testing.support import ServiceHarness
from tests.smes.ippalc.support import BASE, anonymous, ok


async def test_demo_loads_once_and_says_it_is_demo(smes: ServiceHarness) -> None:
    async with smes.database.sessionmaker() as session:
        first = await load_ippalc_demo(session)
        await session.commit()
    async with smes.database.sessionmaker() as session:
        second = await load_ippalc_demo(session)
        await session.commit()
    assert "with 7 new published" in first
    assert "with 0 new published" in second
    client = smes.client
    listed = ok(await client.get(f"{BASE}/assessments?round={DEMO_ROUND}", headers=anonymous()))
    assert sorted(a["country"] for a in listed) == sorted(DEMO_COUNTRIES)
    assert {a["state"] for a in listed} == {"published"}
    assert all(a["label"].startswith("Demo answers") for a in listed)
    answers = ok(await client.get(f"{BASE}/assessments/{listed[0]['id']}/answers/reconciled"))
    assert len(answers) == 156
    assert all("Demo answer" in (a["evidence"] or "") for a in answers)
    results = ok(await client.get(f"{BASE}/results?round={DEMO_ROUND}"))
    (average,) = results["regional_averages"]
    assert len(average["countries"]) == 7
    assert len(average["dimensions"]) == 7
    overall = [r["overall"] for r in results["results"]]
    assert all(1 <= v <= 5 for v in overall)
    assert len(set(overall)) == 7  # the countries differ
