"""Reading data files into one long table of raw cells. Pure: bytes in, polars out.

Every layout becomes the same long frame, one row per value cell, with the file position
of the cell (``row`` is the 1-based line or sheet row, ``column`` the header it sits under)
so that validation can name exactly where a problem is:

``row, column, indicator, area, period_raw, value_raw, status, unit, source``

Layouts:

* ``sela`` (the project's own): one observation per row with columns ``indicator``,
  ``area``, ``period``, ``value`` and optional ``status``, ``unit``, ``source``; as CSV,
  XLSX or JSON (a list of such objects, or ``{"observations": [...]}``).
* ``wdi``: the World Bank's download layout (optional metadata lines, then ``Country Name,
  Country Code, Indicator Name, Indicator Code, 1960, 1961, ...``).
* ``pwt``: the Penn World Table layout (``countrycode`` or ``isocode``, ``year`` and one
  column per variable); variable ``x`` becomes indicator ``PWT.x``.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from typing import Literal

import polars as pl

Layout = Literal["sela", "wdi", "pwt"]
LAYOUTS: tuple[Layout, ...] = ("sela", "wdi", "pwt")
Container = Literal["csv", "xlsx", "json"]

LONG_SCHEMA = pl.Schema(
    {
        "row": pl.Int64,
        "column": pl.String,
        "indicator": pl.String,
        "area": pl.String,
        "period_raw": pl.String,
        "value_raw": pl.String,
        "status": pl.String,
        "unit": pl.String,
        "source": pl.String,
    }
)

_SELA_ALIASES = {
    "indicator": ("indicator", "indicator_code", "series", "series_code"),
    "area": ("area", "country", "ref_area", "iso3", "country_code"),
    "period": ("period", "time_period", "year"),
    "value": ("value", "obs_value"),
    "status": ("status", "obs_status", "flag"),
    "unit": ("unit", "unit_measure"),
    "source": ("source",),
}
_PWT_ID_COLUMNS = {"country", "countrycode", "isocode", "year", "currency", "currency_unit"}
_XLSX_MAGIC = b"PK\x03\x04"


class FileFormatError(ValueError):
    """The file cannot be read at all (not CSV/XLSX/JSON, or no recognisable layout)."""


@dataclass
class ParsedFile:
    layout: Layout
    container: Container
    cells: pl.DataFrame
    ignored_columns: list[str] = field(default_factory=list)


def detect_container(content: bytes, filename: str | None = None) -> Container:
    if content.startswith(_XLSX_MAGIC):
        return "xlsx"
    head = content[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head[:1] in (b"[", b"{"):
        return "json"
    try:
        content[:65536].decode("utf-8")
    except UnicodeDecodeError:
        # A cut multi-byte character at the end of the sample is not a reason to refuse.
        try:
            content[:65533].decode("utf-8", errors="strict")
        except UnicodeDecodeError as exc:
            name = f" {filename!r}" if filename else ""
            raise FileFormatError(
                f"the file{name} is not UTF-8 CSV, XLSX or JSON (byte {exc.start} cannot be "
                "decoded); save it as CSV UTF-8 or XLSX"
            ) from exc
    if b"\x00" in head:
        raise FileFormatError("the file is binary but not XLSX; send CSV, XLSX or JSON")
    return "csv"


def _text(content: bytes) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FileFormatError(
            f"the file is not UTF-8 text (byte {exc.start}); save it as CSV UTF-8 or XLSX"
        ) from exc


def _header_index(rows: list[list[str]]) -> int:
    """The line holding the column names: the first one naming a known layout's key columns."""
    for i, row in enumerate(rows[:20]):
        names = {cell.strip().lower() for cell in row}
        if {"country code", "indicator code"} <= names:
            return i
        if "year" in names and names & {"countrycode", "isocode"}:
            return i
        if {"indicator", "period", "value"} <= names or (
            names & set(_SELA_ALIASES["indicator"])
            and names & set(_SELA_ALIASES["area"])
            and names & set(_SELA_ALIASES["value"])
        ):
            return i
    return 0


