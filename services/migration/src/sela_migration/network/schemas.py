from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from sela_migration.stocks.schemas import SLUG

Scope = Literal["world", "lac"]
Sex = Literal["total", "female", "male"]


def _both() -> list[Scope]:
    return ["world", "lac"]


class RoleThresholdsIn(BaseModel):
    """Guimerà & Amaral (2005) boundaries; the defaults are theirs."""

    model_config = ConfigDict(extra="forbid")

    hub_z: float = 2.5
    r1: float = Field(default=0.05, ge=0, le=1)
    r2: float = Field(default=0.62, ge=0, le=1)
    r3: float = Field(default=0.80, ge=0, le=1)
    r5: float = Field(default=0.30, ge=0, le=1)
    r6: float = Field(default=0.75, ge=0, le=1)


class NetworkComputationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    dataset: str = Field(pattern=SLUG)
    years: list[int] | None = Field(default=None, description="Default: every year of the data")
    scopes: list[Scope] = Field(default_factory=lambda: _both(), min_length=1)
    sex: Sex = Field(
        default="total",
        description="Whose stocks weigh the links: total, female or male (kept at import)",
    )
    alpha: float = Field(default=0.05, gt=0, lt=1, description="Disparity filter significance")
    seed: int = Field(default=42, ge=0, description="Seed of community detection")
    community: Literal["louvain", "leiden"] = "louvain"
    top_corridors: int = Field(default=25, ge=1, le=1000)
    roles: RoleThresholdsIn = Field(default_factory=RoleThresholdsIn)


class NetworkSummaryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    year: int
    scope: Scope
    sex: Sex
    job_id: uuid.UUID | None
    summary: dict[str, Any]
    updated_at: datetime


class NetworkRead(NetworkSummaryRead):
    dataset: str
    params: dict[str, Any]
    by_degree: list[dict[str, Any]] = Field(
        description="Per undirected degree k: nodes, mean knn, mean clustering (binary, Barrat)"
    )
    distributions: list[dict[str, Any]] = Field(
        description="Complementary CDF of in/out degree and strength: measure, value, ccdf"
    )


class ChangesRead(BaseModel):
    dataset: str
    scope: Scope
    sex: Sex
    from_year: int
    to_year: int
    summary: dict[str, Any]
    nodes: list[dict[str, Any]]
