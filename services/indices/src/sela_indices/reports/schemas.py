from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class AggregatePoint(BaseModel):
    period: str
    value: float | None = Field(description="Null when coverage is below min_coverage")
    members: int
    reporting: int
    coverage: float
    missing: list[str] = Field(description="Members without data for this period")


class AggregateSeries(BaseModel):
    mechanism: str
    indicator: str
    name: str
    unit: str
    rule: dict[str, object]
    edition: str = Field(description="Membership edition used")
    min_coverage: float
    as_of: datetime | None
    items: list[AggregatePoint]


class ReportVariable(BaseModel):
    indicator: str
    name: str
    unit: str
    series: list[AggregatePoint]
    region_share: list[AggregatePoint] | None = Field(
        default=None, description="For additive variables: the mechanism's share of LAC, in %"
    )
    chart_png: str
    chart_svg: str


class ReportSection(BaseModel):
    id: str
    name: str
    variables: list[ReportVariable]


class FollowUpReport(BaseModel):
    mechanism: str
    name: str
    half: str = Field(description="The half-year, e.g. 2018-S2")
    periods: list[str]
    members: list[str] = Field(description="Full members at the end of the half-year")
    edition: str
    as_of: datetime | None
    sections: list[ReportSection]
    unavailable: list[str] = Field(description="Report variables with no data loaded")
