from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, EmailStr, Field

from sela_events.types import CountryCode, Language, ShortText
from sela_events.vocab import Category, RegistrationState

Name = ShortText


class RegistrationCreate(BaseModel):
    """A request for seats. ``seats`` > 1 registers a delegation; name the others in
    ``companions``."""

    model_config = ConfigDict(extra="forbid")

    first_name: Name
    last_name: Name
    email: EmailStr
    category: Category
    country: CountryCode | None = Field(
        default=None, description="Member state of a delegation (ISO 3166), or of the organisation"
    )
    organisation: str | None = Field(default=None, max_length=300)
    position: str | None = Field(default=None, max_length=300)
    language: Language = "es"
    seats: int = Field(default=1, ge=1, le=50)
    companions: list[Name] = Field(default_factory=list, max_length=49)
    answers: dict[str, Any] = Field(default_factory=dict)
    consent_publish: bool = Field(
        default=False, description="May the name appear in the published participant list?"
    )
    invitation_code: str | None = Field(default=None, max_length=64)


class RegistrationUpdate(BaseModel):
    """What a participant may change through the self-service link (all optional).

    ``seats``, ``category`` and ``country`` are decided again under the meeting's limits: a
    change that no longer fits is refused (409 ``no_seats``) unless ``waitlist_if_full`` asks
    to be waitlisted instead; a moderated category sends the registration back to approval.
    """

    model_config = ConfigDict(extra="forbid")

    seats: int | None = Field(default=None, ge=1, le=50)
    category: Category | None = None
    country: CountryCode | None = None
    waitlist_if_full: bool = Field(
        default=False,
        description="When the changed request no longer fits, give up the held seats and wait "
        "in the list (default: refuse the change and keep the seats)",
    )

    first_name: Name | None = None
    last_name: Name | None = None
    organisation: str | None = Field(default=None, max_length=300)
    position: str | None = Field(default=None, max_length=300)
    language: Language | None = None
    companions: list[Name] | None = Field(default=None, max_length=49)
    answers: dict[str, Any] | None = None
    consent_publish: bool | None = None


class RegistrationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    meeting_id: uuid.UUID
    state: RegistrationState
    category: Category
    country: str | None
    seats: int
    first_name: str | None
    last_name: str | None
    email: str | None
    organisation: str | None
    position: str | None
    language: str
    companions: list[str]
    answers: dict[str, Any]
    consent_publish: bool
    offer_expires_at: datetime | None
    erased: bool
    created_at: datetime
    updated_at: datetime


class RegistrationCreated(RegistrationRead):
    manage_token: str = Field(description="Secret for the self-service link; keep it private")
    manage_url: str


class ParticipantRead(BaseModel):
    """A participant who agreed to appear in the published list."""

    first_name: str | None
    last_name: str | None
    organisation: str | None
    country: str | None
    category: Category


class InvitationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: EmailStr | None = None
    category: Category
    country: CountryCode | None = None
    seats: int = Field(default=1, ge=1, le=50)


class InvitationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    meeting_id: uuid.UUID
    code: str
    email: str | None
    category: Category
    country: str | None
    seats: int
    used_at: datetime | None


class Decision(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str | None = Field(default=None, max_length=1000)


class CheckIn(BaseModel):
    """A scanned QR code: attendance for a day (default today, in the meeting's time zone)
    or for one session of the agenda."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=4, max_length=120, description="Scanned QR text or the code")
    session_id: uuid.UUID | None = None
    day: date | None = None


class AttendanceRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    registration_id: uuid.UUID
    session_id: uuid.UUID | None
    day: date
    recorded_at: datetime


class CheckInResult(BaseModel):
    attendance: AttendanceRead
    already_recorded: bool
    participant: str | None
    state: RegistrationState


class ImportResult(BaseModel):
    rows: int
    by_state: dict[str, int]


class JobResult(BaseModel):
    offers_expired: int = 0
    offers_made: int = 0
    meetings_erased: int = 0
    registrations_erased: int = 0
