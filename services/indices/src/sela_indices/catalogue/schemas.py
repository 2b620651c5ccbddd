from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from sela_indices.catalogue.models import GROUPS, LANGUAGES

Group = Literal[
    "environment",
    "development",
    "institutions",
    "innovation",
    "demographics",
    "macro",
    "external_sector",
    "trade",
]
Frequency = Literal["A", "S", "Q", "M"]
IndicatorCode = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_.]{0,63}$")]
assert set(Group.__args__) == set(GROUPS)  # type: ignore[attr-defined]


class Aggregation(BaseModel):
    """How member values make a mechanism's value.

    ``sum``; ``mean``; ``weighted_mean`` with ``weight`` = indicator codes multiplied
    together (e.g. GDP per capita × population = GDP); ``ratio`` = Σ numerator / Σ denominator
    × ``scale`` (each side a product of indicator codes); ``none`` (not aggregable).
    """

    model_config = ConfigDict(extra="forbid")

    rule: Literal["sum", "mean", "weighted_mean", "ratio", "none"]
    weight: list[IndicatorCode] | None = None
    numerator: list[IndicatorCode] | None = None
    denominator: list[IndicatorCode] | None = None
    scale: float = 1.0

    @model_validator(mode="after")
    def _complete(self) -> Aggregation:
        if self.rule == "weighted_mean" and not self.weight:
            raise ValueError("weighted_mean needs weight (indicator codes)")
        if self.rule == "ratio" and not (self.numerator and self.denominator):
            raise ValueError("ratio needs numerator and denominator (indicator codes)")
        return self


def _check_languages(texts: dict[str, str], *, require_english: bool) -> dict[str, str]:
    unknown = set(texts) - set(LANGUAGES)
    if unknown:
        raise ValueError(f"languages {sorted(unknown)} are not among {', '.join(LANGUAGES)}")
    if require_english and not texts.get("en"):
        raise ValueError("an English name is required")
    return texts


class IndicatorBase(BaseModel):
    model_config = ConfigDict(extra="forbid")

    names: dict[str, str] = Field(description="By language: es, en, pt, fr (en required)")
    descriptions: dict[str, str] = {}
    unit: str = Field(min_length=1, max_length=120)
    source: str = Field(min_length=1)
    group: Group
    frequency: Frequency = "A"
    direction: Literal[-1, 0, 1] = Field(
        default=0, description="1: higher is better, -1: higher is worse, 0: neither"
    )
    aggregation: Aggregation = Aggregation(rule="none")
    decimals: int | None = Field(default=None, ge=0, le=10)

    @field_validator("names")
    @classmethod
    def _names(cls, names: dict[str, str]) -> dict[str, str]:
        return _check_languages(names, require_english=True)

    @field_validator("descriptions")
    @classmethod
    def _descriptions(cls, descriptions: dict[str, str]) -> dict[str, str]:
        return _check_languages(descriptions, require_english=False)


class IndicatorCreate(IndicatorBase):
    code: IndicatorCode


class IndicatorUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    names: dict[str, str] | None = None
    descriptions: dict[str, str] | None = None
    unit: str | None = Field(default=None, min_length=1, max_length=120)
    source: str | None = Field(default=None, min_length=1)
    group: Group | None = None
    frequency: Frequency | None = None
    direction: Literal[-1, 0, 1] | None = None
    aggregation: Aggregation | None = None
    decimals: int | None = Field(default=None, ge=0, le=10)

    @field_validator("names")
    @classmethod
    def _names(cls, names: dict[str, str] | None) -> dict[str, str] | None:
        return None if names is None else _check_languages(names, require_english=True)


class Coverage(BaseModel):
    areas: int
    observations: int
    first_period: str | None
    last_period: str | None
    last_vintage: datetime | None


class IndicatorRead(IndicatorBase):
    model_config = ConfigDict(from_attributes=True, extra="ignore")

    code: str
    name: str = Field(description="The name in the requested language (English fallback)")
    created_at: datetime
    updated_at: datetime
    rank: float | None = Field(default=None, description="Search relevance, when searching")
    coverage: Coverage | None = None

    @classmethod
    def build(cls, indicator: Any, lang: str, **extra: Any) -> IndicatorRead:
        names: dict[str, str] = indicator.names
        return cls.model_validate(
            {
                **{k: getattr(indicator, k) for k in cls.model_fields if hasattr(indicator, k)},
                "name": names.get(lang) or names["en"],
                **extra,
            }
        )


class GroupRead(BaseModel):
    code: Group
    name: str
    indicators: int
