"""The shipped route policy: which writes are public."""

from __future__ import annotations

import pytest

from sela_gateway.policy import RoutePolicy


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/meetings/m1/registrations"),
        ("PATCH", "/registrations/self/t0k3n"),
        ("POST", "/registrations/self/t0k3n/cancel"),
        ("PUT", "/registrations/self/t0k3n/b2b/profile"),
        ("POST", "/registrations/self/t0k3n/b2b/requests"),
    ],
)
def test_participants_self_service_writes_are_public(method: str, path: str) -> None:
    assert RoutePolicy.load().is_public("events", method, path)


@pytest.mark.parametrize(
    ("service", "method", "path"),
    [
        ("events", "POST", "/meetings"),
        ("events", "PUT", "/meetings/m1/quotas"),
        ("events", "DELETE", "/registrations/self/t0k3n"),
        ("ports", "PUT", "/registrations/self/t0k3n/b2b/profile"),
    ],
)
def test_other_writes_need_credentials(service: str, method: str, path: str) -> None:
    assert not RoutePolicy.load().is_public(service, method, path)
