"""The gateway process: ``python -m sela_gateway [serve|migrate]``."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
from typing import Any

import uvicorn

from sela_gateway import MIGRATIONS
from sela_gateway.app import Gateway
from sela_gateway.settings import GatewaySettings
from sela_kit.logs import configure_logging
from sela_kit.migrations import ensure_database, upgrade

logger = logging.getLogger("sela.gateway")


async def migrate(settings: GatewaySettings) -> None:
    url = settings.sqlalchemy_url
    if await ensure_database(url):
        logger.info("created database %s", url.database)
    await upgrade(url, MIGRATIONS)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m sela_gateway")
    sub = parser.add_subparsers(dest="command")
    serve = sub.add_parser("serve", help="serve HTTP (the default)")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    sub.add_parser("migrate", help="create the database if needed and apply migrations")
    args = parser.parse_args()
    settings = GatewaySettings()
    configure_logging("gateway", settings.log_level)
    if args.command == "migrate":
        asyncio.run(migrate(settings))
        return
    settings.host = getattr(args, "host", None) or settings.host
    settings.port = getattr(args, "port", None) or settings.port
    assert settings.port is not None
    options: dict[str, Any] = {
        "host": settings.host,
        "port": settings.port,
        "log_config": None,
        "access_log": False,
        "server_header": False,
        "proxy_headers": False,
        "timeout_graceful_shutdown": 10,
        "lifespan": "on",
        "backlog": 4096,
    }
    if settings.workers > 1:
        # Worker processes build their own gateway from the same environment; they share
        # rate limits through NATS and each keeps its own cache.
        os.environ["SELA_GATEWAY_HOST"] = settings.host
        os.environ["SELA_GATEWAY_PORT"] = str(settings.port)
        uvicorn.run(
            "sela_gateway.runner:worker_app", factory=True, workers=settings.workers, **options
        )
        return
    uvicorn.Server(uvicorn.Config(Gateway(settings), **options)).run()


def worker_app() -> Gateway:
    settings = GatewaySettings()
    configure_logging("gateway", settings.log_level)
    return Gateway(settings)
