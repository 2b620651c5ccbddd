"""The hot path: a pure-ASGI reverse proxy to the services.

Per request: request id and trace, CORS, authentication, route policy, rate limit, cache,
circuit breaker, forwarding with streaming bodies and bounded retries, metrics. Kept free of
framework routing and of httpx (whose pool measured ~7% of nginx here): the upstream client is
aiohttp with keep-alive connections.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

import aiohttp
from prometheus_client import Counter, Gauge, Histogram
from starlette.types import Message, Receive, Scope, Send

from sela_gateway.breaker import BreakerState, CircuitBreaker
from sela_gateway.cache import CachedResponse, ResponseCache, etag_for, etag_matches
from sela_gateway.policy import RoutePolicy
from sela_gateway.ratelimit import Decision, RateLimiter
from sela_gateway.settings import GatewaySettings
from sela_kit.context import child_traceparent, new_request_id, valid_request_id
from sela_kit.errors import DomainError, code_for_status
from sela_kit.identity import Identity, sign_identity

logger = logging.getLogger("sela.gateway.proxy")

PREFIX = "/api/v1/"
HOP_BY_HOP = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"proxy-authenticate",
        b"proxy-authorization",
        b"te",
        b"trailer",
        b"trailers",
        b"transfer-encoding",
        b"upgrade",
        b"host",
        b"content-length",
    }
)
# Never forwarded from a client: only the gateway vouches for identity and forwarding data.
CLIENT_STRIPPED = frozenset(
    {
        b"x-sela-identity",
        b"x-forwarded-for",
        b"x-forwarded-proto",
        b"x-forwarded-host",
        b"x-forwarded-prefix",
        b"forwarded",
        b"x-request-id",
        b"traceparent",
        b"authorization",
        b"x-api-key",
        b"cookie",
    }
)
RESPONSE_STRIPPED = (HOP_BY_HOP - {b"content-length"}) | {b"x-request-id", b"traceparent"}
IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
UPSTREAM_KEEP_ALIVE_SECONDS = 30
RETRYABLE_STATUS = frozenset({502, 503, 504})
MAX_REPLAYABLE_BODY = 1024 * 1024
SMALL_BODY = 256 * 1024

REQUESTS = Counter(
    "sela_gateway_requests_total", "Requests through the gateway", ["upstream", "method", "status"]
)
LATENCY = Histogram(
    "sela_gateway_request_duration_seconds",
    "Time through the gateway",
    ["upstream", "method"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
UPSTREAM_ERRORS = Counter(
    "sela_gateway_upstream_errors_total", "Failed upstream attempts", ["upstream", "reason"]
)
RETRIES = Counter("sela_gateway_retries_total", "Retried upstream attempts", ["upstream"])
BREAKER = Gauge("sela_gateway_breaker_open", "1 while an upstream's breaker is open", ["upstream"])
RATE_LIMITED = Counter(
    "sela_gateway_rate_limited_total", "Requests refused by rate limits", ["kind"]
)
CACHE = Counter("sela_gateway_cache_total", "Cache lookups", ["upstream", "result"])


class BodyTooLargeError(Exception):
    pass


class UpstreamError(Exception):
    def __init__(self, reason: str, status: int) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


@dataclass
class UpstreamTarget:
    name: str
    base_url: str
    timeout: float
    breaker: CircuitBreaker
    route_timeouts: list[tuple[str, frozenset[str], float]] = field(default_factory=list)

    def timeout_for(self, method: str, path: str) -> float:
        for prefix, methods, seconds in self.route_timeouts:
            if method in methods and path.startswith(prefix):
                return seconds
        return self.timeout


class IdentityTokens:
    """Signs each distinct identity once per half token lifetime instead of every request."""

    def __init__(self, secret: str, ttl: int = 60) -> None:
        self.secret = secret
        self.ttl = ttl
        self._cache: dict[Identity, tuple[bytes, float]] = {}

    def token(self, identity: Identity) -> bytes:
        now = time.monotonic()
        cached = self._cache.get(identity)
        if cached is not None and cached[1] > now:
            return cached[0]
        if len(self._cache) > 10_000:
            self._cache.clear()
        token = sign_identity(identity, self.secret, ttl=self.ttl).encode()
        self._cache[identity] = (token, now + self.ttl / 2)
        return token


def problem(
    status: int,
    detail: str,
    *,
    code: str | None = None,
    request_id: str,
    instance: str,
    extra: dict[str, Any] | None = None,
    headers: list[tuple[bytes, bytes]] | None = None,
    title: str | None = None,
) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    code = code or code_for_status(status)
    body: dict[str, Any] = {
        "type": "https://sela.org/problems/" + code.replace("_", "-"),
        "title": title or HTTPStatus(status).phrase,
        "status": status,
        "code": code,
        "detail": detail,
        "instance": instance,
        "request_id": request_id,
    }
    if extra:
        body.update({k: v for k, v in extra.items() if k not in body})
    raw = json.dumps(body).encode()
    all_headers = [
        (b"content-type", b"application/problem+json"),
        (b"content-length", str(len(raw)).encode()),
    ]
    return status, all_headers + (headers or []), raw


class Proxy:
    def __init__(
        self,
        settings: GatewaySettings,
        *,
        authenticator: Any,
        policy: RoutePolicy,
        limiter: RateLimiter,
        cache: ResponseCache,
    ) -> None:
        self.settings = settings
        self.authenticator = authenticator
        self.policy = policy
        self.limiter = limiter
        self.cache = cache
        self.tokens = IdentityTokens(settings.secret)
        self.cors_origins = frozenset(o.encode() for o in settings.cors_origins)
        self.cors_any = b"*" in self.cors_origins
        self.upstreams: dict[str, UpstreamTarget] = {}
        for name, upstream in settings.upstreams.items():
            target = UpstreamTarget(
                name,
                upstream.url.rstrip("/"),
                upstream.timeout_seconds,
                CircuitBreaker(settings.breaker_failures, settings.breaker_reset_seconds),
            )
            target.route_timeouts = [
                (rt.path_prefix, frozenset(m.upper() for m in rt.methods), rt.timeout_seconds)
                for rt in settings.route_timeouts
                if rt.service == name
            ]
            self.upstreams[name] = target
        self.session: aiohttp.ClientSession | None = None
        self._request_children: dict[tuple[str, str, int], Any] = {}
        self._latency_children: dict[tuple[str, str], Any] = {}
        self._timeouts: dict[float, aiohttp.ClientTimeout] = {}

    async def start(self) -> None:
        if self.session is None:
            connector = aiohttp.TCPConnector(
                limit=0,
                limit_per_host=256,
                # Below the services' own keep-alive (sela_kit.runner.KEEP_ALIVE_SECONDS).
                keepalive_timeout=UPSTREAM_KEEP_ALIVE_SECONDS,
                enable_cleanup_closed=True,
                ttl_dns_cache=300,
            )
            self.session = aiohttp.ClientSession(
                connector=connector,
                auto_decompress=False,
                skip_auto_headers=("User-Agent",),
                timeout=aiohttp.ClientTimeout(total=None),
            )

    async def close(self) -> None:
        if self.session is not None:
            await self.session.close()
            self.session = None

    # -- ASGI ----------------------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        headers = _header_map(scope)
        request_id = valid_request_id(_text(headers.get(b"x-request-id"))) or new_request_id()
        traceparent = child_traceparent(_text(headers.get(b"traceparent")))
        scope.setdefault("state", {})["request_id"] = request_id
        method: str = scope["method"]
        path: str = scope["path"]
        service, _, rest = path[len(PREFIX) :].partition("/")
        rest = "/" + rest
        origin = headers.get(b"origin")
        cors = self._cors_headers(origin)
        extra_headers = [
            (b"x-request-id", request_id.encode()),
            (b"traceparent", traceparent.encode()),
            *cors,
        ]
        target = self.upstreams.get(service)
        status = 500
        try:
            if target is None:
                raise DomainError(
                    f"No service named {service!r}; known: {', '.join(sorted(self.upstreams))}.",
                    status=404,
                    code="unknown_service",
                    title="Not Found",
                )
            if (
                method == "OPTIONS"
                and origin is not None
                and b"access-control-request-method" in headers
            ):
                status = await self._preflight(send, origin, headers, extra_headers)
                return
            identity = await self.authenticator.authenticate(
                _text(headers.get(b"authorization")), _text(headers.get(b"x-api-key"))
            )
            public = self.policy.check(service, method, rest, identity)
            decision = await self._rate_limit(identity, scope, headers)
            extra_headers += decision.headers()
            if not decision.allowed:
                RATE_LIMITED.labels(identity.kind).inc()
                raise DomainError(
                    "Too many requests; wait for the window to reset.",
                    status=429,
                    code="rate_limited",
                    title="Too Many Requests",
                    extra={"limit": decision.limit},
                    headers={"Retry-After": str(decision.reset_seconds)},
                )
            cache_key = None
            if public and method == "GET" and not identity.authenticated:
                cache_key = _cache_key(scope, headers)
                cached = self.cache.get(service, cache_key)
                CACHE.labels(service, "hit" if cached else "miss").inc()
                if cached is not None:
                    status = await self._send_cached(send, cached, headers, extra_headers)
                    return
            status = await self._forward(
                scope,
                receive,
                send,
                target,
                rest,
                headers,
                identity,
                request_id,
                traceparent,
                extra_headers,
                cache_key,
            )
        except DomainError as exc:
            status = exc.status
            hdrs = [(k.lower().encode(), v.encode()) for k, v in exc.headers.items()]
            await _send_full(
                send,
                *problem(
                    exc.status,
                    exc.detail,
                    code=exc.code,
                    title=exc.title,
                    request_id=request_id,
                    instance=path,
                    extra=exc.extra,
                    headers=hdrs + extra_headers,
                ),
            )
        except BodyTooLargeError:
            status = 413
            await _send_full(
                send,
                *problem(
                    413,
                    f"The request body exceeds {self.settings.max_body_bytes} bytes.",
                    code="payload_too_large",
                    request_id=request_id,
                    instance=path,
                    extra={"max_bytes": self.settings.max_body_bytes},
                    headers=extra_headers,
                ),
            )
        finally:
            label = target.name if target else "unknown"
            self._metrics(label, method, status).inc()
            self._latency(label, method).observe(time.perf_counter() - started)

    # Looking up labelled children costs more than the increment itself; keep them.
    def _metrics(self, upstream: str, method: str, status: int) -> Any:
        key = (upstream, method, status)
        child = self._request_children.get(key)
        if child is None:
            child = self._request_children[key] = REQUESTS.labels(upstream, method, str(status))
        return child

    def _latency(self, upstream: str, method: str) -> Any:
        key = (upstream, method)
        child = self._latency_children.get(key)
        if child is None:
            child = self._latency_children[key] = LATENCY.labels(upstream, method)
        return child

    def _timeout(self, seconds: float) -> aiohttp.ClientTimeout:
        timeout = self._timeouts.get(seconds)
        if timeout is None:
            if len(self._timeouts) > 1000:
                self._timeouts.clear()
            timeout = self._timeouts[seconds] = aiohttp.ClientTimeout(
                total=seconds, sock_connect=min(seconds, 2.0)
            )
        return timeout

    # -- steps ---------------------------------------------------------------------------

    def _cors_headers(self, origin: bytes | None) -> list[tuple[bytes, bytes]]:
        if origin is None or not (self.cors_any or origin in self.cors_origins):
            return []
        return [
            (b"access-control-allow-origin", origin),
            (b"vary", b"Origin"),
            (
                b"access-control-expose-headers",
                b"X-Request-ID, ETag, Retry-After, RateLimit-Limit, RateLimit-Remaining, "
                b"RateLimit-Reset, RateLimit-Policy",
            ),
        ]

    async def _preflight(
        self,
        send: Send,
        origin: bytes,
        headers: dict[bytes, bytes],
        extra: list[tuple[bytes, bytes]],
    ) -> int:
        if not (self.cors_any or origin in self.cors_origins):
            raise DomainError(
                "This origin is not allowed to call the API.",
                status=403,
                code="cors_origin_refused",
                title="Forbidden",
            )
        allow = [
            (b"access-control-allow-methods", b"GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS"),
            (
                b"access-control-allow-headers",
                headers.get(
                    b"access-control-request-headers",
                    b"Authorization, Content-Type, X-API-Key, X-Request-ID, "
                    b"Idempotency-Key, If-None-Match",
                ),
            ),
            (b"access-control-max-age", b"600"),
            (b"content-length", b"0"),
        ]
        await _send_full(send, 204, allow + extra, b"")
        return 204

    async def _rate_limit(
        self, identity: Identity, scope: Scope, headers: dict[bytes, bytes]
    ) -> Decision:
        settings = self.settings
        if identity.kind == "api_key" and identity.subject:
            return await self.limiter.check(
                "key", identity.subject, settings.rate_limit_api_key_per_minute
            )
        if identity.kind == "user" and identity.subject:
            return await self.limiter.check(
                "user", identity.subject, settings.rate_limit_user_per_minute
            )
        return await self.limiter.check(
            "ip", _client_ip(scope, headers, settings), settings.rate_limit_anonymous_per_minute
        )

    async def _send_cached(
        self,
        send: Send,
        cached: CachedResponse,
        headers: dict[bytes, bytes],
        extra: list[tuple[bytes, bytes]],
    ) -> int:
        if etag_matches(headers.get(b"if-none-match"), cached.etag):
            await _send_full(
                send, 304, [(b"etag", cached.etag), *_cache_control(cached.max_age), *extra], b""
            )
            return 304
        await _send_full(
            send, cached.status, [*cached.headers, (b"x-cache", b"hit"), *extra], cached.body
        )
        return cached.status

    def _upstream_headers(
        self,
        scope: Scope,
        headers: dict[bytes, bytes],
        identity: Identity,
        request_id: str,
        traceparent: str,
    ) -> dict[str, str]:
        out: dict[str, str] = {}
        for key, value in scope["headers"]:
            lower = key.lower()
            if lower in HOP_BY_HOP or lower in CLIENT_STRIPPED:
                continue
            name = key.decode("latin-1")
            out[name] = (
                value.decode("latin-1")
                if name not in out
                else out[name] + ", " + value.decode("latin-1")
            )
        client = _client_ip(scope, headers, self.settings)
        forwarded = (
            _text(headers.get(b"x-forwarded-for")) if self.settings.trust_forwarded_for else None
        )
        out["X-Forwarded-For"] = f"{forwarded}, {client}" if forwarded else client
        out["X-Forwarded-Proto"] = scope.get("scheme", "http")
        host = headers.get(b"host")
        if host:
            out["X-Forwarded-Host"] = host.decode("latin-1")
        out["X-Request-ID"] = request_id
        out["traceparent"] = traceparent
        out["X-Sela-Identity"] = self.tokens.token(identity).decode()
        return out

    async def _forward(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        target: UpstreamTarget,
        rest: str,
        headers: dict[bytes, bytes],
        identity: Identity,
        request_id: str,
        traceparent: str,
        extra: list[tuple[bytes, bytes]],
        cache_key: bytes | None,
    ) -> int:
        assert self.session is not None
        method: str = scope["method"]
        if not target.breaker.allow():
            BREAKER.labels(target.name).set(1)
            raise DomainError(
                f"The {target.name} service is unavailable (failing repeatedly); try again "
                "shortly.",
                status=503,
                code="upstream_unavailable",
                title="Service Unavailable",
                extra={"upstream": target.name},
                headers={"Retry-After": str(target.breaker.retry_after())},
            )
        length = headers.get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.settings.max_body_bytes:
            raise BodyTooLargeError
        query = scope.get("query_string", b"")
        url = target.base_url + rest + ("?" + query.decode("latin-1") if query else "")
        upstream_headers = self._upstream_headers(scope, headers, identity, request_id, traceparent)
        # Services build public links (chart URLs, SDMX references) under this prefix.
        upstream_headers["X-Forwarded-Prefix"] = f"{PREFIX}{target.name}"
        has_body = method not in ("GET", "HEAD", "OPTIONS", "DELETE") or length not in (None, b"0")
        retryable = method in IDEMPOTENT or (method == "POST" and b"idempotency-key" in headers)
        body: bytes | AsyncIterator[bytes] | None = None
        if has_body:
            small = length is not None and length.isdigit() and int(length) <= MAX_REPLAYABLE_BODY
            if retryable and small:
                body = await _read_body(receive, self.settings.max_body_bytes)
            else:
                body = _stream_body(receive, self.settings.max_body_bytes)
                retryable = False
        deadline = time.monotonic() + target.timeout_for(method, rest)
        attempts = 1 + (self.settings.retry_attempts if retryable else 0)
        last: UpstreamError | None = None
        for attempt in range(attempts):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            if attempt:
                RETRIES.labels(target.name).inc()
                pause = min(remaining / 2, random.uniform(0, 0.05 * 2**attempt))  # noqa: S311
                await asyncio.sleep(pause)
            try:
                return await self._attempt(
                    send,
                    target,
                    method,
                    url,
                    upstream_headers,
                    body,
                    remaining,
                    extra,
                    cache_key,
                    headers,
                    last_attempt=attempt == attempts - 1,
                )
            except UpstreamError as exc:
                last = exc
                UPSTREAM_ERRORS.labels(target.name, exc.reason).inc()
                target.breaker.failure()
                if target.breaker.state is BreakerState.OPEN:
                    BREAKER.labels(target.name).set(1)
                    break
        reason = last.reason if last else "timeout"
        status = last.status if last else 504
        raise DomainError(
            f"The {target.name} service did not answer ({reason}).",
            status=status,
            code="upstream_timeout" if status == 504 else "upstream_unavailable",
            title="Gateway Timeout" if status == 504 else "Service Unavailable",
            extra={"upstream": target.name},
            headers={"Retry-After": "1"},
        )

    async def _attempt(
        self,
        send: Send,
        target: UpstreamTarget,
        method: str,
        url: str,
        upstream_headers: dict[str, str],
        body: bytes | AsyncIterator[bytes] | None,
        timeout: float,
        extra: list[tuple[bytes, bytes]],
        cache_key: bytes | None,
        headers: dict[bytes, bytes],
        *,
        last_attempt: bool,
    ) -> int:
        assert self.session is not None
        try:
            response = await self.session.request(
                method,
                url,
                headers=upstream_headers,
                data=body,
                allow_redirects=False,
                timeout=self._timeout(round(timeout, 1) or 0.1),
            )
        except BodyTooLargeError:
            raise
        except TimeoutError as exc:
            raise UpstreamError("timeout", 504) from exc
        except aiohttp.ClientError as exc:
            if isinstance(exc.__cause__, BodyTooLargeError):
                raise BodyTooLargeError from exc
            raise UpstreamError(exc.__class__.__name__, 503) from exc
        try:
            if (
                response.status in RETRYABLE_STATUS
                and not last_attempt
                and not isinstance(body, AsyncIterator)
            ):
                raise UpstreamError(f"status {response.status}", 503)
            if target.breaker.state is not BreakerState.CLOSED:
                BREAKER.labels(target.name).set(0)
            target.breaker.success()
            out_headers = [
                (k.lower(), v)
                for k, v in response.raw_headers
                if k.lower() not in RESPONSE_STRIPPED
            ]
            if cache_key is not None and response.status == 200:
                return await self._send_cacheable(
                    send, target, response, out_headers, extra, cache_key, headers
                )
            length = response.content_length
            if length is not None and length <= SMALL_BODY:
                # One body message instead of a stream: fewer writes for the usual small answer.
                try:
                    body = await response.content.read()
                except (aiohttp.ClientError, TimeoutError) as exc:
                    raise UpstreamError("truncated response", 502) from exc
                await _send_full(send, response.status, out_headers + extra, body)
                return response.status
            await send(
                {
                    "type": "http.response.start",
                    "status": response.status,
                    "headers": out_headers + extra,
                }
            )
            try:
                async for chunk in response.content.iter_chunked(65536):
                    await send({"type": "http.response.body", "body": chunk, "more_body": True})
            except (aiohttp.ClientError, TimeoutError):
                logger.warning("upstream %s broke off a response", target.name)
            await send({"type": "http.response.body", "body": b"", "more_body": False})
            return response.status
        finally:
            response.release()

    async def _send_cacheable(
        self,
        send: Send,
        target: UpstreamTarget,
        response: aiohttp.ClientResponse,
        out_headers: list[tuple[bytes, bytes]],
        extra: list[tuple[bytes, bytes]],
        cache_key: bytes,
        headers: dict[bytes, bytes],
    ) -> int:
        try:
            body = await response.content.read()
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise UpstreamError("truncated response", 503) from exc
        upstream_cc = response.headers.get("Cache-Control", "")
        storable = "no-store" not in upstream_cc and "private" not in upstream_cc
        etag = response.headers.get("ETag", "").encode() or etag_for(body)
        max_age = self.settings.cache_max_age_seconds
        kept = [
            (k, v)
            for k, v in out_headers
            if k not in (b"etag", b"cache-control", b"content-length")
        ]
        kept += [
            (b"etag", etag),
            *_cache_control(max_age if storable else 0),
            (b"content-length", str(len(body)).encode()),
        ]
        if storable:
            self.cache.put(
                target.name,
                cache_key,
                CachedResponse(200, kept, body, etag, time.monotonic(), max_age),
            )
        if etag_matches(headers.get(b"if-none-match"), etag):
            await _send_full(send, 304, [(b"etag", etag), *_cache_control(max_age), *extra], b"")
            return 304
        await _send_full(send, 200, [*kept, (b"x-cache", b"miss"), *extra], body)
        return 200

    def status(self) -> dict[str, dict[str, Any]]:
        return {
            name: {
                "url": t.base_url,
                "breaker": t.breaker.state.value,
                "consecutive_failures": t.breaker.consecutive_failures,
            }
            for name, t in self.upstreams.items()
        }


def _cache_control(max_age: int) -> list[tuple[bytes, bytes]]:
    value = f"public, max-age={max_age}" if max_age else "no-cache"
    return [(b"cache-control", value.encode()), (b"vary", b"Accept, Accept-Language")]


def _cache_key(scope: Scope, headers: dict[bytes, bytes]) -> bytes:
    return b"|".join(
        (
            scope["path"].encode(),
            scope.get("query_string", b""),
            headers.get(b"accept", b""),
            headers.get(b"accept-language", b""),
        )
    )


def _header_map(scope: Scope) -> dict[bytes, bytes]:
    # Last value wins: enough for the single-valued headers the gateway itself reads.
    return {k.lower(): v for k, v in scope["headers"]}


def _text(value: bytes | None) -> str | None:
    return value.decode("latin-1") if value is not None else None


def _client_ip(scope: Scope, headers: dict[bytes, bytes], settings: GatewaySettings) -> str:
    if settings.trust_forwarded_for:
        forwarded = headers.get(b"x-forwarded-for")
        if forwarded:
            return forwarded.split(b",")[0].strip().decode("latin-1")
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


async def _read_body(receive: Receive, limit: int) -> bytes:
    chunks = []
    size = 0
    while True:
        message: Message = await receive()
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise BodyTooLargeError
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


async def _stream_body(receive: Receive, limit: int) -> AsyncIterator[bytes]:
    size = 0
    while True:
        message: Message = await receive()
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise BodyTooLargeError
        if chunk:
            yield chunk
        if not message.get("more_body", False):
            return


async def _send_full(
    send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes
) -> None:
    if not any(k == b"content-length" for k, _ in headers):
        headers = [*headers, (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})
