"""Subjects published by the ports service."""

from __future__ import annotations

from pydantic import Field

from sela_contracts.base import EventContract


class BenchmarkPublished(EventContract, subject="ports.benchmark.published", version=1):
    """A round of the quantitative port benchmark was published."""

    benchmark_id: str
    year: int
    port_systems: list[str] = Field(description="UN/LOCODEs covered")
    indicators: list[str]
