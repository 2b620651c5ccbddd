"""Jobs on the JetStream work queue: taken by whichever worker, run once, progress polled."""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from fastapi import APIRouter
from pydantic import BaseModel
from sqlalchemy import text

from sela_contracts.jobs import KitTestJobQueued
from sela_kit.db import Database, DbSession
from sela_kit.jobs import JobContext, JobError, JobKind, submit_job
from sela_testing.support import Servers, ServiceHarness, run_service, settings_for_tests
from tests.kit.messaging_helpers import eventually
from tests.kit.support import KIT_SPEC

RUNS: dict[str, list[str]] = {}


def _square_in_thread(context: JobContext, n: int) -> int:
    # A CPU-bound step off the event loop, reporting progress from the worker thread.
    for step in range(4):
        context.progress(step + 1, 4, f"step {step + 1} of 4")
    return n * n


async def square(context: JobContext) -> dict[str, Any]:
    RUNS.setdefault(str(context.job_id), []).append("square")
    if context.params.get("slow"):
        await asyncio.sleep(context.params["slow"])
    value = await asyncio.to_thread(_square_in_thread, context, int(context.params["n"]))
    return {"value": value}


async def flaky(context: JobContext) -> dict[str, Any]:
    RUNS.setdefault(str(context.job_id), []).append("flaky")
    raise RuntimeError(f"attempt {context.attempt} failed")


async def refuse(context: JobContext) -> dict[str, Any]:
    RUNS.setdefault(str(context.job_id), []).append("refuse")
    raise JobError("the series is too short")


class Submit(BaseModel):
    kind: str
    params: dict[str, Any]


router = APIRouter()


@router.post("/submit", status_code=202)
async def submit(body: Submit, session: DbSession) -> dict[str, str]:
    """Queue a job."""
    job_id = await submit_job(session, "kittest", body.kind, body.params, submitted_by="test")
    return {"job": str(job_id)}


JOBS_SPEC = dataclasses.replace(
    KIT_SPEC,
    routers=(*KIT_SPEC.routers, router),
    jobs={
        "square": JobKind("square", square),
        "flaky": JobKind("flaky", flaky, max_attempts=2),
        "refuse": JobKind("refuse", refuse, max_attempts=3),
    },
)


@pytest.fixture
async def service(kit_database_url: str, sela_servers: Servers) -> AsyncIterator[ServiceHarness]:
    database = Database(kit_database_url, pool_size=1)
    async with database.engine.begin() as conn:
        await conn.execute(text("TRUNCATE outbox, jobs"))
    await database.dispose()
    settings = settings_for_tests(
        JOBS_SPEC, sela_servers, database_url=kit_database_url, job_workers=2
    )
    async with run_service(JOBS_SPEC, settings, isolated=False, run_background=True) as harness:
        assert await harness.app.state.bus.wait_ready(10)
        yield harness


async def job(service: ServiceHarness, job_id: str) -> dict[str, Any]:
    response = await service.client.get(f"/jobs/{job_id}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def finished(service: ServiceHarness, job_id: str, timeout: float = 20) -> dict[str, Any]:
    result: dict[str, Any] = {}

    async def done() -> bool:
        result.update(await job(service, job_id))
        return result["status"] in ("succeeded", "failed")

    await eventually(done, timeout, f"job {job_id} to finish")
    return result


async def test_jobs_are_run_once_each_by_the_workers(service: ServiceHarness) -> None:
    ids = []
    for n in range(6):
        response = await service.client.post("/submit", json={"kind": "square", "params": {"n": n}})
        assert response.status_code == 202
        ids.append(response.json()["job"])
    results = [await finished(service, job_id) for job_id in ids]
    assert [r["result"]["value"] for r in results] == [n * n for n in range(6)]
    assert all(r["status"] == "succeeded" and r["progress"] == 1.0 for r in results)
    assert all(RUNS[job_id] == ["square"] for job_id in ids)
    listed = (await service.client.get("/jobs", params={"kind": "square"})).json()
    assert {j["id"] for j in listed} >= set(ids)


async def test_progress_is_visible_while_a_job_runs(service: ServiceHarness) -> None:
    response = await service.client.post(
        "/submit", json={"kind": "square", "params": {"n": 3, "slow": 1.5}}
    )
    job_id = response.json()["job"]
    await eventually(lambda: _status_is(service, job_id, "running"), 10, "the job to be claimed")
    done = await finished(service, job_id)
    assert done["message"] == "step 4 of 4"
    assert done["attempts"] == 1


async def _status_is(service: ServiceHarness, job_id: str, status: str) -> bool:
    current: str = (await job(service, job_id))["status"]
    return current == status


async def test_failures_are_retried_then_recorded(service: ServiceHarness) -> None:
    flaky_id = (await service.client.post("/submit", json={"kind": "flaky", "params": {}})).json()[
        "job"
    ]
    refused_id = (
        await service.client.post("/submit", json={"kind": "refuse", "params": {}})
    ).json()["job"]
    flaky_job = await finished(service, flaky_id)
    assert flaky_job["status"] == "failed"
    assert flaky_job["attempts"] == 2
    assert "attempt 2 failed" in flaky_job["error"]
    refused = await finished(service, refused_id)
    assert refused["status"] == "failed"
    assert refused["attempts"] == 1
    assert refused["error"] == "the series is too short"


async def test_a_redelivered_message_of_a_finished_job_is_not_run_again(
    service: ServiceHarness,
) -> None:
    job_id = (
        await service.client.post("/submit", json={"kind": "square", "params": {"n": 7}})
    ).json()["job"]
    await finished(service, job_id)
    bus = service.app.state.bus
    again = KitTestJobQueued(job_id=uuid.UUID(job_id), kind="square")
    await bus.js.publish(again.subject, again.model_dump_json().encode())
    await asyncio.sleep(2)
    assert RUNS[job_id] == ["square"]
    assert (await job(service, job_id))["result"] == {"value": 49}


async def test_unknown_job_is_a_404(service: ServiceHarness) -> None:
    response = await service.client.get(f"/jobs/{uuid.uuid4()}")
    assert response.status_code == 404
