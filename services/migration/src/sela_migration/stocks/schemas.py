from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

SLUG = r"^[a-z0-9][a-z0-9-]{1,62}$"


class DatasetRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    slug: str
    title: str
    layout: Literal["long", "wide"]
    source_file: str | None
    years: list[int]
    areas: int
    rows: int
    dropped: list[str] = Field(description="Source names dropped as regions or unknown areas")
    created_at: datetime


class StockRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    year: int
    origin: str = Field(description="ISO3 of the country of birth")
    destination: str = Field(description="ISO3 of the country of residence")
    total: float
    female: float | None
    male: float | None


class FlowsRead(BaseModel):
    """Emigrants, immigrants and net stock of one area in one year."""

    iso3: str
    name: str
    year: int
    immigrants: float
    emigrants: float
    net: float
    extra: dict[str, Any] = Field(default_factory=dict)
