"""Subjects published by the indices service."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from sela_contracts.base import EventContract


class IndicatorUpdated(EventContract, subject="indices.indicator.updated", version=1):
    """New observations (or a new vintage of old ones) were stored for an indicator."""

    indicator_code: str
    vintage: datetime
    areas: list[str] = Field(description="ISO3 country codes or mechanism codes touched")
    periods: list[str]
    observations: int = Field(ge=0)


class Niche(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    country: str = Field(description="ISO3")
    product: str
    classification: str = Field(description="e.g. HS92, HS07")


class NichesPublished(EventContract, subject="indices.niches.published", version=1):
    """A productive-niches analysis was published."""

    run_id: str
    year: int
    niches: list[Niche]


class LoadCompleted(EventContract, subject="indices.load.completed", version=1):
    """A data file was loaded: one vintage with its counts (one message per load)."""

    vintage_id: int
    vintage: datetime
    layout: str
    file_name: str | None
    indicators: list[str]
    new: int = Field(ge=0, description="Observations for keys not seen before")
    revised: int = Field(ge=0, description="Observations whose value or status changed")
    unchanged: int = Field(ge=0)
