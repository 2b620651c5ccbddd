"""The IPPALC framework as versioned data, and the scoring of one questionnaire. Pure.

An edition is a document: thematic blocks with default weights, dimensions, sub-dimensions and
questions. Scoring (smes.md, decision 0085): a block's score maps the share of points earned
onto the scale, ``min + (max - min) * points / max_points`` (1 + 4 x points/max on 1-5); a
sub-dimension's score is the average of its blocks' scores weighted by the block weights; a
dimension's the average of its sub-dimensions' weighted by their weights; the overall score the
average of the dimensions weighted by theirs. Weights are renormalised over the parts that
carry scored questions, so they need not sum to 100.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from importlib import resources
from typing import Annotated, Any, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

Code = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]


MAX_OPEN_ANSWER = 20000


class QuestionKind(StrEnum):
    binary = "binary"
    multiple_choice = "multiple_choice"
    open = "open"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Scale(_Strict):
    min: float = 1
    max: float = 5

    @model_validator(mode="after")
    def _order(self) -> Self:
        if self.max <= self.min:
            raise ValueError("scale.max must be greater than scale.min")
        return self


class QuestionWeights(_Strict):
    standard: float = Field(default=1, gt=0)
    core: float = Field(default=2, gt=0)


class Block(_Strict):
    """A thematic block: planning and design, implementation, monitoring and evaluation."""

    code: Code
    name: Name
    weight: float = Field(gt=0)


class Option(_Strict):
    code: Code
    label: Name
    score: float = Field(ge=0, le=1, description="Share of the question's weight it earns")


class Question(_Strict):
    code: Code
    text: str = Field(min_length=1, max_length=2000)
    kind: QuestionKind
    block: Code
    core: bool = False
    options: list[Option] = Field(default_factory=list)

    @model_validator(mode="after")
    def _options(self) -> Self:
        if self.kind == QuestionKind.multiple_choice:
            if len(self.options) < 2:
                raise ValueError("a multiple-choice question needs at least two options")
            codes = [o.code for o in self.options]
            if len(set(codes)) != len(codes):
                raise ValueError("option codes repeat")
            if max(o.score for o in self.options) <= 0:
                raise ValueError("at least one option must earn points")
        elif self.options:
            raise ValueError(f"a {self.kind.value} question has no options")
        if self.kind == QuestionKind.open and self.core:
            raise ValueError("an open question is not scored, so it cannot be core")
        return self

    @property
    def scored(self) -> bool:
        return self.kind != QuestionKind.open


class SubDimension(_Strict):
    code: Code
    name: Name
    weight: float = Field(default=1, gt=0)
    block_weights: dict[str, float] | None = Field(
        default=None, description="Overrides of the edition's block weights for this part"
    )
    questions: list[Question] = Field(min_length=1, max_length=500)


class Dimension(_Strict):
    code: Code
    name: Name
    weight: float = Field(default=1, gt=0)
    subdimensions: list[SubDimension] = Field(min_length=1, max_length=100)


class Edition(_Strict):
    """One edition of the framework (e.g. 2019: seven dimensions; 2024 adds digitalisation)."""

    code: Code
    title: Name
    description: str | None = Field(default=None, max_length=5000)
    scale: Scale = Field(default_factory=Scale)
    question_weights: QuestionWeights = Field(default_factory=QuestionWeights)
    blocks: list[Block] = Field(min_length=1, max_length=20)
    dimensions: list[Dimension] = Field(min_length=1, max_length=100)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        errors: list[str] = []
        blocks = {b.code for b in self.blocks}
        if len(blocks) != len(self.blocks):
            errors.append("block codes repeat")
        seen: dict[str, str] = {}
        for kind, code in self._codes():
            if code in seen:
                errors.append(f"{kind} code {code!r} repeats (also a {seen[code]})")
            seen[code] = kind
        for dim in self.dimensions:
            for sub in dim.subdimensions:
                unknown = set(sub.block_weights or {}) - blocks
                if unknown:
                    errors.append(f"sub-dimension {sub.code}: unknown blocks {sorted(unknown)}")
                for w in (sub.block_weights or {}).values():
                    if w <= 0:
                        errors.append(f"sub-dimension {sub.code}: block weights must be > 0")
                for q in sub.questions:
                    if q.block not in blocks:
                        errors.append(f"question {q.code}: unknown block {q.block!r}")
                if not any(q.scored for q in sub.questions):
                    errors.append(f"sub-dimension {sub.code} has no scored question")
        if errors:
            raise ValueError("; ".join(errors))
        return self

    def _codes(self) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        for dim in self.dimensions:
            out.append(("dimension", dim.code))
            for sub in dim.subdimensions:
                out.append(("sub-dimension", sub.code))
                out.extend(("question", q.code) for q in sub.questions)
        return out

    def questions(self) -> dict[str, Question]:
        return {q.code: q for d in self.dimensions for s in d.subdimensions for q in s.questions}

    def question_weight(self, question: Question) -> float:
        return self.question_weights.core if question.core else self.question_weights.standard

    def block_weight(self, sub: SubDimension, block: str) -> float:
        if sub.block_weights and block in sub.block_weights:
            return sub.block_weights[block]
        return next(b.weight for b in self.blocks if b.code == block)


def check_answer(question: Question, value: Any) -> str | None:
    """Why ``value`` is not a valid answer to ``question``, or None when it is."""
    if question.kind == QuestionKind.binary:
        if not isinstance(value, bool):
            return "a binary question takes true or false"
    elif question.kind == QuestionKind.multiple_choice:
        codes = [o.code for o in question.options]
        if not isinstance(value, str) or value not in codes:
            return f"expected one of the options {codes}"
    elif not isinstance(value, str) or not value.strip():
        return "an open question takes a non-empty text"
    elif len(value) > MAX_OPEN_ANSWER:
        return f"an open answer has at most {MAX_OPEN_ANSWER} characters"
    return None


def answer_share(question: Question, value: Any) -> float:
    """The share (0-1) of the question's weight a valid answer earns."""
    if question.kind == QuestionKind.binary:
        return 1.0 if value is True else 0.0
    if question.kind == QuestionKind.multiple_choice:
        return next(o.score for o in question.options if o.code == value)
    return 0.0


