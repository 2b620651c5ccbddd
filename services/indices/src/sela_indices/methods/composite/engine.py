"""``compute``: observations + structure + settings → scores, ranks, weights and checks."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl

from sela_indices.methods.composite.errors import DataError, SettingsError
from sela_indices.methods.composite.models import (
    Aggregate,
    Aggregation,
    Indicator,
    Settings,
    Structure,
)
from sela_indices.methods.composite.steps import (
    Array,
    BoolArray,
    IntArray,
    aggregate,
    cronbach_alpha,
    impute,
    normalise,
    pairwise_correlations,
    pca_weights,
    ranks_descending,
    treat_outliers,
)

REQUIRED = {"unit": pl.String, "year": pl.Int64, "indicator": pl.String, "value": pl.Float64}


# ---------------------------------------------------------------------------- structure


@dataclass(frozen=True)
class Node:
    code: str
    name: str | None
    level: int  # 1 = indicator; an aggregate is one above its highest child
    parent: str | None
    children: tuple[int, ...]  # node ids
    weight: float  # the structure's weight relative to the siblings
    aggregation: Aggregation | None
    direction: int = 1
    goalposts: tuple[float, float] | None = None
    target: float | None = None


@dataclass(frozen=True)
class Tree:
    """Indicators are nodes 0..I−1 (structure order); aggregates follow in post-order, so every
    child comes before its parent and the root is last."""

    nodes: list[Node]
    n_indicators: int

    @property
    def aggregates(self) -> range:
        return range(self.n_indicators, len(self.nodes))

    def index_of(self, code: str) -> int:
        for i, node in enumerate(self.nodes):
            if node.code == code:
                return i
        raise SettingsError(f"node {code!r} is not in the index structure")


def flatten(structure: Structure) -> Tree:
    indicators = structure.indicators()
    ids = {ind.code: i for i, ind in enumerate(indicators)}
    parents: dict[str, str] = {}
    for node in structure.walk():
        if not isinstance(node, Indicator):
            for child in node.children:
                parents[child.code] = node.code
    nodes: list[Node] = [
        Node(
            ind.code,
            ind.name,
            1,
            parents[ind.code],
            (),
            ind.weight,
            None,
            direction=ind.direction,
            goalposts=ind.goalposts,
            target=ind.target,
        )
        for ind in indicators
    ]
    levels: dict[str, int] = dict.fromkeys(ids, 1)

    def visit(node: Structure | Aggregate) -> None:
        for child in node.children:
            if isinstance(child, Aggregate):
                visit(child)
        child_ids = tuple(ids[c.code] for c in node.children)
        level = 1 + max(levels[c.code] for c in node.children)
        levels[node.code] = level
        ids[node.code] = len(nodes)
        weight = node.weight if isinstance(node, Aggregate) else 1.0
        nodes.append(
            Node(
                node.code,
                node.name,
                level,
                parents.get(node.code),
                child_ids,
                weight,
                node.aggregation,
            )
        )

    visit(structure)
    return Tree(nodes, len(indicators))


# ---------------------------------------------------------------------------- data


@dataclass(frozen=True)
class Panel:
    units: list[str]
    years: IntArray
    x: Array  # (unit, year, indicator) in tree order, NaN = missing
    groups: IntArray | None  # (unit, year) group number, −1 = none
    group_names: list[str] = field(default_factory=list)


def build_panel(data: pl.DataFrame, tree: Tree) -> Panel:
    """Dense panel from the long observations frame (unit, year, indicator, value[, group])."""
    missing = [c for c in REQUIRED if c not in data.columns]
    if missing:
        raise DataError(f"observations lack column(s) {missing}; expected {list(REQUIRED)}")
    try:
        frame = data.select(
            *(pl.col(c).cast(t, strict=True) for c, t in REQUIRED.items()),
            *([pl.col("group").cast(pl.String)] if "group" in data.columns else []),
        )
    except pl.exceptions.PolarsError as exc:
        raise DataError(f"observations have a column of the wrong type: {exc}") from exc
    codes = [n.code for n in tree.nodes[: tree.n_indicators]]
    frame = frame.filter(pl.col("indicator").is_in(codes))
    if frame.select(pl.col("unit").is_null().any() | pl.col("year").is_null().any()).item():
        raise DataError("observations with a null unit or year")
    if not frame.filter(pl.col("value").is_infinite()).is_empty():
        raise DataError("observations with an infinite value")
    dup = frame.group_by("unit", "year", "indicator").len().filter(pl.col("len") > 1)
    if not dup.is_empty():
        rows = dup.sort("unit", "year", "indicator").head(5).rows()
        raise DataError(f"{dup.height} duplicate (unit, year, indicator) rows, e.g. {rows}")
    absent = sorted(set(codes) - set(frame["indicator"].unique().to_list()))
    if absent:
        raise DataError(f"no observations for indicator(s) of the structure: {absent}")
    units = sorted(frame["unit"].unique().to_list())
    years = np.array(sorted(frame["year"].unique().to_list()), dtype=np.int64)
    unit_ix = pl.DataFrame({"unit": units, "u": np.arange(len(units))})
    year_ix = pl.DataFrame({"year": years, "t": np.arange(len(years))})
    ind_ix = pl.DataFrame({"indicator": codes, "i": np.arange(len(codes))})
    located = frame.join(unit_ix, on="unit").join(year_ix, on="year").join(ind_ix, on="indicator")
    x = np.full((len(units), len(years), len(codes)), np.nan)
    x[located["u"].to_numpy(), located["t"].to_numpy(), located["i"].to_numpy()] = (
        located["value"].to_numpy(allow_copy=True).astype(np.float64)
    )
    groups: IntArray | None = None
    names: list[str] = []
    if "group" in frame.columns:
        tagged = located.filter(pl.col("group").is_not_null())
        names = sorted(tagged["group"].unique().to_list())
        first = (
            tagged.group_by("u", "t")
            .agg(pl.col("group").first())
            .join(pl.DataFrame({"group": names, "g": np.arange(len(names))}), on="group")
        )
        groups = np.full((len(units), len(years)), -1, dtype=np.int64)
        groups[first["u"].to_numpy(), first["t"].to_numpy()] = first["g"].to_numpy()
    return Panel(units, years, x, groups, names)


# ---------------------------------------------------------------------------- pipeline


@dataclass(frozen=True)
class Indicators:
    """The indicator level after imputation, treatment and normalisation."""

    imputed: Array
    imputed_mask: BoolArray
    treated: Array
    normalised: Array
    treatment: pl.DataFrame


def indicator_scores(panel: Panel, tree: Tree, settings: Settings) -> Indicators:
    leaves = tree.nodes[: tree.n_indicators]
    imputed, mask = impute(
        panel.x,
        settings.imputation.method,
        years=panel.years.astype(np.float64),
        groups=panel.groups,
    )
    treated, log = _treat(imputed, settings, leaves, panel.years)
    spec = settings.normalisation
    directions = np.array([n.direction for n in leaves], dtype=np.float64)
    goalposts = np.full((len(leaves), 2), np.nan)
    targets = np.full(len(leaves), np.nan)
    for i, node in enumerate(leaves):
        if node.goalposts is not None:
            goalposts[i] = node.goalposts
        if node.target is not None:
            targets[i] = node.target
    if spec.method == "goalposts" and np.isnan(goalposts).any():
        lacking = [n.code for n, g in zip(leaves, goalposts, strict=True) if np.isnan(g).any()]
        raise SettingsError(f"goalpost normalisation: indicator(s) without goalposts: {lacking}")
    if spec.method == "distance_to_target" and np.isnan(targets).any():
        lacking = [n.code for n, t in zip(leaves, targets, strict=True) if np.isnan(t)]
        raise SettingsError(
            f"distance-to-target normalisation: indicator(s) without a target: {lacking}"
        )
    reference = None
    if spec.method == "distance_to_reference":
        if spec.reference_unit not in panel.units:
            raise SettingsError(f"reference unit {spec.reference_unit!r} is not in the data")
        reference = panel.units.index(spec.reference_unit)
    normalised = normalise(
        treated,
        spec,
        directions=directions,
        goalposts=goalposts,
        targets=targets,
        reference=reference,
    )
    return Indicators(imputed, mask, treated, normalised, log)


def _treat(
    x: Array, settings: Settings, leaves: list[Node], years: IntArray
) -> tuple[Array, pl.DataFrame]:
    spec = settings.outliers
    if spec.method == "none":
        return x, _empty_treatment()
    units, n_years, n_ind = x.shape
    by_year = spec.mode == "year"
    flat = x.reshape(units, n_years * n_ind) if by_year else x.reshape(units * n_years, n_ind)
    out, info = treat_outliers(flat, spec)
    codes = [n.code for n in leaves]
    actions = np.array(["none", "winsorised", "log"])[info.action]
    log = pl.DataFrame(
        {
            "indicator": codes * n_years if by_year else codes,
            "year": np.repeat(years, n_ind) if by_year else [None] * n_ind,
            "skew": info.skew_before,
            "kurtosis": info.kurtosis_before,
            "treatment": actions,
            "winsorised": info.winsorised,
            "skew_after": info.skew_after,
            "kurtosis_after": info.kurtosis_after,
        },
        schema=_TREATMENT_SCHEMA,
        strict=False,
    ).with_columns(
        pl.col(c).fill_nan(None) for c in ("skew", "kurtosis", "skew_after", "kurtosis_after")
    )
    return out.reshape(x.shape), log


_TREATMENT_SCHEMA = {
    "indicator": pl.String,
    "year": pl.Int64,
    "skew": pl.Float64,
    "kurtosis": pl.Float64,
    "treatment": pl.String,
    "winsorised": pl.Int64,
    "skew_after": pl.Float64,
    "kurtosis_after": pl.Float64,
}


def _empty_treatment() -> pl.DataFrame:
    return pl.DataFrame(schema=_TREATMENT_SCHEMA)


@dataclass(frozen=True)
class Aggregated:
    values: list[Array]  # per node (unit, year)
    weights: dict[int, Array]  # per aggregate, its children's weights summing to 1
    methods: dict[int, Aggregation]


def method_of(node: Node, settings: Settings, override: Aggregation | None = None) -> Aggregation:
    if override is not None:
        return override
    return node.aggregation or settings.aggregation


def aggregate_tree(
    normalised: Array, tree: Tree, settings: Settings, override: Aggregation | None = None
) -> Aggregated:
    """Bottom-up aggregation with the weights of ``settings.weights`` (PCA on the children's
    values pooled over unit-years, as each aggregate is reached)."""
    values: list[Array] = [normalised[:, :, i] for i in range(tree.n_indicators)]
    weights: dict[int, Array] = {}
    methods: dict[int, Aggregation] = {}
    for a in tree.aggregates:
        node = tree.nodes[a]
        children = np.stack([values[c] for c in node.children], axis=-1)
        kind = settings.weights.method
        if kind == "equal":
            w = np.ones(len(node.children))
        elif kind == "pca":
            w = pca_weights(children.reshape(-1, children.shape[-1]), node.code).weights
        else:
            w = np.array([tree.nodes[c].weight for c in node.children], dtype=np.float64)
        w = w / w.sum()
        spec = method_of(node, settings, override)
        values.append(
            aggregate(children, w, spec, threshold=settings.availability_threshold, code=node.code)
        )
        weights[a] = w
        methods[a] = spec
    return Aggregated(values, weights, methods)


def prepare(
    structure: Structure | dict[str, Any], settings: Settings | dict[str, Any]
) -> tuple[Structure, Settings, Tree]:
    model = structure if isinstance(structure, Structure) else Structure.parse(structure)
    conf = settings if isinstance(settings, Settings) else Settings.parse(settings)
    return model, conf, flatten(model)


# ---------------------------------------------------------------------------- result


@dataclass(frozen=True)
class Result:
    """Frames (all long):

    * ``scores``: unit, year, node, level, parent, score, rank (1 = best among the units of
      that year; ties share the best rank), raw (the observation, indicators only), imputed;
    * ``weights``: parent, node, weight (effective, summing to 1 within the parent), method
      (the parent's aggregation);
    * ``treatment``: indicator, year (null in global mode), skew, kurtosis, treatment
      (none/winsorised/log), winsorised (points), skew_after, kurtosis_after;
    * ``correlations``: node_a, node_b, level_a, level_b, relation (siblings, child_parent,
      descendant_ancestor, other), correlation, observations (pooled unit-years);
    * ``alpha``: node, level, children, observations, alpha (Cronbach);
    * ``settings`` / ``structure``: the exact inputs, as JSON-ready dicts.
    """

    scores: pl.DataFrame
    weights: pl.DataFrame
    treatment: pl.DataFrame
    correlations: pl.DataFrame
    alpha: pl.DataFrame
    settings: dict[str, Any]
    structure: dict[str, Any]


def compute(
    data: pl.DataFrame,
    structure: Structure | dict[str, Any],
    settings: Settings | dict[str, Any] | None = None,
) -> Result:
    """Scores of every node (normalised indicators, aggregates, index) per unit and year."""
    model, conf, tree = prepare(structure, settings if settings is not None else Settings())
    panel = build_panel(data, tree)
    ind = indicator_scores(panel, tree, conf)
    agg = aggregate_tree(ind.normalised, tree, conf)
    return Result(
        scores=_scores_frame(panel, tree, ind, agg),
        weights=_weights_frame(tree, agg),
        treatment=ind.treatment,
        correlations=_correlations_frame(tree, agg),
        alpha=_alpha_frame(tree, agg),
        settings=conf.model_dump(mode="json"),
        structure=model.model_dump(mode="json"),
    )


def _scores_frame(panel: Panel, tree: Tree, ind: Indicators, agg: Aggregated) -> pl.DataFrame:
    n_units, n_years = len(panel.units), len(panel.years)
    n_nodes = len(tree.nodes)
    scores = np.stack(agg.values, axis=0)  # (node, unit, year)
    ranks = ranks_descending(scores)
    raw = np.full_like(scores, np.nan)
    raw[: tree.n_indicators] = np.moveaxis(panel.x, 2, 0)
    imputed = np.zeros(scores.shape, dtype=np.bool_)
    imputed[: tree.n_indicators] = np.moveaxis(ind.imputed_mask, 2, 0)
    cells = n_units * n_years
    frame = pl.DataFrame(
        {
            "unit": np.tile(np.repeat(panel.units, n_years), n_nodes),
            "year": np.tile(panel.years, n_units * n_nodes),
            "node": np.repeat([n.code for n in tree.nodes], cells),
            "level": np.repeat([n.level for n in tree.nodes], cells),
            "parent": np.repeat(np.array([n.parent for n in tree.nodes], dtype=object), cells),
            "score": scores.ravel(),
            "rank": ranks.ravel(),
            "raw": raw.ravel(),
            "imputed": imputed.ravel(),
        },
        schema_overrides={"parent": pl.String},
        nan_to_null=True,
    )
    return frame.with_columns(pl.col("rank").cast(pl.Int64))


def _weights_frame(tree: Tree, agg: Aggregated) -> pl.DataFrame:
    rows = [
        (tree.nodes[a].code, tree.nodes[c].code, float(w), agg.methods[a].label())
        for a in tree.aggregates
        for c, w in zip(tree.nodes[a].children, agg.weights[a], strict=True)
    ]
    return pl.DataFrame(
        rows,
        schema={"parent": pl.String, "node": pl.String, "weight": pl.Float64, "method": pl.String},
        orient="row",
    )


def _ancestors(tree: Tree) -> list[set[str]]:
    parent = {n.code: n.parent for n in tree.nodes}
    out: list[set[str]] = []
    for n in tree.nodes:
        chain: set[str] = set()
        p = n.parent
        while p is not None:
            chain.add(p)
            p = parent.get(p)
        out.append(chain)
    return out


def _correlations_frame(tree: Tree, agg: Aggregated) -> pl.DataFrame:
    pooled = np.stack([v.ravel() for v in agg.values], axis=1)
    corr, n = pairwise_correlations(pooled)
    ancestors = _ancestors(tree)
    a_idx, b_idx = np.triu_indices(len(tree.nodes), k=1)
    relation = []
    for a, b in zip(a_idx.tolist(), b_idx.tolist(), strict=True):
        na, nb = tree.nodes[a], tree.nodes[b]
        if na.parent == nb.parent:
            relation.append("siblings")
        elif na.parent == nb.code or nb.parent == na.code:
            relation.append("child_parent")
        elif nb.code in ancestors[a] or na.code in ancestors[b]:
            relation.append("descendant_ancestor")
        else:
            relation.append("other")
    return pl.DataFrame(
        {
            "node_a": [tree.nodes[a].code for a in a_idx],
            "node_b": [tree.nodes[b].code for b in b_idx],
            "level_a": [tree.nodes[a].level for a in a_idx],
            "level_b": [tree.nodes[b].level for b in b_idx],
            "relation": relation,
            "correlation": corr[a_idx, b_idx],
            "observations": n[a_idx, b_idx],
        },
        nan_to_null=True,
    )


def _alpha_frame(tree: Tree, agg: Aggregated) -> pl.DataFrame:
    rows = []
    for a in tree.aggregates:
        node = tree.nodes[a]
        x = np.stack([agg.values[c].ravel() for c in node.children], axis=1)
        complete = int((~np.isnan(x).any(axis=1)).sum())
        rows.append((node.code, node.level, len(node.children), complete, cronbach_alpha(x)))
    return pl.DataFrame(
        rows,
        schema={
            "node": pl.String,
            "level": pl.Int64,
            "children": pl.Int64,
            "observations": pl.Int64,
            "alpha": pl.Float64,
        },
        orient="row",
    )
