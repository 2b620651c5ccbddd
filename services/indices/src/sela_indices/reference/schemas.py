from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from sela_indices.reference.countries import LANGUAGES


class AreaRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str = Field(description="ISO 3166 alpha-3 for countries; a mechanism code otherwise")
    kind: Literal["country", "mechanism"]
    iso2: str | None = None
    m49: str | None = Field(default=None, description="UN M49 numeric code (countries)")
    names: dict[str, str] = Field(description="Names by language: es, en, pt, fr")


class MembershipRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    country: str
    start_date: date
    end_date: date | None
    status: Literal["full", "suspended"]


class MechanismRead(AreaRead):
    subregional: bool
    edition: str
    members: list[str] = Field(description="Full members on `date`")
    date: date
    memberships: list[MembershipRead] = Field(description="Every membership period")


class EditionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    edition: str
    description: str
    notes: list[str]
    loaded_at: datetime
    current: bool = False


class MemberInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    country: str = Field(pattern=r"^[A-Z]{3}$")
    start: date
    end: date | None = None
    status: Literal["full", "suspended"] = "full"

    @model_validator(mode="after")
    def _dates(self) -> MemberInput:
        if self.end is not None and self.end <= self.start:
            raise ValueError("end must be after start")
        return self


class MechanismInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(pattern=r"^[A-Z][A-Z0-9_]{1,15}$")
    names: dict[str, str]
    subregional: bool = False
    members: list[MemberInput] = Field(min_length=1)

    @field_validator("names")
    @classmethod
    def _languages(cls, names: dict[str, str]) -> dict[str, str]:
        unknown = set(names) - set(LANGUAGES)
        if unknown or "en" not in names:
            raise ValueError(f"names need 'en' and only {', '.join(LANGUAGES)}")
        return names


class EditionCreate(BaseModel):
    """A new version of the membership data; once loaded it is the current edition."""

    model_config = ConfigDict(extra="forbid")

    edition: str = Field(pattern=r"^[\w.-]{1,32}$")
    description: str = Field(min_length=1)
    notes: list[str] = []
    mechanisms: list[MechanismInput] = Field(min_length=1)
