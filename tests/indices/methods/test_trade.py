"""Trade introversion: hand-worked four-country examples, identities, an independent numpy
computation, the file layouts and their checks, and the real AGTPA panel."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from sela_indices.methods.trade import (
    IntroversionError,
    TradeDataError,
    TradeLayoutError,
    bilateral_intensity,
    bloc_frame,
    introversion,
    mirror_flows,
    read_flows,
)
from sela_indices.reference.countries import data_file
from sela_indices.reference.models import Membership
from sela_indices.reference.seed import edition_rows
from sela_indices.reference.service import MembershipTable
from sela_kit.paths import shared_data
from tests.indices.support import csv_bytes, xlsx_bytes

ARG, BRA, URY, USA = "ARG", "BRA", "URY", "USA"
# Exports x_ab (row a exports to column b) and imports m_ab (row a imports from column b).
EXPORTS = {
    ARG: {BRA: 10, URY: 5, USA: 5},
    BRA: {ARG: 20, URY: 5, USA: 15},
    URY: {ARG: 2, BRA: 3, USA: 5},
    USA: {ARG: 10, BRA: 10, URY: 10},
}
IMPORTS = {
    ARG: {BRA: 8, URY: 2, USA: 10},
    BRA: {ARG: 12, URY: 3, USA: 5},
    URY: {ARG: 5, BRA: 5, USA: 10},
    USA: {ARG: 5, BRA: 15, URY: 0},
}


def flow_rows(matrix: dict[str, dict[str, int]], flow: str, year: int) -> list[dict[str, Any]]:
    return [
        {"reporter": a, "partner": b, "year": year, "value": float(v), "flow": flow}
        for a, row in matrix.items()
        for b, v in row.items()
    ]


def hand_flows() -> pl.DataFrame:
    rows = [
        *flow_rows(EXPORTS, "X", 2000),
        *flow_rows(IMPORTS, "M", 2000),
        *flow_rows(EXPORTS, "X", 2001),
        # Domestic flows must be left out of every measure.
        {"reporter": ARG, "partner": ARG, "year": 2000, "value": 1000.0, "flow": "X"},
        {"reporter": BRA, "partner": BRA, "year": 2000, "value": 1000.0, "flow": "M"},
    ]
    return pl.DataFrame(rows)


# The bloc is ARG+BRA in 2000 and gains URY in 2001; EMPTY has no member with flows.
BLOCS = pl.DataFrame(
    {
        "bloc": ["B", "B", "B", "B", "B", "EMPTY"],
        "country": [ARG, BRA, ARG, BRA, URY, "CHL"],
        "year": [2000, 2000, 2001, 2001, 2001, 2000],
    }
)

# flow: (F_ii, F_io, F_oi, F_oo, S, I, HI, HE, RTII), worked by hand for bloc B in 2000.
HAND_2000 = {
    "exports": (30, 30, 25, 15, 0.5, 10 / 11, 0.8, 4 / 3, -0.25),
    "imports": (20, 20, 30, 10, 0.5, 0.8, 2 / 3, 2.0, -0.5),
    "total": (50, 50, 55, 25, 0.5, 6 / 7, 8 / 11, 1.6, -0.375),
}
MEASURES = ("f_ii", "f_io", "f_oi", "f_oo", "share", "intensity", "hi", "he", "rtii")


def row_of(frame: pl.DataFrame, **keys: Any) -> dict[str, Any]:
    selected = frame.filter(*[pl.col(k) == v for k, v in keys.items()])
    assert selected.height == 1, selected
    return selected.row(0, named=True)


@pytest.mark.parametrize("flow", ["exports", "imports", "total"])
def test_hand_worked_measures_for_each_flow_type(flow: str) -> None:
    result = introversion(hand_flows(), BLOCS, flow=flow)  # type: ignore[arg-type]
    got = row_of(result, bloc="B", year=2000)
    for name, expected in zip(MEASURES, HAND_2000[flow], strict=True):
        assert got[name] == pytest.approx(expected, abs=1e-12), name
    assert got["f_i"] == got["f_ii"] + got["f_io"]
    assert got["f_wi"] == got["f_ii"] + got["f_oi"]
    assert got["f_w"] == pytest.approx(got["f_i"] + got["f_o"])
    assert (got["members"], got["reporting"], got["flow"]) == (2, 2, flow)


def test_membership_by_year_and_zero_denominators_give_null() -> None:
    result = introversion(hand_flows(), BLOCS, flow="exports")
    assert result.select("bloc", "year").rows() == [("B", 2000), ("B", 2001), ("EMPTY", 2000)]
    later = row_of(result, bloc="B", year=2001)
    # URY joined: F_ii = 45, F_io = 25 (exports to USA), F_oi = 30 and the rest of the world
    # (USA alone) has no partner outside the bloc, so F_oo = 0 and HE, RTII are undefined.
    assert (later["members"], later["f_ii"], later["f_io"], later["f_oi"]) == (3, 45, 25, 30)
    assert later["f_oo"] == 0
    assert later["share"] == pytest.approx(9 / 14)
    assert later["intensity"] == pytest.approx((9 / 14) / 0.75)
    assert later["hi"] == pytest.approx(9 / 14)
    assert later["he"] is None
    assert later["rtii"] is None
    empty = row_of(result, bloc="EMPTY", year=2000)
    assert (empty["reporting"], empty["f_i"], empty["f_wi"]) == (0, 0, 0)
    assert all(empty[m] is None for m in ("share", "intensity", "hi", "he", "rtii"))


def test_bilateral_intensity_by_hand_with_a_zero_denominator() -> None:
    flows = pl.concat(
        [
            hand_flows(),
            pl.DataFrame(
                [{"reporter": "CHL", "partner": ARG, "year": 2000, "value": 0.0, "flow": "X"}]
            ),
        ]
    )
    expected = {
        "exports": {(ARG, BRA): 0.5 / 0.23, (USA, URY): (10 / 30) / 0.2},
        "imports": {(ARG, BRA): 0.4 / (28 / 80), (USA, URY): 0.0},
        "total": {(ARG, BRA): 0.45 / (51 / 180), (USA, URY): (10 / 50) / (25 / 180)},
    }
    for flow, pairs in expected.items():
        result = bilateral_intensity(flows, flow=flow).filter(pl.col("year") == 2000)  # type: ignore[arg-type]
        assert result.filter(pl.col("reporter") == pl.col("partner")).height == 0
        for (a, b), value in pairs.items():
            assert row_of(result, reporter=a, partner=b)["intensity"] == pytest.approx(value)
    chile = row_of(bilateral_intensity(flows), reporter="CHL", partner=ARG, year=2000)
    assert chile["f_a"] == 0
    assert chile["intensity"] is None


def random_flows(seed: int, countries: list[str], years: list[int]) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for year in years:
        for flow in ("X", "M"):
            values = rng.lognormal(2.0, 1.5, size=(len(countries), len(countries)))
            values[rng.random(values.shape) < 0.1] = 0.0
            for i, a in enumerate(countries):
                for j, b in enumerate(countries):
                    rows.append(
                        {"reporter": a, "partner": b, "year": year, "value": values[i, j]}
                        | {"flow": flow}
                    )
    return pl.DataFrame(rows)


COUNTRIES = ["ARG", "BRA", "CHL", "COL", "MEX", "PER", "URY", "USA"]


def dense(
    frame: pl.DataFrame, codes: tuple[str, ...], year: int
) -> np.ndarray[Any, np.dtype[np.float64]]:
    matrix = np.zeros((len(COUNTRIES), len(COUNTRIES)))
    index = {c: k for k, c in enumerate(COUNTRIES)}
    for row in frame.filter(pl.col("year") == year, pl.col("flow").is_in(codes)).iter_rows(
        named=True
    ):
        if row["reporter"] != row["partner"]:
            matrix[index[row["reporter"]], index[row["partner"]]] += row["value"]
    return matrix


def test_against_an_independent_dense_matrix_computation() -> None:
    flows = random_flows(7, COUNTRIES, [2010, 2011])
    blocs = pl.DataFrame(
        {
            "bloc": ["P"] * 4 + ["Q"] * 3 + ["Q"] * 2,
            "country": ["CHL", "COL", "MEX", "PER", "ARG", "BRA", "URY", "ARG", "BRA"],
            "year": [2010] * 4 + [2010] * 3 + [2011] * 2,
        }
    )
    for flow, codes in (("exports", ("X",)), ("imports", ("M",)), ("total", ("X", "M"))):
        result = introversion(flows, blocs, flow=flow)  # type: ignore[arg-type]
        for bloc, year, members in (
            ("P", 2010, ["CHL", "COL", "MEX", "PER"]),
            ("Q", 2010, ["ARG", "BRA", "URY"]),
            ("Q", 2011, ["ARG", "BRA"]),
        ):
            f = dense(flows, codes, year)
            inside = np.array([c in members for c in COUNTRIES])
            f_ii = f[np.ix_(inside, inside)].sum()
            f_io = f[np.ix_(inside, ~inside)].sum()
            f_oi = f[np.ix_(~inside, inside)].sum()
            f_oo = f[np.ix_(~inside, ~inside)].sum()
            share = f_ii / (f_ii + f_io)
            hi = share / (f_oi / (f_oi + f_oo))
            he = (f_io / (f_ii + f_io)) / (f_oo / (f_oi + f_oo))
            got = row_of(result, bloc=bloc, year=year)
            assert got["f_w"] == pytest.approx(f.sum(), rel=1e-12)
            assert got["intensity"] == pytest.approx(share / ((f_ii + f_oi) / f.sum()), rel=1e-12)
            assert got["hi"] == pytest.approx(hi, rel=1e-12)
            assert got["he"] == pytest.approx(he, rel=1e-12)
            assert got["rtii"] == pytest.approx((hi - he) / (hi + he), rel=1e-12)
            # RTII depends only on the odds ratio F_ii F_oo / (F_io F_oi).
            odds = f_ii * f_oo / (f_io * f_oi)
            assert got["rtii"] == pytest.approx((odds - 1) / (odds + 1), rel=1e-12)
            assert -1 <= got["rtii"] <= 1


def scaled(flows: pl.DataFrame, members: list[str], inside: float, outside: float) -> pl.DataFrame:
    """Intra-bloc flows times ``inside``, flows from members to non-members times ``outside``."""
    a_in = pl.col("reporter").is_in(members)
    b_in = pl.col("partner").is_in(members)
    return flows.with_columns(
        pl.when(a_in & b_in)
        .then(pl.col("value") * inside)
        .when(a_in & ~b_in)
        .then(pl.col("value") * outside)
        .otherwise(pl.col("value"))
        .alias("value")
    )


def test_identities_neutrality_full_and_no_introversion() -> None:
    members = ["ARG", "BRA", "URY"]
    flows = random_flows(11, COUNTRIES, [2015]).filter(pl.col("flow") == "X")
    blocs = pl.DataFrame({"bloc": "Q", "country": members, "year": 2015})
    before = row_of(introversion(flows, blocs), bloc="Q")
    # Scaling intra-bloc flows so that F_ii F_oo = F_io F_oi is geographic neutrality.
    factor = before["f_io"] * before["f_oi"] / (before["f_ii"] * before["f_oo"])
    neutral = row_of(introversion(scaled(flows, members, factor, 1.0), blocs), bloc="Q")
    assert neutral["rtii"] == pytest.approx(0.0, abs=1e-12)
    assert neutral["hi"] == pytest.approx(neutral["he"], rel=1e-12)
    assert neutral["share"] == pytest.approx(neutral["f_oi"] / neutral["f_o"], rel=1e-12)
    closed = row_of(introversion(scaled(flows, members, 1.0, 0.0), blocs), bloc="Q")
    assert (closed["share"], closed["he"], closed["rtii"]) == (1.0, 0.0, 1.0)
    open_ = row_of(introversion(scaled(flows, members, 0.0, 1.0), blocs), bloc="Q")
    assert (open_["share"], open_["hi"], open_["rtii"]) == (0.0, 0.0, -1.0)


def test_mirrored_imports_keep_intensity_and_rtii() -> None:
    """With m_ba = x_ab the import matrix is the transpose: intensity and the odds ratio, so
    RTII, are the same; the share is not."""
    exports = hand_flows().filter(pl.col("flow") == "X")
    mirrored = mirror_flows(exports).collect()
    assert mirrored.filter(pl.col("flow") == "M").height == exports.height
    assert row_of(mirrored, reporter=BRA, partner=ARG, year=2000, flow="M")["value"] == 10
    x = row_of(introversion(mirrored, BLOCS, "exports"), bloc="B", year=2000)
    m = row_of(introversion(mirrored, BLOCS, "imports"), bloc="B", year=2000)
    t = row_of(introversion(mirrored, BLOCS, "total"), bloc="B", year=2000)
    assert m["intensity"] == pytest.approx(x["intensity"])
    assert m["rtii"] == pytest.approx(x["rtii"])
    assert m["share"] == pytest.approx(x["f_ii"] / x["f_wi"])
    assert t["f_wi"] == pytest.approx(t["f_i"])  # total trade is symmetric
    with pytest.raises(IntroversionError, match="mirror_flows"):
        introversion(exports, BLOCS, "imports")


def product_flows() -> pl.DataFrame:
    base = hand_flows().filter(pl.col("year") == 2000, pl.col("flow") == "X")
    return pl.concat(
        [
            base.with_columns(
                pl.lit("HS").alias("classification"),
                pl.lit(code).alias("product"),
                pl.col("value") * weight,
            )
            for code, weight in (("010121", 0.25), ("020110", 0.75), ("847130", 1.0))
        ]
    )


def test_products_by_level_sum_to_the_totals() -> None:
    flows = product_flows()
    total = row_of(introversion(flows, BLOCS), bloc="B", year=2000)
    assert total["f_ii"] == pytest.approx(2 * 30)
    chapters = introversion(flows, BLOCS, by="chapter").filter(pl.col("bloc") == "B")
    assert chapters["chapter"].to_list() == ["01", "02", "84"]
    assert chapters["f_ii"].sum() == pytest.approx(total["f_ii"])
    # Each product is the hand example scaled: scale-free measures are unchanged.
    assert chapters["rtii"].to_list() == pytest.approx([-0.25] * 3)
    sections = introversion(flows, BLOCS, by="section").filter(pl.col("bloc") == "B")
    assert sections["section"].to_list() == ["I", "XVI"]
    assert row_of(sections, section="I")["f_ii"] == pytest.approx(30)
    assert sections["classification"].to_list() == ["HS", "HS"]
    products = introversion(flows, BLOCS, by="product").filter(pl.col("bloc") == "B")
    assert products["product"].to_list() == ["010121", "020110", "847130"]
    sitc = flows.with_columns(pl.lit("S3").alias("classification"))
    assert introversion(sitc, BLOCS, by="section")["section"].unique().sort().to_list() == [
        "0",
        "8",
    ]
    # Enum products take the single-integer-key path; without a classification, HS.
    coded = flows.drop("classification").with_columns(
        pl.col("product").cast(pl.Enum(["010121", "020110", "847130"]))
    )
    assert_frame_equal(
        introversion(coded, BLOCS, by="product"),
        introversion(flows.drop("classification"), BLOCS, by="product"),
        rel_tol=1e-12,
    )
    sections = introversion(coded, BLOCS, by="section").filter(pl.col("bloc") == "B")
    assert sections.select("section", "f_ii").rows() == [("I", 30.0), ("XVI", 30.0)]
    tis = bilateral_intensity(flows, by="heading")
    assert set(tis["heading"]) == {"0101", "0201", "8471"}


def test_bad_arguments_raise_typed_errors() -> None:
    flows = hand_flows()
    with pytest.raises(IntroversionError, match="flow 'services'"):
        introversion(flows, BLOCS, flow="services")  # type: ignore[arg-type]
    with pytest.raises(IntroversionError, match="product"):
        introversion(flows, BLOCS, by="chapter")
    with pytest.raises(IntroversionError, match="blocs lack"):
        introversion(flows, BLOCS.drop("year"))
    with pytest.raises(IntroversionError, match="by 'hs9'"):
        bilateral_intensity(flows, by="hs9")  # type: ignore[arg-type]


def test_lazy_input_gives_the_same_result() -> None:
    eager = introversion(hand_flows(), BLOCS, "total")
    assert introversion(hand_flows().lazy(), BLOCS.lazy(), "total").equals(eager)


# ------------------------------------------------------------------------------ reading


def test_own_layout_csv_and_xlsx_with_products() -> None:
    rows = [
        {"reporter": "arg", "partner": "BRA", "year": 2019, "classification": "HS",
         "product": "10121", "value": "12.5", "flow": "X"},
        {"reporter": "BRA", "partner": "ARG", "year": 2019, "classification": "HS",
         "product": "010121", "value": "3", "flow": "imports"},
        {"reporter": "BRA", "partner": "BRA", "year": 2019, "classification": "HS",
         "product": "010121", "value": "1", "flow": "X"},
    ]  # fmt: skip
    frames = []
    for content in (csv_bytes(rows), xlsx_bytes(rows)):
        read = read_flows(content)
        assert (read.layout, read.rows, read.domestic) == ("sela", 3, 1)
        frames.append(read.flows)
    assert frames[0].equals(frames[1])
    assert frames[0]["product"].to_list() == ["010121"] * 3
    assert frames[0]["flow"].to_list() == ["X", "M", "X"]
    assert frames[0]["reporter"].to_list() == ["ARG", "BRA", "BRA"]


def test_agtpa_and_gravity_layouts() -> None:
    agtpa = csv_bytes(
        [
            {"exporter": "ARG", "importer": "ARG", "pair_id": 1, "year": 1990, "trade": 5.0},
            {"exporter": "ROM", "importer": "ARG", "pair_id": 2, "year": 1990, "trade": 1.5},
        ]
    )
    read = read_flows(agtpa)
    assert (read.layout, read.domestic) == ("agtpa", 1)
    assert read.flows["reporter"].to_list() == ["ARG", "ROU"]
    gravity = csv_bytes(
        [{"iso_o": "ZAR", "iso_d": "YUG", "distw": 1.0, "flow": 0.25, "gdp_o": 1.0}]
    )
    read = read_flows(gravity)
    assert read.layout == "hmr"
    assert read.flows.row(0, named=True) == {
        "reporter": "COD", "partner": "YUG", "year": 2006, "classification": None,
        "product": None, "value": 0.25, "flow": "X",
    }  # fmt: skip
    assert read_flows(gravity, year=2005).flows["year"].to_list() == [2005]


def test_baci_numeric_codes() -> None:
    content = b"t,i,j,k,v,q\n2019,32,76,10121,1.5,2\n2019,251,842,847130,2.0,NA\n"
    read = read_flows(content, classification="HS17")
    assert read.layout == "baci"
    assert read.flows.select("reporter", "partner", "product", "classification").rows() == [
        ("ARG", "BRA", "010121", "HS17"),
        ("FRA", "USA", "847130", "HS17"),
    ]
    with pytest.raises(TradeDataError) as caught:
        read_flows(content + b"2019,32,999,10121,1,1\n")
    assert caught.value.rejected.rows() == [
        (
            4,
            "partner",
            "999",
            "unknown partner code 999: use an ISO 3166 alpha-3 code (numeric M49 in "
            "BACI/Comtrade files)",
        )
    ]


def test_comtrade_plus_and_legacy_layouts_skip_totals_and_breakdowns() -> None:
    header = "refYear,reporterCode,partnerCode,partner2Code,motCode,flowCode,classificationCode,"
    header += "cmdCode,primaryValue\n"
    lines = [
        "2021,32,76,0,0,X,H6,TOTAL,100",
        "2021,32,0,0,0,X,H6,TOTAL,500",  # World
        "2021,32,76,0,0,RX,H6,TOTAL,7",  # re-export
        "2021,32,76,0,2100,X,H6,TOTAL,40",  # by transport mode
        "2021,76,32,0,0,M,H6,TOTAL,90",
        "2021,76,899,0,0,M,H6,TOTAL,3",  # areas n.e.s.
    ]
    read = read_flows((header + "\n".join(lines) + "\n").encode())
    assert read.layout == "comtrade"
    assert read.flows.select("reporter", "partner", "flow", "product", "value").rows() == [
        ("ARG", "BRA", "X", None, 100.0),
        ("BRA", "ARG", "M", None, 90.0),
        ("BRA", "ZZZ", "M", None, 3.0),
    ]
    assert read.skipped == {
        "partner or reporter is World (a total of the other rows)": 1,
        "re-export, re-import or other flow type": 1,
        "breakdown by second partner, transport mode or customs procedure": 1,
    }
    legacy = (
        b"Classification,Year,Trade Flow Code,Reporter Code,Partner Code,Commodity Code,"
        b"Trade Value (US$)\nHS,2010,2,484,840,1,10\nHS,2010,1,484,840,1,20\n"
        b"HS,2010,3,484,840,1,5\n"
    )
    read = read_flows(legacy)
    assert read.flows.select("reporter", "partner", "flow", "product").rows() == [
        ("MEX", "USA", "X", "01"),
        ("MEX", "USA", "M", "01"),
    ]
    assert read.skipped == {"re-export, re-import or other flow type": 1}


def test_every_bad_row_is_reported() -> None:
    content = (
        b"reporter,partner,year,value,flow\n"
        b"ARG,BRA,2019,1,X\n"  # row 2: fine
        b"XXX,BRA,2019,1,X\n"
        b"ARG,,2019,1,X\n"
        b"ARG,BRA,20x9,1,X\n"
        b"ARG,BRA,1850,1,X\n"
        b"ARG,BRA,2019,abc,M\n"
        b"ARG,URY,2019,-4,M\n"
        b"ARG,URY,2019,4,Q\n"
        b"ARG,BRA,2019,2,X\n"
    )
    with pytest.raises(TradeDataError, match=r"8 rows rejected in the sela file: row 3 ") as e:
        read_flows(content)
    rejected = e.value.rejected
    assert rejected.select("row", "column", "value").rows() == [
        (3, "reporter", "XXX"),
        (4, "partner", None),
        (5, "year", "20x9"),
        (6, "year", "1850"),
        (7, "value", "abc"),
        (8, "value", "-4"),
        (9, "flow", "Q"),
        (10, "row", "2"),
    ]
    assert rejected["reason"][-1].startswith("duplicate of row 2")
    with pytest.raises(TradeLayoutError, match="unrecognised columns"):
        read_flows(b"a,b\n1,2\n")
    mixed = b"reporter,partner,year,value,flow,product\nARG,BRA,2019,1,X,\nARG,BRA,2019,1,X,01\n"
    with pytest.raises(TradeDataError, match="total row beside product rows"):
        read_flows(mixed)


# ------------------------------------------------------------------------------ real data


def memberships() -> MembershipTable:
    _, members = edition_rows(data_file("mechanisms.json"))
    return MembershipTable("bundled", tuple(Membership(**row) for row in members))


def test_mercosur_on_the_agtpa_panel() -> None:
    folder = shared_data("trade")
    if folder is None or not (folder / "agtpa_applications_1986_2006.csv.gz").exists():
        pytest.skip("../shared/data/trade/agtpa_applications_1986_2006.csv.gz is absent")
    read = read_flows(folder / "agtpa_applications_1986_2006.csv.gz")
    assert (read.rows, read.flows.height, read.domestic) == (99_981, 99_981, 69 * 21)
    blocs = bloc_frame(memberships().members_at, ["MERCOSUR"], range(1986, 2007))
    result = introversion(read.flows, blocs)
    # No members before the Treaty of Asuncion (March 1991); Paraguay is not in the panel.
    assert result["year"].to_list() == list(range(1991, 2007))
    assert set(result["members"]) == {4}
    assert set(result["reporting"]) == {3}
    flows = read.flows.filter(pl.col("year") == 2006, pl.col("reporter") != pl.col("partner"))
    members = ["ARG", "BRA", "URY"]
    inside = flows.filter(pl.col("reporter").is_in(members))
    f_ii = float(inside.filter(pl.col("partner").is_in(members))["value"].sum())
    f_i = float(inside["value"].sum())
    f_w = float(flows["value"].sum())
    latest = row_of(result, year=2006)
    assert latest["share"] == pytest.approx(f_ii / f_i, rel=1e-12)
    assert latest["f_w"] == pytest.approx(f_w, rel=1e-12)
    # MERCOSUR trades with itself far more than geography-neutral partners would.
    assert result["rtii"].is_between(0.5, 1, closed="none").all()
    assert all(math.isfinite(v) for v in result["intensity"])
    as_text = read.flows.with_columns(pl.col("reporter", "partner").cast(pl.String))
    assert_frame_equal(introversion(as_text, blocs), result, rel_tol=1e-12)
    total = introversion(mirror_flows(read.flows), blocs, "total")
    assert total.height == result.height
    assert total["rtii"].is_between(-1, 1).all()
