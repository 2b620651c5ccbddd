"""Trade introversion (activity I.1.8): bilateral flows in, regional indicators out. Pure.

Reading
-------
``read_flows(source, layout=None, ...) -> TradeFlows`` turns a file (bytes or a path; CSV,
gzip-compressed CSV or XLSX) into one long frame, :data:`FLOWS_SCHEMA`:

``reporter, partner`` (ISO 3166 alpha-3 as the Enum :data:`COUNTRY` of every current and
historic code pycountry knows, the project's extra areas and ``ZZZ``), ``year`` (Int32),
``classification``, ``product`` (String, null when the file has no products), ``value``
(Float64, in the file's unit),
``flow`` (``"X"`` exports of reporter to partner, ``"M"`` imports of reporter from partner).

Layouts (detected from the header when ``layout`` is None):

* ``sela``: columns ``reporter, partner, year, value, flow`` and optional ``product``,
  ``classification``; ISO alpha-3 codes; flow ``X``/``M`` (or ``export``/``import``).
* ``agtpa``: Yotov et al. (2016), *An Advanced Guide to Trade Policy Analysis*:
  ``exporter, importer, year, trade`` (manufacturing, US$ million, domestic flows included,
  ``ROM`` for Romania); every row is an export ``X`` of ``exporter``.
* ``hmr``: the Head-Mayer-Ries cross-section of the R package *gravity* (``gravity_zeros``):
  ``iso_o, iso_d, flow`` (US$ million). The file has no year column: the package builds it
  from ``col_regfile09`` with ``filter(year == 2006)`` (its vignette "Creating gravity
  datasets"), and its GDPs are the 2006 figures of that time (United States 13.20 trillion,
  China 2.67 trillion), so ``year`` defaults to 2006. Rows are exports ``X`` of ``iso_o``.
* ``baci``: CEPII BACI, ``t, i, j, k, v, q`` with numeric country codes (M49 / ISO 3166
  numeric and the Comtrade variants in :data:`NUMERIC_VARIANTS`), HS6 product ``k``
  (leading zero restored), value ``v`` in US$ thousand; exports ``X`` of ``i`` to ``j``;
  ``classification`` names the HS edition (default ``"HS"``).
* ``comtrade``: UN Comtrade CSV, either the Comtrade Plus layout (``refYear, reporterCode,
  partnerCode, flowCode, classificationCode, cmdCode, primaryValue``, optional
  ``partner2Code, motCode, customsCode``) or the legacy one (``Year, Reporter Code, Partner
  Code, Trade Flow Code, Classification, Commodity Code, Trade Value (US$)``). Kept: exports
  and imports; skipped and counted: partner World (a total of the other rows), re-exports and
  re-imports, breakdowns by second partner / transport mode / customs procedure; ``TOTAL``
  becomes a null product.

Numeric partner codes of unallocated areas (bunkers, free zones, special categories, areas
n.e.s.) become ``ZZZ``: they are part of a country's total flows but of no bloc. Retired
codes with a one-to-one successor are renamed (``ROM``→``ROU``, ``ZAR``→``COD``,
``TMP``→``TLS``); other historic codes that pycountry knows (``YUG``, ``SCG``, ``ANT``...)
are kept as they are.

Every row is checked (codes, year, value, flow, duplicates); a file with any bad row raises
:class:`TradeDataError`, whose ``rejected`` frame has ``row`` (the line of the file, header
= 1), ``column``, ``value`` and ``reason`` for every bad row. Domestic flows
(reporter = partner, e.g. AGTPA's internal trade) are kept in ``flows``, counted in
``TradeFlows.domestic``, and left out of every index below.

Indices, after Iapadre (2004) and Iapadre & Tironi (2009)
---------------------------------------------------------
Sources: L. Iapadre (2004), "Regional integration agreements and the geography of world
trade: statistical indicators and empirical evidence", in *Assessment and Measurement of
Regional Integration*, De Lombaerde (ed.), Routledge 2006; L. Iapadre and M. Tironi (2009),
"Measuring trade regionalisation: the case of Asia", UNU-CRIS Working Paper W-2009/9;
``../shared/design/indices.md``.

Let ``f_ab`` be the flow between countries ``a`` (the row) and ``b`` (the column) in a year,
domestic flows (``a = b``) excluded:

* ``flow="exports"``: ``f_ab = x_ab``, exports of ``a`` to ``b`` (rows ``X``);
* ``flow="imports"``: ``f_ab = m_ab``, imports of ``a`` from ``b`` (rows ``M``);
* ``flow="total"``: ``f_ab = t_ab = x_ab + m_ab``, total trade of ``a`` with ``b`` (rows ``X``
  and ``M``). With mirror-consistent data ``t_ab = t_ba``.

For bloc ``i`` (its members in that year) and ``o`` = the rest of the world (every country
not a member of ``i`` in that year, including unallocated partners ``ZZZ``):

* ``F_ii = Σ_{a∈i, b∈i} f_ab``: intra-bloc flows; ``F_io = Σ_{a∈i, b∉i} f_ab``;
* ``F_i = F_ii + F_io``: the bloc's flows with the world (total exports / imports / trade);
* ``F_oi = Σ_{a∉i, b∈i} f_ab``: the rest of the world's flows toward the bloc (its exports to
  ``i`` / imports from ``i`` / trade with ``i``); ``F_oo = Σ_{a∉i, b∉i} f_ab``;
* ``F_o = F_oi + F_oo``; ``F_.i = F_ii + F_oi`` (the world's flows toward the bloc);
  ``F_.. = F_i + F_o`` (world flows).

Measures (null, not an error, wherever a denominator is zero):

* intra-regional share ``S_i = F_ii / F_i``;
* intensity ``I_i = S_i / (F_.i / F_..)`` (grows as the bloc shrinks);
* homogeneous introversion ``HI_i = (F_ii / F_i) / (F_oi / F_o)``;
* homogeneous extraversion ``HE_i = (F_io / F_i) / (F_oo / F_o)``, which equals
  ``(1 − F_ii/F_i) / (1 − F_oi/F_o)``;
* regional trade introversion ``RTII_i = (HI_i − HE_i) / (HI_i + HE_i)`` in [−1, 1]: 0 under
  geographic neutrality (the bloc's partners chosen as the rest of the world chooses them),
  +1 with no extra-regional flows, −1 with no intra-regional flows.

Bilateral intensity (``bilateral_intensity``): ``TI_ab = (f_ab / F_a) / (F_.b / F_..)`` with
``F_a = Σ_b f_ab``, ``F_.b = Σ_a f_ab``, ``F_.. = Σ f``; for exports this is
``(x_ij / X_i) / (x_wj / X_w)``.

Interface
---------
* ``introversion(flows, blocs, flow="exports", by=None) -> pl.DataFrame``: ``flows`` as
  :data:`FLOWS_SCHEMA` (DataFrame or LazyFrame; ``classification``/``product`` only needed
  with ``by``); ``blocs``: ``bloc, country, year``, the members of each bloc in each year
  (:func:`bloc_frame` builds it from a ``members_at(mechanism, date)`` function). Returns
  one row per bloc, year (and ``classification`` and product group when ``by`` is given) for
  the years that have flows: ``bloc, year, [classification, <by>], flow, members,
  reporting, f_ii, f_io, f_i, f_oi, f_oo, f_o, f_wi (F_.i), f_w (F_..), share, intensity,
  hi, he, rtii``; ``members`` counts the bloc's members that year, ``reporting`` those with
  at least one row as reporter (AGTPA has no Paraguay: MERCOSUR 4 members, 3 reporting).
  Bloc-years without any flow of the type are left out; a year with flows but a bloc
  without any gives zeros and null measures.
* ``by``: ``"product"`` (codes as given), ``"heading"`` (first 4 digits), ``"chapter"``
  (first 2: HS chapter, SITC division) or ``"section"`` (HS section I–XXI from the chapter;
  SITC section = first digit).
* ``bilateral_intensity(flows, flow="exports", by=None) -> pl.DataFrame``: ``reporter,
  partner, year, [classification, <by>], flow, f_ab, f_a, f_wb, f_w, intensity`` for every
  pair with a row (reporter and partner keep the input's dtype).
* ``mirror_flows(flows, source="X") -> pl.LazyFrame``: adds the mirror of one flow type
  (``m_ba = x_ab``) so that imports and total trade can be measured on a single matrix
  (AGTPA, gravity, BACI).

Everything runs as one lazy polars plan per call (the small ``blocs`` frame is collected
first to number the member countries). Country columns may be String or Enum; with Enum
(as ``read_flows`` gives them) the flows are mapped to member numbers by position, which is
what makes a 10-million-row panel take about a second (``bench/introversion.py``).
"""

