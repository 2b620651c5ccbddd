"""Correlation with development indicators and the gravity model (pure: frames in and out).

Covariates are long frames ``indicator, area (ISO3), period (int), value``, whatever their
source (the indices service, a table sent with the request, Penn World Table).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import polars as pl

# scipy and statsmodels are imported where they are used: they take seconds to import, and
# every `sela` command imports this service.

COVARIATE_SCHEMA = {
    "indicator": pl.String,
    "area": pl.String,
    "period": pl.Int32,
    "value": pl.Float64,
}


def covariates_from_items(items: Sequence[dict[str, Any]]) -> pl.DataFrame:
    """Observations in the indices service's JSON shape as a covariate frame."""
    rows = []
    for item in items:
        period = str(item["period"])[:4]
        value = item.get("value")
        if value is None or not period.isdigit():
            continue
        rows.append((str(item["indicator"]), str(item["area"]), int(period), float(value)))
    return pl.DataFrame(rows, schema=COVARIATE_SCHEMA, orient="row")


def align(covariates: pl.DataFrame, years: Sequence[int], max_lag: int) -> pl.DataFrame:
    """For every year t, each area's value at t, else its latest in [t − max_lag, t]."""
    frames = []
    for year in years:
        frames.append(
            covariates.filter(pl.col("period").is_between(year - max_lag, year))
            .sort("period")
            .group_by("indicator", "area")
            .agg(pl.col("value").last())
            .with_columns(pl.lit(year, dtype=pl.Int32).alias("year"))
        )
    if not frames:
        return pl.DataFrame(
            schema={
                "indicator": pl.String,
                "area": pl.String,
                "value": pl.Float64,
                "year": pl.Int32,
            }
        )
    return pl.concat(frames)


def correlate(
    nodes: pl.DataFrame,
    covariates: pl.DataFrame,
    measures: Sequence[str],
    indicators: Sequence[str],
    *,
    min_n: int = 5,
) -> pl.DataFrame:
    """Pearson and Spearman of each node measure with each indicator, per year.

    ``nodes`` has iso3, year and the measures; ``covariates`` is aligned (indicator, area,
    year, value). p-values are corrected by Benjamini–Hochberg within each year, over all
    the measure × indicator pairs of that year, for Pearson and Spearman separately.
    """
    from scipy import stats
    from statsmodels.stats.multitest import multipletests

    rows: list[dict[str, Any]] = []
    for year in sorted(set(nodes["year"].to_list())):
        year_nodes = nodes.filter(pl.col("year") == year)
        year_rows: list[dict[str, Any]] = []
        for indicator in indicators:
            values = covariates.filter(
                (pl.col("year") == year) & (pl.col("indicator") == indicator)
            ).select(pl.col("area").alias("iso3"), pl.col("value").alias("_x"))
            joined = year_nodes.join(values, on="iso3", how="inner")
            for measure in measures:
                pair = joined.select(pl.col(measure).cast(pl.Float64), "_x").drop_nulls()
                pair = pair.filter(pl.col(measure).is_finite() & pl.col("_x").is_finite())
                n = pair.height
                row: dict[str, Any] = {
                    "year": year,
                    "measure": measure,
                    "indicator": indicator,
                    "n": n,
                    "pearson_r": None,
                    "pearson_p": None,
                    "spearman_rho": None,
                    "spearman_p": None,
                }
                x = pair[measure].to_numpy()
                y = pair["_x"].to_numpy()
                if n >= min_n and np.ptp(x) > 0 and np.ptp(y) > 0:
                    pearson = stats.pearsonr(x, y)
                    spearman = stats.spearmanr(x, y)
                    row.update(
                        pearson_r=float(pearson.statistic),
                        pearson_p=float(pearson.pvalue),
                        spearman_rho=float(spearman.statistic),
                        spearman_p=float(spearman.pvalue),
                    )
                year_rows.append(row)
        for method in ("pearson", "spearman"):
            tested = [r for r in year_rows if r[f"{method}_p"] is not None]
            for r in year_rows:
                r[f"{method}_p_bh"] = None
            if tested:
                _, corrected, _, _ = multipletests(
                    [r[f"{method}_p"] for r in tested], method="fdr_bh"
                )
                for r, p in zip(tested, corrected, strict=True):
                    r[f"{method}_p_bh"] = float(p)
        rows.extend(year_rows)
    return pl.DataFrame(rows, infer_schema_length=None)


