"""Countries, port systems, logistic port communities, organisations and people."""

from __future__ import annotations

import enum
import uuid
from datetime import date

from sqlalchemy import Boolean, Date, Enum, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sela_kit.models import Timestamps, UUIDPrimaryKey
from sela_ports.models import Base


class Stage(enum.StrEnum):
    """Formalisation stages of a logistic port community, in order."""

    exploratory = "exploratory"
    diagnosis_workshop = "diagnosis_workshop"
    msg_formed = "msg_formed"
    mou_signed = "mou_signed"
    formalised = "formalised"


STAGE_ORDER = list(Stage)


class OrganisationKind(enum.StrEnum):
    port_authority = "port_authority"
    ministry_transport = "ministry_transport"
    ministry_trade = "ministry_trade"
    maritime_authority = "maritime_authority"
    customs = "customs"
    logistics_association = "logistics_association"
    chamber_of_commerce = "chamber_of_commerce"
    technology_company = "technology_company"
    university = "university"
    multilateral = "multilateral"


# Listed in the public directory of participating ministries and authorities.
DIRECTORY_KINDS = frozenset(
    {
        OrganisationKind.port_authority,
        OrganisationKind.ministry_transport,
        OrganisationKind.ministry_trade,
        OrganisationKind.maritime_authority,
        OrganisationKind.customs,
    }
)


def enum_column(cls: type[enum.Enum], name: str) -> Enum:
    return Enum(cls, name=name, native_enum=False, length=32, validate_strings=True)


class Country(Base, Timestamps):
    __tablename__ = "ports_countries"

    iso3: Mapped[str] = mapped_column(String(3), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    in_network: Mapped[bool] = mapped_column(Boolean, default=True)


class PortSystem(Base, UUIDPrimaryKey, Timestamps):
    __tablename__ = "ports_port_systems"

    locode: Mapped[str] = mapped_column(String(5), unique=True)
    name: Mapped[str] = mapped_column(String(160))
    country_iso3: Mapped[str] = mapped_column(ForeignKey("ports_countries.iso3"), index=True)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    wpi_number: Mapped[int | None] = mapped_column(Integer)
    harbor_size: Mapped[str | None] = mapped_column(String(32))
    harbor_type: Mapped[str | None] = mapped_column(String(64))
    channel_depth_m: Mapped[float | None] = mapped_column(Float)
    cargo_pier_depth_m: Mapped[float | None] = mapped_column(Float)
    max_vessel_length_m: Mapped[float | None] = mapped_column(Float)
    max_vessel_draft_m: Mapped[float | None] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(64), default="manual")


class Community(Base, UUIDPrimaryKey, Timestamps):
    __tablename__ = "ports_communities"

    name: Mapped[str] = mapped_column(String(160), unique=True)
    port_system_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("ports_port_systems.id"), index=True
    )
    stage: Mapped[Stage] = mapped_column(enum_column(Stage, "stage"), default=Stage.exploratory)
    stage_since: Mapped[date | None] = mapped_column(Date)
    notes: Mapped[str | None] = mapped_column(Text)

    port_system: Mapped[PortSystem] = relationship(lazy="raise")


class Organisation(Base, UUIDPrimaryKey, Timestamps):
    __tablename__ = "ports_organisations"

    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[OrganisationKind] = mapped_column(
        enum_column(OrganisationKind, "organisation_kind")
    )
    country_iso3: Mapped[str | None] = mapped_column(ForeignKey("ports_countries.iso3"))
    community_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("ports_communities.id"), index=True
    )
    website: Mapped[str | None] = mapped_column(String(300))


class Person(Base, UUIDPrimaryKey, Timestamps):
    __tablename__ = "ports_people"

    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str | None] = mapped_column(String(120))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(40))
    organisation_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("ports_organisations.id"), index=True
    )
    # The gateway identity's subject of this person, when they log in.
    subject: Mapped[str | None] = mapped_column(String(200), unique=True)


__all__ = [
    "DIRECTORY_KINDS",
    "STAGE_ORDER",
    "Community",
    "Country",
    "Organisation",
    "OrganisationKind",
    "Person",
    "PortSystem",
    "Stage",
]
