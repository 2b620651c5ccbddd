"""Building a service: one call turns a :class:`ServiceSpec` into a ready FastAPI app."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from sqlalchemy import MetaData

from sela_contracts import DEAD_LETTER_STREAM, JOBS_STREAM, STREAMS, StreamSpec
from sela_kit import health
from sela_kit.db import Database
from sela_kit.errors import PROBLEM_MEDIA_TYPE, InvalidParam, Problem, install_error_handlers
from sela_kit.jobs import JobKind, JobRunner, jobs_router
from sela_kit.messaging.bus import Bus
from sela_kit.messaging.inbox import ConsumerRunner, ConsumerSpec
from sela_kit.messaging.outbox import OutboxRelay
from sela_kit.metrics import metrics_endpoint
from sela_kit.middleware import InternalIdentityMiddleware, RequestContextMiddleware
from sela_kit.settings import ServiceSettings
from sela_kit.tasks import cancel_and_wait

logger = logging.getLogger("sela.app")

OPEN_PATHS = ("/healthz", "/readyz", "/metrics")


@dataclass(frozen=True)
class ServiceSpec:
    """What a service is: its name, settings, data, HTTP routes and event consumers."""

    name: str
    title: str
    description: str
    settings_cls: type[ServiceSettings]
    migrations: Path
    metadata: Sequence[MetaData] = ()
    routers: Sequence[APIRouter] = ()
    consumers: Sequence[ConsumerSpec] = ()
    streams: Sequence[StreamSpec] = (*STREAMS, DEAD_LETTER_STREAM)
    version: str = "0.1.0"
    # Loads the service's demo data into its (migrated) database and returns a one-line
    # summary; `sela up` calls it after migrating. It must be idempotent: a second
    # `make run` on the same state folder finds the data already there.
    demo: Callable[[ServiceSettings], Awaitable[str]] | None = None
    # Typer sub-applications the service adds to the `sela` command, by name
    # (e.g. {"import": typer_app}); typed loosely so the kit does not depend on typer.
    commands: dict[str, Any] = field(default_factory=dict)
    # Long computations run as jobs by worker processes (sela_kit.jobs); the service then
    # also serves GET /jobs and /jobs/{id}.
    jobs: Mapping[str, JobKind] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    def all_streams(self) -> tuple[StreamSpec, ...]:
        streams = tuple(self.streams)
        if self.jobs and JOBS_STREAM not in streams:
            streams = (*streams, JOBS_STREAM)
        return streams


def operation_id(route: APIRoute) -> str:
    # The endpoint's function name: stable across refactors of paths and tags, and unique
    # within a service (checked when the app is built). The gateway namespaces it.
    return route.name


@dataclass
class Runtime:
    """The background parts of a running service."""

    relay: OutboxRelay
    consumers: list[ConsumerRunner]
    workers: list[JobRunner] = field(default_factory=list)
    tasks: list[asyncio.Task[None]] = field(default_factory=list)


def create_app(
    spec: ServiceSpec, settings: ServiceSettings | None = None, *, run_background: bool = True
) -> FastAPI:
    """Build the service app. ``run_background=False`` skips the relay and consumers
    (tests that drive them by hand)."""
    settings = settings or spec.settings_cls()
    database = Database(
        settings.sqlalchemy_url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        application_name=f"sela-{spec.name}",
    )
    assert settings.nats_url is not None
    bus = Bus(settings.nats_url, spec.name, streams=spec.all_streams())
    relay = OutboxRelay(
        database,
        bus,
        spec.name,
        batch_size=settings.relay_batch_size,
        poll_seconds=settings.relay_poll_seconds,
    )
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
    workers = [
        JobRunner(
            spec.name,
            spec.jobs,
            database,
            bus,
            ack_wait=settings.job_ack_wait_seconds,
            settings=settings,
        )
        for _ in range(settings.job_workers if spec.jobs else 0)
    ]
    runtime = Runtime(relay=relay, consumers=runners, workers=workers)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await bus.start()
        if run_background:
            runtime.tasks.append(asyncio.create_task(relay.run(), name="outbox-relay"))
            if settings.consumers_in_process:
                runtime.tasks.extend(
                    asyncio.create_task(r.run(), name=f"consumer-{r.spec.name}") for r in runners
                )
            runtime.tasks.extend(
                asyncio.create_task(w.run(), name=f"job-worker-{i}") for i, w in enumerate(workers)
            )
        logger.info("%s started on port %s", spec.name, settings.port)
        try:
            yield
        finally:
            relay.stop()
            for runner in runners:
                runner.stop()
            for worker in workers:
                worker.stop()
            await cancel_and_wait(*runtime.tasks)
            runtime.tasks.clear()
            await bus.close()
            await database.dispose()

    app = FastAPI(
        title=spec.title,
        description=spec.description,
        version=spec.version,
        lifespan=lifespan,
        generate_unique_id_function=operation_id,
    )
    app.state.spec = spec
    app.state.settings = settings
    app.state.database = database
    app.state.bus = bus
    app.state.runtime = runtime

    install_error_handlers(app)
    app.include_router(health.router)
    app.add_route("/metrics", metrics_endpoint, include_in_schema=False)
    for router in spec.routers:
        app.include_router(router)
    if spec.jobs:
        app.include_router(jobs_router())
    _check_operation_ids(app)

    app.add_middleware(
        InternalIdentityMiddleware, secrets=settings.verification_secrets, open_paths=OPEN_PATHS
    )
    app.add_middleware(RequestContextMiddleware, service=spec.name)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


def _check_operation_ids(app: FastAPI) -> None:
    seen: dict[str, str] = {}
    for route in app.routes:
        if isinstance(route, APIRoute):
            if route.name in seen and seen[route.name] != route.path:
                raise ValueError(
                    f"operationId {route.name!r} used by {seen[route.name]} and {route.path}"
                )
            seen[route.name] = route.path


def _openapi(app: FastAPI) -> dict[str, Any]:
    if app.openapi_schema is not None:
        return app.openapi_schema
    schema = get_openapi(
        title=app.title, version=app.version, description=app.description, routes=app.routes
    )
    components = schema.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    schemas["Problem"] = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas["Problem"].pop("$defs", None)
    schemas["InvalidParam"] = InvalidParam.model_json_schema()
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    problem = {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    components.setdefault("securitySchemes", {})["gatewayIdentity"] = {
        "type": "apiKey",
        "in": "header",
        "name": "X-Sela-Identity",
        "description": "Signed by the gateway; clients authenticate at the gateway instead.",
    }
    for path, operations in schema.get("paths", {}).items():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            if "422" in responses:
                responses["422"] = {"description": "Validation failed", "content": problem}
            responses.setdefault("500", {"description": "Internal error", "content": problem})
            if path not in OPEN_PATHS:
                operation["security"] = [{"gatewayIdentity": []}]
                responses.setdefault(
                    "401", {"description": "No valid identity from the gateway", "content": problem}
                )
    app.openapi_schema = schema
    return schema
