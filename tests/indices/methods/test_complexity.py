"""Economic complexity and productive niches: a hand-worked 4 × 5 example, and equality with
the Growth Lab's ``ecomplexity`` package on the 2017 world matrix (224 × 1,222)."""

from __future__ import annotations

import math
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import polars as pl
import pytest
from ecomplexity import ecomplexity
from threadpoolctl import threadpool_limits

from sela_indices.methods.complexity import (
    Complexity,
    ComplexityInputError,
    complexity,
    niches,
)
from sela_kit.paths import shared_data

# Every country exports 10 of each of its products, D 20 of p5; E exports nothing (drops
# out); a zero and a null value count as no exports. Column totals are all 20 and the world
# total is 100, so each product's world share is 0.2 and RCA = (x/X_c)/0.2:
#   A = [2.5, 0, 0, 2.5, 0], B = [2.5, 2.5, 0, 0, 0], C = [0, 2.5, 2.5, 0, 0],
#   D = [0, 0, 1.25, 1.25, 2.5].
TINY_ROWS = [
    ("A", "p1", 10.0),
    ("A", "p4", 10.0),
    ("A", "p5", 0.0),
    ("B", "p1", 10.0),
    ("B", "p2", 10.0),
    ("B", "p3", None),
    ("C", "p2", 10.0),
    ("C", "p3", 10.0),
    ("D", "p3", 10.0),
    ("D", "p4", 10.0),
    ("D", "p5", 20.0),
    ("E", "p1", 0.0),
]
COUNTRIES = ["A", "B", "C", "D"]
PRODUCTS = ["p1", "p2", "p3", "p4", "p5"]
RCA = [
    [2.5, 0, 0, 2.5, 0],
    [2.5, 2.5, 0, 0, 0],
    [0, 2.5, 2.5, 0, 0],
    [0, 0, 1.25, 1.25, 2.5],
]
M = [[1 if r >= 1 else 0 for r in row] for row in RCA]
# Co-occurrences: p1p2 (B), p1p4 (A), p2p3 (C), p3p4, p3p5, p4p5 (D), each once; ubiquities
# 2, 2, 2, 2, 1; so every linked pair has φ = 1 / max(k, k') = 1/2. Σ_p' φ = 1, 1, 1.5, 1.5, 1.
H = 0.5
PHI = [
    [0, H, 0, H, 0],
    [H, 0, H, 0, 0],
    [0, H, 0, H, H],
    [H, 0, H, 0, H],
    [0, 0, H, H, 0],
]
# ω_cp = Σ_p' M_cp' φ_pp' / Σ_p' φ_pp', e.g. A (p1, p4) in p3: φ34 / 1.5 = 1/3.
T = 1 / 3
DENSITY = [
    [0.5, 0.5, T, T, 0.5],
    [0.5, 0.5, T, T, 0.0],
    [0.5, 0.5, T, T, 0.5],
    [0.5, 0.5, 2 * T, 2 * T, 1.0],
]
# With φ_pp = 1 counted (ecomplexity's convention): A = [(0.5+1)/2, 0.5/2, 0.5/2.5,
# (0.5+1)/2.5, 0.5/2].
DENSITY_SELF_A = [0.75, 0.25, 0.2, 0.6, 0.25]


def tiny(year: int | None = None) -> pl.DataFrame:
    frame = pl.DataFrame(
        TINY_ROWS,
        schema={"country": pl.String, "product": pl.String, "value": pl.Float64},
        orient="row",
    )
    if year is not None:
        frame = frame.with_columns(pl.lit(year).alias("year"))
    return frame


def matrix(result: Complexity, column: str) -> list[list[float]]:
    frame = result.country_products.sort("country", "product")
    values = frame[column].to_list()
    return [values[i * len(PRODUCTS) : (i + 1) * len(PRODUCTS)] for i in range(len(COUNTRIES))]


def close(actual: list[list[float]], expected: list[list[float]]) -> None:
    np.testing.assert_allclose(np.array(actual), np.array(expected), rtol=0, atol=1e-12)


def reference(frame: pd.DataFrame, **columns: str) -> pd.DataFrame:
    """``ecomplexity`` without its log-supermodularity report (not a result we compare), on one
    BLAS thread (its default threads run it about 3× slower on a busy 2-core machine)."""
    with warnings.catch_warnings(), threadpool_limits(1, user_api="blas"):
        warnings.simplefilter("ignore")
        result: pd.DataFrame = ecomplexity(
            frame, columns, verbose=False, check_logsupermodularity=False
        )
    return result


