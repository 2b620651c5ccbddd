from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from sela_events.types import CountryCode, LocalizedText, LongLocalizedText, ShortText
from sela_events.vocab import Category, FieldKind, MeetingStatus, MeetingType, ModificationRule


def _zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{value!r} is not an IANA time zone such as America/Caracas") from None
    return value


TimeZone = Annotated[str, AfterValidator(_zone)]
Activity = Annotated[str, Field(pattern=r"^(I|II|III|IV)\.\d{1,2}\.\d{1,2}$", examples=["II.3.2"])]
Code = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{1,63}$", examples=["IPPALC-2019"])]
FieldKey = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")]


class SessionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: LocalizedText
    starts_at: datetime
    ends_at: datetime
    room: str | None = Field(default=None, max_length=200)
    speakers: list[ShortText] = Field(default_factory=list, max_length=50)

    @model_validator(mode="after")
    def _order(self) -> SessionCreate:
        if self.ends_at < self.starts_at:
            raise ValueError("ends_at is before starts_at")
        return self


class SessionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    title: dict[str, str]
    starts_at: datetime
    ends_at: datetime
    room: str | None
    speakers: list[str]


class Condition(BaseModel):
    """Show the field only when another field's answer equals a value or is among values."""

    model_config = ConfigDict(extra="forbid")

    field: FieldKey
    equals: Any = None
    in_: list[Any] | None = Field(default=None, alias="in")

    def as_json(self) -> dict[str, Any]:
        if self.in_ is not None:
            return {"field": self.field, "in": self.in_}
        return {"field": self.field, "equals": self.equals}


class FormFieldIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: FieldKey
    label: LocalizedText
    kind: FieldKind
    required: bool = False
    options: list[ShortText] = Field(default_factory=list, max_length=200)
    condition: Condition | None = None


class FormFieldRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    key: str
    label: dict[str, str]
    kind: FieldKind
    required: bool
    options: list[str]
    condition: dict[str, Any] | None


class FormUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    fields: list[FormFieldIn] = Field(max_length=100)


class CategoryRuleIn(BaseModel):
    model_config = ConfigDict(extra="forbid", from_attributes=True)

    category: Category
    moderated: bool = False


class QuotaIn(BaseModel):
    """``seats`` for the registrations of ``category`` (if set) from ``country`` (if set);
    ``per_country`` applies the limit to each country apart."""

    model_config = ConfigDict(extra="forbid", from_attributes=True)

    category: Category | None = None
    country: CountryCode | None = None
    per_country: bool = False
    seats: int = Field(ge=0, le=100_000)

    @model_validator(mode="after")
    def _scope(self) -> QuotaIn:
        if self.per_country and self.country is not None:
            raise ValueError("a quota is either per_country or for one country")
        return self


class QuotaRead(QuotaIn):
    id: uuid.UUID


class _MeetingFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    description: LongLocalizedText = Field(default_factory=dict)
    activity: Activity | None = None
    venue: str | None = Field(default=None, max_length=300)
    city: str | None = Field(default=None, max_length=200)
    country: CountryCode | None = None
    timezone: TimeZone = "America/Caracas"
    start_at: datetime | None = Field(
        default=None, description="Without an offset, read in the meeting's time zone"
    )
    end_at: datetime | None = None
    period_note: str | None = Field(default=None, max_length=200)
    organisers: list[ShortText] = Field(default_factory=list, max_length=50)
    partners: list[ShortText] = Field(default_factory=list, max_length=50)
    capacity: int | None = Field(default=None, ge=0, le=100_000)
    registration_closes_at: datetime | None = None
    modification_rule: ModificationRule = ModificationRule.UNTIL_DEADLINE
    offer_hours: int = Field(default=48, ge=1, le=720)
    retention_days: int = Field(default=730, ge=1, le=3650)


class MeetingCreate(_MeetingFields):
    code: Code
    title: LocalizedText
    type: MeetingType
    sessions: list[SessionCreate] = Field(default_factory=list, max_length=200)
    fields: list[FormFieldIn] = Field(default_factory=list, max_length=100)
    categories: list[CategoryRuleIn] | None = Field(
        default=None, description="Accepted categories; all, unmoderated, when absent"
    )
    quotas: list[QuotaIn] = Field(default_factory=list, max_length=500)


class MeetingUpdate(BaseModel):
    """Every field optional; only those given change."""

    model_config = ConfigDict(extra="forbid")

    title: LocalizedText | None = None
    description: LongLocalizedText | None = None
    type: MeetingType | None = None
    activity: Activity | None = None
    venue: str | None = Field(default=None, max_length=300)
    city: str | None = Field(default=None, max_length=200)
    country: CountryCode | None = None
    timezone: TimeZone | None = None
    start_at: datetime | None = None
    end_at: datetime | None = None
    period_note: str | None = Field(default=None, max_length=200)
    organisers: list[ShortText] | None = None
    partners: list[ShortText] | None = None
    capacity: int | None = Field(default=None, ge=0, le=100_000)
    registration_closes_at: datetime | None = None
    modification_rule: ModificationRule | None = None
    offer_hours: int | None = Field(default=None, ge=1, le=720)
    retention_days: int | None = Field(default=None, ge=1, le=3650)


class StatusChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: MeetingStatus


class MeetingSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    code: str
    title: dict[str, str]
    type: MeetingType
    activity: str | None
    city: str | None
    country: str | None
    timezone: str
    start_at: datetime | None
    end_at: datetime | None
    period_note: str | None
    status: MeetingStatus


class MeetingRead(MeetingSummary):
    description: dict[str, str]
    venue: str | None
    organisers: list[str]
    partners: list[str]
    capacity: int | None
    registration_closes_at: datetime | None
    modification_rule: ModificationRule
    offer_hours: int
    retention_days: int
    erased_at: datetime | None
    source: str | None
    sessions: list[SessionRead]
    fields: list[FormFieldRead]
    categories: list[CategoryRuleIn]
    quotas: list[QuotaRead]
    created_at: datetime
    updated_at: datetime


class CountRow(BaseModel):
    key: str | None
    registrations: int
    seats: int


class MeetingCounts(BaseModel):
    """Registrations and seats by state; by category and country over held seats."""

    meeting_id: uuid.UUID
    capacity: int | None
    seats_held: int
    by_state: list[CountRow]
    by_category: list[CountRow]
    by_country: list[CountRow]