def max_share(question: Question) -> float:
    if question.kind == QuestionKind.multiple_choice:
        return max(o.score for o in question.options)
    return 1.0 if question.kind == QuestionKind.binary else 0.0


@dataclass
class BlockScore:
    code: str
    name: str
    weight: float
    points: float
    max_points: float
    score: float
    answered: int
    questions: int


@dataclass
class SubDimensionScore:
    code: str
    name: str
    weight: float
    score: float
    blocks: list[BlockScore] = field(default_factory=list)


@dataclass
class DimensionScore:
    code: str
    name: str
    weight: float
    score: float
    subdimensions: list[SubDimensionScore] = field(default_factory=list)


@dataclass
class Scores:
    edition: str
    overall: float
    dimensions: list[DimensionScore]
    scored_questions: int
    answered: int

    @property
    def complete(self) -> bool:
        return self.answered == self.scored_questions

    def by_dimension(self) -> dict[str, float]:
        return {d.code: d.score for d in self.dimensions}


def _weighted(pairs: list[tuple[float, float]]) -> float:
    total = sum(w for w, _ in pairs)
    return sum(w * s for w, s in pairs) / total


def score(edition: Edition, answers: Mapping[str, Any]) -> Scores:
    """Scores of one questionnaire. ``answers``: question code -> valid value. An unanswered
    scored question earns no points but still counts in its block's maximum."""
    low, high = edition.scale.min, edition.scale.max
    block_names = {b.code: b.name for b in edition.blocks}
    dimensions: list[DimensionScore] = []
    scored = answered = 0
    for dim in edition.dimensions:
        subs: list[SubDimensionScore] = []
        for sub in dim.subdimensions:
            blocks: list[BlockScore] = []
            for block in edition.blocks:
                questions = [q for q in sub.questions if q.block == block.code and q.scored]
                if not questions:
                    continue
                points = max_points = 0.0
                done = 0
                for q in questions:
                    weight = edition.question_weight(q)
                    max_points += weight * max_share(q)
                    if q.code in answers:
                        done += 1
                        points += weight * answer_share(q, answers[q.code])
                scored += len(questions)
                answered += done
                blocks.append(
                    BlockScore(
                        code=block.code,
                        name=block_names[block.code],
                        weight=edition.block_weight(sub, block.code),
                        points=points,
                        max_points=max_points,
                        score=low + (high - low) * points / max_points,
                        answered=done,
                        questions=len(questions),
                    )
                )
            subs.append(
                SubDimensionScore(
                    sub.code,
                    sub.name,
                    sub.weight,
                    _weighted([(b.weight, b.score) for b in blocks]),
                    blocks,
                )
            )
        dimensions.append(
            DimensionScore(
                dim.code,
                dim.name,
                dim.weight,
                _weighted([(s.weight, s.score) for s in subs]),
                subs,
            )
        )
    overall = _weighted([(d.weight, d.score) for d in dimensions])
    return Scores(edition.code, overall, dimensions, scored, answered)


def shipped_edition(code: str) -> Edition:
    """An edition shipped with the service as a data file (``data/edition_<code>.json``)."""
    text = resources.files("sela_smes.ippalc").joinpath("data", f"edition_{code}.json").read_text()
    return Edition.model_validate(json.loads(text))
