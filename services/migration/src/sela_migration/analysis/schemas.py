from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from sela_migration.network.schemas import Scope
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
    years: list[int] | None = None
    measures: list[Measure] = Field(default_factory=lambda: _default_measures(), min_length=1)
    indicators: list[str] = Field(
        default_factory=lambda: ["NY.GDP.PCAP.CD", "SP.POP.TOTL"], min_length=1, max_length=20
    )


class GravityCreate(CovariateSource):
    dataset: str = Field(pattern=SLUG)
    years: list[int] | None = None
    population: str = Field(default="SP.POP.TOTL", description="Indicator code of population")
    gdp_per_capita: str = Field(
        default="NY.GDP.PCAP.CD", description="Indicator code of GDP per capita"
    )
    use_distance: bool = Field(
        default=True, description="Distance, contiguity, common language where available"
    )
    diaspora: bool = Field(default=True, description="Previous period's stock as a term")
