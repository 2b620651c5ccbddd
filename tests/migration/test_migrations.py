"""Revision 0003 moves the in-process jobs into the kit's jobs table and every correlation
into the correlations table; its downgrade goes back."""

from __future__ import annotations

import json
import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from sela_kit.migrations import downgrade, ensure_database, upgrade
from sela_kit.settings import asyncpg_url
from sela_migration.app import SPEC
from sela_testing.support import Servers

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_0003_moves_jobs_and_correlations(sela_servers: Servers) -> None:
    url = asyncpg_url(sela_servers.database_url, "test_sela_migration_revisions")
    await ensure_database(url)
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        await conn.execute(text("DROP SCHEMA public CASCADE"))
        await conn.execute(text("CREATE SCHEMA public"))
    await upgrade(url, SPEC.migrations, "0002")
    dataset, network, done, running, orphan = (uuid.uuid4() for _ in range(5))
    try:
        async with engine.begin() as conn:
            await conn.execute(
                text(
                    "INSERT INTO datasets (id, slug, title, layout, years, areas, rows, dropped,"
                    " extra) VALUES (:id, 'old', 'Old', 'long', '[2020]', 2, 1, '[]', '{}')"
                ),
                {"id": dataset},
            )
            jobs = [
                (network, "network", "done", {"dataset": "old"}, {"computed": []}, False),
                (
                    done,
                    "correlation",
                    "done",
                    {"dataset": "old", "source": "indices"},
                    {"r": 1},
                    True,
                ),
                (running, "gravity", "running", {"dataset": "old"}, None, False),
                (orphan, "correlation", "failed", {"dataset": "gone"}, None, False),
            ]
            for job_id, kind, status, params, result, stale in jobs:
                await conn.execute(
                    text(
                        "INSERT INTO jobs (id, kind, status, params, result, stale, requested_by,"
                        " finished_at) VALUES (:id, :kind, :status, CAST(:params AS jsonb),"
                        " CAST(:result AS jsonb), :stale, 'someone', now())"
                    ),
                    {
                        "id": job_id,
                        "kind": kind,
                        "status": status,
                        "params": json.dumps(params),
                        "result": json.dumps(result) if result is not None else None,
                        "stale": stale,
                    },
                )
            await conn.execute(
                text(
                    "INSERT INTO network_measures (id, dataset_id, year, scope, job_id, params,"
                    " summary, nodes, by_degree, distributions, backbone, corridors) VALUES"
                    " (:id, :ds, 2020, 'world', :job, '{}', '{}', '[]', '[]', '[]', '[]', '[]')"
                ),
                {"id": uuid.uuid4(), "ds": dataset, "job": network},
            )

        await upgrade(url, SPEC.migrations, "0003")
        async with engine.begin() as conn:
            moved = {
                r.id: r
                for r in (
                    await conn.execute(
                        text("SELECT id, status, result, error, submitted_by, progress FROM jobs")
                    )
                ).all()
            }
            assert moved[network].status == "succeeded"
            assert moved[network].progress == 1.0
            assert moved[network].submitted_by == "someone"
            assert moved[running].status == "failed"
            assert "submit it again" in moved[running].error
            assert moved[orphan].status == "failed"
            correlations = (
                await conn.execute(text("SELECT id, result, stale, job_id FROM correlations"))
            ).all()
            assert [(c.id, c.result, c.stale, c.job_id) for c in correlations] == [
                (done, {"r": 1}, True, done)
            ]
            sexes = (await conn.execute(text("SELECT sex, job_id FROM network_measures"))).all()
            assert [(s.sex, s.job_id) for s in sexes] == [("total", network)]

        await downgrade(url, SPEC.migrations, "0002")
        async with engine.begin() as conn:
            back = {
                r.id: (r.status, r.stale)
                for r in (await conn.execute(text("SELECT id, status, stale FROM jobs"))).all()
            }
            assert back[network] == ("done", False)
            assert back[done] == ("done", True)
            assert back[running] == ("failed", False)
        await upgrade(url, SPEC.migrations, "head")
    finally:
        await engine.dispose()
