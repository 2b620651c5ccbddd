from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class ObservationRead(BaseModel):
    indicator: str
    area: str = Field(description="ISO3 country code or mechanism code")
    period: str = Field(description="2017, 2017-S1, 2017-Q1 or 2017-01")
    value: float | None
    status: str = Field(description="SDMX OBS_STATUS: A normal, E estimated, P provisional, ...")
    unit: str
    source: str
    vintage: str = Field(description="When this value was loaded (ISO 8601, UTC)")


class ObservationPage(BaseModel):
    items: list[ObservationRead]
    count: int
    as_of: datetime | None = Field(description="The time the values were read as of; null: now")


class HistoryEntry(BaseModel):
    value: float | None
    status: str
    source: str
    vintage_id: int
    valid_from: datetime
    valid_to: datetime | None = Field(description="When a later vintage replaced it; null: current")


class RejectedCell(BaseModel):
    row: int = Field(description="Line (CSV) or sheet row (XLSX), 1-based, header included")
    column: str
    value: str | None
    reason: str


class IndicatorLoaded(BaseModel):
    indicator: str
    areas: list[str]
    periods: list[str]
    observations: int


class LoadReport(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    vintage_id: int | None = Field(description="Null for a dry run")
    vintage: datetime | None
    layout: str
    container: str
    file_name: str | None
    cells: int = Field(description="Value cells read from the file")
    accepted: int
    new: int
    revised: int
    unchanged: int
    skipped: int
    skipped_reasons: dict[str, int]
    ignored_columns: list[str]
    indicators: list[IndicatorLoaded]
    dry_run: bool = False


class VintageRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    created_at: datetime
    layout: str
    file_name: str | None
    sha256: str
    submitted_by: str | None
    note: str | None
    summary: dict[str, object]