def joined(result: Complexity, ref: pd.DataFrame, keys: list[str]) -> pl.DataFrame:
    wanted = [*keys, "rca", "mcp", "diversity", "ubiquity", "eci", "pci", "density", "coi", "cog"]
    theirs = pl.DataFrame({k: ref[k].to_numpy() for k in wanted}).rename(
        {k: f"{k}_ref" for k in wanted if k not in keys}
    )
    on = [k for k in keys if k != "country" and k != "product"]
    mine = result.country_products.join(result.countries, on=[*on, "country"]).join(
        result.products, on=[*on, "product"]
    )
    both = mine.join(theirs, on=keys)
    assert both.height == mine.height == theirs.height
    return both


def max_gap(frame: pl.DataFrame, mine: str, theirs: str) -> float:
    gap = frame.select((pl.col(mine).cast(pl.Float64) - pl.col(theirs)).abs().max()).item()
    assert isinstance(gap, float)
    return gap


# ---- hand-worked example -------------------------------------------------------------------


def test_rca_m_diversity_ubiquity_by_hand() -> None:
    result = complexity(tiny())
    assert result.countries["country"].to_list() == COUNTRIES  # E exports nothing
    assert result.products["product"].to_list() == PRODUCTS
    close(matrix(result, "rca"), RCA)
    assert matrix(result, "m") == M
    assert result.countries["diversity"].to_list() == [2, 2, 2, 3]
    assert result.products["ubiquity"].to_list() == [2, 2, 2, 2, 1]
    assert matrix(result, "value")[1] == [10.0, 10.0, 0.0, 0.0, 0.0]  # null is no exports


def test_proximity_density_distance_by_hand() -> None:
    result = complexity(tiny())
    prox = result.proximity[None]
    assert prox.products == tuple(PRODUCTS)
    assert prox.matrix.tolist() == PHI
    long = result.proximity_frame()
    assert long.height == 12  # six linked pairs, both directions, no diagonal
    assert long.filter(pl.col("product") == "p3").sort("product_2").rows() == [
        ("p3", "p2", 0.5),
        ("p3", "p4", 0.5),
        ("p3", "p5", 0.5),
    ]
    close(matrix(result, "density"), DENSITY)
    close(matrix(result, "distance"), [[1 - d for d in r] for r in DENSITY])
    with_self = complexity(tiny(), self_proximity=True)
    assert matrix(with_self, "density")[0] == pytest.approx(DENSITY_SELF_A)
    assert with_self.proximity[None].matrix.tolist() == PHI  # the served φ keeps diagonal 0


def test_eci_pci_properties() -> None:
    result = complexity(tiny())
    eci = result.countries["eci"].to_numpy()
    pci = dict(zip(PRODUCTS, result.products["pci"].to_list(), strict=True))
    assert eci.mean() == pytest.approx(0, abs=1e-12)
    assert eci.std() == pytest.approx(1)
    assert np.corrcoef(result.countries["diversity"].to_numpy(), eci)[0, 1] > 0
    # PCI standardised with the ECI mean and sd: each ECI is the mean PCI of its products.
    for c, row in enumerate(M):
        mean_pci = np.mean([pci[p] for p, m in zip(PRODUCTS, row, strict=True) if m])
        assert eci[c] == pytest.approx(mean_pci)


def test_tiny_example_equals_ecomplexity_including_coi_cog() -> None:
    result = complexity(tiny(2020), self_proximity=True)
    # ecomplexity keeps rows of countries it leaves out (E) with NaN results: compare the rest.
    frame = pd.DataFrame(
        [(2020, *row) for row in TINY_ROWS if row[0] != "E" and row[2] is not None],
        columns=["year", "country", "product", "value"],
    )
    ref = reference(frame, time="year", loc="country", prod="product", val="value")
    both = joined(result, ref, ["year", "country", "product"])
    for column in ("rca", "eci", "pci", "density", "coi", "cog"):
        assert max_gap(both, column, f"{column}_ref") < 1e-12, column
    assert max_gap(both, "m", "mcp_ref") == 0


def test_threshold() -> None:
    result = complexity(tiny(), threshold=2.0)
    assert matrix(result, "m")[3] == [0, 0, 0, 0, 1]
    assert result.threshold == 2.0


