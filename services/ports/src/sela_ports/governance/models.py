"""MoUs with SELA, the Network's bodies, their members and their decisions."""

from __future__ import annotations

import enum
import uuid
from datetime import date

from sqlalchemy import Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sela_kit.models import Timestamps, UUIDPrimaryKey
from sela_ports.models import Base
from sela_ports.registry.models import enum_column


class MouStatus(enum.StrEnum):
    draft = "draft"
    signed = "signed"
    terminated = "terminated"


class BodyKind(enum.StrEnum):
    steering_committee = "steering_committee"
    technical_committee = "technical_committee"
    expert_group = "expert_group"
    working_group = "working_group"


class MemberRole(enum.StrEnum):
    chair = "chair"
    vice_chair = "vice_chair"
    secretary = "secretary"
    member = "member"
    observer = "observer"


class DecisionKind(enum.StrEnum):
    general = "general"
    work_plan = "work_plan"
    admission = "admission"
    statutes = "statutes"
    # Designates the technical secretariat of the Network (I.3.1 objective 5).
    technical_secretariat = "technical_secretariat"


class DecisionOutcome(enum.StrEnum):
    adopted = "adopted"
    rejected = "rejected"
    deferred = "deferred"


class Mou(Base, UUIDPrimaryKey, Timestamps):
    """A Memorandum of Understanding between SELA and an organisation of a community."""

    __tablename__ = "ports_mous"

    community_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("ports_communities.id"), index=True)
    organisation_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("ports_organisations.id"))
    title: Mapped[str] = mapped_column(String(200))
    status: Mapped[MouStatus] = mapped_column(enum_column(MouStatus, "mou_status"))
    signed_on: Mapped[date | None] = mapped_column(Date)
    expires_on: Mapped[date | None] = mapped_column(Date)
    # A document of the collaborative area holding the rights-and-duties text.
    document_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("ports_collab_items.id"))


class Body(Base, UUIDPrimaryKey, Timestamps):
    """A committee or group of the Network; also the unit of sharing in the private area."""

    __tablename__ = "ports_bodies"

    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[BodyKind] = mapped_column(enum_column(BodyKind, "body_kind"))
    mandate: Mapped[str | None] = mapped_column(Text)


class Membership(Base, UUIDPrimaryKey, Timestamps):
    __tablename__ = "ports_memberships"
    __table_args__ = (UniqueConstraint("body_id", "person_id", "since"),)

    body_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("ports_bodies.id"), index=True)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("ports_people.id"), index=True)
    role: Mapped[MemberRole] = mapped_column(enum_column(MemberRole, "member_role"))
    since: Mapped[date] = mapped_column(Date)
    until: Mapped[date | None] = mapped_column(Date)


class Decision(Base, UUIDPrimaryKey, Timestamps):
    __tablename__ = "ports_decisions"

    body_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("ports_bodies.id"), index=True)
    taken_on: Mapped[date] = mapped_column(Date)
    kind: Mapped[DecisionKind] = mapped_column(enum_column(DecisionKind, "decision_kind"))
    title: Mapped[str] = mapped_column(String(300))
    record: Mapped[str] = mapped_column(Text)
    outcome: Mapped[DecisionOutcome] = mapped_column(
        enum_column(DecisionOutcome, "decision_outcome")
    )
    votes_for: Mapped[int | None] = mapped_column(Integer)
    votes_against: Mapped[int | None] = mapped_column(Integer)
    abstentions: Mapped[int | None] = mapped_column(Integer)
    # For a technical_secretariat decision: who is designated (e.g. "SELA").
    designee: Mapped[str | None] = mapped_column(String(120))
