"""The migration service over HTTP on the real database and broker: import, jobs, exports,
correlation, gravity and the reaction to indices.indicator.updated."""

from __future__ import annotations

import asyncio
import io
import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import networkx as nx  # type: ignore[import-untyped]
import polars as pl
import pytest
from sqlalchemy import delete, select, text

from sela_devservers import free_port
from sela_kit.messaging.tables import OUTBOX
from sela_migration.analysis import sources
from sela_migration.app import SPEC
from sela_migration.demo import generated_long_csv
from sela_migration.jobs import runner
from sela_migration.jobs.models import Job
from sela_migration.settings import MigrationSettings
from sela_testing.support import (
    Servers,
    ServiceHarness,
    identity_headers,
    run_service,
    settings_for_tests,
)
from tests.kit.messaging_helpers import eventually
from tests.migration.support import DATA, shared_file

pytestmark = pytest.mark.asyncio(loop_scope="session")


def staff() -> dict[str, str]:
    # Signed per request: the gateway's tokens live 60 seconds.
    return identity_headers("staff")


def migration_settings(servers: Servers, url: str, **overrides: Any) -> MigrationSettings:
    settings = settings_for_tests(
        SPEC,
        servers,
        database_url=url,
        indices_url=f"http://127.0.0.1:{free_port()}",  # nothing listens there
        indices_timeout_seconds=2.0,
        shared_dir=DATA.parent,
        **overrides,
    )
    assert isinstance(settings, MigrationSettings)
    return settings


async def upload(
    client: httpx.AsyncClient, slug: str, data: bytes, layout: str = "long"
) -> httpx.Response:
    return await client.post(
        "/datasets",
        headers=staff(),
        data={"slug": slug, "layout": layout, "title": f"Test {slug}"},
        files={"file": ("stocks.csv", data, "text/csv")},
    )


async def finished(client: httpx.AsyncClient, job: dict[str, Any]) -> dict[str, Any]:
    await runner.wait_all()
    for _ in range(100):
        body: dict[str, Any] = (await client.get(f"/jobs/{job['id']}")).json()
        if body["status"] in ("done", "failed"):
            return body
        await asyncio.sleep(0.1)
    raise AssertionError(f"job {job['id']} did not finish")


# ------------------------------------------------------------- isolated (rolled back)


async def test_import_list_read_and_refuse(
    sela_servers: Servers, sela_migrated: dict[str, str]
) -> None:
    settings = migration_settings(sela_servers, sela_migrated["migration"])
    async with run_service(SPEC, settings) as service:
        client = service.client
        created = await upload(client, "t-import", generated_long_csv())
        assert created.status_code == 201, created.text
        body = created.json()
        assert body["years"] == [2010, 2015, 2020]
        assert created.headers["location"] == "/datasets/t-import"

        again = await upload(client, "t-import", generated_long_csv())
        assert again.status_code == 409

        page = await client.get("/datasets/t-import/stocks", params={"limit": 5, "year": 2015})
        assert page.status_code == 200
        assert len(page.json()["items"]) == 5
        following = await client.get(
            "/datasets/t-import/stocks",
            params={"limit": 5, "year": 2015, "cursor": page.json()["next_cursor"]},
        )
        assert following.json()["items"][0] != page.json()["items"][0]

        flows = (await client.get("/datasets/t-import/flows", params={"year": 2020})).json()
        assert all(f["net"] == f["immigrants"] - f["emigrants"] for f in flows)

        bad = await upload(
            client, "t-bad", b"year,origin_iso3,dest_iso3,stock_total\n2020,MEX,USA,many\n"
        )
        assert bad.status_code == 422
        assert bad.headers["content-type"] == "application/problem+json"
        error = bad.json()["errors"][0]
        assert (error["row"], error["column"]) == (2, "stock_total")
        assert (await client.get("/datasets/t-bad")).status_code == 404

        no_role = await client.post(
            "/datasets",
            headers=identity_headers("partner"),
            data={"slug": "t-x", "layout": "long"},
            files={"file": ("a.csv", b"x", "text/csv")},
        )
        assert no_role.status_code == 403
        missing = await client.get("/networks/t-import/2020/world")
        assert missing.status_code == 404
        assert missing.json()["code"] == "network_not_computed"


# ------------------------------------------------- committed (jobs run in the background)


