"""``python -m sela_<service> [serve|migrate|worker]``: the entry point of a service process."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from collections.abc import Callable, Sequence
from typing import Protocol

import uvicorn

from sela_kit.app import ServiceSpec, create_app
from sela_kit.db import Database
from sela_kit.jobs import JobRunner
from sela_kit.logs import configure_logging
from sela_kit.messaging.bus import Bus
from sela_kit.messaging.inbox import ConsumerRunner
from sela_kit.migrations import ensure_database, upgrade
from sela_kit.settings import ServiceSettings
from sela_kit.tasks import cancel_and_wait

logger = logging.getLogger("sela.runner")

# How long an idle HTTP connection stays open: above the gateway's upstream keep-alive.
KEEP_ALIVE_SECONDS = 75


async def migrate(spec: ServiceSpec, *, create: bool = True) -> None:
    settings = spec.settings_cls()
    url = settings.sqlalchemy_url
    if create and await ensure_database(url):
        logger.info("created database %s", url.database)
    await upgrade(url, spec.migrations)
    logger.info("database %s is at the latest revision", url.database)


async def serve_health(host: str, port: int, healthy: Callable[[], bool]) -> asyncio.Server:
    """A minimal HTTP endpoint for the probes of a process that serves no HTTP otherwise.

    ``GET /healthz`` answers 200 while ``healthy()`` is true, 503 otherwise; anything else 404.
    """

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request_line = await asyncio.wait_for(reader.readline(), 5)
            while (await asyncio.wait_for(reader.readline(), 5)).strip():
                pass  # headers: not needed
            method, _, rest = request_line.decode("latin-1").partition(" ")
            path = rest.split(" ", 1)[0]
            if method in ("GET", "HEAD") and path == "/healthz":
                status, body = (
                    (200, b'{"status":"ok"}') if healthy() else (503, b'{"status":"unhealthy"}')
                )
            else:
                status, body = 404, b'{"status":"not found"}'
            reason = {200: "OK", 404: "Not Found", 503: "Service Unavailable"}[status]
            head = (
                f"HTTP/1.1 {status} {reason}\r\ncontent-type: application/json\r\n"
                f"content-length: {len(body)}\r\nconnection: close\r\n\r\n"
            ).encode("latin-1")
            writer.write(head if method == "HEAD" else head + body)
            await writer.drain()
        except (TimeoutError, ConnectionError, UnicodeDecodeError):
            pass
        finally:
            writer.close()

    return await asyncio.start_server(handle, host, port)


async def run_workers(
    spec: ServiceSpec,
    settings: ServiceSettings,
    count: int,
    health_port: int | None = None,
    stop: asyncio.Event | None = None,
) -> None:
    """Job workers without HTTP, until ``stop`` is set (by default: SIGTERM or SIGINT).

    With ``health_port``, ``GET /healthz`` on that port answers 200 while connected to NATS and
    every worker loop runs (the probes of a worker pod).
    """
    database = Database(settings.sqlalchemy_url, application_name=f"sela-{spec.name}-worker")
    assert settings.nats_url is not None
    bus = Bus(settings.nats_url, spec.name, streams=spec.all_streams())
    workers = [
        JobRunner(
            spec.name,
            spec.jobs,
            database,
            bus,
            ack_wait=settings.job_ack_wait_seconds,
            settings=settings,
        )
        for _ in range(count)
    ]
    label = f"{spec.name} job worker(s)"
    await _run_until_stopped(label, workers, bus, database, settings, health_port, stop)


async def run_consumers(
    spec: ServiceSpec,
    settings: ServiceSettings,
    health_port: int | None = None,
    stop: asyncio.Event | None = None,
) -> None:
    """The service's event consumers without HTTP, until ``stop`` is set (SIGTERM or SIGINT).

    For a deployment that keeps background work such as the mail sender off the CPU of the
    processes answering requests (``consumers_in_process=false`` there). The consumers are
    durable and idempotent, so this process can run beside them or in several replicas.
    """
    database = Database(settings.sqlalchemy_url, application_name=f"sela-{spec.name}-consumers")
    assert settings.nats_url is not None
    bus = Bus(settings.nats_url, spec.name, streams=spec.all_streams())
    runners = [
        ConsumerRunner(
            consumer,
            database,
            bus,
            spec.name,
            max_deliver=settings.consumer_max_deliver,
            ack_wait=settings.consumer_ack_wait_seconds,
        )
        for consumer in spec.consumers
    ]
    label = f"{spec.name} consumer(s)"
    await _run_until_stopped(label, runners, bus, database, settings, health_port, stop)


class _Loop(Protocol):
    async def run(self) -> None: ...

    def stop(self) -> None: ...


async def _run_until_stopped(
    label: str,
    loops: Sequence[_Loop],
    bus: Bus,
    database: Database,
    settings: ServiceSettings,
    health_port: int | None,
    stop: asyncio.Event | None,
) -> None:
    """Run background loops (job workers, consumers) without HTTP until ``stop`` is set.

    ``stop`` defaults to SIGTERM or SIGINT. With ``health_port``, ``GET /healthz`` answers 200
    while connected to NATS and every loop runs (the probes of a worker pod).
    """
    if stop is None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
    await bus.start()
    tasks = [asyncio.create_task(each.run()) for each in loops]
    logger.info("%d %s started", len(loops), label)
    health: asyncio.Server | None = None
    try:
        if health_port is not None:
            health = await serve_health(
                settings.host, health_port, lambda: bus.ready and not any(t.done() for t in tasks)
            )
        await stop.wait()
    finally:
        if health is not None:
            health.close()
            await health.wait_closed()
        for each in loops:
            each.stop()
        for task in tasks:
            await cancel_and_wait(task)
        await bus.close()
        await database.dispose()


def main(spec: ServiceSpec, argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog=f"python -m sela_{spec.name}", description=spec.description
    )
    sub = parser.add_subparsers(dest="command")
    serve = sub.add_parser("serve", help="serve HTTP (the default)")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    sub.add_parser("migrate", help="create the database if needed and apply migrations")
    if spec.jobs:
        worker = sub.add_parser("worker", help="run job workers only (no HTTP)")
        worker.add_argument("--count", type=int, default=1, help="workers in this process")
        worker.add_argument(
            "--health-port", type=int, help="answer GET /healthz on this port (for probes)"
        )
    if spec.consumers:
        consumers = sub.add_parser("consumers", help="run the event consumers only (no HTTP)")
        consumers.add_argument(
            "--health-port", type=int, help="answer GET /healthz on this port (for probes)"
        )
    args = parser.parse_args(argv)
    settings = spec.settings_cls()
    configure_logging(spec.name, settings.log_level)
    if args.command == "migrate":
        asyncio.run(migrate(spec))
        return
    if args.command == "consumers":
        asyncio.run(run_consumers(spec, settings, args.health_port))
        return
    if args.command == "worker":
        asyncio.run(run_workers(spec, settings, max(1, args.count), args.health_port))
        return
    host = getattr(args, "host", None) or settings.host
    port = getattr(args, "port", None) or settings.port
    assert port is not None
    settings.host, settings.port = host, port
    app = create_app(spec, settings)
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_config=None,
        access_log=False,
        proxy_headers=False,
        server_header=False,
        timeout_graceful_shutdown=10,
        # Longer than the gateway keeps its pooled connections to us idle (30 s): the gateway,
        # not the service, closes an idle connection, so a request is never sent on a
        # connection the service is closing at that moment (a POST lost as a 503).
        timeout_keep_alive=KEEP_ALIVE_SECONDS,
        lifespan="on",
    )
    server = uvicorn.Server(config)
    try:
        server.run()
    except KeyboardInterrupt:
        sys.exit(130)
