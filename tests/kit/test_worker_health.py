"""Processes without HTTP (job workers, event consumers) and the health endpoint of probes."""

from __future__ import annotations

import asyncio
import dataclasses
import socket
from typing import Any

import httpx
import pytest

from sela_devservers import EmbeddedNats
from sela_kit.db import Database
from sela_kit.jobs import JobContext, JobKind
from sela_kit.messaging.bus import Bus
from sela_kit.runner import main, run_consumers, run_workers, serve_health
from sela_testing.support import Servers, run_service, settings_for_tests
from tests.kit.messaging_helpers import eventually
from tests.kit.support import KIT_SPEC, TEST_STREAMS
from tests.kit.test_inbox import effects, note_consumer, publish_note


async def noop(context: JobContext) -> dict[str, Any]:
    return {}


WORKER_SPEC = dataclasses.replace(KIT_SPEC, jobs={"noop": JobKind("noop", noop)})


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


async def status(client: httpx.AsyncClient, path: str = "/healthz") -> int | None:
    try:
        return (await client.get(path)).status_code
    except httpx.TransportError:
        return None


async def test_health_endpoint_follows_the_check() -> None:
    state = {"ok": True}
    server = await serve_health("127.0.0.1", free_port(), lambda: state["ok"])
    port = server.sockets[0].getsockname()[1]
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            response = await client.get("/healthz")
            assert response.status_code == 200
            assert response.json() == {"status": "ok"}
            state["ok"] = False
            assert (await client.get("/healthz")).status_code == 503
            assert (await client.get("/elsewhere")).status_code == 404
            assert (await client.post("/healthz")).status_code == 404
    finally:
        server.close()
        await server.wait_closed()


async def test_workers_are_healthy_while_connected_to_nats(
    kit_database_url: str, sela_servers: Servers, private_nats: EmbeddedNats
) -> None:
    private_nats.start()
    settings = settings_for_tests(
        WORKER_SPEC, sela_servers, database_url=kit_database_url, nats_url=private_nats.url
    )
    port, stop = free_port(), asyncio.Event()
    task = asyncio.create_task(run_workers(WORKER_SPEC, settings, 2, port, stop=stop))
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:

            async def is_(code: int) -> bool:
                return await status(client) == code

            await eventually(lambda: is_(200), 15, "healthy once connected")
            private_nats.stop()
            await eventually(lambda: is_(503), 15, "unhealthy without the broker")
            private_nats.start()
            await eventually(lambda: is_(200), 20, "healthy again after reconnecting")
        stop.set()
        await asyncio.wait_for(task, 15)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            assert await status(client) is None  # the endpoint is gone with the workers
    finally:
        stop.set()
        if not task.done():
            task.cancel()


def test_worker_command_takes_a_health_port(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(WORKER_SPEC, ["worker", "--help"])
    assert exit_.value.code == 0
    assert "--health-port" in capsys.readouterr().out


async def test_consumers_process_applies_events_and_answers_probes(
    kit_db: Database, kit_database_url: str, sela_servers: Servers, private_nats: EmbeddedNats
) -> None:
    private_nats.start()
    spec = dataclasses.replace(KIT_SPEC, consumers=(note_consumer("consumers-process"),))
    settings = settings_for_tests(
        spec, sela_servers, database_url=kit_database_url, nats_url=private_nats.url
    )
    port, stop = free_port(), asyncio.Event()
    task = asyncio.create_task(run_consumers(spec, settings, port, stop=stop))
    bus = Bus(private_nats.url, "kittest", streams=TEST_STREAMS)
    await bus.start()
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:

            async def healthy() -> bool:
                return await status(client) == 200

            await eventually(healthy, 15, "healthy once connected")
        assert await bus.wait_ready(10)
        await publish_note(bus, "from-the-consumers-process")

        async def applied() -> bool:
            return await effects(kit_db) == 1

        await eventually(applied, 15, "the event applied by the consumers process")
        stop.set()
        await asyncio.wait_for(task, 15)
    finally:
        stop.set()
        await bus.close()
        if not task.done():
            task.cancel()


@pytest.mark.parametrize("in_process", [True, False])
async def test_serving_process_runs_consumers_unless_told_not_to(
    kit_database_url: str, sela_servers: Servers, in_process: bool
) -> None:
    spec = dataclasses.replace(KIT_SPEC, consumers=(note_consumer("serving-consumers"),))
    settings = settings_for_tests(spec, sela_servers, database_url=kit_database_url)
    settings.consumers_in_process = in_process
    async with run_service(spec, settings, isolated=False, run_background=True) as harness:
        names = {task.get_name() for task in harness.app.state.runtime.tasks}
    assert "outbox-relay" in names
    assert ("consumer-serving-consumers" in names) is in_process