from __future__ import annotations

import gzip
import io
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from typing import Literal, cast

import polars as pl
import pycountry

from sela_indices.periods import parse_period
from sela_indices.reference.countries import countries, data_file

Layout = Literal["sela", "agtpa", "hmr", "baci", "comtrade"]
LAYOUTS: tuple[Layout, ...] = ("sela", "agtpa", "hmr", "baci", "comtrade")
Flow = Literal["exports", "imports", "total"]
FLOW_CODES: dict[str, tuple[str, ...]] = {
    "exports": ("X",),
    "imports": ("M",),
    "total": ("X", "M"),
}
Level = Literal["product", "heading", "chapter", "section"]
LEVELS: tuple[Level, ...] = ("product", "heading", "chapter", "section")


UNALLOCATED = "ZZZ"


def _known_codes() -> list[str]:
    current = {c.alpha_3 for c in pycountry.countries}
    historic = {c.alpha_3 for c in pycountry.historic_countries}
    extra = {c["code"] for c in data_file("areas.json")["extra_countries"]}
    return sorted(current | historic | extra | {UNALLOCATED})


# The codes are a closed set once checked, so flows carry them as an Enum: two bytes a cell,
# and the indices map them to bloc members by position instead of hashing strings.
COUNTRY = pl.Enum(_known_codes())
FLOWS_SCHEMA = pl.Schema(
    {
        "reporter": COUNTRY,
        "partner": COUNTRY,
        "year": pl.Int32(),
        "classification": pl.String(),
        "product": pl.String(),
        "value": pl.Float64(),
        "flow": pl.String(),
    }
)
REJECTED_SCHEMA = pl.Schema(
    {"row": pl.Int64, "column": pl.String, "value": pl.String, "reason": pl.String}
)
YEARS = (1900, 2100)
HMR_YEAR = 2006
RENAMED = {"ROM": "ROU", "ZAR": "COD", "TMP": "TLS"}
# UN Comtrade (and so BACI) publish some economies under codes that are not ISO 3166
# numeric: territories grouped with a country, and former customs unions.
NUMERIC_VARIANTS = {
    "58": "BEL",  # Belgium-Luxembourg (to 1998)
    "251": "FRA",  # France incl. Monaco
    "280": "DEU",  # Fed. Rep. of Germany (to 1990)
    "381": "ITA",  # Italy incl. San Marino (older Comtrade)
    "490": "TWN",  # "Other Asia, n.e.s.", Comtrade's name for Taipei
    "579": "NOR",  # Norway incl. Svalbard and Jan Mayen
    "699": "IND",  # India (Comtrade code)
    "711": "ZAF",  # Southern African Customs Union (to 1999)
    "736": "SDN",  # Sudan before 2011
    "757": "CHE",  # Switzerland incl. Liechtenstein
    "842": "USA",  # USA incl. Puerto Rico and Virgin Islands
    "891": "SCG",  # Serbia and Montenegro
    "837": UNALLOCATED,  # bunkers
    "838": UNALLOCATED,  # free zones
    "839": UNALLOCATED,  # special categories
    "899": UNALLOCATED,  # areas n.e.s.
}
WORLD_CODES = frozenset({"0", "W00", "WLD"})
# HS chapters of each section (World Customs Organization nomenclature).
HS_SECTIONS: tuple[tuple[str, int, int], ...] = (
    ("I", 1, 5),
    ("II", 6, 14),
    ("III", 15, 15),
    ("IV", 16, 24),
    ("V", 25, 27),
    ("VI", 28, 38),
    ("VII", 39, 40),
    ("VIII", 41, 43),
    ("IX", 44, 46),
    ("X", 47, 49),
    ("XI", 50, 63),
    ("XII", 64, 67),
    ("XIII", 68, 70),
    ("XIV", 71, 71),
    ("XV", 72, 83),
    ("XVI", 84, 85),
    ("XVII", 86, 89),
    ("XVIII", 90, 92),
    ("XIX", 93, 93),
    ("XX", 94, 96),
    ("XXI", 97, 97),
)

