from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from sela_migration.network.schemas import Scope, Sex
from sela_migration.stocks.schemas import SLUG

NODE_MEASURES = (
    "in_strength",
    "out_strength",
    "net",
    "in_degree",
    "out_degree",
    "pagerank",
    "hub",
    "authority",
    "betweenness",
    "closeness_in",
    "closeness_out",
    "eigenvector",
    "clustering",
    "clustering_weighted",
    "knn",
    "participation",
    "within_module_z",
)
Measure = Literal[
    "in_strength",
    "out_strength",
    "net",
    "in_degree",
    "out_degree",
    "pagerank",
    "hub",
    "authority",
    "betweenness",
    "closeness_in",
    "closeness_out",
    "eigenvector",
    "clustering",
    "clustering_weighted",
    "knn",
    "participation",
    "within_module_z",
]
Source = Literal["indices", "table", "pwt"]


class Observation(BaseModel):
    """One value in the indices service's shape."""

    model_config = ConfigDict(extra="ignore")

    indicator: str = Field(min_length=1, max_length=100)
    area: str = Field(pattern=r"^[A-Z]{3}$")
    period: str = Field(pattern=r"^\d{4}")
    value: float | None


class CovariateSource(BaseModel):
    model_config = ConfigDict(extra="forbid")

    source: Source = Field(
        default="indices",
        description="indices: the indices service over HTTP; table: the observations sent "
        "here; pwt: Penn World Table from the shared data folder",
    )
    observations: list[Observation] = Field(
        default_factory=list, description="With source=table", max_length=200_000
    )
    fallback_to_pwt: bool = Field(
        default=True, description="If the indices service is unreachable, use Penn World Table"
    )
    max_lag: int = Field(
        default=2, ge=0, le=10, description="Use an indicator's value up to this many years old"
    )

    @model_validator(mode="after")
    def _table_has_rows(self) -> CovariateSource:
        if self.source == "table" and not self.observations:
            raise ValueError("source=table needs observations")
        return self


def _default_measures() -> list[Measure]:
    return ["in_strength", "out_strength", "net", "pagerank", "betweenness"]


class CorrelationCreate(CovariateSource):
    dataset: str = Field(pattern=SLUG)
    scope: Scope = "world"
    sex: Sex = Field(default="total", description="Node measures of the network of this sex")
    years: list[int] | None = None
    measures: list[Measure] = Field(default_factory=lambda: _default_measures(), min_length=1)
    indicators: list[str] = Field(
        default_factory=lambda: ["NY.GDP.PCAP.CD", "SP.POP.TOTL"], min_length=1, max_length=20
    )


class GravityCreate(CovariateSource):
    dataset: str = Field(pattern=SLUG)
    years: list[int] | None = None
    sex: Sex = Field(default="total", description="Stocks of this sex (and diaspora)")
    fixed_effects: bool = Field(
        default=False,
        description="Origin and destination fixed effects (structural gravity): population "
        "and GDP per capita are then absorbed; distance, contiguity, common language and "
        "the diaspora term are estimated",
    )
    population: str = Field(default="SP.POP.TOTL", description="Indicator code of population")
    gdp_per_capita: str = Field(
        default="NY.GDP.PCAP.CD", description="Indicator code of GDP per capita"
    )
    use_distance: bool = Field(
        default=True, description="Distance, contiguity, common language where available"
    )
    diaspora: bool = Field(default=True, description="Previous period's stock as a term")


class CorrelationRead(BaseModel):
    """A correlation: its parameters, its last result and whether a refresh is due."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    params: dict[str, Any]
    result: dict[str, Any] | None = Field(
        description="The last finished computation (kept while a refresh runs): source, "
        "vintages, correlations"
    )
    vintages: dict[str, str] = Field(
        description="Per indicator read from the indices service, the newest vintage of the "
        "values the result used"
    )
    computed_at: datetime | None
    job_id: uuid.UUID | None = Field(description="The job that computed the result")
    stale: bool = Field(
        description="An indicator was updated since the result was computed; a refresh is "
        "queued or running (pending_job_id) or failed"
    )
    pending_job_id: uuid.UUID | None = Field(description="A refresh queued or running")
    pending_vintage: datetime | None
    submitted_by: str | None
    created_at: datetime
    updated_at: datetime

    @field_validator("params")
    @classmethod
    def _summarise_observations(cls, params: dict[str, Any]) -> dict[str, Any]:
        # Observations sent with the request can be many thousands: show how many.
        if isinstance(params.get("observations"), list):
            return {**params, "observations": len(params["observations"])}
        return params
