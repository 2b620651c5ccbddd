"""Composite engine: Monte Carlo uncertainty and Sobol sensitivity analysis."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import polars as pl
import pytest

from sela_indices.methods.composite import (
    AggregationError,
    Settings,
    SettingsError,
    compute,
    run_uncertainty,
    saltelli_design,
    sobol_indices,
)


def test_sobol_wiring_on_ishigami() -> None:
    from SALib.test_functions import Ishigami

    names = ["x1", "x2", "x3"]
    bounds = [[-math.pi, math.pi]] * 3
    x = saltelli_design(names, 4096, seed=1, bounds=bounds)
    assert x.shape == (4096 * 5, 3)
    res = sobol_indices(names, Ishigami.evaluate(x), seed=1, bounds=bounds)
    # Analytic values for a = 7, b = 0.1 (Ishigami & Homma 1990).
    assert res["S1"] == pytest.approx([0.3139, 0.4424, 0.0], abs=0.03)
    assert res["ST"] == pytest.approx([0.5576, 0.4424, 0.2437], abs=0.03)


def test_constant_output_has_no_indices() -> None:
    res = sobol_indices(["a"], np.ones(30), seed=0)
    assert np.isnan(res["S1"]).all()


def panel(seed: int = 0) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    rows = [
        (f"U{u}", year, f"D{d}I{i}", float(rng.lognormal()))
        for u in range(5)
        for year in range(2015, 2020)
        for d in range(3)
        for i in range(3)
    ]
    frame = pl.DataFrame(rows, schema=["unit", "year", "indicator", "value"], orient="row")
    # Holes for the imputation alternatives to matter.
    return frame.with_columns(
        pl.when(pl.int_range(pl.len()) % 11 == 0).then(None).otherwise("value").alias("value")
    )


STRUCTURE: dict[str, Any] = {
    "code": "IDX",
    "children": [
        {"code": f"D{d}", "children": [{"code": f"D{d}I{i}"} for i in range(3)]} for d in range(3)
    ],
}
SETTINGS = Settings.model_validate({"normalisation": {"lower": 1}})
UNCERTAINTY: dict[str, Any] = {
    "runs": 64,
    "seed": 5,
    "imputation": ["none", "mean", "interpolate"],
    "normalisation": [{"lower": 1}, {"method": "rank"}],
    "aggregation": [{"method": "arithmetic"}, {"method": "geometric"}, {"method": "copeland"}],
    "weight_noise": 0.25,
}


def test_monte_carlo_ranks_and_sobol() -> None:
    calls: list[tuple[int, int]] = []
    result = run_uncertainty(
        panel(), STRUCTURE, SETTINGS, UNCERTAINTY, progress=lambda d, t: calls.append((d, t))
    )
    assert result.runs == 64 * (4 + 2)
    assert calls[-1] == (result.runs, result.runs)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)
    assert list(result.factors) == ["imputation", "normalisation", "aggregation", "weight_noise"]
    nominal = compute(panel(), STRUCTURE, SETTINGS).scores.filter(pl.col("node") == "IDX")
    joined = result.ranks.join(nominal, on=["unit", "year"])
    assert (joined["nominal_rank"] == joined["rank"].cast(pl.Float64)).all()
    ranks = result.ranks
    assert (ranks["rank_q05"] <= ranks["median_rank"]).all()
    assert (ranks["median_rank"] <= ranks["rank_q95"]).all()
    assert (ranks["mean_abs_rank_shift"] >= 0).all()
    assert set(result.sobol["year"].unique()) == {2019}
    assert set(result.sobol["output"].unique()) == {
        *(f"U{u}" for u in range(5)),
        "mean_abs_rank_shift",
    }
    shift = result.sobol.filter(pl.col("output") == "mean_abs_rank_shift")
    assert shift.height == 4
    assert (shift["total"].drop_nulls() >= -0.1).all()


def test_monte_carlo_is_deterministic_with_a_seed() -> None:
    options = {**UNCERTAINTY, "runs": 16}
    a = run_uncertainty(panel(), STRUCTURE, SETTINGS, options)
    b = run_uncertainty(panel(), STRUCTURE, SETTINGS, options)
    c = run_uncertainty(panel(), STRUCTURE, SETTINGS, {**options, "seed": 6})
    assert a.ranks.equals(b.ranks)
    assert a.sobol.equals(b.sobol)
    assert not a.ranks.equals(c.ranks)


def test_plain_monte_carlo_without_sobol() -> None:
    options = {"runs": 40, "seed": 1, "weight_noise": 0.5, "sobol": False}
    result = run_uncertainty(panel(), STRUCTURE, SETTINGS, options)
    assert result.runs == 40
    assert result.sobol.is_empty()


def test_uncertainty_errors_name_the_problem() -> None:
    with pytest.raises(SettingsError, match="no input varies"):
        run_uncertainty(panel(), STRUCTURE, SETTINGS, {"runs": 8})
    with pytest.raises(SettingsError, match="year"):
        run_uncertainty(panel(), STRUCTURE, SETTINGS, {**UNCERTAINTY, "years": [1990]})
    bad = {**UNCERTAINTY, "normalisation": [{"method": "zscore"}, {"lower": 1}]}
    with pytest.raises(AggregationError, match="zscore"):
        run_uncertainty(panel(), STRUCTURE, SETTINGS, bad)
