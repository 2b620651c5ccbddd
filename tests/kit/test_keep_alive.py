"""Idle connections between the gateway and a service are closed by the gateway first."""

from __future__ import annotations

from sela_gateway.proxy import UPSTREAM_KEEP_ALIVE_SECONDS
from sela_kit.runner import KEEP_ALIVE_SECONDS


def test_services_keep_idle_connections_longer_than_the_gateway_does() -> None:
    # Otherwise a service may close a pooled connection just as the gateway sends a request
    # on it, and a POST (never retried) is lost as a 503.
    assert KEEP_ALIVE_SECONDS > UPSTREAM_KEEP_ALIVE_SECONDS
