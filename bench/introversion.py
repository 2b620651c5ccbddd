"""Trade introversion on a panel 100 times the AGTPA size: the polars lazy implementation of
``sela_indices.methods.trade.introversion`` against a straightforward pandas groupby
implementation of the same measures, in the same run, on the same rows.

The panel: the AGTPA file (69 countries, 1986-2006, 99,981 rows) replicated over 100 products,
each value multiplied by seeded log-normal noise; the same 17 columns, with ``product``
(``"P000"``-``"P099"``) in the place of ``pair_id`` (which exporter and importer already
give): 9,998,100 rows. Blocs: every mechanism of the bundled membership edition with its
members of each year, plus NAFTA, ASEAN and the EU-15 as far as their members are in the
panel. polars gets the country and product codes as an Enum, as ``read_flows`` gives them.
pandas runs the same code twice: on the codes as text, as ``pandas.read_csv`` leaves them
(the straightforward version, one run: it is by far the slowest), and on pandas Categoricals
with the same categories (best of ``ROUNDS``, alternated with polars). Two levels: exports
per bloc and year (summed over products) and per bloc, year and product. Every run's result
must agree with polars within 1e-9 (relative on the flows, absolute on the ratios) with nulls
at the same places, or the benchmark stops.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import Callable
from datetime import date
from functools import partial
from time import perf_counter
from typing import Any

import numpy as np
import pandas as pd
import polars as pl

from bench.report import BenchmarkError, BenchmarkResult, Measurement
from sela_indices.methods.trade import COUNTRY, RENAMED, Level, bloc_frame, introversion
from sela_indices.reference.countries import data_file
from sela_indices.reference.models import Membership
from sela_indices.reference.seed import edition_rows
from sela_indices.reference.service import MembershipTable
from sela_kit.paths import shared_data

logger = logging.getLogger("sela.bench.introversion")

NAME = "introversion"
REPLICAS = 100
SEED = 20_240_508
ROUNDS = 3
YEARS = range(1986, 2007)
FLOWS = ["f_ii", "f_io", "f_i", "f_oi", "f_oo", "f_o", "f_wi", "f_w"]
RATIOS = ["share", "intensity", "hi", "he", "rtii"]
# Blocs outside the bundled edition, only for the size of the benchmark: (bloc, country, from).
OTHER_BLOCS = [
    *[("NAFTA", c, 1994) for c in ("CAN", "MEX", "USA")],
    *[("ASEAN", c, 1986) for c in ("IDN", "MYS", "PHL", "SGP", "THA")],
    ("ASEAN", "MMR", 1997),
    *[("EU15", c, 1986) for c in ("BEL", "DEU", "DNK", "ESP", "FRA", "GBR", "GRC")],
    *[("EU15", c, 1986) for c in ("IRL", "ITA", "NLD", "PRT")],
    *[("EU15", c, 1995) for c in ("AUT", "FIN", "SWE")],
]


def panel() -> pl.DataFrame:
    folder = shared_data("trade")
    if folder is None or not (folder / "agtpa_applications_1986_2006.csv.gz").exists():
        raise BenchmarkError("../shared/data/trade/agtpa_applications_1986_2006.csv.gz is absent")
    # Country and product codes as read_flows gives them: an Enum of the checked codes.
    agtpa = pl.read_csv(folder / "agtpa_applications_1986_2006.csv.gz").with_columns(
        pl.col("exporter", "importer").replace(RENAMED).cast(COUNTRY)
    )
    codes = [f"P{p:03d}" for p in range(REPLICAS)]
    products = pl.DataFrame({"product": codes}, schema={"product": pl.Enum(codes)})
    rng = np.random.default_rng(SEED)
    replicated = products.join(agtpa, how="cross")
    noise = rng.lognormal(0.0, 0.5, replicated.height)
    return replicated.with_columns(pl.col("trade") * pl.Series(noise)).select(
        [("product" if c == "pair_id" else c) for c in agtpa.columns]
    )


def blocs() -> pl.DataFrame:
    _, members = edition_rows(data_file("mechanisms.json"))
    table = MembershipTable("bundled", tuple(Membership(**row) for row in members))
    codes = sorted({m["mechanism"] for m in members})

    def members_at(bloc: str, when: date) -> list[str]:
        return table.members_at(bloc, when)

    others = pl.DataFrame(
        [(b, c, y) for b, c, start in OTHER_BLOCS for y in YEARS if y >= start],
        schema={"bloc": pl.String, "country": pl.String, "year": pl.Int32},
        orient="row",
    )
    return pl.concat([bloc_frame(members_at, codes, YEARS), others])


def polars_introversion(frame: pl.DataFrame, members: pl.DataFrame, by: Level | None) -> Any:
    flows = frame.lazy().select(
        pl.col("exporter").alias("reporter"),
        pl.col("importer").alias("partner"),
        "year",
        "product",
        pl.col("trade").alias("value"),
        pl.lit("X").alias("flow"),
    )
    return introversion(flows, members, "exports", by=by)


def _ratio(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    return (numerator / denominator).where(denominator != 0)


def pandas_introversion(frame: pd.DataFrame, members: pd.DataFrame, by: str | None) -> Any:
    """The same definitions (module docstring of sela_indices.methods.trade) written as one
    would in pandas: boolean filter, merges with the membership table, groupby sums."""
    groups = ["product"] if by else []
    keys = ["bloc", "year", *groups]
    f = frame.loc[frame["exporter"] != frame["importer"], ["exporter", "importer", "year"]]
    f = f.assign(v=frame["trade"], **({"product": frame["product"]} if by else {}))
    f = f.groupby(["exporter", "importer", "year", *groups], as_index=False)["v"].sum()
    as_a = members.rename(columns={"country": "exporter"})
    as_b = members.rename(columns={"country": "importer"})
    out = f.merge(as_a, on=["year", "exporter"])
    out = out.merge(as_b.assign(b_in=True), on=["bloc", "year", "importer"], how="left")
    inside = out["b_in"].notna()
    out["ii"] = out["v"].where(inside, 0.0)
    out["io"] = out["v"].where(~inside, 0.0)
    from_bloc = out.groupby(keys, as_index=False).agg(
        f_ii=("ii", "sum"), f_io=("io", "sum"), reporting=("exporter", "nunique")
    )
    into = f.merge(as_b, on=["year", "importer"])
    into = into.merge(as_a.assign(a_in=True), on=["bloc", "year", "exporter"], how="left")
    to_bloc = (into[into["a_in"].isna()].groupby(keys, as_index=False)["v"].sum()).rename(
        columns={"v": "f_oi"}
    )
    world = f.groupby(["year", *groups], as_index=False)["v"].sum().rename(columns={"v": "f_w"})
    sizes = members.groupby(["bloc", "year"], as_index=False).size()
    sizes = sizes.rename(columns={"size": "members"})
    r = sizes.merge(world, on="year").merge(from_bloc, on=keys, how="left")
    r = r.merge(to_bloc, on=keys, how="left")
    r[["f_ii", "f_io", "f_oi", "reporting"]] = r[["f_ii", "f_io", "f_oi", "reporting"]].fillna(0)
    r["f_i"] = r["f_ii"] + r["f_io"]
    r["f_oo"] = (r["f_w"] - r["f_ii"] - r["f_io"] - r["f_oi"]).clip(lower=0.0)
    r["f_wi"] = r["f_ii"] + r["f_oi"]
    r["f_o"] = r["f_oi"] + r["f_oo"]
    r["share"] = _ratio(r["f_ii"], r["f_i"])
    r["intensity"] = _ratio(r["share"], _ratio(r["f_wi"], r["f_w"]))
    r["hi"] = _ratio(r["share"], _ratio(r["f_oi"], r["f_o"]))
    r["he"] = _ratio(_ratio(r["f_io"], r["f_i"]), _ratio(r["f_oo"], r["f_o"]))
    r["rtii"] = _ratio(r["hi"] - r["he"], r["hi"] + r["he"])
    return r.sort_values(keys).reset_index(drop=True)


def compare(fast: pl.DataFrame, slow: pd.DataFrame, keys: list[str]) -> int:
    """Raise unless both give the same rows and values; returns the number of rows."""
    if fast.height != len(slow):
        raise BenchmarkError(f"polars gave {fast.height} rows, pandas {len(slow)}")
    if fast.select(keys).rows() != list(slow[keys].itertuples(index=False, name=None)):
        raise BenchmarkError("polars and pandas give different bloc/year/product keys")
    for column in FLOWS + RATIOS:
        a = fast[column].to_numpy().astype(float)
        b = slow[column].to_numpy(dtype=float, na_value=np.nan)
        if not np.array_equal(np.isnan(a), np.isnan(b)):
            raise BenchmarkError(f"{column}: nulls at different places")
        ok = ~np.isnan(a)
        tolerance = 1e-9 * np.maximum(np.abs(b[ok]), 1.0) if column in FLOWS else 1e-9
        worst = np.abs(a[ok] - b[ok]) - tolerance
        if worst.size and worst.max() > 0:
            raise BenchmarkError(f"{column}: polars and pandas differ beyond 1e-9")
    return fast.height


def _timed(call: Callable[[], Any]) -> tuple[float, Any]:
    gc.collect()
    started = perf_counter()
    result = call()
    return perf_counter() - started, result


def to_pandas(frame: pl.DataFrame) -> pd.DataFrame:
    """Column by column through numpy (polars' own conversion needs pyarrow); Enum columns
    become pandas categoricals with the same categories, so both sides work on codes."""
    columns: dict[str, Any] = {}
    for name in frame.columns:
        series = frame[name]
        if isinstance(series.dtype, pl.Enum):
            columns[name] = pd.Categorical.from_codes(
                series.to_physical().to_numpy(), categories=list(series.dtype.categories)
            )
        else:
            columns[name] = series.to_numpy()
    return pd.DataFrame(columns)


def run(rounds: int = ROUNDS) -> BenchmarkResult:
    logger.info("building the synthetic panel (%d x AGTPA)", REPLICAS)
    frame = panel()
    members = blocs()
    # pandas gets the codes both ways: as categoricals (the same representation as the
    # polars Enum) and as text, as pandas.read_csv leaves them.
    coded_pd = to_pandas(frame)
    coded_members = to_pandas(members.with_columns(pl.col("country").cast(COUNTRY)))
    text_pd = coded_pd.assign(
        exporter=coded_pd["exporter"].astype(str), importer=coded_pd["importer"].astype(str)
    )
    text_members = coded_members.assign(country=coded_members["country"].astype(str))
    measurements: list[Measurement] = []
    details: dict[str, Any] = {
        "rows": frame.height,
        "columns": frame.width,
        "blocs": members["bloc"].n_unique(),
        "bloc_years": members.select("bloc", "year").n_unique(),
        "rounds": rounds,
    }
    cases: list[tuple[str, Level | None]] = [
        ("per bloc and year", None),
        ("per bloc, year and product", "product"),
    ]
    for label, by in cases:
        keys = ["bloc", "year", *([by] if by else [])]
        fast: list[float] = []
        coded: list[float] = []
        for round_ in range(rounds):
            logger.info("round %d %s: polars, pandas on categorical codes", round_ + 1, label)
            seconds, expected = _timed(partial(pandas_introversion, coded_pd, coded_members, by))
            coded.append(seconds)
            seconds, result = _timed(partial(polars_introversion, frame, members, by))
            fast.append(seconds)
            rows = compare(result, expected, keys)
        logger.info("%s: pandas on text codes, once (it is the slowest)", label)
        text_seconds, expected = _timed(partial(pandas_introversion, text_pd, text_members, by))
        compare(result, expected, keys)
        for versus, reference, seconds, reading in (
            (
                "pandas on text codes",
                "pandas groupby, codes as text (one run)",
                text_seconds,
                "times faster than the straightforward pandas version (target 10)",
            ),
            (
                "pandas on categorical codes",
                "pandas groupby, codes as categoricals",
                min(coded),
                "times faster than pandas given the same coded representation",
            ),
        ):
            measurements.append(
                Measurement(
                    name=f"exports introversion {label}, vs {versus}",
                    unit="panels/s",
                    value=1 / min(fast),
                    reference_name=reference,
                    reference_value=1 / seconds,
                    reading=reading,
                )
            )
        details[f"result_rows {label}"] = rows
        details[f"polars_s {label}"] = fast
        details[f"pandas_categorical_s {label}"] = coded
        details[f"pandas_text_s {label}"] = text_seconds
    return BenchmarkResult(name=NAME, measurements=measurements, details=details)