_GZIP_MAGIC = b"\x1f\x8b"
_XLSX_MAGIC = b"PK\x03\x04"
_ERRORS_LISTED = 20


class TradeDataError(ValueError):
    """Rows of a trade file that cannot be used; ``rejected`` lists every one of them."""

    def __init__(self, rejected: pl.DataFrame, layout: str) -> None:
        self.rejected = rejected
        self.layout = layout
        listed = "; ".join(
            f"row {r['row']} {r['column']} {r['value']!r}: {r['reason']}"
            for r in rejected.head(_ERRORS_LISTED).iter_rows(named=True)
        )
        more = rejected.height - _ERRORS_LISTED
        tail = f"; and {more} more" if more > 0 else ""
        super().__init__(f"{rejected.height} rows rejected in the {layout} file: {listed}{tail}")


class TradeLayoutError(ValueError):
    """The file cannot be read, or its columns match no known layout."""


class IntroversionError(ValueError):
    """Bad arguments to the index functions (flow type, level, missing columns or rows)."""


@dataclass(frozen=True)
class TradeFlows:
    """A validated file: the flows and what was left aside while reading it."""

    flows: pl.DataFrame
    layout: Layout
    rows: int
    domestic: int
    skipped: dict[str, int] = field(default_factory=dict)


# --------------------------------------------------------------------------- codes


@cache
def _alpha3_codes() -> frozenset[str]:
    return frozenset(COUNTRY.categories)


@cache
def _numeric_codes() -> dict[str, str]:
    table: dict[str, str] = {}
    for old in pycountry.historic_countries:
        numeric = getattr(old, "numeric", None)
        if numeric:
            table[str(int(numeric))] = RENAMED.get(old.alpha_3, old.alpha_3)
    for country in countries():
        if country.m49:
            table[str(int(country.m49))] = country.code
    table.update(NUMERIC_VARIANTS)
    return table


def _alpha_code(raw: pl.Expr, extra: Mapping[str, str]) -> pl.Expr:
    code = raw.str.strip_chars().str.to_uppercase()
    mapping = {**RENAMED, **{k.upper(): v.upper() for k, v in extra.items()}}
    code = code.replace(mapping)
    return pl.when(code.is_in(list(_alpha3_codes()))).then(code).otherwise(None)


def _numeric_code(raw: pl.Expr, extra: Mapping[str, str]) -> pl.Expr:
    text = raw.str.strip_chars()
    number = text.cast(pl.Int64, strict=False).cast(pl.String)
    mapping = {**_numeric_codes(), **{str(k): v.upper() for k, v in extra.items()}}
    return number.replace_strict(mapping, default=None, return_dtype=pl.String)


# --------------------------------------------------------------------------- reading


def _read_table(content: bytes) -> pl.DataFrame:
    if content.startswith(_GZIP_MAGIC):
        content = gzip.decompress(content)
    try:
        if content.startswith(_XLSX_MAGIC):
            return pl.read_excel(io.BytesIO(content), infer_schema_length=0)
        return pl.read_csv(content, infer_schema=False, truncate_ragged_lines=True)
    except Exception as exc:  # polars raises several unrelated types for unreadable input
        raise TradeLayoutError(f"the file is neither CSV nor XLSX: {exc}") from exc


def _detect(columns: Iterable[str]) -> Layout:
    names = {c.strip().lower() for c in columns}
    if {"exporter", "importer", "trade", "year"} <= names:
        return "agtpa"
    if {"iso_o", "iso_d", "flow"} <= names:
        return "hmr"
    if {"t", "i", "j", "k", "v"} <= names:
        return "baci"
    if ({"reportercode", "partnercode"} <= names) or ({"reporter code", "partner code"} <= names):
        return "comtrade"
    if {"reporter", "partner", "year", "value", "flow"} <= names:
        return "sela"
    raise TradeLayoutError(
        "unrecognised columns "
        f"{sorted(names)}: expected one of the layouts {', '.join(LAYOUTS)} "
        "(e.g. reporter, partner, year, value, flow)"
    )


