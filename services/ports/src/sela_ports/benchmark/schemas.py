from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal, Self

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from sela_ports.benchmark.models import RoundStatus, ScorecardGroup, ValueSource

Locode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}[A-Z2-9]{3}$")]
Code = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_.-]{0,59}$")]
Finite = Annotated[float, Field(allow_inf_nan=False)]


class KpiRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    name: str
    unit: str
    definition: str
    formula: str
    scorecard_group: ScorecardGroup
    higher_is_better: bool
    plausible_min: float
    plausible_max: float
    source: str


class KpiValueIn(BaseModel):
    kpi_code: str = Field(max_length=60)
    period_start: date
    period_end: date
    value: Finite
    unit: str = Field(max_length=40)
    note: str | None = Field(default=None, max_length=2000)

    @model_validator(mode="after")
    def _period(self) -> Self:
        if self.period_end < self.period_start:
            raise ValueError("period_end must not be before period_start")
        return self


class KpiSubmission(BaseModel):
    port: Locode
    items: list[KpiValueIn] = Field(min_length=1, max_length=1000)


class KpiRevision(KpiValueIn):
    port: Locode


class KpiValueRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    port: str
    kpi_code: str
    period_start: date
    period_end: date
    value: float
    unit: str
    vintage: int
    source: ValueSource
    note: str | None
    recorded_by: str
    recorded_at: datetime


class CallIn(BaseModel):
    vessel_id: str = Field(min_length=1, max_length=40, description="IMO number or other id")
    vessel_teu: int = Field(ge=1, le=30000, description="Vessel capacity in TEU")
    arrival: AwareDatetime
    all_fast: AwareDatetime
    last_line: AwareDatetime
    departure: AwareDatetime
    moves: int = Field(ge=0, le=50000)
    crane_hours: float | None = Field(default=None, gt=0, le=5000)


class CallBatch(BaseModel):
    port: Locode
    calls: list[CallIn] = Field(min_length=1, max_length=5000)


class CallBatchRead(BaseModel):
    port: str
    stored: int


class DerivedKpi(BaseModel):
    kpi_code: str
    unit: str
    value: float | None
    calls: int


class DerivedKpis(BaseModel):
    port: str
    period_start: date
    period_end: date
    calls: int
    kpis: list[DerivedKpi]


class CppiPort(BaseModel):
    port: str
    calls: int
    index: float
    rank: int
    factor_score: float | None
    factor_rank: int | None
    mean_port_hours: float
    by_size_group: dict[str, float]


class CppiRead(BaseModel):
    period_start: date
    period_end: date
    ports: list[CppiPort]
    cell_averages: dict[str, float]
    factor_cells: list[str]
    factor_loadings: list[float]


class RoundCreate(BaseModel):
    code: Code
    title: str = Field(min_length=1, max_length=200)
    year: int = Field(ge=2000, le=2100)
    period_start: date
    period_end: date
    normalisation: Literal["minmax", "zscore"] = "minmax"
    weights: dict[str, Annotated[float, Field(gt=0, le=1000)]] = Field(min_length=1)

    @model_validator(mode="after")
    def _period(self) -> Self:
        if self.period_end < self.period_start:
            raise ValueError("period_end must not be before period_start")
        return self


class RoundPort(BaseModel):
    port: str
    composite: float
    rank: int
    peer_group: str
    peer_rank: int
    coverage: float = Field(description="Share of the weights with a value for this port")
    components: dict[str, float]
    normalised: dict[str, float]
    previous_composite: float | None = None
    rank_change: int | None = None


class RoundRead(BaseModel):
    id: uuid.UUID
    code: str
    title: str
    year: int
    period_start: date
    period_end: date
    normalisation: str
    weights: dict[str, float]
    status: RoundStatus
    published_at: datetime | None
    previous_round: str | None = None
    results: list[RoundPort]


class TrendPoint(BaseModel):
    period_start: date
    period_end: date
    value: float
    vintage: int


