"""Gravity (PPML) and correlation against data with known answers and against the libraries
called directly: coefficients generated from known parameters are recovered, and the
service's fits equal statsmodels' and scipy's own on the same data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import polars as pl
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf
from scipy import stats
from threadpoolctl import threadpool_limits

from sela_migration.analysis import statistics

AREAS = [f"A{i:02d}" for i in range(30)]
MONADIC = {"ln_pop_origin": 0.8, "ln_pop_destination": 0.6, "ln_gdppc_origin": -0.4}
PAIR = {"ln_distance": -1.1, "contiguity": 0.9, "ln_diaspora_previous": 0.35}


def pairs_frame(seed: int) -> pl.DataFrame:
    """Every ordered pair of 30 areas with population, GDP per capita, distance, contiguity
    and a previous stock; no stock yet."""
    rng = np.random.default_rng(seed)
    pop = dict(zip(AREAS, rng.lognormal(15, 1.5, len(AREAS)), strict=True))
    gdppc = dict(zip(AREAS, rng.lognormal(9, 1.0, len(AREAS)), strict=True))
    xy = dict(zip(AREAS, rng.uniform(0, 10_000, (len(AREAS), 2)), strict=True))
    rows = []
    for o in AREAS:
        for d in AREAS:
            if o == d:
                continue
            distance = float(np.hypot(*(xy[o] - xy[d]))) + 50.0
            rows.append(
                {
                    "origin": o,
                    "destination": d,
                    "pop_o": pop[o],
                    "pop_d": pop[d],
                    "gdppc_o": gdppc[o],
                    "gdppc_d": gdppc[d],
                    "distance": distance,
                    "contiguity": float(distance < 1500),
                    "diaspora": float(rng.choice([0.0, rng.lognormal(7, 2)])),
                }
            )
    return pl.DataFrame(rows)


def log_terms(frame: pl.DataFrame) -> dict[str, np.ndarray]:
    return {
        "ln_pop_origin": np.log(frame["pop_o"].to_numpy()),
        "ln_pop_destination": np.log(frame["pop_d"].to_numpy()),
        "ln_gdppc_origin": np.log(frame["gdppc_o"].to_numpy()),
        "ln_gdppc_destination": np.log(frame["gdppc_d"].to_numpy()),
        "ln_distance": np.log(frame["distance"].to_numpy()),
        "contiguity": frame["contiguity"].to_numpy(),
        "ln_diaspora_previous": np.log1p(frame["diaspora"].to_numpy()),
    }


def coefficients(fit: dict[str, object]) -> dict[str, float]:
    rows = fit["coefficients"]
    assert isinstance(rows, list)
    return {r["term"]: r["coefficient"] for r in rows}


def test_ppml_recovers_known_coefficients() -> None:
    frame = pairs_frame(1)
    terms = log_terms(frame)
    truth = {"const": -6.0, **MONADIC, "ln_gdppc_destination": 0.5, **PAIR}
    eta = truth["const"] + sum(truth[k] * terms[k] for k in terms)
    # The mean itself as the outcome: PPML's score is zero at the true parameters.
    fit = statistics.fit_ppml(frame.with_columns(pl.Series("stock", np.exp(eta))))
    assert fit["converged"]
    assert fit["covariance"] == "HC1"
    for term, value in coefficients(fit).items():
        assert value == pytest.approx(truth[term], abs=1e-6), term


# The mean itself as the outcome fits perfectly, which statsmodels notes with a warning.
@pytest.mark.filterwarnings("ignore::statsmodels.tools.sm_exceptions.PerfectSeparationWarning")
def test_ppml_with_fixed_effects_recovers_the_pair_coefficients() -> None:
    frame = pairs_frame(2)
    rng = np.random.default_rng(3)
    origin_effect = dict(zip(AREAS, rng.normal(0, 1.5, len(AREAS)), strict=True))
    destination_effect = dict(zip(AREAS, rng.normal(0, 1.5, len(AREAS)), strict=True))
    terms = log_terms(frame)
    eta = (
        np.array([origin_effect[o] for o in frame["origin"]])
        + np.array([destination_effect[d] for d in frame["destination"]])
        + 3.0
        + sum(PAIR[k] * terms[k] for k in PAIR)
    )
    stock = np.exp(eta)
    # One origin sends nobody: its effect has no finite estimate and it is left out.
    stock[(frame["origin"] == "A07").to_numpy()] = 0.0
    fit = statistics.fit_ppml(frame.with_columns(pl.Series("stock", stock)), fixed_effects=True)
    assert fit["converged"]
    assert coefficients(fit) == {k: pytest.approx(v, abs=1e-6) for k, v in PAIR.items()}
    assert fit["absorbed"] == list(statistics.MONADIC)
    assert fit["dropped_all_zero"] == {"origins": ["A07"], "destinations": []}
    assert (fit["origin_effects"], fit["destination_effects"]) == (29, 30)
    assert fit["observations"] == 29 * 29


def noisy(frame: pl.DataFrame, eta: np.ndarray, seed: int) -> pl.DataFrame:
    """Counts drawn around the mean, with many zeros, as real stocks have."""
    rng = np.random.default_rng(seed)
    return frame.with_columns(pl.Series("stock", rng.poisson(np.exp(eta)).astype(np.float64)))


def test_ppml_equals_statsmodels_called_directly() -> None:
    frame = pairs_frame(4)
    terms = log_terms(frame)
    eta = np.asarray(-12.0 + sum(v * terms[k] for k, v in {**MONADIC, **PAIR}.items()))
    data = noisy(frame, eta, 5)
    assert (data["stock"] == 0).sum() > 50
    fit = statistics.fit_ppml(data)
    names = list(terms)
    direct = sm.GLM(
        data["stock"].to_numpy(),
        sm.add_constant(np.column_stack([terms[n] for n in names])),
        family=sm.families.Poisson(),
    ).fit(cov_type="HC1")
    for i, row in enumerate(fit["coefficients"]):
        assert row["term"] == ["const", *names][i]
        assert row["coefficient"] == pytest.approx(direct.params[i], rel=1e-7, abs=1e-9)
        assert row["std_error"] == pytest.approx(direct.bse[i], rel=1e-6)
        assert row["p_value"] == pytest.approx(direct.pvalues[i], rel=1e-5, abs=1e-12)
    assert fit["log_likelihood"] == pytest.approx(direct.llf, rel=1e-9)
    assert fit["pseudo_r2"] == pytest.approx(
        np.corrcoef(data["stock"].to_numpy(), direct.fittedvalues)[0, 1] ** 2, rel=1e-9
    )


def test_fixed_effects_equal_statsmodels_formula_with_dummies() -> None:
    frame = pairs_frame(6)
    rng = np.random.default_rng(7)
    effects = dict(zip(AREAS, rng.normal(0, 1, len(AREAS)), strict=True))
    terms = log_terms(frame)
    eta = (
        np.array([effects[o] for o in frame["origin"]])
        - np.array([effects[d] for d in frame["destination"]])
        + 5.0
        + sum(PAIR[k] * terms[k] for k in PAIR)
    )
    data = noisy(frame, eta, 8)
    fit = statistics.fit_ppml(data, fixed_effects=True)
    table = pd.DataFrame(
        data.with_columns(
            pl.Series("ln_distance", terms["ln_distance"]),
            pl.Series("ln_diaspora_previous", terms["ln_diaspora_previous"]),
        ).to_dict(as_series=False)
    )
    with threadpool_limits(1, user_api="blas"):
        direct = smf.glm(
            "stock ~ ln_distance + contiguity + ln_diaspora_previous + C(origin) + C(destination)",
            data=table,
            family=sm.families.Poisson(),
        ).fit(cov_type="HC1")
    for row in fit["coefficients"]:
        assert row["coefficient"] == pytest.approx(direct.params[row["term"]], rel=1e-6)
        assert row["std_error"] == pytest.approx(direct.bse[row["term"]], rel=1e-5)
    # Noise aside, the generating values are within a few standard errors.
    for row in fit["coefficients"]:
        assert abs(row["coefficient"] - PAIR[row["term"]]) < 4 * row["std_error"]


def test_fixed_effects_need_a_pair_regressor() -> None:
    frame = pairs_frame(9).select("origin", "destination").with_columns(stock=pl.lit(5.0))
    with pytest.raises(statistics.GravityError, match="pair regressor"):
        statistics.fit_ppml(frame, fixed_effects=True)


def test_gravity_pairs_keep_zeros_and_the_previous_stock() -> None:
    stocks = pl.DataFrame(
        {
            "year": [2015, 2020, 2020],
            "origin": ["AAA", "AAA", "BBB"],
            "destination": ["BBB", "BBB", "CCC"],
            "total": [7.0, 9.0, 4.0],
        },
        schema_overrides={"year": pl.Int32},
    )
    frame = statistics.gravity_pairs(stocks, 2020, 2015, None)
    assert frame.height == 6  # every ordered pair of AAA, BBB, CCC
    by_pair = {(r["origin"], r["destination"]): r for r in frame.to_dicts()}
    assert by_pair["AAA", "BBB"]["stock"] == 9.0
    assert by_pair["AAA", "BBB"]["diaspora"] == 7.0
    assert by_pair["CCC", "AAA"]["stock"] == 0.0
    assert by_pair["BBB", "CCC"]["diaspora"] == 0.0


def test_correlations_equal_scipy_with_benjamini_hochberg() -> None:
    rng = np.random.default_rng(10)
    areas = [f"C{i:02d}" for i in range(40)]
    nodes = pl.DataFrame(
        {
            "iso3": areas,
            "year": [2020] * 40,
            "in_strength": rng.lognormal(8, 1, 40),
            "pagerank": rng.uniform(0, 0.1, 40),
        },
        schema_overrides={"year": pl.Int32},
    )
    covariates = pl.DataFrame(
        {
            "indicator": ["POP"] * 40 + ["GDP"] * 40,
            "area": areas * 2,
            "value": [*(nodes["in_strength"] * rng.uniform(0.5, 1.5, 40)), *rng.normal(size=40)],
            "year": [2020] * 80,
        },
        schema_overrides={"year": pl.Int32},
    )
    table = statistics.correlate(
        nodes, covariates, ["in_strength", "pagerank"], ["POP", "GDP"]
    ).to_dicts()
    assert len(table) == 4
    p_values = []
    for row in table:
        x = nodes[row["measure"]].to_numpy()
        y = covariates.filter(pl.col("indicator") == row["indicator"])["value"].to_numpy()
        pearson = stats.pearsonr(x, y)
        assert row["pearson_r"] == pytest.approx(pearson.statistic, abs=1e-12)
        assert row["spearman_rho"] == pytest.approx(stats.spearmanr(x, y).statistic, abs=1e-12)
        p_values.append(row["pearson_p"])
    # Benjamini–Hochberg by hand: p_(i) · m / i, made monotone from the largest down.
    order = np.argsort(p_values)
    m = len(p_values)
    adjusted = np.minimum.accumulate(
        [min(1.0, p_values[j] * m / (rank + 1)) for rank, j in reversed(list(enumerate(order)))]
    )[::-1]
    for rank, j in enumerate(order):
        assert table[j]["pearson_p_bh"] == pytest.approx(adjusted[rank], rel=1e-12)
    assert table[0]["pearson_r"] > 0.5  # in_strength with POP, built to correlate
