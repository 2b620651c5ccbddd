"""Mechanism aggregates from country observations, with the members of each period. Pure.

A country counts for a period when it is a full member on the period's middle day (so a
country that joins or is suspended mid-year counts for the year in which it was a member
for the larger part). Rules (per indicator, in the catalogue):

* ``sum``: Σ x over reporting members;
* ``mean``: unweighted mean;
* ``weighted_mean``: Σ w·x / Σ w with w the product of the weight indicators (e.g. GDP per
  capita × population = GDP) over members reporting both;
* ``ratio``: scale · Σ num / Σ den, each a product of indicators (ratio of sums);
* ``none``: not aggregable.

``coverage`` is the share of members that report every input; below ``min_coverage`` the
value is null rather than a misleading partial figure.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

import polars as pl

from sela_indices.periods import parse_period

MembersAt = Callable[[date], Sequence[str]]


class NotAggregable(ValueError):
    pass


def inputs(rule: dict[str, Any], code: str) -> list[str]:
    """Indicator codes whose observations the rule needs."""
    kind = rule.get("rule", "none")
    if kind == "none":
        raise NotAggregable(f"{code} has no aggregation rule (it is not additive or averageable)")
    if kind == "weighted_mean":
        return [code, *rule["weight"]]
    if kind == "ratio":
        return [*rule["numerator"], *rule["denominator"]]
    return [code]


def _product(codes: Sequence[str]) -> pl.Expr:
    expr = pl.lit(1.0)
    for code in codes:
        expr = expr * pl.col(code)
    return expr


def aggregate(
    observations: pl.DataFrame,
    code: str,
    rule: dict[str, Any],
    members_at: MembersAt,
    *,
    min_coverage: float = 1.0,
) -> pl.DataFrame:
    """``observations``: columns indicator, area, period, value. Returns one row per period:
    period, value, members, reporting, coverage, missing (members without data)."""
    kind = rule.get("rule", "none")
    needed = inputs(rule, code)
    periods = sorted(
        observations.filter(pl.col("indicator").is_in(needed))["period"].unique().to_list(),
        key=lambda p: parse_period(p).start,
    )
    membership = pl.DataFrame(
        [{"period": p, "area": a} for p in periods for a in members_at(parse_period(p).middle)],
        schema={"period": pl.String, "area": pl.String},
    )
    wide = observations.filter(pl.col("indicator").is_in(needed)).pivot(
        on="indicator", index=["area", "period"], values="value", aggregate_function="first"
    )
    for missing_code in set(needed) - set(wide.columns):
        wide = wide.with_columns(pl.lit(None, pl.Float64).alias(missing_code))
    joined = membership.join(wide, on=["area", "period"], how="left")
    complete = pl.all_horizontal([pl.col(c).is_not_null() for c in dict.fromkeys(needed)])
    joined = joined.with_columns(complete.alias("complete"))
    if kind == "sum":
        value = pl.col(code).filter(pl.col("complete")).sum()
    elif kind == "mean":
        value = pl.col(code).filter(pl.col("complete")).mean()
    elif kind == "weighted_mean":
        weight = _product(rule["weight"])
        ok = pl.col("complete")
        value = (pl.col(code) * weight).filter(ok).sum() / weight.filter(ok).sum()
    elif kind == "ratio":
        ok = pl.col("complete")
        value = (
            _product(rule["numerator"]).filter(ok).sum()
            / _product(rule["denominator"]).filter(ok).sum()
            * float(rule.get("scale", 1.0))
        )
    else:  # pragma: no cover - inputs() rejected it
        raise NotAggregable(code)
    result = (
        joined.group_by("period", maintain_order=True)
        .agg(
            value.alias("value"),
            pl.len().alias("members"),
            pl.col("complete").sum().alias("reporting"),
            pl.col("area").filter(~pl.col("complete")).sort().alias("missing"),
        )
        .with_columns((pl.col("reporting") / pl.col("members")).alias("coverage"))
        .with_columns(
            pl.when((pl.col("coverage") >= min_coverage) & (pl.col("reporting") > 0))
            .then(pl.col("value"))
            .otherwise(None)
            .cast(pl.Float64)
            .alias("value")
        )
    )
    return result.select("period", "value", "members", "reporting", "coverage", "missing")
