"""Economic complexity: ``sela_indices.methods.complexity`` against the Growth Lab's
``ecomplexity`` package, same inputs, same run, after checking that both give the same
numbers.

- one year: the 2017 world matrix (224 countries × 1,222 HS4 products), from the polars
  frame to the result frames, against ``ecomplexity`` from the pandas frame to its frame;
  alternated over rounds, best round of each;
- panel: ``PANEL_YEARS`` years made from 2017 with seeded log-normal noise per cell and year
  (so every year has its own M), one run of each.

``ecomplexity`` runs without its log-supermodularity diagnostic (not an output compared, and
several times slower with it) and at its best of default and single-threaded BLAS, so the
ratio is not flattered by thread contention on a shared machine.
"""

from __future__ import annotations

import logging
import warnings
from pathlib import Path
from time import perf_counter
from typing import Any

import numpy as np
import pandas as pd
import polars as pl
from ecomplexity import ecomplexity
from threadpoolctl import threadpool_limits

from bench.report import BenchmarkError, BenchmarkResult, Measurement
from sela_indices.methods.complexity import Complexity, complexity
from sela_kit.paths import shared_data

logger = logging.getLogger("sela.bench.complexity")

NAME = "complexity"
ROUNDS = 3
REPEATS = 5
PANEL_YEARS = 5
TOLERANCE = 1e-6
COLUMNS = {"time": "year", "loc": "country", "prod": "product", "val": "value"}
COMPARED = ("eci", "pci", "density", "cog", "coi")


def _reference(frame: pd.DataFrame, threads: int | None) -> pd.DataFrame:
    with warnings.catch_warnings(), threadpool_limits(threads, user_api="blas"):
        warnings.simplefilter("ignore")
        result: pd.DataFrame = ecomplexity(
            frame, COLUMNS, verbose=False, check_logsupermodularity=False
        )
    return result


def _timed(call: Any) -> tuple[float, Any]:
    started = perf_counter()
    result = call()
    return perf_counter() - started, result


def _check(mine: Complexity, ref: pd.DataFrame) -> dict[str, float]:
    """Largest absolute difference per compared column; raises past the tolerance."""
    keys = ["year", "country", "product"]
    theirs = pl.DataFrame({k: ref[k].to_numpy() for k in [*keys, *COMPARED]}).rename(
        {k: f"{k}_ref" for k in COMPARED}
    )
    frame = (
        mine.country_products.join(mine.countries, on=["year", "country"])
        .join(mine.products, on=["year", "product"])
        .join(theirs, on=keys)
    )
    if frame.height != mine.country_products.height or frame.height != len(ref):
        raise BenchmarkError(
            f"row counts differ: ours {mine.country_products.height}, ecomplexity {len(ref)}"
        )
    gaps = {
        c: float(frame.select((pl.col(c) - pl.col(f"{c}_ref")).abs().max()).item())
        for c in COMPARED
    }
    worst = max(gaps, key=lambda c: gaps[c])
    if not gaps[worst] <= TOLERANCE:
        raise BenchmarkError(f"{worst} differs from ecomplexity by {gaps[worst]:.3g}")
    return gaps


def _panel(exports: pl.DataFrame) -> pl.DataFrame:
    rng = np.random.default_rng(20170101)
    years = []
    for year in range(2017, 2017 + PANEL_YEARS):
        noise = rng.lognormal(0.0, 0.5, exports.height)
        years.append(
            exports.with_columns(
                pl.lit(year, pl.Int64).alias("year"), (pl.col("value") * noise).alias("value")
            )
        )
    return pl.concat(years)


def run() -> BenchmarkResult:
    folder = shared_data("complexity")
    path = None if folder is None else folder / "world_trade_2017.csv.gz"
    if path is None or not path.exists():
        raise BenchmarkError("../shared/data/complexity/world_trade_2017.csv.gz is not here")
    exports = _load(path)
    # ecomplexity 0.5.3 under pandas 3 leaves RCA NaN where a value is NaN: both get the
    # same rows without them.
    one = exports.drop_nulls("value").with_columns(pl.lit(2017, pl.Int64).alias("year"))
    one_pd = pd.DataFrame({c: one[c].to_numpy() for c in COLUMNS.values()})

    logger.info("checking equality on 2017 (224 × 1,222)")
    mine = complexity(one, self_proximity=True)
    reference_threads: int | None = None
    gaps = _check(mine, _reference(one_pd, None))

    ours: list[float] = []
    theirs: dict[int | None, list[float]] = {None: [], 1: []}
    for round_ in range(ROUNDS):
        logger.info(
            "round %d: ours ×%d, ecomplexity (default and 1 BLAS thread)", round_ + 1, REPEATS
        )
        ours.append(
            min(_timed(lambda: complexity(one, self_proximity=True))[0] for _ in range(REPEATS))
        )
        for threads in theirs:
            theirs[threads].append(_timed(lambda t=threads: _reference(one_pd, t))[0])
    reference_threads = min(theirs, key=lambda t: min(theirs[t]))
    ours_best, theirs_best = min(ours), min(theirs[reference_threads])

    logger.info("panel of %d years", PANEL_YEARS)
    panel = _panel(one.drop("year"))
    panel_pd = pd.DataFrame({c: panel[c].to_numpy() for c in COLUMNS.values()})
    panel_ours, panel_mine = _timed(lambda: complexity(panel, self_proximity=True))
    panel_theirs, panel_ref = _timed(lambda: _reference(panel_pd, reference_threads))
    panel_gaps = _check(panel_mine, panel_ref)

    threads_note = "default" if reference_threads is None else str(reference_threads)
    return BenchmarkResult(
        name=NAME,
        measurements=[
            Measurement(
                name="ECI, PCI, density, COI, COG of 2017 (224 × 1,222)",
                unit="runs/s",
                value=1 / ours_best,
                reference_name=f"ecomplexity 0.5.3 (BLAS threads: {threads_note})",
                reference_value=1 / theirs_best,
                reading="times faster than the Growth Lab package on the same matrix (target 15)",
            ),
            Measurement(
                name=f"the same, {PANEL_YEARS}-year panel",
                unit="years/s",
                value=PANEL_YEARS / panel_ours,
                reference_name=f"ecomplexity 0.5.3 (BLAS threads: {threads_note})",
                reference_value=PANEL_YEARS / panel_theirs,
                reading="times faster on a panel, one pass of each",
            ),
        ],
        details={
            "ours_seconds_per_round": ours,
            "ecomplexity_seconds_per_round": {str(k): v for k, v in theirs.items()},
            "panel_seconds": {"ours": panel_ours, "ecomplexity": panel_theirs},
            "max_abs_difference_2017": gaps,
            "max_abs_difference_panel": panel_gaps,
            "tolerance": TOLERANCE,
        },
    )


def _load(path: Path) -> pl.DataFrame:
    return pl.read_csv(path, schema_overrides={"product_code": pl.String}).select(
        pl.col("reporter_iso").str.to_uppercase().alias("country"),
        pl.col("product_code").alias("product"),
        pl.col("export_value_usd").alias("value"),
    )