def _column(frame: pl.DataFrame, *names: str) -> pl.Expr | None:
    lower = {c.strip().lower(): c for c in frame.columns}
    for name in names:
        if name in lower:
            return pl.col(lower[name])
    return None


def _need(frame: pl.DataFrame, layout: str, *names: str) -> pl.Expr:
    expr = _column(frame, *names)
    if expr is None:
        raise TradeLayoutError(f"the {layout} layout needs a column {names[0]!r}")
    return expr


_NULL = pl.lit(None, pl.String)


def _or(expr: pl.Expr | None, default: pl.Expr) -> pl.Expr:
    return default if expr is None else expr


def _hs_digits(product: pl.Expr, classification: pl.Expr) -> pl.Expr:
    """HS codes have 2, 4 or 6 digits: an odd length is a leading zero lost to a number."""
    hs = classification.is_null() | classification.str.to_uppercase().str.starts_with("H")
    odd = product.str.len_chars() % 2 == 1
    digits = product.str.contains(r"^\d+$")
    return pl.when(hs & odd & digits).then(pl.lit("0") + product).otherwise(product)


def _canonical(
    frame: pl.DataFrame,
    layout: Layout,
    *,
    year: int | None,
    classification: str | None,
    codes: Mapping[str, str],
) -> tuple[pl.DataFrame, dict[str, int]]:
    """Raw text columns per layout: reporter_raw, partner_raw, reporter, partner, year_raw,
    classification, product, value_raw, flow_raw; and the counts of rows skipped."""
    frame = frame.with_row_index("row", offset=2).with_columns(pl.col("row").cast(pl.Int64))
    skipped: dict[str, int] = {}
    numeric = False
    product: pl.Expr = _NULL
    classif: pl.Expr = _NULL
    if layout == "sela":
        reporter = _need(frame, layout, "reporter")
        partner = _need(frame, layout, "partner")
        year_raw = _need(frame, layout, "year")
        value = _need(frame, layout, "value")
        flow = _need(frame, layout, "flow").str.strip_chars().str.to_uppercase()
        flow = flow.replace(
            {"EXPORT": "X", "EXPORTS": "X", "IMPORT": "M", "IMPORTS": "M"},
        )
        product = _or(_column(frame, "product"), _NULL)
        classif = _or(_column(frame, "classification"), _NULL)
    elif layout == "agtpa":
        reporter = _need(frame, layout, "exporter")
        partner = _need(frame, layout, "importer")
        year_raw = _need(frame, layout, "year")
        value = _need(frame, layout, "trade")
        flow = pl.lit("X")
    elif layout == "hmr":
        reporter = _need(frame, layout, "iso_o")
        partner = _need(frame, layout, "iso_d")
        year_raw = _or(_column(frame, "year"), pl.lit(str(year or HMR_YEAR)))
        value = _need(frame, layout, "flow")
        flow = pl.lit("X")
    elif layout == "baci":
        numeric = True
        reporter = _need(frame, layout, "i")
        partner = _need(frame, layout, "j")
        year_raw = _need(frame, layout, "t")
        value = _need(frame, layout, "v")
        flow = pl.lit("X")
        product = _need(frame, layout, "k").str.strip_chars()
        classif = pl.lit(classification or "HS")
    else:
        numeric = True
        reporter = _need(frame, layout, "reportercode", "reporter code")
        partner = _need(frame, layout, "partnercode", "partner code")
        year_raw = _need(frame, layout, "refyear", "year", "period")
        value = _need(frame, layout, "primaryvalue", "trade value (us$)", "tradevalue")
        product = _or(_column(frame, "cmdcode", "commodity code"), _NULL)
        classif = _or(_column(frame, "classificationcode", "classification"), _NULL)
        raw_flow = _need(frame, layout, "flowcode", "trade flow code").str.strip_chars()
        flow = raw_flow.str.to_uppercase().replace({"1": "M", "2": "X"})
        rules: list[tuple[str, pl.Expr]] = [
            (
                "partner or reporter is World (a total of the other rows)",
                partner.str.strip_chars().is_in(list(WORLD_CODES))
                | reporter.str.strip_chars().is_in(list(WORLD_CODES)),
            ),
            (
                "re-export, re-import or other flow type",
                ~flow.is_in(["X", "M"]) & raw_flow.is_not_null(),
            ),
        ]
        for names, total in (
            (("partner2code", "2nd partner code"), "0"),
            (("motcode",), "0"),
            (("customscode",), "C00"),
        ):
            col = _column(frame, *names)
            if col is not None:
                rules.append(
                    (
                        "breakdown by second partner, transport mode or customs procedure",
                        col.is_not_null() & (col.str.strip_chars() != total),
                    )
                )
        drop = pl.lit(False)
        for reason, condition in rules:
            hit = condition & ~drop
            count = frame.select(hit.sum()).item()
            if count:
                skipped[reason] = skipped.get(reason, 0) + int(count)
            drop = drop | condition
        frame = frame.filter(~drop)
        product = product.str.strip_chars()
        product = pl.when(product.str.to_uppercase() == "TOTAL").then(None).otherwise(product)
    to_code = _numeric_code if numeric else _alpha_code
    product = _hs_digits(product.str.strip_chars(), classif)
    raw = frame.select(
        "row",
        reporter.str.strip_chars().alias("reporter_raw"),
        partner.str.strip_chars().alias("partner_raw"),
        to_code(reporter, codes).alias("reporter"),
        to_code(partner, codes).alias("partner"),
        year_raw.cast(pl.String).str.strip_chars().alias("year_raw"),
        classif.cast(pl.String).str.strip_chars().alias("classification"),
        product.cast(pl.String).alias("product"),
        value.str.strip_chars().alias("value_raw"),
        flow.cast(pl.String).alias("flow_raw"),
    )
    return raw, skipped


