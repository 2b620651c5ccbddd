"""Request and response bodies of the IPPALC endpoints."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from sela_smes.ippalc.models import Questionnaire, State

RoundCode = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")]
EditionCode = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")]
LongText = Annotated[str, StringConstraints(max_length=20000)]


class _Read(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class EditionSummary(BaseModel):
    code: str
    title: str
    description: str | None
    dimensions: list[str] = Field(description="Dimension codes, in order")
    subdimensions: int
    questions: int
    scored_questions: int
    created_at: datetime


class AssessmentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    edition: EditionCode
    country: str = Field(description="ISO 3166 alpha-3 code, e.g. CHL")
    round: RoundCode = Field(description="The assessment round, e.g. 2019")
    label: Annotated[str, StringConstraints(max_length=300)] | None = None


class AssessmentRead(BaseModel):
    id: uuid.UUID
    edition: str
    country: str
    round: str
    state: State
    label: str | None
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None


class AnswerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: str = Field(max_length=40)
    value: Any = Field(
        description="true/false (binary), an option code (multiple choice), a text (open)"
    )
    evidence: LongText | None = None
    comments: LongText | None = None


class AnswersIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    answers: list[AnswerIn] = Field(min_length=1, max_length=1000)


class AnswerRead(_Read):
    question: str
    questionnaire: Questionnaire
    value: Any
    evidence: str | None
    comments: str | None
    answered_by: str | None
    updated_at: datetime


class TransitionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    to: State
    note: Annotated[str, StringConstraints(max_length=2000)] | None = None


class ReconciliationItem(BaseModel):
    question: str
    scored: bool
    government: Any | None
    evaluator: Any | None
    agreed: Any | None
    agree: bool | None = Field(
        description="Whether both questionnaires give the same answer (null: one is missing)"
    )


class ReconciliationRead(BaseModel):
    assessment_id: uuid.UUID
    state: State
    items: list[ReconciliationItem]
    disagreements: list[str] = Field(description="Scored questions the questionnaires differ on")
    unreconciled: list[str] = Field(description="Scored questions without an agreed answer yet")


class AuditRead(_Read):
    at: datetime
    actor: str | None
    roles: list[str]
    action: str
    from_state: State | None
    to_state: State | None
    detail: dict[str, Any]


class BlockScoreRead(BaseModel):
    code: str
    name: str
    weight: float
    points: float
    max_points: float
    score: float
    answered: int
    questions: int


class SubDimensionScoreRead(BaseModel):
    code: str
    name: str
    weight: float
    score: float
    blocks: list[BlockScoreRead]


class DimensionScoreRead(BaseModel):
    code: str
    name: str
    weight: float
    score: float
    subdimensions: list[SubDimensionScoreRead]


class ScoresRead(BaseModel):
    assessment_id: uuid.UUID
    questionnaire: Questionnaire
    edition: str
    country: str
    round: str
    overall: float
    complete: bool
    scored_questions: int
    answered: int
    dimensions: list[DimensionScoreRead]


class AxisRead(BaseModel):
    code: str
    name: str


class CountryResult(BaseModel):
    assessment_id: uuid.UUID
    country: str
    round: str
    edition: str
    overall: float
    dimensions: dict[str, float]
    subdimensions: dict[str, float]


class RegionalAverage(BaseModel):
    round: str
    countries: list[str]
    overall: float
    dimensions: dict[str, float]
    subdimensions: dict[str, float]


class ReportedResultCreate(BaseModel):
    """Scores as a published report gives them, for when the questionnaires are not available."""

    model_config = ConfigDict(extra="forbid")

    edition: EditionCode
    round: RoundCode
    country: str | None = Field(
        default=None, description="ISO3; none for a regional figure (e.g. the report's average)"
    )
    source: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
    overall: float | None = None
    dimensions: dict[str, float] = Field(default_factory=dict)
    subdimensions: dict[str, float] = Field(default_factory=dict)


class ReportedResultRead(_Read):
    id: uuid.UUID
    edition: str
    round: str
    country: str | None
    source: str
    overall: float | None
    dimensions: dict[str, float]
    subdimensions: dict[str, float]
    created_at: datetime


class ResultsRead(BaseModel):
    """Published results side by side: countries of a round, or one country across rounds."""

    rounds: list[str]
    dimensions: list[AxisRead]
    subdimensions: list[AxisRead]
    results: list[CountryResult] = Field(description="Computed from published assessments")
    regional_averages: list[RegionalAverage]
    reported: list[ReportedResultRead] = Field(
        description="Scores loaded as published by a report (country none: regional figures)"
    )