@pytest.fixture(scope="module")
async def computed(
    sela_servers: Servers, sela_migrated: dict[str, str]
) -> AsyncIterator[tuple[ServiceHarness, str, dict[str, Any]]]:
    """A generated dataset imported and its networks computed by a real job."""
    settings = migration_settings(sela_servers, sela_migrated["migration"])
    slug = f"t-{uuid.uuid4().hex[:8]}"
    async with run_service(SPEC, settings, isolated=False, run_background=True) as service:
        try:
            assert (await upload(service.client, slug, generated_long_csv())).status_code == 201
            started = await service.client.post(
                "/networks/computations", headers=staff(), json={"dataset": slug, "alpha": 0.1}
            )
            assert started.status_code == 202, started.text
            assert started.json()["status"] == "queued"
            job = await finished(service.client, started.json())
            yield service, slug, job
        finally:
            async with service.database.transaction() as session:
                await session.execute(text("DELETE FROM datasets WHERE slug = :s"), {"s": slug})
                await session.execute(delete(Job))
                await session.execute(delete(OUTBOX))


async def test_network_job_results_and_event(
    computed: tuple[ServiceHarness, str, dict[str, Any]],
) -> None:
    service, slug, job = computed
    assert job["status"] == "done", job
    assert len(job["result"]["computed"]) == 6
    client = service.client
    network = (await client.get(f"/networks/{slug}/2020/lac")).json()
    assert network["summary"]["nodes"] == 20
    assert network["params"]["alpha"] == 0.1
    assert {d["measure"] for d in network["distributions"]} == {
        "in_degree",
        "out_degree",
        "in_strength",
        "out_strength",
    }
    listed = (await client.get(f"/networks/{slug}", params={"scope": "world"})).json()
    assert [n["year"] for n in listed] == [2010, 2015, 2020]

    nodes = (await client.get(f"/networks/{slug}/2020/world/nodes")).json()["items"]
    assert {"pagerank", "betweenness", "role", "participation"} <= set(nodes[0])
    csv = await client.get(f"/networks/{slug}/2020/world/nodes", params={"format": "csv"})
    assert csv.headers["content-type"].startswith("text/csv")
    assert pl.read_csv(io.BytesIO(csv.content)).height == len(nodes)
    corridors = (await client.get(f"/networks/{slug}/2020/world/corridors")).json()["items"]
    assert corridors[0]["rank"] == 1
    backbone = (await client.get(f"/networks/{slug}/2020/world/backbone")).json()["items"]
    assert all(b["alpha_out"] < 0.1 or b["alpha_in"] < 0.1 for b in backbone)

    changes = await client.get(
        f"/networks/{slug}/changes", params={"scope": "world", "from_year": 2010, "to_year": 2020}
    )
    assert changes.status_code == 200, changes.text
    assert "links" in changes.json()["summary"]

    async with service.database.transaction() as session:
        events = (
            await session.execute(
                select(OUTBOX.c.subject, OUTBOX.c.payload).where(
                    OUTBOX.c.subject == "migration.network.computed"
                )
            )
        ).all()
    assert {(e.payload["year"], e.payload["scope"]) for e in events} >= {(2020, "lac")}
    assert all(e.payload["run_id"] == job["id"] for e in events)


async def test_graph_documents_read_back_with_networkx(
    computed: tuple[ServiceHarness, str, dict[str, Any]],
) -> None:
    service, slug, _ = computed
    nodes = (await service.client.get(f"/networks/{slug}/2015/lac/nodes")).json()["items"]
    pagerank = {n["iso3"]: n["pagerank"] for n in nodes}
    for fmt, reader in (("graphml", nx.read_graphml), ("gexf", nx.read_gexf)):
        response = await service.client.get(
            f"/networks/{slug}/2015/lac/graph", params={"format": fmt}
        )
        assert response.status_code == 200, response.text
        graph = reader(io.BytesIO(response.content))
        assert graph.is_directed()
        assert set(graph.nodes) == set(pagerank)
        for node, value in pagerank.items():
            assert graph.nodes[node]["pagerank"] == pytest.approx(value, rel=1e-12)
    linked = await service.client.get(
        f"/networks/{slug}/2015/lac/graph", params={"format": "node-link"}
    )
    graph = nx.node_link_graph(json.loads(linked.content), edges="edges")
    assert graph.number_of_nodes() == len(nodes)
    assert all("weight" in d for _, _, d in graph.edges(data=True))


