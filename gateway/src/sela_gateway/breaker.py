"""A circuit breaker per upstream: stop sending to a service that keeps failing."""

from __future__ import annotations

import time
from enum import StrEnum


class BreakerState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class CircuitBreaker:
    """Opens after ``failures`` consecutive failures; after ``reset_seconds`` lets one probe
    through (half-open); the probe's success closes it, its failure opens it again."""

    def __init__(self, failures: int, reset_seconds: float) -> None:
        self.threshold = failures
        self.reset_seconds = reset_seconds
        self.state = BreakerState.CLOSED
        self.consecutive_failures = 0
        self.opened_at = 0.0
        self._probe_in_flight = False

    def allow(self) -> bool:
        if self.state is BreakerState.CLOSED:
            return True
        if self.state is BreakerState.OPEN:
            if time.monotonic() - self.opened_at < self.reset_seconds:
                return False
            self.state = BreakerState.HALF_OPEN
        if self._probe_in_flight:
            return False
        self._probe_in_flight = True
        return True

    def success(self) -> None:
        self.consecutive_failures = 0
        self._probe_in_flight = False
        self.state = BreakerState.CLOSED

    def failure(self) -> None:
        self._probe_in_flight = False
        self.consecutive_failures += 1
        if self.state is BreakerState.HALF_OPEN or self.consecutive_failures >= self.threshold:
            self.state = BreakerState.OPEN
            self.opened_at = time.monotonic()

    def retry_after(self) -> int:
        remaining = self.reset_seconds - (time.monotonic() - self.opened_at)
        return max(1, int(remaining + 0.999))
