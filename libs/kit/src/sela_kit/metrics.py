"""Prometheus metrics shared by every service (one process serves one service)."""

from __future__ import annotations

from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest
from starlette.requests import Request
from starlette.responses import Response

HTTP_REQUESTS = Counter(
    "sela_http_requests_total", "HTTP requests handled", ["service", "method", "route", "status"]
)
HTTP_LATENCY = Histogram(
    "sela_http_request_duration_seconds",
    "Time to handle an HTTP request",
    ["service", "method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
HTTP_IN_FLIGHT = Gauge("sela_http_requests_in_flight", "Requests being handled", ["service"])
OUTBOX_PUBLISHED = Counter("sela_outbox_published_total", "Outbox events published", ["service"])
OUTBOX_FAILURES = Counter(
    "sela_outbox_publish_failures_total", "Failed relay attempts", ["service"]
)
OUTBOX_PENDING = Gauge("sela_outbox_pending", "Outbox events not yet published", ["service"])
INBOX_HANDLED = Counter(
    "sela_inbox_handled_total", "Messages applied by consumers", ["service", "consumer"]
)
INBOX_DUPLICATES = Counter(
    "sela_inbox_duplicates_total", "Redelivered messages absorbed", ["service", "consumer"]
)
INBOX_FAILURES = Counter(
    "sela_inbox_failures_total", "Handler failures (to be retried)", ["service", "consumer"]
)
DEAD_LETTERS = Counter(
    "sela_dead_letters_total", "Messages sent to the dead-letter stream", ["service", "consumer"]
)
BUS_CONNECTED = Gauge("sela_bus_connected", "1 while connected to NATS", ["service"])


async def metrics_endpoint(request: Request) -> Response:
    del request
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
