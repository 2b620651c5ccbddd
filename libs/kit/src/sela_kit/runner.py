"""``python -m sela_<service> [serve|migrate]``: the entry point of a service process."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence

import uvicorn

from sela_kit.app import ServiceSpec, create_app
from sela_kit.logs import configure_logging
from sela_kit.migrations import ensure_database, upgrade

logger = logging.getLogger("sela.runner")


async def migrate(spec: ServiceSpec, *, create: bool = True) -> None:
    settings = spec.settings_cls()
    url = settings.sqlalchemy_url
    if create and await ensure_database(url):
        logger.info("created database %s", url.database)
    await upgrade(url, spec.migrations)
    logger.info("database %s is at the latest revision", url.database)


def main(spec: ServiceSpec, argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog=f"python -m sela_{spec.name}", description=spec.description
    )
    sub = parser.add_subparsers(dest="command")
    serve = sub.add_parser("serve", help="serve HTTP (the default)")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    sub.add_parser("migrate", help="create the database if needed and apply migrations")
    args = parser.parse_args(argv)
    settings = spec.settings_cls()
    configure_logging(spec.name, settings.log_level)
    if args.command == "migrate":
        asyncio.run(migrate(spec))
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
        lifespan="on",
    )
    server = uvicorn.Server(config)
    try:
        server.run()
    except KeyboardInterrupt:
        sys.exit(130)
