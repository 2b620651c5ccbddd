from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from sela_ports.governance.models import (
    BodyKind,
    DecisionKind,
    DecisionOutcome,
    MemberRole,
    MouStatus,
)
from sela_ports.registry.models import Stage

Code = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$")]
Text200 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class _Read(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class BodyCreate(BaseModel):
    code: Code
    name: Text200
    kind: BodyKind
    mandate: str | None = Field(default=None, max_length=10000)


class BodyRead(_Read):
    id: uuid.UUID
    code: str
    name: str
    kind: BodyKind
    mandate: str | None


class MembershipCreate(BaseModel):
    person_id: uuid.UUID
    role: MemberRole = MemberRole.member
    since: date
    until: date | None = None

    @model_validator(mode="after")
    def _order(self) -> Self:
        if self.until is not None and self.until < self.since:
            raise ValueError("until must not be before since")
        return self


class MembershipRead(_Read):
    id: uuid.UUID
    body_id: uuid.UUID
    person_id: uuid.UUID
    role: MemberRole
    since: date
    until: date | None


class DecisionCreate(BaseModel):
    taken_on: date
    kind: DecisionKind = DecisionKind.general
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
    record: str = Field(min_length=1, max_length=50000, description="The minutes of the decision")
    outcome: DecisionOutcome
    votes_for: int | None = Field(default=None, ge=0)
    votes_against: int | None = Field(default=None, ge=0)
    abstentions: int | None = Field(default=None, ge=0)
    designee: Annotated[str, StringConstraints(max_length=120)] | None = None


class DecisionRead(_Read):
    id: uuid.UUID
    body_id: uuid.UUID
    taken_on: date
    kind: DecisionKind
    title: str
    record: str
    outcome: DecisionOutcome
    votes_for: int | None
    votes_against: int | None
    abstentions: int | None
    designee: str | None


class MouCreate(BaseModel):
    community_id: uuid.UUID
    organisation_id: uuid.UUID | None = None
    title: Text200
    status: MouStatus
    signed_on: date | None = None
    expires_on: date | None = None
    document_id: uuid.UUID | None = None

    @model_validator(mode="after")
    def _dates(self) -> Self:
        if self.status == MouStatus.signed and self.signed_on is None:
            raise ValueError("a signed MoU needs signed_on")
        if self.signed_on and self.expires_on and self.expires_on < self.signed_on:
            raise ValueError("expires_on must not be before signed_on")
        return self


class MouRead(_Read):
    id: uuid.UUID
    community_id: uuid.UUID
    organisation_id: uuid.UUID | None
    title: str
    status: MouStatus
    signed_on: date | None
    expires_on: date | None
    document_id: uuid.UUID | None


class MissingRead(BaseModel):
    code: str
    detail: str


class CountryFormalisation(BaseModel):
    iso3: str
    name: str
    qualifies: bool
    communities: int
    best_stage: Stage | None
    qualifying_communities: list[str]
    missing: list[MissingRead]


class FormalisationRead(BaseModel):
    evaluated_on: date
    rule: str
    required_countries: int
    qualifying_countries: list[str]
    secretariat_designated: bool
    formalisable: bool
    missing: list[MissingRead]
    countries: list[CountryFormalisation]
