"""Checking parsed cells against the catalogue and the reference areas. Pure.

Produces the observations to store and, for every rejected cell, the row, the column,
the offending value and the reason. A file is loaded only when nothing is rejected.
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from sela_indices.loaders.parse import ParsedFile
from sela_indices.periods import period_columns

STATUSES = {
    "A": "normal value",
    "B": "time series break",
    "E": "estimated value",
    "F": "forecast value",
    "M": "missing value",
    "P": "provisional value",
}

OBSERVATION_SCHEMA = pl.Schema(
    {
        "indicator_id": pl.Int32,
        "area": pl.String,
        "period": pl.String,
        "freq": pl.String,
        "period_start": pl.Date,
        "value": pl.Float64,
        "status": pl.String,
        "source": pl.String,
    }
)


@dataclass(frozen=True)
class IndicatorRef:
    id: int
    unit: str
    frequency: str


@dataclass(frozen=True)
class Reference:
    indicators: Mapping[str, IndicatorRef]
    areas: Set[str]
    aggregates: Set[str] = frozenset()


@dataclass
class Validated:
    observations: pl.DataFrame
    rejected: pl.DataFrame  # row, column, value, reason
    skipped: int
    skipped_reasons: dict[str, int] = field(default_factory=dict)
    ignored_columns: list[str] = field(default_factory=list)
    cells: int = 0


def validate(parsed: ParsedFile, reference: Reference) -> Validated:
    cells = parsed.cells
    indicators = pl.DataFrame(
        {
            "indicator": list(reference.indicators),
            "indicator_id": [ref.id for ref in reference.indicators.values()],
            "expected_unit": [ref.unit for ref in reference.indicators.values()],
            "expected_freq": [ref.frequency for ref in reference.indicators.values()],
        },
        schema={
            "indicator": pl.String,
            "indicator_id": pl.Int32,
            "expected_unit": pl.String,
            "expected_freq": pl.String,
        },
    )
    ignored = list(parsed.ignored_columns)
    skipped_reasons: dict[str, int] = {}
    vendor = parsed.layout in ("wdi", "pwt")
    if parsed.layout == "pwt":
        # A PWT file carries dozens of variables; those without a catalogue entry are left
        # out as whole columns rather than rejected cell by cell.
        unknown = sorted(
            set(cells["column"].unique().to_list())
            - {
                code.removeprefix("PWT.")
                for code in reference.indicators
                if code.startswith("PWT.")
            }
        )
        if unknown:
            ignored.extend(unknown)
            cells = cells.filter(~pl.col("column").is_in(unknown))
    if vendor and reference.aggregates:
        aggregate = pl.col("area").is_in(list(reference.aggregates))
        count = cells.filter(aggregate).height
        if count:
            skipped_reasons["regional or income aggregate (not a country)"] = count
            cells = cells.filter(~aggregate)
    if not vendor:
        empty = pl.col("value_raw").is_null() & (pl.col("status").fill_null("") != "M")
        count = cells.filter(empty).height
        if count:
            skipped_reasons["empty value"] = count
            cells = cells.filter(~empty)

    # Periods repeat a lot (60 years for thousands of cells): parse each distinct text once.
    periods = (
        cells.select(pl.col("period_raw").unique())
        .with_columns(period_columns(pl.col("period_raw")))
        .lazy()
    )
    frame = (
        cells.lazy()
        .join(indicators.lazy(), on="indicator", how="left")
        .join(periods, on="period_raw", how="left", nulls_equal=True)
        .with_columns(
            pl.col("value_raw").str.strip_chars().cast(pl.Float64, strict=False).alias("value"),
            pl.col("status").fill_null("A").alias("status"),
            pl.col("area").is_in(list(reference.areas)).alias("area_known"),
        )
        .with_columns(
            pl.len().over("indicator", "area", "period").alias("copies"),
            pl.col("row").min().over("indicator", "area", "period").alias("first_row"),
        )
    )
    ind, area, period_raw = pl.col("indicator"), pl.col("area"), pl.col("period_raw")
    # (condition, column named in the report, offending value, reason), first match wins.
    checks: list[tuple[pl.Expr, pl.Expr, pl.Expr, pl.Expr]] = [
        (
            ind.is_null(),
            pl.lit("indicator"),
            pl.lit(None, pl.String),
            pl.lit("indicator code missing"),
        ),
        (
            pl.col("indicator_id").is_null(),
            pl.lit("indicator"),
            ind,
            pl.format("unknown indicator {}: add it to the catalogue first", ind),
        ),
        (area.is_null(), pl.lit("area"), pl.lit(None, pl.String), pl.lit("area code missing")),
        (
            ~pl.col("area_known"),
            pl.lit("area"),
            area,
            pl.format(
                "unknown area {}: use an ISO 3166 alpha-3 country code or a mechanism code", area
            ),
        ),
        (
            pl.col("period").is_null(),
            pl.lit("period"),
            period_raw,
            pl.format("malformed period {}: use YYYY, YYYY-S1, YYYY-Q1 or YYYY-MM", period_raw),
        ),
        (
            pl.col("freq") != pl.col("expected_freq"),
            pl.lit("period"),
            period_raw,
            pl.format(
                "period {} does not match the frequency {} of {}",
                pl.col("period"),
                pl.col("expected_freq"),
                ind,
            ),
        ),
        (
            pl.col("value_raw").is_not_null() & pl.col("value").is_null(),
            pl.col("column"),
            pl.col("value_raw"),
            pl.format("value {} is not a number", pl.col("value_raw")),
        ),
        (
            pl.col("value").is_not_null() & ~pl.col("value").is_finite(),
            pl.col("column"),
            pl.col("value_raw"),
            pl.lit("value is not a finite number"),
        ),
        (
            ~pl.col("status").is_in(list(STATUSES)),
            pl.lit("status"),
            pl.col("status"),
            pl.format("unknown status {}: use one of " + ", ".join(STATUSES), pl.col("status")),
        ),
        (
            pl.col("unit").is_not_null()
            & (pl.col("unit").str.to_lowercase() != pl.col("expected_unit").str.to_lowercase()),
            pl.lit("unit"),
            pl.col("unit"),
            pl.format(
                "unit {} differs from the unit of {}: {}",
                pl.col("unit"),
                ind,
                pl.col("expected_unit"),
            ),
        ),
        (
            pl.col("copies") > 1,
            pl.lit("area"),
            pl.format("{} {} {}", ind, area, pl.col("period")),
            pl.format(
                "duplicate observation {} {} {} (first at row {})",
                ind,
                area,
                pl.col("period"),
                pl.col("first_row"),
            ),
        ),
    ]
    failed = pl.coalesce(
        [pl.when(cond.fill_null(False)).then(pl.lit(i)) for i, (cond, *_) in enumerate(checks)]
    )

    def pick(position: int) -> pl.Expr:
        expr: Any = pl
        for i, check in enumerate(checks):
            expr = expr.when(pl.col("failed") == i).then(check[position])
        result: pl.Expr = expr.otherwise(None)
        return result

    checked = frame.with_columns(failed.alias("failed")).collect()
    bad = checked.filter(pl.col("failed").is_not_null())
    rejected = bad.select(
        "row",
        pick(1).cast(pl.String).alias("column"),
        pick(2).cast(pl.String).alias("value"),
        pick(3).cast(pl.String).alias("reason"),
    ).sort("row", "column")
    checked = checked.filter(pl.col("failed").is_null())
    good = checked.select(list(OBSERVATION_SCHEMA)).cast(OBSERVATION_SCHEMA)
    return Validated(
        observations=good,
        rejected=rejected,
        skipped=sum(skipped_reasons.values()),
        skipped_reasons=skipped_reasons,
        ignored_columns=ignored,
        cells=parsed.cells.height,
    )
