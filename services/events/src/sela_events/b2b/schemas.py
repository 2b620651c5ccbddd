from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, model_validator

Sector = str


class ProfileUpdate(BaseModel):
    """What the participant offers and seeks at the round tables, in one economic sector."""

    model_config = ConfigDict(extra="forbid")

    sector: str = Field(min_length=2, max_length=64, examples=["agrifood"])
    offers: str | None = Field(default=None, max_length=2000)
    seeks: str | None = Field(default=None, max_length=2000)


class ProfileRead(BaseModel):
    registration_id: uuid.UUID
    sector: str
    offers: str | None
    seeks: str | None
    organisation: str | None
    country: str | None
    name: str | None


class MeetingRequestCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    target_registration_id: uuid.UUID
    note: str | None = Field(default=None, max_length=1000)


class MeetingRequestRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    requester_id: uuid.UUID
    target_id: uuid.UUID
    sector: str | None
    note: str | None
    slot_starts_at: datetime | None
    slot_ends_at: datetime | None
    table_name: str | None


class TableIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100)
    sector: str | None = Field(default=None, max_length=64, description="None: any sector")


class SlotIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    starts_at: datetime
    ends_at: datetime


class ScheduleRequest(BaseModel):
    """Tables and non-overlapping time slots to place the requested meetings in."""

    model_config = ConfigDict(extra="forbid")

    tables: list[TableIn] = Field(min_length=1, max_length=200)
    slots: list[SlotIn] = Field(min_length=1, max_length=100)

    @model_validator(mode="after")
    def _distinct_tables(self) -> ScheduleRequest:
        names = [t.name for t in self.tables]
        if len(set(names)) != len(names):
            raise ValueError("table names must be distinct")
        return self


class ScheduleReport(BaseModel):
    requests: int
    met: int
    unmet: int
    optimal: bool = Field(description="True when the solver proved no schedule meets more")
    assignments: list[MeetingRequestRead]
