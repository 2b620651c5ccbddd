"""One OpenAPI document for the whole platform, merged from every service's own.

Paths get the public prefix ``/api/v1/<service>``, component names the service's prefix
(every ``$ref`` rewritten), operationIds ``<service>_<operationId>``, and each operation the
gateway's security requirements from the route policy. Each service's document is refreshed
periodically; when a service is down its last good copy is used.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import logging
import time
from typing import Any

import aiohttp

from sela_gateway.policy import RoutePolicy
from sela_kit.errors import InvalidParam, Problem
from sela_kit.identity import Identity, sign_identity
from sela_kit.tasks import cancel_and_wait

logger = logging.getLogger("sela.gateway.openapi")

COMPONENT_KINDS = (
    "schemas",
    "responses",
    "parameters",
    "examples",
    "requestBodies",
    "headers",
    "links",
    "callbacks",
)
INTERNAL_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})
METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})
SECURITY_SCHEMES = {
    "apiKey": {
        "type": "apiKey",
        "in": "header",
        "name": "X-API-Key",
        "description": "Key issued to a partner institution by a SELA administrator.",
    },
    "bearer": {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "Access token from POST /auth/login (or the configured OIDC issuer).",
    },
}


def _prefix(service: str) -> str:
    return "".join(part.capitalize() for part in service.split("_"))


def _rewrite_refs(node: Any, service: str) -> Any:
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and value.startswith("#/components/"):
                _, _, kind, name = value.split("/", 3)
                out[key] = f"#/components/{kind}/{_prefix(service)}{name}"
            else:
                out[key] = _rewrite_refs(value, service)
        return out
    if isinstance(node, list):
        return [_rewrite_refs(item, service) for item in node]
    return node


def merge(
    documents: dict[str, dict[str, Any]],
    gateway: dict[str, Any],
    policy: RoutePolicy,
    *,
    title: str = "SELA platform API",
    version: str = "1",
) -> dict[str, Any]:
    merged: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {
            "title": title,
            "version": version,
            "description": "Every public operation of the SELA platform, through one "
            "gateway. Public reads need no credentials; partners send "
            "`X-API-Key`, people a bearer token from `/auth/login`.",
        },
        "paths": {},
        "components": {"schemas": {}, "securitySchemes": dict(SECURITY_SCHEMES)},
        "tags": [],
    }
    components = merged["components"]
    components["schemas"]["Problem"] = Problem.model_json_schema(
        ref_template="#/components/schemas/{model}"
    )
    components["schemas"]["Problem"].pop("$defs", None)
    components["schemas"]["InvalidParam"] = InvalidParam.model_json_schema()
    # The gateway's own operations (login, keys, users) keep their names.
    for path, operations in gateway.get("paths", {}).items():
        merged["paths"][path] = copy.deepcopy(operations)
    for kind, entries in gateway.get("components", {}).items():
        if kind in COMPONENT_KINDS:
            components.setdefault(kind, {}).update(copy.deepcopy(entries))
    for service in sorted(documents):
        document = _rewrite_refs(documents[service], service)
        merged["tags"].append(
            {"name": service, "description": document.get("info", {}).get("description", "")}
        )
        for kind, entries in document.get("components", {}).items():
            if kind not in COMPONENT_KINDS:
                continue
            target = components.setdefault(kind, {})
            for name, value in entries.items():
                target[f"{_prefix(service)}{name}"] = value
        for path, operations in document.get("paths", {}).items():
            if path in INTERNAL_PATHS:
                continue
            public_path = f"/api/v1/{service}{path}"
            merged_ops: dict[str, Any] = {}
            for method, operation in operations.items():
                if method not in METHODS:
                    merged_ops[method] = operation
                    continue
                op = dict(operation)
                op["operationId"] = f"{service}_{op.get('operationId', method + path)}"
                op["tags"] = [service] + [t for t in op.get("tags", []) if t != service]
                public = policy.is_public(service, method.upper(), path)
                op["security"] = (
                    [{}, {"apiKey": []}, {"bearer": []}]
                    if public
                    else [{"apiKey": []}, {"bearer": []}]
                )
                responses = op.setdefault("responses", {})
                problem = {
                    "application/problem+json": {
                        "schema": {"$ref": f"#/components/schemas/{_prefix(service)}Problem"}
                    }
                }
                responses.setdefault(
                    "429", {"description": "Rate limit exceeded", "content": problem}
                )
                responses.setdefault(
                    "503", {"description": "Service unavailable", "content": problem}
                )
                if not public:
                    responses.setdefault(
                        "401", {"description": "Credentials missing or invalid", "content": problem}
                    )
                    responses.setdefault("403", {"description": "Not allowed", "content": problem})
                merged_ops[method] = op
            merged["paths"][public_path] = merged_ops
    return merged


class OpenApiAggregator:
    """Keeps the last good document of each service and the merged result."""

    def __init__(
        self,
        upstreams: dict[str, str],
        secret: str,
        policy: RoutePolicy,
        gateway_document: Any,
        refresh_seconds: float = 60.0,
    ) -> None:
        self.upstreams = upstreams
        self.secret = secret
        self.policy = policy
        self.gateway_document = gateway_document
        self.refresh_seconds = refresh_seconds
        self.documents: dict[str, dict[str, Any]] = {}
        self.fetched_at: dict[str, float] = {}
        self.errors: dict[str, str] = {}
        self._merged: dict[str, Any] | None = None
        self._task: asyncio.Task[None] | None = None

    async def refresh(self, session: aiohttp.ClientSession) -> None:
        token = sign_identity(Identity(kind="service", subject="gateway"), self.secret)
        changed = False
        for name, base in self.upstreams.items():
            try:
                async with session.get(
                    f"{base}/openapi.json",
                    headers={"X-Sela-Identity": token},
                    timeout=aiohttp.ClientTimeout(total=5),
                ) as response:
                    response.raise_for_status()
                    document = await response.json()
            except Exception as exc:
                self.errors[name] = f"{exc.__class__.__name__}: {exc}"[:300]
                logger.warning(
                    "OpenAPI of %s not refreshed (%s); keeping the last good copy",
                    name,
                    self.errors[name],
                )
                continue
            self.errors.pop(name, None)
            self.fetched_at[name] = time.time()
            if self.documents.get(name) != document:
                self.documents[name] = document
                changed = True
        if changed or self._merged is None:
            self._merged = None

    def document(self) -> dict[str, Any]:
        if self._merged is None:
            self._merged = merge(self.documents, self.gateway_document(), self.policy)
        return self._merged

    async def start(self, session: aiohttp.ClientSession) -> None:
        async def loop() -> None:
            while True:
                with contextlib.suppress(Exception):
                    await self.refresh(session)
                # Retry sooner while some service has never answered.
                missing = set(self.upstreams) - set(self.documents)
                await asyncio.sleep(2.0 if missing else self.refresh_seconds)

        if self._task is None:
            self._task = asyncio.create_task(loop(), name="openapi-refresh")

    async def close(self) -> None:
        await cancel_and_wait(self._task)
        self._task = None