def gravity_frame(
    stocks: pl.DataFrame,
    year: int,
    previous: int | None,
    population: pl.DataFrame,
    gdp_per_capita: pl.DataFrame,
    pairs: pl.DataFrame | None,
) -> pl.DataFrame:
    """One row per ordered pair of areas with covariates: stock (zeros included) and terms.

    ``population`` and ``gdp_per_capita`` have area, value for the year; ``pairs`` has
    origin, destination and any of distance, contiguity, common_language.
    """
    covered = (
        population.rename({"value": "pop"})
        .join(gdp_per_capita.rename({"value": "gdppc"}), on="area")
        .filter((pl.col("pop") > 0) & (pl.col("gdppc") > 0))
    )
    areas = covered.select("area")
    grid = (
        areas.rename({"area": "origin"})
        .join(areas.rename({"area": "destination"}), how="cross")
        .filter(pl.col("origin") != pl.col("destination"))
    )
    current = stocks.filter(pl.col("year") == year).select(
        "origin", "destination", pl.col("total").alias("stock")
    )
    frame = grid.join(current, on=["origin", "destination"], how="left").with_columns(
        pl.col("stock").fill_null(0.0)
    )
    if previous is not None:
        before = stocks.filter(pl.col("year") == previous).select(
            "origin", "destination", pl.col("total").alias("diaspora")
        )
        frame = frame.join(before, on=["origin", "destination"], how="left").with_columns(
            pl.col("diaspora").fill_null(0.0)
        )
    o = covered.select(
        pl.col("area").alias("origin"),
        pl.col("pop").alias("pop_o"),
        pl.col("gdppc").alias("gdppc_o"),
    )
    d = covered.select(
        pl.col("area").alias("destination"),
        pl.col("pop").alias("pop_d"),
        pl.col("gdppc").alias("gdppc_d"),
    )
    frame = frame.join(o, on="origin").join(d, on="destination")
    if pairs is not None:
        frame = frame.join(pairs, on=["origin", "destination"], how="inner")
    return frame.sort("origin", "destination")


def gravity_pairs(
    stocks: pl.DataFrame, year: int, previous: int | None, pairs: pl.DataFrame | None
) -> pl.DataFrame:
    """Every ordered pair of the areas in the year's stocks (zeros included), with the
    previous period's stock and the pair variables: the frame of the fixed-effects model,
    which needs no population or GDP."""
    current = stocks.filter(pl.col("year") == year)
    areas = pl.concat(
        [
            current.select(pl.col("origin").alias("area")),
            current.select(pl.col("destination").alias("area")),
        ]
    ).unique()
    grid = (
        areas.rename({"area": "origin"})
        .join(areas.rename({"area": "destination"}), how="cross")
        .filter(pl.col("origin") != pl.col("destination"))
    )
    frame = grid.join(
        current.select("origin", "destination", pl.col("total").alias("stock")),
        on=["origin", "destination"],
        how="left",
    ).with_columns(pl.col("stock").fill_null(0.0))
    if previous is not None:
        before = stocks.filter(pl.col("year") == previous).select(
            "origin", "destination", pl.col("total").alias("diaspora")
        )
        frame = frame.join(before, on=["origin", "destination"], how="left").with_columns(
            pl.col("diaspora").fill_null(0.0)
        )
    if pairs is not None:
        frame = frame.join(pairs, on=["origin", "destination"], how="inner")
    return frame.sort("origin", "destination")


class GravityError(ValueError):
    """A period whose model cannot be estimated (said in the period's ``error``)."""


MONADIC = ("ln_pop_origin", "ln_pop_destination", "ln_gdppc_origin", "ln_gdppc_destination")


def pair_terms(frame: pl.DataFrame) -> dict[str, Any]:
    """The regressors that vary by pair: distance, contiguity, language, diaspora."""
    terms: dict[str, Any] = {}
    if "distance" in frame.columns:
        terms["ln_distance"] = np.log(frame["distance"].to_numpy())
    for column in ("contiguity", "common_language"):
        if column in frame.columns:
            terms[column] = frame[column].to_numpy().astype(np.float64)
    if "diaspora" in frame.columns:
        terms["ln_diaspora_previous"] = np.log1p(frame["diaspora"].to_numpy())
    return terms


