"""The demo data: the Network the Work Programme names, loaded from the shared data sets."""

from __future__ import annotations

import pytest

from sela_ports.demo import load
from sela_ports.network import COMMUNITIES, COUNTRIES
from sela_ports.shared_data import WPI_FILE, shared_dir
from sela_testing.support import ServiceHarness

SHARED = shared_dir()


@pytest.mark.skipif(
    not (SHARED / WPI_FILE).exists(),
    reason=f"the shared data folder ({SHARED}) is absent; set SELA_SHARED_DIR to run it",
)
async def test_demo_loads_the_network_once(ports: ServiceHarness) -> None:
    async with ports.database.sessionmaker() as session:
        first = await load(session, SHARED)
        await session.commit()
    async with ports.database.sessionmaker() as session:
        second = await load(session, SHARED)
        await session.commit()
    assert "NGA World Port Index" in first
    assert "; 0 rows added" in second
    client = ports.client
    assert len((await client.get("/countries")).json()) == len(COUNTRIES) == 13
    communities = (await client.get("/communities")).json()
    assert len(communities) == len(COMMUNITIES) == 13
    manzanillo = (await client.get("/port-systems/MXZLO")).json()
    assert manzanillo["latitude"] == pytest.approx(19.05)
    assert manzanillo["source"].startswith("NGA World Port Index")
    port_systems = (await client.get("/port-systems", params={"limit": 100})).json()["items"]
    assert len(port_systems) == 13  # no port system the programme does not name
    teu = (
        await client.get(
            "/benchmark/kpi-values", params={"port": "PECLL", "kpi": "container_throughput"}
        )
    ).json()
    assert len(teu) == 9
    assert teu[0]["period_start"] == "2011-01-01"
    status = (await client.get("/governance/formalisation")).json()
    assert status["qualifying_countries"] == []
    chile = next(c for c in status["countries"] if c["iso3"] == "CHL")
    assert chile["communities"] == 4