def test_panel_is_each_year_on_its_own() -> None:
    # D exports 5 of p5 instead of 20: other RCAs, the same M.
    later = tiny().with_columns(
        pl.when((pl.col("country") == "D") & (pl.col("product") == "p5"))
        .then(5.0)
        .otherwise("value")
        .alias("value")
    )
    panel = pl.concat([tiny(2020), later.with_columns(pl.lit(2021).alias("year"))]).select(
        "year", "country", "product", "value"
    )
    result = complexity(panel)
    assert result.panel
    assert list(result.proximity) == [2020, 2021]
    for year, frame in ((2020, tiny()), (2021, later)):
        alone = complexity(frame)
        assert result.countries.filter(pl.col("year") == year).drop("year").equals(alone.countries)
        assert (
            result.country_products.filter(pl.col("year") == year)
            .drop("year")
            .equals(alone.country_products)
        )
    assert result.proximity_frame().columns == ["year", "product", "product_2", "proximity"]


# ---- niches --------------------------------------------------------------------------------


def test_niches_are_unexported_products_ranked() -> None:
    result = complexity(tiny())
    by_density = niches(result, countries=["A"], rank_by="density")
    # A (p1, p4) lacks p2 (ω 1/2), p3 (1/3), p5 (1/2): p2 and p5 tie on density, COG decides.
    assert by_density["product"].to_list()[2] == "p3"
    assert set(by_density["product"].to_list()[:2]) == {"p2", "p5"}
    first, second = by_density.rows(named=True)[:2]
    assert first["cog"] >= second["cog"]
    assert by_density["rank"].to_list() == [1, 2, 3]
    assert by_density["density"].to_list() == pytest.approx([0.5, 0.5, T])

    by_score = niches(result, rank_by="score", density_weight=1.0)
    assert by_score.columns == [
        "country",
        "rank",
        "product",
        "density",
        "distance",
        "cog",
        "pci",
        "rca",
        "score",
    ]
    assert by_score.height == sum(row.count(0) for row in M)
    scores = by_score.filter(pl.col("country") == "A")["score"].to_numpy()
    dens = np.array([0.5, 0.5, T])
    assert scores == pytest.approx((dens - dens.mean()) / dens.std())

    by_cog = niches(result, rank_by="cog", top=1)
    assert by_cog.height == 4
    for row in by_cog.rows(named=True):
        best = niches(result, countries=[row["country"]])["cog"].max()
        assert row["cog"] == best


def test_niches_bloc_view_names_the_strong_partners() -> None:
    result = complexity(tiny())
    view = niches(result, countries=["A"], partners=["A", "B", "C"], rank_by="density")
    # p2: B and C have advantage; p3: C; p5: only D, outside the bloc, so it is dropped.
    assert view.select("product", "strong_partners", "partner_count").rows() == [
        ("p2", ["B", "C"], 2),
        ("p3", ["C"], 1),
    ]
    edges = view.explode("strong_partners").select("country", "product", "strong_partners")
    assert edges.height == 3


def test_niches_in_a_panel_rank_within_each_year() -> None:
    panel = pl.concat([tiny(2020), tiny(2021)]).select("year", "country", "product", "value")
    ranked = niches(complexity(panel), countries=["A", "B"])
    assert ranked.columns[:3] == ["year", "country", "rank"]
    assert ranked.group_by("year", "country").agg(pl.col("rank").max()).height == 4


# ---- bad input -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda f: f.drop("value"), "missing column(s) value"),
        (lambda f: f.with_columns(pl.lit(101).alias("product")), "exports.product: must be text"),
        (lambda f: f.with_columns(pl.lit("x").alias("value")), "exports.value: must be numeric"),
        (
            lambda f: f.with_columns(
                pl.when(pl.col("country") == "C").then(-1.0).otherwise("value").alias("value")
            ),
            "negative value(s), first at country='C'",
        ),
        (
            lambda f: f.with_columns(
                pl.when(pl.col("country") == "C").then(math.inf).otherwise("value").alias("value")
            ),
            "infinite value(s)",
        ),
        (lambda f: pl.concat([f, f.head(1)]), "first country='A', product='p1'"),
        (
            lambda f: f.with_columns(pl.lit(2020.5).alias("year")),
            "exports.year: must be an integer",
        ),
        (lambda f: f.filter(pl.col("country") == "A"), "need at least 2 countries"),
        (lambda f: f.with_columns(pl.lit(None, pl.String).alias("country")), "without a country"),
        (lambda f: f.clear(), "exports: no rows"),
    ],
)
def test_bad_exports_raise_typed_errors(change: Any, message: str) -> None:
    with pytest.raises(ComplexityInputError) as raised:
        complexity(change(tiny()))
    assert message in str(raised.value)
    assert isinstance(raised.value, ValueError)


