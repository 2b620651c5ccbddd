from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from sela_ports.registry.models import OrganisationKind, Stage

Iso3 = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
Locode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}[A-Z2-9]{3}$")]
Email = Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=254)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class _Read(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class CountryCreate(BaseModel):
    iso3: Iso3
    name: Name
    in_network: bool = True


class CountryRead(_Read):
    iso3: str
    name: str
    in_network: bool


class PortSystemCreate(BaseModel):
    locode: Locode = Field(description="UN/LOCODE without the space, e.g. MXZLO")
    name: Name
    country_iso3: Iso3
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)


class PortSystemRead(_Read):
    id: uuid.UUID
    locode: str
    name: str
    country_iso3: str
    latitude: float | None
    longitude: float | None
    wpi_number: int | None
    harbor_size: str | None
    harbor_type: str | None
    channel_depth_m: float | None
    cargo_pier_depth_m: float | None
    max_vessel_length_m: float | None
    max_vessel_draft_m: float | None
    source: str


class CommunityCreate(BaseModel):
    name: Name
    port_system_id: uuid.UUID
    stage: Stage = Stage.exploratory
    stage_since: date | None = None
    notes: str | None = Field(default=None, max_length=5000)


class CommunityStageUpdate(BaseModel):
    stage: Stage
    stage_since: date | None = None


class CommunityRead(_Read):
    id: uuid.UUID
    name: str
    port_system_id: uuid.UUID
    stage: Stage
    stage_since: date | None
    notes: str | None


class OrganisationCreate(BaseModel):
    name: Name
    kind: OrganisationKind
    country_iso3: Iso3 | None = None
    community_id: uuid.UUID | None = None
    website: Annotated[str, StringConstraints(max_length=300)] | None = None


class OrganisationRead(_Read):
    id: uuid.UUID
    name: str
    kind: OrganisationKind
    country_iso3: str | None
    community_id: uuid.UUID | None
    website: str | None


class PersonCreate(BaseModel):
    name: Name
    role: Annotated[str, StringConstraints(max_length=120)] | None = None
    email: Email | None = None
    phone: Annotated[str, StringConstraints(max_length=40)] | None = None
    organisation_id: uuid.UUID | None = None
    subject: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = Field(
        default=None, description="Login subject of this person at the gateway"
    )


class PersonRead(_Read):
    id: uuid.UUID
    name: str
    role: str | None
    email: str | None
    phone: str | None
    organisation_id: uuid.UUID | None
    subject: str | None


class DirectoryEntry(BaseModel):
    organisation_id: uuid.UUID
    name: str
    kind: OrganisationKind
    country_iso3: str | None
    country: str | None
    website: str | None
