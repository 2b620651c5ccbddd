"""KPI catalogue and values, call records, benchmark rounds, surveys and land-side censuses."""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from sela_kit.models import Timestamps, UUIDPrimaryKey
from sela_ports.models import Base
from sela_ports.registry.models import enum_column


class ScorecardGroup(enum.StrEnum):
    """Groups of the UNCTAD Port Performance Scorecard."""

    finance = "finance"
    operations = "operations"
    human_resources = "human_resources"
    market = "market"


class KpiDefinition(Base, Timestamps):
    __tablename__ = "ports_kpi_definitions"

    code: Mapped[str] = mapped_column(String(60), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(40))
    definition: Mapped[str] = mapped_column(Text)
    formula: Mapped[str] = mapped_column(Text)
    scorecard_group: Mapped[ScorecardGroup] = mapped_column(
        enum_column(ScorecardGroup, "scorecard_group")
    )
    higher_is_better: Mapped[bool] = mapped_column(Boolean)
    plausible_min: Mapped[float] = mapped_column(Float)
    plausible_max: Mapped[float] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(200))


class ValueSource(enum.StrEnum):
    submitted = "submitted"
    derived = "derived"


class KpiValue(Base, UUIDPrimaryKey):
    """One vintage of one KPI for one port and period; revisions add vintages, never overwrite."""

    __tablename__ = "ports_kpi_values"
    __table_args__ = (
        UniqueConstraint("port_system_id", "kpi_code", "period_start", "period_end", "vintage"),
    )

    port_system_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("ports_port_systems.id"), index=True
    )
    kpi_code: Mapped[str] = mapped_column(ForeignKey("ports_kpi_definitions.code"), index=True)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    value: Mapped[float] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(40))
    vintage: Mapped[int] = mapped_column(Integer)
    source: Mapped[ValueSource] = mapped_column(enum_column(ValueSource, "value_source"))
    note: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(200))
    recorded_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )


class CallRecord(Base, UUIDPrimaryKey):
    """One vessel call: the times the CPPI and the derived KPIs are computed from."""

    __tablename__ = "ports_call_records"
    __table_args__ = (UniqueConstraint("port_system_id", "vessel_id", "arrival"),)

    port_system_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("ports_port_systems.id"), index=True
    )
    vessel_id: Mapped[str] = mapped_column(String(40))
    vessel_teu: Mapped[int] = mapped_column(Integer)
    arrival: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    all_fast: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_line: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    departure: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    moves: Mapped[int] = mapped_column(Integer)
    crane_hours: Mapped[float | None] = mapped_column(Float)
    recorded_by: Mapped[str] = mapped_column(String(200))


class RoundStatus(enum.StrEnum):
    draft = "draft"
    published = "published"


class BenchmarkRound(Base, UUIDPrimaryKey, Timestamps):
    __tablename__ = "ports_benchmark_rounds"

    code: Mapped[str] = mapped_column(String(60), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    year: Mapped[int] = mapped_column(Integer)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    normalisation: Mapped[str] = mapped_column(String(20))
    weights: Mapped[dict[str, Any]] = mapped_column(JSONB)
    status: Mapped[RoundStatus] = mapped_column(enum_column(RoundStatus, "round_status"))
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The computed table, frozen when the round is published.
    results: Mapped[list[dict[str, Any]] | None] = mapped_column(JSONB)


class Survey(Base, UUIDPrimaryKey, Timestamps):
    __tablename__ = "ports_surveys"

    code: Mapped[str] = mapped_column(String(60), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    scale_min: Mapped[int] = mapped_column(Integer)
    scale_max: Mapped[int] = mapped_column(Integer)
    open: Mapped[bool] = mapped_column(Boolean, default=True)


class SurveyQuestion(Base, UUIDPrimaryKey):
    __tablename__ = "ports_survey_questions"
    __table_args__ = (UniqueConstraint("survey_id", "code"),)

    survey_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("ports_surveys.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(String(40))
    pillar: Mapped[str] = mapped_column(String(80))
    text: Mapped[str] = mapped_column(Text)


class SurveyResponse(Base, UUIDPrimaryKey):
    __tablename__ = "ports_survey_responses"

    survey_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("ports_surveys.id", ondelete="CASCADE"), index=True
    )
    port_system_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("ports_port_systems.id"))
    respondent_kind: Mapped[str | None] = mapped_column(String(80))
    submitted_by: Mapped[str] = mapped_column(String(200))
    submitted_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )


class SurveyAnswer(Base):
    __tablename__ = "ports_survey_answers"

    response_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("ports_survey_responses.id", ondelete="CASCADE"), primary_key=True
    )
    question_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("ports_survey_questions.id", ondelete="CASCADE"), primary_key=True
    )
    value: Mapped[int] = mapped_column(Integer)


class Census(Base, UUIDPrimaryKey, Timestamps):
    """A land-interface productivity census (I.3.1 objective 4) of one port over a period."""

    __tablename__ = "ports_censuses"

    port_system_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("ports_port_systems.id"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class TruckVisit(Base, UUIDPrimaryKey):
    __tablename__ = "ports_truck_visits"

    census_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("ports_censuses.id", ondelete="CASCADE"), index=True
    )
    queue_arrival: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    gate_in: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    gate_out: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    containers_in: Mapped[int] = mapped_column(Integer)
    containers_out: Mapped[int] = mapped_column(Integer)