def _read_csv(content: bytes) -> tuple[pl.DataFrame, int]:
    text = _text(content)
    sample = text[:20000].splitlines()[:20]
    header = _header_index(list(csv.reader(sample)))
    body = "\n".join(text.splitlines()[header:]) if header else text
    try:
        frame = pl.read_csv(
            io.StringIO(body),
            infer_schema=False,
            truncate_ragged_lines=False,
        )
    except (pl.exceptions.ComputeError, pl.exceptions.NoDataError) as exc:
        raise FileFormatError(f"the CSV cannot be read: {str(exc).splitlines()[0]}") from exc
    # Line numbers of data rows: the header is line header+1 (1-based), data follow it.
    return frame, header + 2


def _read_xlsx(content: bytes) -> tuple[pl.DataFrame, int]:
    try:
        grid = pl.read_excel(
            io.BytesIO(content), engine="calamine", has_header=False, infer_schema_length=0
        )
    except Exception as exc:  # fastexcel raises its own error types for damaged files
        raise FileFormatError(f"the XLSX workbook cannot be read: {exc}") from exc
    grid = grid.with_columns(pl.all().cast(pl.String))
    rows = [[cell or "" for cell in row] for row in grid.head(20).iter_rows()]
    header = _header_index(rows)
    names = [
        str(cell).strip() if cell else f"column_{j + 1}" for j, cell in enumerate(rows[header])
    ]
    # Numbers arrive as floats from the sheet: 2017.0 for a year header.
    names = [re.sub(r"^(\d{4})\.0$", r"\1", name) for name in names]
    frame = grid.slice(header + 1).rename(dict(zip(grid.columns, names, strict=True)))
    return frame, header + 2


def _read_json(content: bytes) -> tuple[pl.DataFrame, int]:
    try:
        data = json.loads(_text(content))
    except json.JSONDecodeError as exc:
        raise FileFormatError(f"the JSON is malformed: {exc}") from exc
    if isinstance(data, dict):
        data = data.get("observations")
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        raise FileFormatError(
            'JSON files hold a list of observations, or {"observations": [...]}, each an object '
            "with indicator, area, period and value"
        )
    keys: list[str] = []
    for item in data:
        keys.extend(k for k in item if k not in keys)
    columns = {
        key: [None if item.get(key) is None else str(item.get(key)) for item in data]
        for key in keys
    }
    return pl.DataFrame(columns, schema=dict.fromkeys(keys, pl.String)), 1


def _layout_of(columns: list[str]) -> Layout:
    names = {c.strip().lower() for c in columns}
    if {"country code", "indicator code"} <= names:
        return "wdi"
    if "year" in names and names & {"countrycode", "isocode"}:
        return "pwt"
    return "sela"


def parse_file(
    content: bytes, *, filename: str | None = None, layout: Layout | None = None
) -> ParsedFile:
    """Read ``content`` (CSV, XLSX or JSON) in ``layout`` (detected when None)."""
    if not content.strip():
        raise FileFormatError("the file is empty")
    container = detect_container(content, filename)
    reader = {"csv": _read_csv, "xlsx": _read_xlsx, "json": _read_json}[container]
    frame, first_line = reader(content)
    found = _layout_of(frame.columns)
    layout = layout or found
    if layout != found and not (layout == "sela" and found == "sela"):
        raise FileFormatError(
            f"the file looks like the {found!r} layout, not {layout!r}; "
            "leave the layout out to detect it"
        )
    frame = frame.with_row_index("row", offset=first_line).with_columns(
        pl.col("row").cast(pl.Int64)
    )
    if layout == "wdi":
        cells, ignored = _wdi(frame)
    elif layout == "pwt":
        cells, ignored = _pwt(frame)
    else:
        cells, ignored = _sela(frame)
    return ParsedFile(layout, container, cells.select(list(LONG_SCHEMA)).cast(LONG_SCHEMA), ignored)