async def test_figures(computed: tuple[ServiceHarness, str, dict[str, Any]]) -> None:
    service, slug, _ = computed
    png = await service.client.get(f"/networks/{slug}/2020/lac/figure")
    assert png.headers["content-type"] == "image/png"
    assert png.content.startswith(b"\x89PNG")
    svg = await service.client.get(f"/networks/{slug}/2020/lac/figure", params={"format": "svg"})
    assert svg.headers["content-type"] == "image/svg+xml"
    assert b"<svg" in svg.content[:500]


async def test_correlation_with_a_table_and_staleness(
    computed: tuple[ServiceHarness, str, dict[str, Any]],
) -> None:
    service, slug, _ = computed
    pwt = sources.pwt_covariates(
        shared_file(DATA / sources.PWT_FILE).parent.parent, ["PWT.pop", "PWT.rgdpe_pc"]
    )
    observations = [
        {
            "indicator": r["indicator"],
            "area": r["area"],
            "period": str(r["period"]),
            "value": r["value"],
        }
        for r in pwt.filter(pl.col("period") >= 2008).to_dicts()
    ]
    started = await service.client.post(
        "/correlations",
        headers=staff(),
        json={
            "dataset": slug,
            "scope": "world",
            "source": "table",
            "observations": observations,
            "indicators": ["PWT.pop", "PWT.rgdpe_pc"],
            "measures": ["in_strength", "pagerank"],
        },
    )
    assert started.status_code == 202, started.text
    job = await finished(service.client, started.json())
    assert job["status"] == "done", job
    assert job["params"]["observations"] == len(observations)
    rows = job["result"]["correlations"]
    # 2020 takes PWT's 2019 values (max_lag 2): three years × 2 measures × 2 indicators.
    assert len(rows) == 12
    # Some generated areas (small islands) are not in Penn World Table.
    assert all(10 <= r["n"] <= 24 for r in rows)
    assert all(r["pearson_p_bh"] >= r["pearson_p"] for r in rows)
    assert all(-1 <= r["spearman_rho"] <= 1 for r in rows)

    # With the indices service unreachable, the correlation falls back to Penn World Table;
    # an update of one of its indicators then marks it stale.
    from_indices = await service.client.post(
        "/correlations",
        headers=staff(),
        json={"dataset": slug, "years": [2015], "indicators": ["SP.POP.TOTL"]},
    )
    done = await finished(service.client, from_indices.json())
    assert done["status"] == "done", done
    assert done["result"]["source"] == "pwt (indices unreachable)"
    bus = service.app.state.bus
    assert await bus.wait_ready(10)
    await bus.js.publish(
        "indices.indicator.updated",
        json.dumps(
            {
                "indicator_code": "SP.POP.TOTL",
                "vintage": "2026-11-28T00:00:00Z",
                "areas": ["MEX"],
                "periods": ["2015"],
                "observations": 1,
            }
        ).encode(),
        headers={"Nats-Msg-Id": str(uuid.uuid4()), "Sela-Event-Version": "1"},
    )

    async def is_stale() -> bool:
        body = (await service.client.get(f"/jobs/{done['id']}")).json()
        return bool(body["stale"])

    await eventually(is_stale, 15, "correlation marked stale")
    assert not (await service.client.get(f"/jobs/{job['id']}")).json()["stale"]
    refreshed = await service.client.post(f"/correlations/{done['id']}/refresh", headers=staff())
    assert refreshed.status_code == 202
    assert (await finished(service.client, refreshed.json()))["status"] == "done"


async def test_gravity_ppml_with_pwt(computed: tuple[ServiceHarness, str, dict[str, Any]]) -> None:
    service, slug, _ = computed
    shared_file(DATA / sources.PWT_FILE)
    started = await service.client.post(
        "/gravity",
        headers=staff(),
        json={
            "dataset": slug,
            "source": "pwt",
            "population": "PWT.pop",
            "gdp_per_capita": "PWT.rgdpe_pc",
        },
    )
    assert started.status_code == 202, started.text
    job = await finished(service.client, started.json())
    assert job["status"] == "done", job
    periods = {p["year"]: p for p in job["result"]["periods"]}
    first, last = periods[2010], periods[2020]
    terms = {c["term"] for c in last["coefficients"]}
    assert {"ln_pop_origin", "ln_gdppc_destination", "ln_diaspora_previous"} <= terms
    assert "ln_diaspora_previous" not in {c["term"] for c in first["coefficients"]}
    assert last["previous_period"] == 2015
    assert last["converged"]
    assert last["covariance"] == "HC1"
