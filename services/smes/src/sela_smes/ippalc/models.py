"""IPPALC tables: framework editions, assessments, answers per questionnaire, the audit trail."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, Enum, Float, ForeignKey, String, Text, UniqueConstraint, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from sela_kit.models import Timestamps, UUIDPrimaryKey
from sela_smes.models import Base


class State(enum.StrEnum):
    draft = "draft"
    submitted = "submitted"
    under_review = "under_review"
    validated = "validated"
    published = "published"


class Questionnaire(enum.StrEnum):
    government = "government"
    """The government's self-assessment, filled in by the country's focal point."""
    evaluator = "evaluator"
    """The independent evaluator's assessment."""
    reconciled = "reconciled"
    """The agreed answer per question, settled during the review (staff)."""


def enum_column(cls: type[enum.Enum], name: str) -> Enum:
    return Enum(cls, name=name, native_enum=False, length=32, validate_strings=True)


class Edition(Base, UUIDPrimaryKey, Timestamps):
    """One edition of the framework; ``framework`` is the validated document itself."""

    __tablename__ = "ippalc_editions"

    code: Mapped[str] = mapped_column(String(40), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    framework: Mapped[dict[str, Any]] = mapped_column(JSONB)
    created_by: Mapped[str | None] = mapped_column(String(200))


class Assessment(Base, UUIDPrimaryKey, Timestamps):
    """One country in one round, assessed against one edition."""

    __tablename__ = "ippalc_assessments"
    __table_args__ = (UniqueConstraint("country", "round"),)

    edition_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("ippalc_editions.id"), index=True)
    country: Mapped[str] = mapped_column(String(3), index=True)
    round: Mapped[str] = mapped_column(String(40), index=True)
    state: Mapped[State] = mapped_column(enum_column(State, "ippalc_state"))
    label: Mapped[str | None] = mapped_column(String(300))
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Answer(Base, UUIDPrimaryKey, Timestamps):
    __tablename__ = "ippalc_answers"
    __table_args__ = (UniqueConstraint("assessment_id", "questionnaire", "question"),)

    assessment_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("ippalc_assessments.id", ondelete="CASCADE"), index=True
    )
    questionnaire: Mapped[Questionnaire] = mapped_column(
        enum_column(Questionnaire, "ippalc_questionnaire")
    )
    question: Mapped[str] = mapped_column(String(40))
    value: Mapped[Any] = mapped_column(JSONB)
    evidence: Mapped[str | None] = mapped_column(Text)
    comments: Mapped[str | None] = mapped_column(Text)
    answered_by: Mapped[str | None] = mapped_column(String(200))


class AuditEntry(Base, UUIDPrimaryKey):
    """Who changed what, and when: every answer batch and every change of state."""

    __tablename__ = "ippalc_audit"

    assessment_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("ippalc_assessments.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )
    actor: Mapped[str | None] = mapped_column(String(200))
    roles: Mapped[list[str]] = mapped_column(JSONB)
    action: Mapped[str] = mapped_column(String(60))
    from_state: Mapped[State | None] = mapped_column(enum_column(State, "ippalc_state"))
    to_state: Mapped[State | None] = mapped_column(enum_column(State, "ippalc_state"))
    detail: Mapped[dict[str, Any]] = mapped_column(JSONB)


class ReportedResult(Base, UUIDPrimaryKey, Timestamps):
    """Published scores loaded as data when the questionnaires are not available: one
    country's (or, without a country, the region's) scores in a round, as a report gives them."""

    __tablename__ = "ippalc_reported_results"

    edition_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("ippalc_editions.id"), index=True)
    round: Mapped[str] = mapped_column(String(40), index=True)
    country: Mapped[str | None] = mapped_column(String(3))
    source: Mapped[str] = mapped_column(Text)
    overall: Mapped[float | None] = mapped_column(Float)
    dimensions: Mapped[dict[str, float]] = mapped_column(JSONB)
    subdimensions: Mapped[dict[str, float]] = mapped_column(JSONB)
    created_by: Mapped[str | None] = mapped_column(String(200))