class TrendRead(BaseModel):
    port: str
    kpi_code: str
    unit: str
    points: list[TrendPoint]
    slope_per_year: float | None
    change_last: float | None = Field(
        description="Relative change of the last value on the one before"
    )


class DmuIn(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    inputs: list[Finite] = Field(min_length=1, max_length=20)
    outputs: list[Finite] = Field(min_length=1, max_length=20)


class DeaRequest(BaseModel):
    dmus: list[DmuIn] = Field(min_length=1, max_length=5000)
    rts: Literal["crs", "vrs"] = "crs"
    orientation: Literal["input", "output"] = "input"
    super_efficiency: bool = False
    scale_efficiency: bool = False


class RoundDeaRequest(BaseModel):
    inputs: list[str] = Field(min_length=1, max_length=10, description="KPI codes used as inputs")
    outputs: list[str] = Field(min_length=1, max_length=10, description="KPI codes as outputs")
    rts: Literal["crs", "vrs"] = "crs"
    orientation: Literal["input", "output"] = "input"
    super_efficiency: bool = False
    scale_efficiency: bool = False


class DmuRead(BaseModel):
    name: str
    efficiency: float
    score: float
    efficient: bool
    slacks_input: list[float]
    slacks_output: list[float]
    target_input: list[float]
    target_output: list[float]
    peers: dict[str, float]
    super_efficiency: float | None
    scale_efficiency: float | None


class DeaRead(BaseModel):
    rts: str
    orientation: str
    dmus: list[DmuRead]


class QuestionIn(BaseModel):
    code: Code
    pillar: str = Field(min_length=1, max_length=80)
    text: str = Field(min_length=1, max_length=2000)


class SurveyCreate(BaseModel):
    code: Code
    title: str = Field(min_length=1, max_length=200)
    scale_min: int = Field(default=1, ge=0, le=10)
    scale_max: int = Field(default=5, ge=1, le=11)
    questions: list[QuestionIn] = Field(min_length=1, max_length=200)

    @model_validator(mode="after")
    def _scale(self) -> Self:
        if self.scale_max <= self.scale_min:
            raise ValueError("scale_max must be above scale_min")
        return self


class SurveyRead(BaseModel):
    id: uuid.UUID
    code: str
    title: str
    scale_min: int
    scale_max: int
    open: bool
    questions: list[QuestionIn]


class ResponseIn(BaseModel):
    port: Locode | None = None
    respondent_kind: str | None = Field(default=None, max_length=80)
    answers: dict[str, int] = Field(min_length=1, description="Question code -> Likert value")


class ResponseRead(BaseModel):
    id: uuid.UUID
    answers: int


class PillarResult(BaseModel):
    pillar: str
    port: str | None
    responses: int
    answers: int
    mean: float
    sd: float | None
    ci_low: float | None
    ci_high: float | None


class SurveyResults(BaseModel):
    survey: str
    level: float
    pillars: list[PillarResult]


class CensusCreate(BaseModel):
    port: Locode
    title: str = Field(min_length=1, max_length=200)
    starts_at: AwareDatetime
    ends_at: AwareDatetime

    @model_validator(mode="after")
    def _period(self) -> Self:
        if self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        return self


class CensusRead(BaseModel):
    id: uuid.UUID
    port: str
    title: str
    starts_at: datetime
    ends_at: datetime


class TruckVisitIn(BaseModel):
    queue_arrival: AwareDatetime | None = None
    gate_in: AwareDatetime
    gate_out: AwareDatetime
    containers_in: int = Field(default=0, ge=0, le=4)
    containers_out: int = Field(default=0, ge=0, le=4)


class TruckVisitBatch(BaseModel):
    visits: list[TruckVisitIn] = Field(min_length=1, max_length=20000)


class CensusSummary(BaseModel):
    census_id: uuid.UUID
    port: str
    truck_visits: int
    container_movements: int
    turnaround_minutes_median: float | None
    turnaround_minutes_p90: float | None
    queue_minutes_median: float | None
    queue_minutes_p90: float | None
    visits_with_queue_time: int
