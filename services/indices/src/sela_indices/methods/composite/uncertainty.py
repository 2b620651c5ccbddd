"""Uncertainty and sensitivity analysis: Monte Carlo over the engine's choices, Sobol indices.

Each uncertain input is a factor in [0, 1) mapped to one of its k alternatives (⌊u·k⌋), as
COINr's ``get_sensitivity`` does with discrete choices; weight noise is one factor choosing
among ``weight_sets`` pre-drawn noisy weight sets. With ``sobol`` the sample is SALib's
Saltelli design for first and total order (N·(D + 2) runs), whose runs also give the
uncertainty statistics; otherwise N uniform random runs.

Runs sharing the discrete choices (imputation, outliers, normalisation, weights method,
aggregation) share their indicator level and nominal weights; only the weights differ
between them, and since every mean is linear in the weights once the values are transformed,
a batch of runs aggregates in a few ``einsum`` calls.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from sela_indices.methods.composite.engine import (
    Tree,
    aggregate_tree,
    build_panel,
    indicator_scores,
    method_of,
    prepare,
)
from sela_indices.methods.composite.errors import CompositeError, SettingsError
from sela_indices.methods.composite.models import Settings, Structure, Uncertainty
from sela_indices.methods.composite.steps import Array, IntArray, aggregate, ranks_descending

Progress = Callable[[int, int], None]
BATCH = 1024


def saltelli_design(
    names: list[str], n: int, *, seed: int, bounds: list[list[float]] | None = None
) -> Array:
    """SALib's Saltelli/Sobol' sample for first- and total-order indices: N·(D + 2) rows."""
    from SALib.sample import sobol as sobol_sample  # imports pandas and scipy: seconds

    problem = _problem(names, bounds)
    with warnings.catch_warnings():
        # SALib warns when N is not a power of 2 (the Sobol' sequence balances best then).
        warnings.simplefilter("ignore", UserWarning)
        sample = sobol_sample.sample(problem, n, calc_second_order=False, seed=seed)
    return np.asarray(sample, dtype=np.float64)


def sobol_indices(
    names: list[str], y: Array, *, seed: int, bounds: list[list[float]] | None = None
) -> dict[str, Array]:
    """First-order (S1) and total (ST) Sobol indices with their 95% bootstrap half-widths, from
    outputs ``y`` of the runs of ``saltelli_design`` (SALib's Saltelli/Jansen estimators).
    A constant output has no variance to apportion: its indices are NaN."""
    from SALib.analyze import sobol as sobol_analyze  # imports pandas and scipy: seconds

    nan = np.full(len(names), np.nan)
    if not np.isfinite(y).all() or np.var(y) == 0:
        return {"S1": nan, "S1_conf": nan, "ST": nan, "ST_conf": nan}
    with warnings.catch_warnings(), np.errstate(divide="ignore", invalid="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        res = sobol_analyze.analyze(
            _problem(names, bounds), y, calc_second_order=False, seed=seed, print_to_console=False
        )
    return {k: np.asarray(res[k], dtype=np.float64) for k in ("S1", "S1_conf", "ST", "ST_conf")}


def _problem(names: list[str], bounds: list[list[float]] | None) -> dict[str, Any]:
    return {
        "num_vars": len(names),
        "names": names,
        "bounds": bounds if bounds is not None else [[0.0, 1.0]] * len(names),
    }


@dataclass(frozen=True)
class UncertaintyResult:
    """``ranks``: unit, year, nominal_score, nominal_rank, median_rank, rank_q05, rank_q95,
    mean_abs_rank_shift (mean over runs of |rank − nominal rank|).
    ``sobol``: year, output (a unit, or ``mean_abs_rank_shift`` = the mean over units of
    |rank − nominal| per run), factor, first_order, first_order_conf, total, total_conf.
    ``factors``: name → alternatives (labels); ``runs``: model evaluations."""

    node: str
    ranks: pl.DataFrame
    sobol: pl.DataFrame
    factors: dict[str, list[str]]
    runs: int
    settings: dict[str, Any]
    uncertainty: dict[str, Any]


@dataclass(frozen=True)
class _Factor:
    name: str
    levels: list[Any]
    labels: list[str]


def _factors(conf: Settings, unc: Uncertainty) -> tuple[list[_Factor], dict[str, Any]]:
    """Factors with ≥ 2 alternatives vary; single alternatives override the nominal setting."""
    fixed: dict[str, Any] = {}
    factors: list[_Factor] = []
    options: list[tuple[str, list[Any] | None, Callable[[Any], str]]] = [
        ("imputation", unc.imputation, str),
        ("outliers", unc.outliers, str),
        ("normalisation", unc.normalisation, lambda n: n.label()),
        ("weights", unc.weights, str),
        ("aggregation", unc.aggregation, lambda a: a.label()),
    ]
    for name, alts, label in options:
        if alts is None:
            continue
        if len(alts) == 1:
            fixed[name] = alts[0]
        else:
            factors.append(_Factor(name, list(alts), [label(a) for a in alts]))
    if unc.weight_noise is not None:
        sets = list(range(unc.weight_sets))
        factors.append(_Factor("weight_noise", sets, [f"set {s}" for s in sets]))
    if not factors:
        raise SettingsError(
            "uncertainty analysis: no input varies (give ≥ 2 alternatives or weight_noise)"
        )
    return factors, fixed


def _settings_for(conf: Settings, choice: dict[str, Any]) -> tuple[Settings, Any]:
    update: dict[str, Any] = {}
    if "imputation" in choice:
        update["imputation"] = conf.imputation.model_copy(update={"method": choice["imputation"]})
    if "outliers" in choice:
        update["outliers"] = conf.outliers.model_copy(update={"method": choice["outliers"]})
    if "normalisation" in choice:
        update["normalisation"] = choice["normalisation"]
    if "weights" in choice:
        update["weights"] = conf.weights.model_copy(update={"method": choice["weights"]})
    return conf.model_copy(update=update), choice.get("aggregation")


def run_uncertainty(
    data: pl.DataFrame,
    structure: Structure | dict[str, Any],
    settings: Settings | dict[str, Any],
    uncertainty: Uncertainty | dict[str, Any],
    progress: Progress | None = None,
) -> UncertaintyResult:
    """Monte Carlo of the ranks of ``uncertainty.node`` (default: the index) over the chosen
    alternatives. Pure and synchronous: the service runs it in a worker thread or process;
    ``progress(done, total)`` is called after every batch of runs."""
    _, conf, tree = prepare(structure, settings)
    unc = uncertainty if isinstance(uncertainty, Uncertainty) else Uncertainty.parse(uncertainty)
    panel = build_panel(data, tree)
    target = tree.index_of(unc.node) if unc.node is not None else len(tree.nodes) - 1
    if target < tree.n_indicators:
        raise SettingsError(
            f"uncertainty analysis of {unc.node!r}: choose an aggregate, not an indicator"
        )
    factors, fixed = _factors(conf, unc)
    names = [f.name for f in factors]
    if unc.sobol:
        design = saltelli_design(names, unc.runs, seed=unc.seed)
    else:
        design = np.random.default_rng(unc.seed).random((unc.runs, len(factors)))
    levels = np.stack(
        [
            np.minimum((design[:, j] * len(f.levels)).astype(np.int64), len(f.levels) - 1)
            for j, f in enumerate(factors)
        ],
        axis=1,
    )
    total = design.shape[0]

    nominal = aggregate_tree(indicator_scores(panel, tree, conf).normalised, tree, conf)
    nominal_scores = nominal.values[target]
    nominal_ranks = ranks_descending(nominal_scores)

    noise_col = names.index("weight_noise") if "weight_noise" in names else None
    multipliers = _noise(tree, unc) if noise_col is not None else None
    discrete = [j for j in range(len(factors)) if j != noise_col]
    keys, inverse = np.unique(levels[:, discrete], axis=0, return_inverse=True)
    inverse = inverse.ravel()

    ranks = np.empty((total, len(panel.units), len(panel.years)), dtype=np.float64)
    done = 0
    for k, key in enumerate(keys):
        choice = dict(fixed)
        for j, level in zip(discrete, key.tolist(), strict=True):
            choice[factors[j].name] = factors[j].levels[level]
        run_conf, override = _settings_for(conf, choice)
        try:
            ind = indicator_scores(panel, tree, run_conf)
            base = aggregate_tree(ind.normalised, tree, run_conf, override)
        except CompositeError as exc:
            labels = {
                f.name: f.labels[f.levels.index(choice[f.name])]
                for f in factors
                if f.name in choice
            }
            raise type(exc)(f"{exc} (in the run with {labels})") from exc
        rows = np.flatnonzero(inverse == k)
        if multipliers is None or noise_col is None:
            ranks[rows] = ranks_descending(base.values[target])[None]
            done += rows.size
            if progress is not None:
                progress(done, total)
            continue
        for start in range(0, rows.size, BATCH):
            batch = rows[start : start + BATCH]
            sets = levels[batch, noise_col]
            scores = _noisy_scores(
                ind.normalised, tree, run_conf, override, base.weights, multipliers[sets], target
            )
            ranks[batch] = ranks_descending(scores)
            done += batch.size
            if progress is not None:
                progress(done, total)

    return UncertaintyResult(
        node=tree.nodes[target].code,
        ranks=_rank_stats(panel.units, panel.years, nominal_scores, nominal_ranks, ranks),
        sobol=_sobol_frame(unc, names, panel.units, panel.years, nominal_ranks, ranks)
        if unc.sobol
        else _empty_sobol(),
        factors={f.name: f.labels for f in factors},
        runs=total,
        settings=conf.model_dump(mode="json"),
        uncertainty=unc.model_dump(mode="json"),
    )


def _noise(tree: Tree, unc: Uncertainty) -> Array:
    """Multipliers (set, slot) uniform in [1 − x, 1 + x], one slot per child of each aggregate."""
    slots = sum(len(tree.nodes[a].children) for a in tree.aggregates)
    rng = np.random.default_rng([unc.seed, 1])
    assert unc.weight_noise is not None
    return 1.0 + unc.weight_noise * rng.uniform(-1.0, 1.0, size=(unc.weight_sets, slots))


def _noisy_scores(
    normalised: Array,
    tree: Tree,
    conf: Settings,
    override: Any,
    weights: dict[int, Array],
    multipliers: Array,
    target: int,
) -> Array:
    """Scores of the target node for a batch of runs (run, unit, year)."""
    values: list[Array] = [normalised[:, :, i] for i in range(tree.n_indicators)]
    slot = 0
    for a in tree.aggregates:
        node = tree.nodes[a]
        c = len(node.children)
        w = weights[a][None, :] * multipliers[:, slot : slot + c]
        slot += c
        parts = [values[i] for i in node.children]
        if any(p.ndim == 3 for p in parts):
            runs = multipliers.shape[0]
            parts = [p if p.ndim == 3 else np.broadcast_to(p, (runs, *p.shape)) for p in parts]
        children = np.stack(parts, axis=-1)
        values.append(
            aggregate(
                children,
                w,
                method_of(node, conf, override),
                threshold=conf.availability_threshold,
                code=node.code,
            )
        )
    return values[target]


def _rank_stats(
    units: list[str], years: IntArray, scores: Array, nominal: Array, ranks: Array
) -> pl.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        median = np.nanmedian(ranks, axis=0)
        q05, q95 = np.nanquantile(ranks, [0.05, 0.95], axis=0)
        shift = np.nanmean(np.abs(ranks - nominal[None]), axis=0)
    n_units, n_years = nominal.shape
    return pl.DataFrame(
        {
            "unit": np.repeat(units, n_years),
            "year": np.tile(years, n_units),
            "nominal_score": scores.ravel(),
            "nominal_rank": nominal.ravel(),
            "median_rank": median.ravel(),
            "rank_q05": q05.ravel(),
            "rank_q95": q95.ravel(),
            "mean_abs_rank_shift": shift.ravel(),
        },
        nan_to_null=True,
    )


_SOBOL_SCHEMA = {
    "year": pl.Int64,
    "output": pl.String,
    "factor": pl.String,
    "first_order": pl.Float64,
    "first_order_conf": pl.Float64,
    "total": pl.Float64,
    "total_conf": pl.Float64,
}


def _empty_sobol() -> pl.DataFrame:
    return pl.DataFrame(schema=_SOBOL_SCHEMA)


def _sobol_frame(
    unc: Uncertainty,
    names: list[str],
    units: list[str],
    years: IntArray,
    nominal: Array,
    ranks: Array,
) -> pl.DataFrame:
    wanted = unc.years if unc.years is not None else [int(years[-1])]
    year_list = years.tolist()
    unknown = [y for y in wanted if y not in year_list]
    if unknown:
        raise SettingsError(f"Sobol indices requested for year(s) without data: {unknown}")
    rows: list[tuple[Any, ...]] = []
    for year in wanted:
        t = year_list.index(year)
        outputs = {unit: ranks[:, u, t] for u, unit in enumerate(units)}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            outputs["mean_abs_rank_shift"] = np.nanmean(
                np.abs(ranks[:, :, t] - nominal[None, :, t]), axis=1
            )
        for output, y in outputs.items():
            res = sobol_indices(names, y, seed=unc.seed)
            for j, name in enumerate(names):
                rows.append(
                    (
                        year,
                        output,
                        name,
                        res["S1"][j],
                        res["S1_conf"][j],
                        res["ST"][j],
                        res["ST_conf"][j],
                    )
                )
    frame = pl.DataFrame(rows, schema=_SOBOL_SCHEMA, orient="row")
    return frame.with_columns(
        pl.col(c).fill_nan(None) for c in ("first_order", "first_order_conf", "total", "total_conf")
    )
