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


class ListingChanged(EventContract, subject="smes.listing.changed", version=1):
    """A directory listing was created, changed, claimed or erased (no personal data)."""

    enterprise_id: str
    action: str = Field(description="created, updated, owner_changed or erased")
    country: str = Field(description="ISO3")


class ListingsImported(EventContract, subject="smes.listings.imported", version=1):
    """A bulk import wrote listings."""

    created: int = Field(ge=0)
    countries: list[str] = Field(description="ISO3 of the listings written")
