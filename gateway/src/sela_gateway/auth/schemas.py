"""Request and response bodies of the authentication and administration endpoints."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from typing import Annotated, Literal, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from sela_gateway.auth.models import ApiKey
from sela_gateway.settings import SERVICE_PORTS
from sela_kit.identity import ROLES, Identity

SCOPE_SERVICES = tuple(SERVICE_PORTS)
ALL_SCOPES = "*"
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_COUNTRY = re.compile(r"^[A-Z]{3}$")
MAX_GRACE_SECONDS = 7 * 24 * 3600


def _role(value: str) -> str:
    if value not in ROLES:
        raise ValueError(f"unknown role {value!r}; known roles: {', '.join(ROLES)}")
    return value


def _scope(value: str) -> str:
    if value == ALL_SCOPES:
        return value
    service, _, access = value.partition(":")
    if service not in SCOPE_SERVICES or access not in ("read", "write"):
        raise ValueError(
            f"invalid scope {value!r}; use '*' or '<service>:read' / '<service>:write' with"
            f" service one of {', '.join(SCOPE_SERVICES)}"
        )
    return value


def _email(value: str) -> str:
    value = value.strip().lower()
    if not _EMAIL.match(value):
        raise ValueError("not an email address")
    return value


def _country(value: str) -> str:
    value = value.strip().upper()
    if not _COUNTRY.match(value):
        raise ValueError("use the ISO 3166-1 alpha-3 code, e.g. PER")
    return value


def _unique_sorted(values: list[str]) -> list[str]:
    return sorted(set(values))


Role = Annotated[str, AfterValidator(_role), Field(json_schema_extra={"enum": list(ROLES)})]
Scope = Annotated[
    str,
    AfterValidator(_scope),
    Field(
        json_schema_extra={
            "pattern": rf"^(\*|({'|'.join(SCOPE_SERVICES)}):(read|write))$",
            "examples": ["indices:read"],
        }
    ),
]
Email = Annotated[str, Field(max_length=320), AfterValidator(_email)]
Country = Annotated[str, AfterValidator(_country)]
Roles = Annotated[list[Role], AfterValidator(_unique_sorted)]
Password = Annotated[str, Field(min_length=10, max_length=1024)]
Name = Annotated[str, Field(min_length=1, max_length=200)]


class LoginCreate(BaseModel):
    email: Annotated[str, Field(min_length=1, max_length=320)]
    password: Annotated[str, Field(min_length=1, max_length=1024)]


class RefreshCreate(BaseModel):
    refresh_token: Annotated[str, Field(min_length=1, max_length=512)]


class TokenRead(BaseModel):
    """An access token with the refresh token that renews it."""

    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105
    expires_in: int = Field(description="Seconds until the access token expires")
    refresh_token: str = Field(description="Single use: each refresh returns a new one")


class IdentityRead(BaseModel):
    """Who the gateway takes the caller to be."""

    kind: Literal["anonymous", "user", "api_key", "service"]
    subject: str | None
    name: str | None
    roles: list[str]
    scopes: list[str]
    country: str | None

    @classmethod
    def of(cls, identity: Identity) -> IdentityRead:
        return cls(
            kind=identity.kind,
            subject=identity.subject,
            name=identity.name,
            roles=sorted(identity.roles),
            scopes=sorted(identity.scopes),
            country=identity.country,
        )


class UserCreate(BaseModel):
    email: Email
    name: Name
    password: Password
    roles: Roles = Field(default_factory=list)
    country: Country | None = None
    active: bool = True


class UserUpdate(BaseModel):
    """Only the fields present change; ``country: null`` clears the country."""

    name: Name | None = None
    roles: Roles | None = None
    country: Country | None = None
    active: bool | None = None
    password: Password | None = None


class UserRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    email: str
    name: str
    roles: list[str]
    country: str | None
    active: bool
    created_at: datetime
    updated_at: datetime


class ApiKeyCreate(BaseModel):
    name: Annotated[str, Field(min_length=1, max_length=100, description="What the key is for")]
    owner: Annotated[
        str, Field(min_length=1, max_length=100, description="The institution, e.g. CAF")
    ]
    scopes: Annotated[list[Scope], Field(min_length=1), AfterValidator(_unique_sorted)]
    roles: Roles = Field(default_factory=lambda: ["partner"])
    expires_at: datetime | None = Field(default=None, description="Never expires when absent")

    @field_validator("expires_at")
    @classmethod
    def _future(cls, value: datetime | None) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("give a time zone, e.g. 2027-01-01T00:00:00Z")
        if value <= datetime.now(UTC):
            raise ValueError("must be in the future")
        return value


KeyStatus = Literal["active", "rotating", "revoked", "expired"]


class ApiKeyRead(BaseModel):
    """An API key's metadata; the key itself is shown only when it is created."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    prefix: str = Field(description="Public part of the key: sela_<prefix>_…")
    name: str
    owner: str
    scopes: list[str]
    roles: list[str]
    created_by: str | None
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None = Field(
        description="In the future while a rotated key is in its grace period"
    )
    last_used_at: datetime | None = Field(description="Recorded to within about a minute")
    rotated_from: uuid.UUID | None
    status: KeyStatus

    @classmethod
    def of(cls, row: ApiKey, now: datetime | None = None, **extra: str) -> Self:
        now = now or datetime.now(UTC)
        status: KeyStatus = "active"
        if row.revoked_at is not None:
            status = "revoked" if row.revoked_at <= now else "rotating"
        if status != "revoked" and row.expires_at is not None and row.expires_at <= now:
            status = "expired"
        return cls(
            id=row.id,
            prefix=row.prefix,
            name=row.name,
            owner=row.owner,
            scopes=row.scopes,
            roles=row.roles,
            created_by=row.created_by,
            created_at=row.created_at,
            expires_at=row.expires_at,
            revoked_at=row.revoked_at,
            last_used_at=row.last_used_at,
            rotated_from=row.rotated_from,
            status=status,
            **extra,
        )


class ApiKeySecretRead(ApiKeyRead):
    key: str = Field(description="The full key. It is shown this once and cannot be recovered.")
