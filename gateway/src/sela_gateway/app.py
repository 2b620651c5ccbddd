"""Assembling the gateway: the proxy for /api/v1/*, FastAPI for everything else."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse
from nats.aio.msg import Msg
from starlette.middleware.cors import CORSMiddleware
from starlette.types import Receive, Scope, Send

from sela_gateway.auth.authenticator import Authenticator
from sela_gateway.auth.endpoints import router as auth_router
from sela_gateway.auth.middleware import AuthenticationMiddleware
from sela_gateway.cache import ResponseCache
from sela_gateway.openapi import OpenApiAggregator
from sela_gateway.policy import RoutePolicy
from sela_gateway.proxy import PREFIX, Proxy
from sela_gateway.ratelimit import (
    CounterStore,
    MemoryStore,
    NatsKvStore,
    RateLimiter,
    RedisStore,
)
from sela_gateway.settings import GatewaySettings
from sela_kit.db import Database
from sela_kit.errors import install_error_handlers, problem_response, problem_responses
from sela_kit.messaging.bus import Bus
from sela_kit.metrics import metrics_endpoint
from sela_kit.middleware import RequestContextMiddleware

logger = logging.getLogger("sela.gateway")


class Gateway:
    """The gateway's ASGI application."""

    def __init__(self, settings: GatewaySettings | None = None) -> None:
        self.settings = settings = settings or GatewaySettings()
        self.database = Database(
            settings.sqlalchemy_url,
            pool_size=settings.db_pool_size,
            max_overflow=settings.db_max_overflow,
            application_name="sela-gateway",
        )
        assert settings.nats_url is not None
        self.bus = Bus(settings.nats_url, "gateway", streams=())
        store: CounterStore
        if settings.rate_limit_store == "nats":
            store = NatsKvStore(self.bus)
        elif settings.rate_limit_store == "redis":
            store = RedisStore(settings.rate_limit_redis_url)
        else:
            store = MemoryStore()
        self.limiter = RateLimiter(
            store,
            sync_seconds=settings.rate_limit_sync_seconds,
            when_store_down=settings.rate_limit_when_store_down,
        )
        self.cache = ResponseCache(settings.cache_max_entries, settings.cache_max_body_bytes)
        self.policy = RoutePolicy.load()
        self.authenticator = Authenticator(self.database, settings)
        self.proxy = Proxy(
            settings,
            authenticator=self.authenticator,
            policy=self.policy,
            limiter=self.limiter,
            cache=self.cache,
        )
        self.api = self._build_api()
        self.openapi = OpenApiAggregator(
            {name: u.url.rstrip("/") for name, u in settings.upstreams.items()},
            settings.secret,
            self.policy,
            self.api.openapi,
            settings.openapi_refresh_seconds,
        )
        self._subscribed = False
        self._ready_count = 0
        self.bus.on_ready.append(self._on_bus_ready)
        self.asgi = RequestContextMiddleware(
            AuthenticationMiddleware(self.api, self.authenticator), service="gateway"
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(PREFIX):
            await self.proxy(scope, receive, send)
        else:
            await self.asgi(scope, receive, send)

    # -- events: cache invalidation ------------------------------------------------------

    async def _on_bus_ready(self) -> None:
        self._ready_count += 1
        if self._ready_count > 1:
            # Events may have been missed while disconnected.
            self.cache.clear()
        if self._subscribed:
            return
        for service in self.settings.upstreams:
            await self.bus.nc.subscribe(f"{service}.>", cb=self._on_event)
        self._subscribed = True

    async def _on_event(self, msg: Msg) -> None:
        service = msg.subject.split(".", 1)[0]
        dropped = self.cache.invalidate(service)
        if dropped:
            logger.info(
                "cache: %d response(s) of %s dropped after %s", dropped, service, msg.subject
            )

    # -- lifecycle -------------------------------------------------------------------------

    @asynccontextmanager
    async def lifespan(self, app: FastAPI) -> AsyncIterator[None]:
        await self.bus.start()
        await self.proxy.start()
        await self.limiter.start()
        await self.authenticator.start()
        assert self.proxy.session is not None
        await self.openapi.start(self.proxy.session)
        try:
            yield
        finally:
            await self.openapi.close()
            await self.authenticator.close()
            await self.limiter.close()
            await self.proxy.close()
            await self.bus.close()
            await self.database.dispose()

    # -- the gateway's own endpoints -------------------------------------------------------

    def _build_api(self) -> FastAPI:
        settings = self.settings
        api = FastAPI(
            title="SELA gateway",
            version="1",
            lifespan=self.lifespan,
            openapi_url="/gateway/openapi.json",
            docs_url=None,
            redoc_url=None,
            generate_unique_id_function=lambda route: route.name,
        )
        api.state.settings = settings
        api.state.database = self.database
        install_error_handlers(api)
        api.include_router(auth_router)

        @api.get("/healthz", tags=["health"])
        async def healthz() -> dict[str, str]:
            """The gateway process answers."""
            return {"status": "ok", "service": "gateway"}

        @api.get("/readyz", tags=["health"], responses=problem_responses(503))
        async def readyz(request: Request) -> Any:
            """Ready: its database answers and the shared rate-limit store is reachable
            (unless the configured policy tolerates its absence)."""
            checks: dict[str, str] = {}
            try:
                await asyncio.wait_for(self.database.ping(), settings.readiness_timeout_seconds)
                checks["database"] = "ok"
            except Exception as exc:
                checks["database"] = f"failed: {exc.__class__.__name__}"
            store_ok = self.limiter.store.available
            checks["rate_limit_store"] = "ok" if store_ok else "unavailable"
            needed = ["database"] + (
                ["rate_limit_store"] if settings.rate_limit_when_store_down == "deny" else []
            )
            if all(checks[name] == "ok" for name in needed):
                return {"status": "ready", "service": "gateway", "checks": checks}
            return problem_response(
                request,
                503,
                code="not_ready",
                extra={"checks": checks},
                detail="Not ready: " + ", ".join(n for n in needed if checks[n] != "ok"),
                headers={"Retry-After": "1"},
            )

        @api.get("/status", tags=["health"])
        async def status() -> dict[str, Any]:
            """Each upstream's readiness and circuit breaker, the rate-limit store, the cache."""
            upstreams = self.proxy.status()
            session = self.proxy.session

            async def probe(name: str, url: str) -> None:
                try:
                    assert session is not None
                    async with session.get(
                        f"{url}/readyz", timeout=aiohttp.ClientTimeout(total=2)
                    ) as r:
                        upstreams[name]["ready"] = r.status == 200
                except Exception as exc:
                    upstreams[name]["ready"] = False
                    upstreams[name]["error"] = exc.__class__.__name__

            await asyncio.gather(*(probe(n, u["url"]) for n, u in upstreams.items()))
            for name, info in upstreams.items():
                info["openapi_error"] = self.openapi.errors.get(name)
            return {
                "upstreams": upstreams,
                "rate_limit_store": "ok" if self.limiter.store.available else "unavailable",
                "cache": {
                    "entries": len(self.cache),
                    "hits": self.cache.hits,
                    "misses": self.cache.misses,
                },
            }

        @api.get("/openapi.json", include_in_schema=False)
        async def openapi_document() -> JSONResponse:
            return JSONResponse(self.openapi.document())

        @api.get("/docs", include_in_schema=False)
        async def docs() -> HTMLResponse:
            return get_swagger_ui_html(openapi_url="/openapi.json", title="SELA platform API")

        api.add_route("/metrics", metrics_endpoint, include_in_schema=False)
        if settings.cors_origins:
            api.add_middleware(
                CORSMiddleware,
                allow_origins=settings.cors_origins,
                allow_methods=["*"],
                allow_headers=["*"],
                expose_headers=["X-Request-ID"],
            )
        return api


def create_app(settings: GatewaySettings | None = None) -> Gateway:
    return Gateway(settings)


__all__ = ["Gateway", "create_app"]
