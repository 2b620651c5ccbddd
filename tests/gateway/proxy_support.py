"""Real upstream services on loopback ports and in-process gateways in front of them."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import uvicorn
from asgi_lifespan import LifespanManager

from sela_devservers import free_port
from sela_gateway.app import Gateway
from sela_gateway.settings import GatewaySettings, Upstream
from sela_testing.support import TEST_SECRET, Servers


class UpstreamServer:
    """An ASGI app served by uvicorn on a free loopback port, stoppable and restartable."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.port = free_port()
        self._server: uvicorn.Server | None = None
        self._task: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        config = uvicorn.Config(
            self.app,
            host="127.0.0.1",
            port=self.port,
            log_config=None,
            access_log=False,
            lifespan="on",
        )
        self._server = uvicorn.Server(config)
        self._task = asyncio.create_task(self._server.serve())
        while not self._server.started:
            if self._task.done():
                self._task.result()
            await asyncio.sleep(0.02)

    async def stop(self) -> None:
        if self._server is not None and self._task is not None:
            self._server.should_exit = True
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._task, 15)
        self._server = None
        self._task = None


def gateway_settings(
    servers: Servers, database_url: str, upstreams: dict[str, str], **overrides: Any
) -> GatewaySettings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "nats_url": servers.nats_url,
        "internal_secret": TEST_SECRET,
        "environment": "development",
        "upstreams": {
            name: Upstream(url=url, timeout_seconds=5) for name, url in upstreams.items()
        },
        "openapi_refresh_seconds": 0.5,
    }
    values.update(overrides)
    return GatewaySettings(**values)


@contextlib.asynccontextmanager
async def running_gateway(
    settings: GatewaySettings, client_ip: str = "127.0.0.1"
) -> AsyncIterator[tuple[Gateway, httpx.AsyncClient]]:
    gateway = Gateway(settings)
    async with LifespanManager(gateway, startup_timeout=30, shutdown_timeout=30):
        assert await gateway.bus.wait_ready(10)
        transport = httpx.ASGITransport(
            app=gateway, raise_app_exceptions=False, client=(client_ip, 40000)
        )
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
            yield gateway, client


async def away_from_window_edge(margin: float = 3.0) -> None:
    """Wait out the end of a rate-limit window, so a test's requests share one window."""
    from sela_gateway.ratelimit import WINDOW_SECONDS

    left = WINDOW_SECONDS - time.time() % WINDOW_SECONDS
    if left < margin:
        await asyncio.sleep(left + 0.05)
