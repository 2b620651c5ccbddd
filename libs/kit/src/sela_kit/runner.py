"""``python -m sela_<service> [serve|migrate]``: the entry point of a service process."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from collections.abc import Sequence

import uvicorn

from sela_kit.app import ServiceSpec, create_app
from sela_kit.db import Database
from sela_kit.jobs import JobRunner
from sela_kit.logs import configure_logging
from sela_kit.messaging.bus import Bus
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


async def run_workers(spec: ServiceSpec, settings: ServiceSettings, count: int) -> None:
    """Job workers without HTTP, until SIGTERM or SIGINT (a worker pod or process)."""
    database = Database(settings.sqlalchemy_url, application_name=f"sela-{spec.name}-worker")
    assert settings.nats_url is not None
    bus = Bus(settings.nats_url, spec.name, streams=spec.all_streams())
    workers = [
        JobRunner(spec.name, spec.jobs, database, bus, ack_wait=settings.job_ack_wait_seconds)
        for _ in range(count)
    ]
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await bus.start()
    tasks = [asyncio.create_task(w.run(), name=f"job-worker-{i}") for i, w in enumerate(workers)]
    logger.info("%d %s job worker(s) started", count, spec.name)
    try:
        await stop.wait()
    finally:
        for worker in workers:
            worker.stop()
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
    args = parser.parse_args(argv)
    settings = spec.settings_cls()
    configure_logging(spec.name, settings.log_level)
    if args.command == "migrate":
        asyncio.run(migrate(spec))
        return
    if args.command == "worker":
        asyncio.run(run_workers(spec, settings, max(1, args.count)))
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
