"""Pure-ASGI middleware: request context, access log and metrics, internal identity."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Sequence

from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sela_kit.context import (
    child_traceparent,
    new_request_id,
    request_id_var,
    traceparent_var,
    valid_request_id,
)
from sela_kit.errors import problem_response
from sela_kit.identity import IDENTITY_HEADER, InvalidIdentityError, VerifiedTokens
from sela_kit.metrics import HTTP_IN_FLIGHT, HTTP_LATENCY, HTTP_REQUESTS

access_log = logging.getLogger("sela.access")


class RequestContextMiddleware:
    """Request id and traceparent in, on the response and in every log line; metrics out."""

    def __init__(self, app: ASGIApp, service: str) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        request_id = valid_request_id(headers.get("x-request-id")) or new_request_id()
        traceparent = child_traceparent(headers.get("traceparent"))
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        state["traceparent"] = traceparent
        rid_token = request_id_var.set(request_id)
        tp_token = traceparent_var.set(traceparent)
        status = 500
        started = time.perf_counter()
        in_flight = HTTP_IN_FLIGHT.labels(self.service)
        in_flight.inc()

        async def send_with_context(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                response_headers = MutableHeaders(scope=message)
                response_headers["X-Request-ID"] = request_id
                response_headers["traceparent"] = traceparent
            await send(message)

        try:
            await self.app(scope, receive, send_with_context)
        finally:
            in_flight.dec()
            elapsed = time.perf_counter() - started
            route = _route_template(scope)
            method = scope["method"]
            HTTP_REQUESTS.labels(self.service, method, route, str(status)).inc()
            HTTP_LATENCY.labels(self.service, method, route).observe(elapsed)
            access_log.info(
                "%s %s %s",
                method,
                scope["path"],
                status,
                extra={"route": route, "status": status, "duration_ms": round(elapsed * 1000, 2)},
            )
            request_id_var.reset(rid_token)
            traceparent_var.reset(tp_token)


def _route_template(scope: Scope) -> str:
    # The template (not the raw path) keeps the metric's label set bounded.
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else "unmatched"


class InternalIdentityMiddleware:
    """Refuses requests that do not carry a valid identity token from the gateway."""

    def __init__(self, app: ASGIApp, secrets: Sequence[str], open_paths: Iterable[str]) -> None:
        self.app = app
        self.tokens = VerifiedTokens(*secrets)
        self.open_paths = frozenset(open_paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in self.open_paths:
            await self.app(scope, receive, send)
            return
        token = Headers(scope=scope).get(IDENTITY_HEADER)
        if token is None:
            response = problem_response(
                Request(scope),
                401,
                code="missing_internal_identity",
                detail="Requests reach this service through the gateway only.",
            )
            await response(scope, receive, send)
            return
        try:
            identity = self.tokens.verify(token)
        except InvalidIdentityError as exc:
            response = problem_response(
                Request(scope),
                401,
                code="invalid_internal_identity",
                detail=f"The internal identity token was refused: {exc}",
            )
            await response(scope, receive, send)
            return
        scope.setdefault("state", {})["identity"] = identity
        await self.app(scope, receive, send)
