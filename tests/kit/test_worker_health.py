"""The health endpoint of a job-worker process (the probes of a worker pod)."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys

import httpx

from sela_kit.runner import serve_health
from sela_testing.support import Servers, database_name_for_tests
from tests.kit.messaging_helpers import eventually


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


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


async def test_worker_process_answers_its_probe_and_stops_on_sigterm(
    sela_servers: Servers,
) -> None:
    port = free_port()
    env = {
        **os.environ,
        "SELA_INDICES_DATABASE_URL": sela_servers.database(database_name_for_tests("indices")),
        "SELA_NATS_URL": sela_servers.nats_url,
        "SELA_ENVIRONMENT": "development",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "sela_indices",
        "worker",
        "--count",
        "1",
        "--health-port",
        str(port),
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:

            async def healthy() -> bool:
                try:
                    return (await client.get("/healthz")).status_code == 200
                except httpx.TransportError:
                    return False

            await eventually(healthy, 30, "the worker answers /healthz")
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), 20) == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