def _column(frame: pl.DataFrame, name: str) -> str:
    for col in frame.columns:
        if col.strip().lower() == name:
            return col
    raise FileFormatError(f"column {name!r} is missing")


def _wdi(frame: pl.DataFrame) -> tuple[pl.DataFrame, list[str]]:
    years = [c for c in frame.columns if re.fullmatch(r"\d{4}", c.strip())]
    if not years:
        raise FileFormatError("a WDI file needs year columns (1960, 1961, ...)")
    ignored = [
        c
        for c in frame.columns
        if c not in years
        and c != "row"
        and c.strip()
        and c.strip().lower()
        not in {"country name", "country code", "indicator name", "indicator code"}
    ]
    long = frame.select(
        "row",
        pl.col(_column(frame, "country code")).alias("area"),
        pl.col(_column(frame, "indicator code")).alias("indicator"),
        *years,
    ).unpivot(index=["row", "area", "indicator"], variable_name="column", value_name="value_raw")
    long = long.filter(
        pl.col("value_raw").is_not_null() & (pl.col("value_raw").str.strip_chars() != "")
    )
    return (
        long.with_columns(
            pl.col("column").str.strip_chars().alias("period_raw"),
            pl.lit(None, pl.String).alias("status"),
            pl.lit(None, pl.String).alias("unit"),
            pl.lit(None, pl.String).alias("source"),
        ),
        ignored,
    )


def _pwt(frame: pl.DataFrame) -> tuple[pl.DataFrame, list[str]]:
    lower = {c.strip().lower(): c for c in frame.columns}
    code = lower.get("countrycode") or lower["isocode"]
    variables = [
        c
        for c in frame.columns
        if c != "row" and c.strip().lower() not in _PWT_ID_COLUMNS and not c.startswith("i_")
    ]
    ignored = [c for c in frame.columns if c.startswith("i_")]
    long = frame.select(
        "row", pl.col(code).alias("area"), pl.col(lower["year"]).alias("period_raw"), *variables
    ).unpivot(index=["row", "area", "period_raw"], variable_name="column", value_name="value_raw")
    long = long.filter(
        pl.col("value_raw").is_not_null() & (pl.col("value_raw").str.strip_chars() != "")
    )
    return (
        long.with_columns(
            pl.format("PWT.{}", pl.col("column").str.strip_chars()).alias("indicator"),
            pl.lit(None, pl.String).alias("status"),
            pl.lit(None, pl.String).alias("unit"),
            pl.lit(None, pl.String).alias("source"),
        ),
        ignored,
    )


def _sela(frame: pl.DataFrame) -> tuple[pl.DataFrame, list[str]]:
    lower = {c.strip().lower(): c for c in frame.columns}
    found: dict[str, str] = {}
    for target, aliases in _SELA_ALIASES.items():
        for alias in aliases:
            if alias in lower:
                found[target] = lower[alias]
                break
    missing = [name for name in ("indicator", "area", "period", "value") if name not in found]
    if missing:
        raise FileFormatError(
            f"column{'s' if len(missing) > 1 else ''} {', '.join(map(repr, missing))} "
            f"missing; the file has {', '.join(map(repr, frame.columns[1:]))}. Expected the "
            "columns indicator, area, period, value (optional: status, unit, source), or the "
            "WDI or PWT layout"
        )
    used = set(found.values()) | {"row"}
    ignored = [c for c in frame.columns if c not in used]

    def col(name: str) -> pl.Expr:
        if name in found:
            return pl.col(found[name]).cast(pl.String).str.strip_chars()
        return pl.lit(None, pl.String)

    cells = frame.select(
        "row",
        pl.lit(found["value"]).alias("column"),
        col("indicator").alias("indicator"),
        col("area").str.to_uppercase().alias("area"),
        col("period").alias("period_raw"),
        col("value").alias("value_raw"),
        col("status").str.to_uppercase().alias("status"),
        col("unit").alias("unit"),
        col("source").alias("source"),
    )
    return cells, ignored