def test_bad_parameters_raise_typed_errors() -> None:
    with pytest.raises(ComplexityInputError, match="threshold"):
        complexity(tiny(), threshold=0)
    with pytest.raises(ComplexityInputError, match="no revealed advantage"):
        complexity(tiny(), threshold=3.0)
    result = complexity(tiny(), keep_proximity=False)
    with pytest.raises(ComplexityInputError, match="not kept"):
        result.proximity_frame()
    with pytest.raises(ComplexityInputError, match="partners: not in the export data: ZZZ"):
        niches(result, partners=["A", "ZZZ"])
    with pytest.raises(ComplexityInputError, match="partners: empty"):
        niches(result, partners=[])
    with pytest.raises(ComplexityInputError, match="not the string"):
        niches(result, countries="A")
    with pytest.raises(ComplexityInputError, match="density_weight"):
        niches(result, density_weight=2)
    with pytest.raises(ComplexityInputError, match="rank_by"):
        niches(result, rank_by="pci")  # type: ignore[arg-type]
    with pytest.raises(ComplexityInputError, match="top"):
        niches(result, top=0)


# ---- the 2017 world matrix against ecomplexity ---------------------------------------------


@pytest.fixture(scope="module")
def world_2017() -> Path:
    folder = shared_data("complexity")
    if folder is None or not (folder / "world_trade_2017.csv.gz").exists():
        pytest.skip("../shared/data/complexity/world_trade_2017.csv.gz is not on this machine")
    return folder / "world_trade_2017.csv.gz"


@pytest.fixture(scope="module")
def world_compared(world_2017: Path) -> pl.DataFrame:
    exports = pl.read_csv(world_2017, schema_overrides={"product_code": pl.String}).select(
        pl.col("reporter_iso").str.to_uppercase().alias("country"),
        pl.col("product_code").alias("product"),
        pl.col("export_value_usd").alias("value"),
    )
    mine = complexity(exports, self_proximity=True)
    # ecomplexity 0.5.3 under pandas 3 leaves RCA NaN where a value is NaN: drop those rows.
    frame = pd.read_csv(world_2017, dtype={"product_code": str}).dropna()
    frame["year"] = 2017
    frame["country"] = frame["reporter_iso"].str.upper()
    ref = reference(
        frame, time="year", loc="country", prod="product_code", val="export_value_usd"
    ).rename(columns={"product_code": "product"})
    both = joined(mine, ref, ["country", "product"])
    assert both.height == 224 * 1222
    return both


@pytest.mark.parametrize("column", ["eci", "pci", "density", "rca", "coi", "cog"])
def test_world_2017_equals_ecomplexity(world_compared: pl.DataFrame, column: str) -> None:
    assert max_gap(world_compared, column, f"{column}_ref") < 1e-6


def test_world_2017_m_diversity_ubiquity_equal_ecomplexity(world_compared: pl.DataFrame) -> None:
    for mine, theirs in (
        ("m", "mcp_ref"),
        ("diversity", "diversity_ref"),
        ("ubiquity", "ubiquity_ref"),
    ):
        assert max_gap(world_compared, mine, theirs) == 0


def test_world_2017_default_density_differs_only_by_the_diagonal(world_2017: Path) -> None:
    exports = pl.read_csv(world_2017, schema_overrides={"product_code": pl.String}).select(
        pl.col("reporter_iso").alias("country"),
        pl.col("product_code").alias("product"),
        pl.col("export_value_usd").alias("value"),
    )
    diagonal_0 = complexity(exports)
    diagonal_1 = complexity(exports, self_proximity=True, keep_proximity=False)
    # Σ_p' φ_pp' with diagonal 0 = S; with diagonal 1 the sums are S + 1 and num + M_cp.
    totals = pl.DataFrame(
        {
            "product": diagonal_0.proximity[None].products,
            "total": diagonal_0.proximity[None].matrix.sum(axis=1),
        }
    )
    both = (
        diagonal_0.country_products.join(totals, on="product")
        .join(
            diagonal_1.country_products.select("country", "product", pl.col("density").alias("d1")),
            on=["country", "product"],
        )
        .with_columns(
            ((pl.col("d1") * (pl.col("total") + 1) - pl.col("m")) / pl.col("total")).alias("back")
        )
    )
    assert max_gap(both, "density", "back") < 1e-12
    assert diagonal_0.countries["eci"].equals(diagonal_1.countries["eci"])
