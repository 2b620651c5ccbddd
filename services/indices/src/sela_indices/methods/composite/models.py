"""The index structure and the engine's settings as validated data (pydantic v2).

A structure is a tree: the index (root) → dimensions → optional sub-dimensions → indicators.
Every node has a unique code and a weight ≥ 0 relative to its siblings; every aggregate has at
least one child, a positive total of child weights, and optionally its own aggregation method
(otherwise ``Settings.aggregation`` applies).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from sela_indices.methods.composite.errors import SettingsError, StructureError

Code = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^\S+$")]
Weight = Annotated[float, Field(ge=0.0, allow_inf_nan=False)]

AggregationMethod = Literal["arithmetic", "geometric", "harmonic", "generalised", "copeland"]
ImputationMethod = Literal["none", "mean", "median", "group_mean", "locf", "interpolate"]
OutlierMethod = Literal["none", "coinr"]
NormalisationMethod = Literal[
    "minmax",
    "zscore",
    "rank",
    "percentile_rank",
    "distance_to_reference",
    "distance_to_target",
    "goalposts",
]
WeightsMethod = Literal["given", "equal", "pca"]
Mode = Literal["year", "global"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Aggregation(_Model):
    """``p`` is the exponent of the generalised mean (required there, ≠ 0: p → 0 is the
    geometric mean, p = 1 arithmetic, p = −1 harmonic)."""

    method: AggregationMethod = "arithmetic"
    p: float | None = Field(default=None, allow_inf_nan=False)

    @model_validator(mode="after")
    def _exponent(self) -> Aggregation:
        if self.method == "generalised" and (self.p is None or self.p == 0):
            raise ValueError("the generalised mean needs an exponent p ≠ 0 (p → 0 is geometric)")
        return self

    def label(self) -> str:
        return f"generalised(p={self.p:g})" if self.method == "generalised" else self.method


class Indicator(_Model):
    """A leaf. ``goalposts`` = (lower, upper) and ``target`` are in the indicator's own units and
    are needed only by the goalpost and distance-to-target normalisations."""

    code: Code
    name: str | None = None
    direction: Literal[1, -1] = 1
    weight: Weight = 1.0
    goalposts: tuple[float, float] | None = None
    target: float | None = Field(default=None, allow_inf_nan=False)

    @model_validator(mode="after")
    def _posts(self) -> Indicator:
        if self.goalposts is not None and not self.goalposts[0] < self.goalposts[1]:
            raise ValueError(f"goalposts of {self.code} must be (lower, upper) with lower < upper")
        return self


class Aggregate(_Model):
    code: Code
    name: str | None = None
    weight: Weight = 1.0
    aggregation: Aggregation | None = None
    children: Annotated[list[Indicator | Aggregate], Field(min_length=1)]

    @model_validator(mode="after")
    def _weights(self) -> Aggregate:
        if sum(child.weight for child in self.children) <= 0:
            raise ValueError(f"the children of {self.code} have no positive weight")
        return self


class Structure(_Model):
    """The index: its root aggregate (code, name, method) and the tree below it."""

    code: Code
    name: str | None = None
    aggregation: Aggregation | None = None
    children: Annotated[list[Indicator | Aggregate], Field(min_length=1)]

    @model_validator(mode="after")
    def _unique(self) -> Structure:
        seen: set[str] = set()
        duplicates: list[str] = []
        for node in self.walk():
            if node.code in seen:
                duplicates.append(node.code)
            seen.add(node.code)
        if duplicates:
            raise ValueError(f"codes used more than once: {sorted(set(duplicates))}")
        if sum(child.weight for child in self.children) <= 0:
            raise ValueError(f"the children of {self.code} have no positive weight")
        return self

    def walk(self) -> Iterator[Structure | Aggregate | Indicator]:
        """Every node, parents before children (pre-order)."""
        stack: list[Structure | Aggregate | Indicator] = [self]
        while stack:
            node = stack.pop()
            yield node
            if not isinstance(node, Indicator):
                stack.extend(reversed(node.children))

    def indicators(self) -> list[Indicator]:
        return [node for node in self.walk() if isinstance(node, Indicator)]

    @classmethod
    def parse(cls, data: Any) -> Structure:
        """Validate a structure from JSON-like data, raising ``StructureError``."""
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            raise StructureError(f"invalid index structure: {exc}") from exc


class Imputation(_Model):
    method: ImputationMethod = "none"


class Outliers(_Model):
    """COINr's rule (``Treat``/``qTreat`` defaults): an indicator fails when |skew| ≥ 2 AND
    kurtosis ≥ 3.5; then it is winsorised point by point up to ``winsorise_max`` points; if it
    still fails it is log-transformed instead (from the original values)."""

    method: OutlierMethod = "none"
    skew_threshold: float = Field(default=2.0, gt=0)
    kurtosis_threshold: float = Field(default=3.5)
    winsorise_max: int = Field(default=5, ge=1)
    mode: Mode = "year"


class Normalisation(_Model):
    """``lower``/``upper``: min–max bounds (use lower > 0 before a geometric mean); ``mean``/
    ``sd``: z-score targets; ``scale``: maximum of the bounded methods (percentile rank, distances,
    goalposts: 100 puts them on min–max's 0–100 scale); ``reference_unit``: the unit of
    distance to reference; ``cap``: cap distances at the reference/target."""

    method: NormalisationMethod = "minmax"
    mode: Mode = "year"
    lower: float = 0.0
    upper: float = 100.0
    mean: float = 0.0
    sd: float = Field(default=1.0, gt=0)
    scale: float = Field(default=100.0, gt=0)
    reference_unit: str | None = None
    cap: bool = False

    @model_validator(mode="after")
    def _bounds(self) -> Normalisation:
        if not self.lower < self.upper:
            raise ValueError("min–max bounds need lower < upper")
        if self.method == "distance_to_reference" and self.reference_unit is None:
            raise ValueError("distance_to_reference needs reference_unit")
        return self

    def label(self) -> str:
        return f"{self.method}/{self.mode}"


class Weights(_Model):
    """``given``: the structure's weights; ``equal``: 1 for every child; ``pca``: the OECD/JRC
    Handbook's factor-analysis weights, per aggregate, from its children's values."""

    method: WeightsMethod = "given"


class Settings(_Model):
    imputation: Imputation = Imputation()
    outliers: Outliers = Outliers()
    normalisation: Normalisation = Normalisation()
    weights: Weights = Weights()
    aggregation: Aggregation = Aggregation()
    availability_threshold: float = Field(default=0.5, ge=0.0, le=1.0)

    @classmethod
    def parse(cls, data: Any) -> Settings:
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            raise SettingsError(f"invalid composite settings: {exc}") from exc


class Uncertainty(_Model):
    """Monte Carlo over the listed alternatives (a list with one entry fixes that choice for
    every run; ``None`` keeps the nominal setting). ``runs`` is the base sample N: with
    ``sobol`` the Saltelli design evaluates N·(D + 2) runs for D uncertain inputs (SALib's
    first/total-order design), otherwise N random runs. ``weight_noise`` = x perturbs every
    weight by a factor uniform in [1 − x, 1 + x], drawn in ``weight_sets`` sets chosen per run.
    Sobol indices are computed for ``years`` (default: the last year)."""

    runs: int = Field(default=256, ge=2, le=1_000_000)
    seed: int = 0
    imputation: list[ImputationMethod] | None = None
    outliers: list[OutlierMethod] | None = None
    normalisation: list[Normalisation] | None = None
    weights: list[WeightsMethod] | None = None
    aggregation: list[Aggregation] | None = None
    weight_noise: float | None = Field(default=None, gt=0.0, lt=1.0)
    weight_sets: int = Field(default=100, ge=2)
    sobol: bool = True
    years: list[int] | None = None
    node: str | None = None

    @model_validator(mode="after")
    def _lists(self) -> Uncertainty:
        for name in ("imputation", "outliers", "normalisation", "weights", "aggregation"):
            value = getattr(self, name)
            if value is not None and len(value) == 0:
                raise ValueError(f"{name}: give at least one alternative or leave it out")
        return self

    @classmethod
    def parse(cls, data: Any) -> Uncertainty:
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            raise SettingsError(f"invalid uncertainty settings: {exc}") from exc
