"""Subjects published by the SMEs service."""

from __future__ import annotations

from pydantic import Field

from sela_contracts.base import EventContract


class IppalcPublished(EventContract, subject="smes.ippalc.published", version=1):
    """An IPPALC assessment of one country was published with its 1–5 scores."""

    assessment_id: str
    edition: str
    country: str = Field(description="ISO3")
    overall: float = Field(ge=1, le=5)
    dimensions: dict[str, float]
