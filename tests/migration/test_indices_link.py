"""Correlation with development indicators read from the real indices service over HTTP, and
its refresh when the indices service publishes a new vintage of an indicator."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import pytest

from sela_indices.app import SPEC as INDICES
from sela_indices.observations import service as observations
from sela_kit.app import create_app
from sela_kit.db import Database
from sela_migration.app import SPEC
from sela_migration.demo import generated_long_csv
from sela_testing.support import Servers, run_service
from tests.gateway.proxy_support import UpstreamServer
from tests.indices.platform_support import committed_database, indices_settings
from tests.indices.support import macro_file
from tests.kit.messaging_helpers import eventually
from tests.migration.test_service import clean, finished, migration_settings, staff, upload

pytestmark = pytest.mark.asyncio(loop_scope="session")


@pytest.fixture(scope="module")
async def indices_service(
    sela_servers: Servers, sela_migrated: dict[str, str]
) -> AsyncIterator[tuple[UpstreamServer, str]]:
    """The indices service on a real port (relay running) with the World Bank population
    series loaded; also its database URL, to load a revision later."""
    content = macro_file("wdi2018_SP.POP.TOTL.csv").read_bytes()
    url = await committed_database(sela_servers)
    database = Database(url)
    try:
        async with database.transaction() as session:
            await observations.load(session, content, filename="population.csv")
    finally:
        await database.dispose()
    server = UpstreamServer(create_app(INDICES, indices_settings(sela_servers, url)))
    await server.start()
    try:
        yield server, url
    finally:
        await server.stop()


def revised_population(content: bytes, area: str, year: str, factor: float) -> bytes:
    """The World Bank file with one value changed (a revision of one observation)."""
    text = content.decode("utf-8-sig")
    lines = text.splitlines(keepends=True)
    out = []
    header: list[str] | None = None
    for line in lines:
        cells = next(csv.reader([line])) if line.strip() else []
        if cells[:2] == ["Country Name", "Country Code"]:
            header = cells
        if header is not None and len(cells) > 1 and cells[1] == area:
            column = header.index(year)
            cells[column] = repr(float(cells[column]) * factor)
            buffer = io.StringIO()
            csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\n").writerow(cells)
            line = buffer.getvalue()
        out.append(line)
    return "".join(out).encode()


async def test_correlation_reads_the_indices_service_and_is_refreshed_on_a_new_vintage(
    sela_servers: Servers,
    sela_migrated: dict[str, str],
    indices_service: tuple[UpstreamServer, str],
) -> None:
    server, indices_url = indices_service
    settings = migration_settings(sela_servers, sela_migrated["migration"]).model_copy(
        update={"indices_url": server.url}
    )
    slug = f"t-{uuid.uuid4().hex[:8]}"
    async with run_service(SPEC, settings, isolated=False, run_background=True) as service:
        client = service.client
        try:
            assert (await upload(client, slug, generated_long_csv())).status_code == 201
            started = await client.post(
                "/networks/computations", headers=staff(), json={"dataset": slug}
            )
            assert (await finished(client, started.json()))["status"] == "succeeded"
            correlated = await client.post(
                "/correlations",
                headers=staff(),
                json={
                    "dataset": slug,
                    "years": [2015],
                    "indicators": ["SP.POP.TOTL"],
                    "measures": ["in_strength", "out_strength", "pagerank"],
                    "fallback_to_pwt": False,
                },
            )
            assert correlated.status_code == 202, correlated.text
            job: dict[str, Any] = await finished(client, correlated.json())
            assert job["status"] == "succeeded", job
            assert job["result"]["source"] == "indices"
            rows = job["result"]["correlations"]
            assert rows
            assert all(r["indicator"] == "SP.POP.TOTL" and r["n"] >= 10 for r in rows)
            correlation_id = job["params"]["correlation_id"]
            first = (await client.get(f"/correlations/{correlation_id}")).json()
            first_vintage = datetime.fromisoformat(first["vintages"]["SP.POP.TOTL"])
            assert first["result"]["vintages"] == first["vintages"]

            # A revision of the United States' 2015 population, loaded into the indices service: it
            # publishes indices.indicator.updated, which queues a refresh here.
            database = Database(indices_url)
            try:
                async with database.transaction() as session:
                    await observations.load(
                        session,
                        revised_population(
                            macro_file("wdi2018_SP.POP.TOTL.csv").read_bytes(), "USA", "2015", 3.0
                        ),
                        filename="population-revised.csv",
                    )
            finally:
                await database.dispose()

            async def refreshed() -> bool:
                body = (await client.get(f"/correlations/{correlation_id}")).json()
                return bool(body["job_id"] != job["id"] and not body["stale"])

            await eventually(refreshed, 60, "correlation refreshed after the new vintage")
            after = (await client.get(f"/correlations/{correlation_id}")).json()
            assert datetime.fromisoformat(after["vintages"]["SP.POP.TOTL"]) > first_vintage
            assert after["pending_job_id"] is None
            refresh_job = (await client.get(f"/jobs/{after['job_id']}")).json()
            assert refresh_job["submitted_by"] == "indices.indicator.updated"
            assert refresh_job["result"] == after["result"]
            # The United States' population tripled in 2015: the Pearson coefficients move.
            before = {r["measure"]: r["pearson_r"] for r in rows}
            now = {r["measure"]: r["pearson_r"] for r in after["result"]["correlations"]}
            assert set(now) == set(before)
            assert any(abs(now[m] - before[m]) > 1e-6 for m in now)
        finally:
            await clean(service, slug)