def without_all_zero_effects(frame: pl.DataFrame) -> tuple[pl.DataFrame, list[str], list[str]]:
    """Drop the origins and destinations whose stocks are all zero, until none is left.

    Their fixed effect would go to minus infinity (no finite maximum of the likelihood);
    their pairs carry no information on the other coefficients (as ppmlhdfe does).
    """
    origins: list[str] = []
    destinations: list[str] = []
    while True:
        out = frame.group_by("origin").agg(pl.col("stock").sum()).filter(pl.col("stock") <= 0)
        inn = frame.group_by("destination").agg(pl.col("stock").sum()).filter(pl.col("stock") <= 0)
        if out.is_empty() and inn.is_empty():
            return frame, sorted(origins), sorted(destinations)
        origins += out["origin"].to_list()
        destinations += inn["destination"].to_list()
        frame = frame.filter(
            ~pl.col("origin").is_in(out["origin"].implode())
            & ~pl.col("destination").is_in(inn["destination"].implode())
        )


def fit_ppml(frame: pl.DataFrame, *, fixed_effects: bool = False) -> dict[str, Any]:
    """PPML (Santos Silva & Tenreyro 2006): GLM Poisson, heteroskedasticity-robust (HC1).

    Without fixed effects: a constant, log population and GDP per capita of origin and
    destination and the pair terms. With ``fixed_effects`` (structural gravity, e.g. Yotov
    et al. 2016): a constant, one dummy per origin and per destination but the first of
    each (sorted ISO3), and the pair terms only — the monadic terms are collinear with the
    effects (absorbed) and not estimated. The effects themselves are not reported.
    """
    import statsmodels.api as sm
    from threadpoolctl import threadpool_limits

    dropped: tuple[list[str], list[str]] = ([], [])
    if fixed_effects:
        frame, *rest = without_all_zero_effects(frame)
        dropped = (rest[0], rest[1])
        terms = pair_terms(frame)
        if not terms:
            raise GravityError(
                "with fixed effects, at least one pair regressor (distance, contiguity, "
                "common language or the previous period's diaspora) is needed"
            )
        origins = sorted(set(frame["origin"].to_list()))
        destinations = sorted(set(frame["destination"].to_list()))
        if len(origins) < 2 or len(destinations) < 2:
            raise GravityError("fewer than two origins or destinations with migrants")
        origin_codes = frame["origin"].to_numpy()
        destination_codes = frame["destination"].to_numpy()
        dummies = [(origin_codes == code).astype(np.float64) for code in origins[1:]] + [
            (destination_codes == code).astype(np.float64) for code in destinations[1:]
        ]
    else:
        terms = {
            "ln_pop_origin": np.log(frame["pop_o"].to_numpy()),
            "ln_pop_destination": np.log(frame["pop_d"].to_numpy()),
            "ln_gdppc_origin": np.log(frame["gdppc_o"].to_numpy()),
            "ln_gdppc_destination": np.log(frame["gdppc_d"].to_numpy()),
            **pair_terms(frame),
        }
        dummies = []
    names = list(terms)
    exog = np.column_stack([np.ones(frame.height), *(terms[n] for n in names), *dummies])
    y = frame["stock"].to_numpy().astype(np.float64)
    model = sm.GLM(y, exog, family=sm.families.Poisson())
    # One BLAS thread: the least-squares steps are too small for threads to pay, and on busy
    # cores spinning BLAS threads made a fit with fixed effects 20 times slower (decision 0046).
    with threadpool_limits(1, user_api="blas"):
        fit = model.fit(cov_type="HC1", maxiter=200, tol=1e-10)
    fitted = fit.fittedvalues
    labels = ["const", *names]
    conf = np.asarray(fit.conf_int())
    coefficients = [
        {
            "term": label,
            "coefficient": float(fit.params[i]),
            "std_error": float(fit.bse[i]),
            "z": float(fit.tvalues[i]),
            "p_value": float(fit.pvalues[i]),
            "ci_low": float(conf[i, 0]),
            "ci_high": float(conf[i, 1]),
        }
        for i, label in enumerate(labels)
        if not (fixed_effects and label == "const")
    ]
    pseudo_r2 = float(np.corrcoef(y, fitted)[0, 1] ** 2) if np.ptp(fitted) > 0 else None
    out: dict[str, Any] = {
        "coefficients": coefficients,
        "observations": int(fit.nobs),
        "zeros": int((y == 0).sum()),
        "pseudo_r2": pseudo_r2,
        "deviance": float(fit.deviance),
        "log_likelihood": float(fit.llf),
        "converged": bool(fit.converged),
        "covariance": "HC1",
        "fixed_effects": fixed_effects,
    }
    if fixed_effects:
        out.update(
            origin_effects=len(origins),
            destination_effects=len(destinations),
            absorbed=list(MONADIC),
            dropped_all_zero={"origins": dropped[0], "destinations": dropped[1]},
        )
    return out