def _validate(raw: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    key = ["reporter", "partner", "year", "flow", "classification", "product"]
    year_int = pl.col("year_raw").str.replace(r"\.0+$", "").cast(pl.Int32, strict=False)
    frame = raw.lazy().with_columns(
        year_int.alias("year"),
        pl.col("value_raw").cast(pl.Float64, strict=False).alias("value"),
        pl.col("flow_raw").alias("flow"),
    )
    frame = frame.with_columns(
        pl.col("row").min().over(key).alias("first_row"),
    )
    # (condition, column named in the report, offending value, reason); first match wins.
    checks: list[tuple[pl.Expr, str, pl.Expr, pl.Expr]] = []
    for side in ("reporter", "partner"):
        raw_code = pl.col(f"{side}_raw")
        checks += [
            (raw_code.is_null() | (raw_code == ""), side, _NULL, pl.lit(f"{side} code missing")),
            (
                pl.col(side).is_null(),
                side,
                raw_code,
                pl.format(
                    "unknown {} code {}: use an ISO 3166 alpha-3 code (numeric M49 in "
                    "BACI/Comtrade files)",
                    pl.lit(side),
                    raw_code,
                ),
            ),
        ]
    year = pl.col("year")
    checks += [
        (
            pl.col("year_raw").is_null(),
            "year",
            _NULL,
            pl.lit("year missing"),
        ),
        (
            year.is_null(),
            "year",
            pl.col("year_raw"),
            pl.format("year {} is not a whole number", pl.col("year_raw")),
        ),
        (
            (year < YEARS[0]) | (year > YEARS[1]),
            "year",
            pl.col("year_raw"),
            pl.format("year {} is outside {}-{}", pl.col("year_raw"), *map(pl.lit, YEARS)),
        ),
        (
            pl.col("value_raw").is_null() | (pl.col("value_raw") == ""),
            "value",
            _NULL,
            pl.lit("value missing"),
        ),
        (
            pl.col("value").is_null(),
            "value",
            pl.col("value_raw"),
            pl.format("value {} is not a number", pl.col("value_raw")),
        ),
        (
            ~pl.col("value").is_finite(),
            "value",
            pl.col("value_raw"),
            pl.lit("value is not a finite number"),
        ),
        (
            pl.col("value") < 0,
            "value",
            pl.col("value_raw"),
            pl.format("value {} is negative", pl.col("value_raw")),
        ),
        (
            pl.col("flow").is_null() | ~pl.col("flow").is_in(["X", "M"]),
            "flow",
            pl.col("flow_raw"),
            pl.format("flow {} is not X (exports) or M (imports)", pl.col("flow_raw")),
        ),
        (
            pl.col("row") != pl.col("first_row"),
            "row",
            pl.col("first_row").cast(pl.String),
            pl.format(
                "duplicate of row {} (same reporter, partner, year, flow and product)",
                pl.col("first_row"),
            ),
        ),
    ]
    column: pl.Expr = _NULL
    value: pl.Expr = _NULL
    reason: pl.Expr = _NULL
    for condition, name, offending, why in reversed(checks):
        hit = condition.fill_null(False)
        column = pl.when(hit).then(pl.lit(name)).otherwise(column)
        value = pl.when(hit).then(offending.cast(pl.String)).otherwise(value)
        reason = pl.when(hit).then(why).otherwise(reason)
    checked = frame.with_columns(
        column.alias("bad_column"), value.alias("bad_value"), reason.alias("reason")
    ).collect()
    rejected = (
        checked.filter(pl.col("reason").is_not_null())
        .select(
            "row",
            pl.col("bad_column").alias("column"),
            pl.col("bad_value").alias("value"),
            "reason",
        )
        .sort("row")
    )
    flows = checked.filter(pl.col("reason").is_null()).select(
        [pl.col(name).cast(dtype) for name, dtype in FLOWS_SCHEMA.items()]
    )
    return flows, rejected


def read_flows(
    source: bytes | str | Path,
    layout: Layout | None = None,
    *,
    year: int | None = None,
    classification: str | None = None,
    codes: Mapping[str, str] | None = None,
) -> TradeFlows:
    """Read and check a file of bilateral flows (see the module docstring for layouts).

    ``year``: the year of a gravity cross-section without one (default 2006);
    ``classification``: the HS edition of a BACI file (default ``"HS"``); ``codes``: extra
    code → ISO3 mappings applied before the checks (numeric codes for BACI/Comtrade).
    Raises :class:`TradeLayoutError` (unreadable) or :class:`TradeDataError` (bad rows).
    """
    content = Path(source).read_bytes() if isinstance(source, (str, Path)) else source
    table = _read_table(content)
    chosen = layout or _detect(table.columns)
    if chosen not in LAYOUTS:
        raise TradeLayoutError(f"unknown layout {chosen!r}: use one of {', '.join(LAYOUTS)}")
    raw, skipped = _canonical(
        table, chosen, year=year, classification=classification, codes=codes or {}
    )
    flows, rejected = _validate(raw)
    if rejected.height:
        raise TradeDataError(rejected, chosen)
    products = flows.filter(pl.col("product").is_not_null()).height
    if 0 < products < flows.height:
        rows = raw.filter(pl.col("product").is_null())["row"]
        raise TradeDataError(
            pl.DataFrame(
                {
                    "row": rows,
                    "column": "product",
                    "value": None,
                    "reason": "a total row beside product rows would count the flow twice",
                },
                schema=REJECTED_SCHEMA,
            ),
            chosen,
        )
    domestic = flows.select((pl.col("reporter") == pl.col("partner")).sum()).item()
    return TradeFlows(flows, chosen, table.height, int(domestic), skipped)


# --------------------------------------------------------------------------- blocs


def bloc_frame(
    members_at: Callable[[str, date], Sequence[str]],
    blocs: Iterable[str],
    years: Iterable[int],
) -> pl.DataFrame:
    """``bloc, country, year``: the members of each bloc on the middle day of each year, the
    rule of the report aggregates (decision 0013), e.g. from ``MembershipTable.members_at``."""
    middles = {year: parse_period(str(year)).middle for year in years}
    rows = [
        (bloc, country, year)
        for bloc in blocs
        for year, middle in middles.items()
        for country in members_at(bloc, middle)
    ]
    return pl.DataFrame(
        rows, schema={"bloc": pl.String, "country": pl.String, "year": pl.Int32}, orient="row"
    )


# --------------------------------------------------------------------------- indices


def _lazy(frame: pl.LazyFrame | pl.DataFrame) -> pl.LazyFrame:
    return frame.lazy() if isinstance(frame, pl.DataFrame) else frame


def _residue(difference: pl.Expr, total: pl.Expr) -> pl.Expr:
    return pl.when(difference.abs() <= 1e-12 * total.abs()).then(0.0).otherwise(difference)


def _div(numerator: pl.Expr, denominator: pl.Expr) -> pl.Expr:
    return pl.when(denominator != 0).then(numerator / denominator).otherwise(None)


def _section(chapter: pl.Expr) -> pl.Expr:
    number = chapter.cast(pl.Int32, strict=False)
    expr: pl.Expr = _NULL
    for name, low, high in reversed(HS_SECTIONS):
        expr = pl.when(number.is_between(low, high)).then(pl.lit(name)).otherwise(expr)
    return expr


def _group(by: Level, schema: pl.Schema) -> pl.Expr:
    if by == "product":
        return pl.col("product").alias(by)
    product = pl.col("product").cast(pl.String)
    if by == "heading":
        return product.str.slice(0, 4).alias(by)
    if by == "chapter":
        return product.str.slice(0, 2).alias(by)
    if "classification" not in schema:
        return _section(product.str.slice(0, 2)).alias(by)
    classification = pl.col("classification").cast(pl.String).fill_null("HS")
    sitc = classification.str.to_uppercase().str.starts_with("S")
    return (
        pl.when(sitc)
        .then(product.str.slice(0, 1))
        .otherwise(_section(product.str.slice(0, 2)))
        .alias(by)
    )


def _prepared(
    flows: pl.LazyFrame | pl.DataFrame, flow: str, by: Level | None, *, what: str, pairs: bool
) -> tuple[pl.LazyFrame, list[str], tuple[str, ...]]:
    """``a, b, year, [classification, <by>], v``: the flows of the requested type, domestic
    ones excluded; with ``pairs``, summed per pair (so that total trade is x_ab + m_ab)."""
    if flow not in FLOW_CODES:
        raise IntroversionError(f"flow {flow!r} in {what}: use exports, imports or total")
    if by is not None and by not in LEVELS:
        raise IntroversionError(f"by {by!r} in {what}: use one of {', '.join(LEVELS)} or None")
    lazy = _lazy(flows)
    schema = lazy.collect_schema()
    needed = {"reporter", "partner", "year", "value", "flow"}
    if by is not None:
        needed.add("product")
    missing = sorted(needed - set(schema))
    if missing:
        raise IntroversionError(f"flows lack the columns {missing} needed by {what}")
    groups: list[str] = []
    extra: list[pl.Expr] = []
    if by is not None:
        if "classification" in schema:
            groups.append("classification")
            extra.append(pl.col("classification").cast(pl.String))
        groups.append(by)
        extra.append(_group(by, schema))
    codes = FLOW_CODES[flow]
    prepared = lazy.filter(
        pl.col("flow").is_in(codes) & (pl.col("reporter") != pl.col("partner"))
    ).select(
        pl.col("reporter").alias("a"),
        pl.col("partner").alias("b"),
        pl.col("year").cast(pl.Int32),
        *extra,
        pl.col("value").cast(pl.Float64).alias("v"),
    )
    if pairs:
        prepared = prepared.group_by("a", "b", "year", *groups).agg(pl.col("v").sum())
    return prepared, groups, codes


def _check_present(lazy: pl.LazyFrame | pl.DataFrame, codes: tuple[str, ...]) -> pl.LazyFrame:
    return _lazy(lazy).select(
        *[(pl.col("flow") == code).any().alias(code) for code in codes],
    )


def _raise_absent(check: pl.DataFrame, flow: str) -> None:
    absent = [code for code in check.columns if not check[code].item()]
    if absent:
        raise IntroversionError(
            f"{flow} needs flow rows {' and '.join(absent)}, which the data lacks; for a "
            "single matrix of bilateral flows (AGTPA, gravity, BACI) add the mirror flows "
            "with mirror_flows()"
        )


def _cells(
    prepared: pl.LazyFrame, groups: list[str], width: int
) -> tuple[pl.LazyFrame, dict[str, pl.Expr]]:
    """Sums per year, product group and (member or other) pair; ``a``, ``b`` are numbers.

    Also returns, per group column, the expression that turns it into text at the end: Enum
    groups stay category numbers through the joins and are named only in the small result.
    """
    schema = prepared.collect_schema()
    cell = pl.col("cell")
    if groups and not all(isinstance(schema[g], pl.Enum) for g in groups):
        summed = prepared.group_by("year", *groups, "cell").agg(pl.col("v").sum())
        names = {g: pl.col(g).cast(pl.String) for g in groups}
    else:
        # One integer key: polars groups a single UInt64 column about three times faster
        # than the row encoding of several columns, which dominates on a product panel.
        labels = [cast(pl.Enum, schema[g]).categories for g in groups]
        key = pl.col("year").cast(pl.UInt64)
        for name, label in zip(groups, labels, strict=True):
            key = key * len(label) + pl.col(name).to_physical().cast(pl.UInt64)
        key = key * (width * width) + cell.cast(pl.UInt64)
        rest = pl.col("key") // (width * width)
        decoded: list[pl.Expr] = []
        for name, label in reversed(list(zip(groups, labels, strict=True))):
            decoded.append((rest % len(label)).cast(pl.UInt32).alias(name))
            rest = rest // len(label)
        summed = (
            prepared.select(key.alias("key"), "v")
            .group_by("key")
            .agg(pl.col("v").sum())
            .select(
                rest.cast(pl.Int32).alias("year"),
                *decoded,
                (pl.col("key") % (width * width)).cast(pl.UInt32).alias("cell"),
                "v",
            )
        )
        names = {
            g: pl.lit(label.cast(pl.String)).gather(pl.col(g))
            for g, label in zip(groups, labels, strict=True)
        }
    cells = summed.select(
        "year", *groups, (cell // width).alias("a"), (cell % width).alias("b"), "v"
    )
    return cells, names


def introversion(
    flows: pl.LazyFrame | pl.DataFrame,
    blocs: pl.LazyFrame | pl.DataFrame,
    flow: Flow = "exports",
    by: Level | None = None,
) -> pl.DataFrame:
    """Share, intensity, HI, HE and RTII per bloc and year (and product group with ``by``).

    Definitions and sources in the module docstring. ``blocs``: ``bloc, country, year``.
    """
    prepared, groups, codes = _prepared(flows, flow, by, what="introversion", pairs=False)
    blocs_lazy = _lazy(blocs)
    missing = sorted({"bloc", "country", "year"} - set(blocs_lazy.collect_schema()))
    if missing:
        raise IntroversionError(f"blocs lack the columns {missing} (bloc, country, year)")
    members_text = (
        blocs_lazy.select(
            pl.col("bloc").cast(pl.String),
            pl.col("country").cast(pl.String),
            pl.col("year").cast(pl.Int32),
        )
        .unique()
        .collect()
    )
    # Countries outside every bloc play one role, "rest of the world", so each code maps to
    # its index among the bloc members or to one shared index; the flows then collapse onto
    # at most (members + 1)² integer cells per year before any join, instead of hashing
    # country strings row by row in every join.
    index = {code: k for k, code in enumerate(sorted(set(members_text["country"])))}
    other = len(index)
    width = other + 1
    bloc_names = pl.Series(sorted(set(members_text["bloc"])), dtype=pl.String)
    members = members_text.lazy().with_columns(
        pl.col("bloc").replace_strict(
            {name: k for k, name in enumerate(bloc_names)}, return_dtype=pl.UInt32
        ),
        pl.col("country").replace_strict(index, return_dtype=pl.UInt32),
    )

    schema = _lazy(flows).collect_schema()

    def code(column: str, source: str) -> pl.Expr:
        dtype = schema[source]
        if isinstance(dtype, pl.Enum):
            positions = [index.get(c, other) for c in dtype.categories]
            lookup = pl.Series(positions, dtype=pl.UInt32)
            return pl.lit(lookup).gather(pl.col(column).to_physical())
        return (
            pl.col(column)
            .cast(pl.String)
            .replace_strict(index, default=other, return_dtype=pl.UInt32)
        )

    prepared, names = _cells(
        prepared.select(
            "year",
            *groups,
            (code("a", "reporter") * width + code("b", "partner")).alias("cell"),
            "v",
        ),
        groups,
        width,
    )
    keys = ["bloc", "year", *groups]
    as_a = members.rename({"country": "a"})
    as_b = members.rename({"country": "b"})
    # Only the flows between two members need the pair join (F_ii); the bloc's exports
    # F_i = F_ii + F_io and its imports F_wi = F_ii + F_oi come from per-country sums, which
    # are small, so F_io and F_oi are differences and the cells are joined once, not twice.
    internal = (
        prepared.join(as_a, on=["year", "a"])
        .join(as_b, on=["bloc", "year", "b"])
        .group_by(keys)
        .agg(pl.col("v").sum().alias("f_ii"))
    )
    exports = (
        prepared.group_by("year", *groups, "a")
        .agg(pl.col("v").sum().alias("x"))
        .join(as_a, on=["year", "a"])
        .group_by(keys)
        .agg(pl.col("x").sum().alias("f_i"), pl.len().cast(pl.Int32).alias("reporting"))
    )
    imports = (
        prepared.group_by("year", *groups, "b")
        .agg(pl.col("v").sum().alias("m"))
        .join(as_b, on=["year", "b"])
        .group_by(keys)
        .agg(pl.col("m").sum().alias("f_wi"))
    )
    world = prepared.group_by("year", *groups).agg(pl.col("v").sum().alias("f_w"))
    sizes = members.group_by("bloc", "year").agg(pl.len().cast(pl.Int32).alias("members"))
    f_ii, f_io, f_oi, f_w = pl.col("f_ii"), pl.col("f_io"), pl.col("f_oi"), pl.col("f_w")
    f_i, f_wi = pl.col("f_i"), pl.col("f_wi")
    result = (
        sizes.join(world, on="year")
        .join(internal, on=keys, how="left")
        .join(exports, on=keys, how="left")
        .join(imports, on=keys, how="left")
        .with_columns(
            pl.col("reporting").fill_null(0).cast(pl.Int32),
            f_ii.fill_null(0.0),
            f_i.fill_null(0.0),
            f_wi.fill_null(0.0),
        )
        .with_columns(
            # Differences of sums: a rounding residue (|r| ≤ 1e-12 of the total) where the
            # members trade only among themselves is a zero.
            _residue(f_i - f_ii, f_i).alias("f_io"),
            _residue(f_wi - f_ii, f_wi).alias("f_oi"),
        )
        .with_columns(
            # Sums again from the parts, so that F_io = 0 gives a share of exactly 1.
            (f_ii + f_io).alias("f_i"),
            (f_ii + f_oi).alias("f_wi"),
            # Clipped: the subtraction can leave -1e-12 where the rest of the world trades
            # only with the bloc.
            (f_w - f_ii - f_io - f_oi).clip(lower_bound=0.0).alias("f_oo"),
        )
        .with_columns((f_oi + pl.col("f_oo")).alias("f_o"))
        .with_columns(
            _div(f_ii, pl.col("f_i")).alias("share"),
            _div(f_oi, pl.col("f_o")).alias("rest_share"),
            _div(f_io, pl.col("f_i")).alias("extra_share"),
            _div(pl.col("f_oo"), pl.col("f_o")).alias("rest_extra_share"),
            _div(pl.col("f_wi"), f_w).alias("bloc_weight"),
        )
        .with_columns(
            _div(pl.col("share"), pl.col("bloc_weight")).alias("intensity"),
            _div(pl.col("share"), pl.col("rest_share")).alias("hi"),
            _div(pl.col("extra_share"), pl.col("rest_extra_share")).alias("he"),
        )
        .with_columns(
            _div(pl.col("hi") - pl.col("he"), pl.col("hi") + pl.col("he")).alias("rtii"),
            pl.lit(flow).alias("flow"),
        )
        .select(
            pl.lit(bloc_names).gather(pl.col("bloc")).alias("bloc"),
            "year",
            *[names[g].alias(g) for g in groups],
            "flow",
            "members",
            "reporting",
            "f_ii",
            "f_io",
            "f_i",
            "f_oi",
            "f_oo",
            "f_o",
            "f_wi",
            "f_w",
            "share",
            "intensity",
            "hi",
            "he",
            "rtii",
        )
        .sort(keys, nulls_last=True)
    )
    frame, check = pl.collect_all([result, _check_present(flows, codes)])
    _raise_absent(check, flow)
    return frame


def bilateral_intensity(
    flows: pl.LazyFrame | pl.DataFrame,
    flow: Flow = "exports",
    by: Level | None = None,
) -> pl.DataFrame:
    """``TI_ab = (f_ab / F_a) / (F_.b / F_..)`` for every pair with a flow; for exports,
    ``(x_ij / X_i) / (x_wj / X_w)`` (Iapadre 2004; the WITS trade intensity index)."""
    prepared, groups, codes = _prepared(flows, flow, by, what="bilateral_intensity", pairs=True)
    cell = ["year", *groups]
    result = (
        prepared.with_columns(
            pl.col("v").sum().over("a", *cell).alias("f_a"),
            pl.col("v").sum().over("b", *cell).alias("f_wb"),
            pl.col("v").sum().over(cell).alias("f_w"),
        )
        .with_columns(
            _div(
                _div(pl.col("v"), pl.col("f_a")),
                _div(pl.col("f_wb"), pl.col("f_w")),
            ).alias("intensity"),
            pl.lit(flow).alias("flow"),
        )
        .select(
            pl.col("a").alias("reporter"),
            pl.col("b").alias("partner"),
            "year",
            *[pl.col(g).cast(pl.String) for g in groups],
            "flow",
            pl.col("v").alias("f_ab"),
            "f_a",
            "f_wb",
            "f_w",
            "intensity",
        )
        .sort("reporter", "partner", *cell, nulls_last=True)
    )
    frame, check = pl.collect_all([result, _check_present(flows, codes)])
    _raise_absent(check, flow)
    return frame


def mirror_flows(
    flows: pl.LazyFrame | pl.DataFrame, source: Literal["X", "M"] = "X"
) -> pl.LazyFrame:
    """The flows plus the mirror of every ``source`` row (imports of b from a = exports of
    a to b, and conversely) where the data has no row of the other type for that pair."""
    lazy = _lazy(flows)
    target = "M" if source == "X" else "X"
    schema = lazy.collect_schema()
    key = [c for c in ("reporter", "partner", "year", "classification", "product") if c in schema]
    mirrored = lazy.filter(pl.col("flow") == source).with_columns(
        pl.col("partner").alias("reporter"),
        pl.col("reporter").alias("partner"),
        pl.lit(target).alias("flow"),
    )
    existing = lazy.filter(pl.col("flow") == target).select(key)
    added = mirrored.join(existing, on=key, how="anti", nulls_equal=True)
    return pl.concat([lazy, added.select(schema.names())], how="vertical")
