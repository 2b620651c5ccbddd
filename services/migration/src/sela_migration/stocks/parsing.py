"""Reading UN DESA bilateral migrant stock files (pure: bytes in, a frame out).

Two layouts:

- **wide** (2013–2019 revisions, "Table 1"): one row per destination and year, one column per
  origin; missing values written ``..``; region and group rows carry M49 codes ≥ 900. The
  official sheet has title rows above the header, a ``Code`` column and aggregate columns
  (``Total``, ``Other North``, ``Other South``); the cleaned CSV has ``Year``, ``Dest`` and UN
  names only. Both are read: the header row is found, areas are resolved by M49 code when
  there is one and by UN name otherwise, and anything that is not a country or area is
  dropped (and reported).
- **long** (2020/2024): one row per year, origin and destination, with totals and stocks by
  sex. Areas are given by ISO3 code (plus name) or by M49 code.
"""

from __future__ import annotations

import csv
import gzip
import io
from dataclasses import dataclass, field
from typing import Literal

import polars as pl

from sela_migration.countries import AGGREGATE_M49_FROM, BY_M49, Area, by_name, resolve

Layout = Literal["long", "wide"]
STOCK_SCHEMA = {
    "year": pl.Int32,
    "origin": pl.String,
    "destination": pl.String,
    "total": pl.Float64,
    "female": pl.Float64,
    "male": pl.Float64,
}
MISSING = {"", "..", "-", "…"}


class StockFileError(ValueError):
    """The file does not have the layout it claims; names the row and column at fault."""

    def __init__(self, message: str, *, row: int | None = None, column: str | None = None):
        super().__init__(message)
        self.row = row
        self.column = column


@dataclass
class ParsedStocks:
    frame: pl.DataFrame
    dropped: list[str] = field(default_factory=list)

    @property
    def years(self) -> list[int]:
        return sorted(int(y) for y in self.frame["year"].unique().to_list())

    @property
    def areas(self) -> int:
        return len(set(self.frame["origin"].to_list()) | set(self.frame["destination"].to_list()))


def _excel_as_csv(data: bytes) -> str:
    """The sheet "Table 1" (else the first sheet) of an xlsx workbook, as CSV text."""
    import fastexcel

    try:
        reader = fastexcel.read_excel(data)
        names = reader.sheet_names
        sheet = reader.load_sheet(
            "Table 1" if "Table 1" in names else 0, header_row=None, dtypes="string"
        )
        frame = pl.DataFrame(sheet.to_polars())
    except fastexcel.FastExcelError as exc:
        raise StockFileError(f"The workbook cannot be read: {exc}") from exc
    out = io.StringIO()
    writer = csv.writer(out)
    for row in frame.iter_rows():
        writer.writerow(["" if cell is None else _excel_number(str(cell)) for cell in row])
    return out.getvalue()


def _excel_number(cell: str) -> str:
    # Whole numbers come out of the workbook as "2019.0"; codes and years want "2019".
    return cell[:-2] if cell.endswith(".0") and cell[:-2].lstrip("-").isdigit() else cell


def _text(data: bytes) -> str:
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    if data[:2] == b"PK":
        return _excel_as_csv(data)
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise StockFileError("The file is neither UTF-8 nor Windows-1252 text.")


def parse(data: bytes, layout: Layout) -> ParsedStocks:
    text = _text(data)
    return parse_long(text) if layout == "long" else parse_wide(text)


def _number(raw: str, *, row: int, column: str) -> float | None:
    value = raw.strip().replace(",", "").replace("\u00a0", "").replace(" ", "")
    if value in MISSING:
        return None
    try:
        number = float(value)
    except ValueError:
        raise StockFileError(f"{raw!r} is not a number", row=row, column=column) from None
    if number < 0:
        raise StockFileError(f"a stock cannot be negative ({raw})", row=row, column=column)
    return number


def _area_from_code(raw: str) -> tuple[Area | None, bool]:
    """The area of an M49 code and whether the code is an aggregate."""
    try:
        code = int(float(raw))
    except ValueError:
        return None, False
    return BY_M49.get(code), code >= AGGREGATE_M49_FROM


# ---------------------------------------------------------------------------------- wide


def _find_header(rows: list[list[str]]) -> tuple[int, int, int, int | None]:
    """Header row index, year column, destination column and M49 code column (if any)."""
    for i, row in enumerate(rows[:40]):
        lowered = [c.strip().lower() for c in row]
        year = next((j for j, c in enumerate(lowered) if c == "year"), None)
        dest = next(
            (
                j
                for j, c in enumerate(lowered)
                if c in ("dest", "destination")
                or c.startswith("major area, region, country")
                or c.startswith("region, development group, country or area of destination")
            ),
            None,
        )
        if year is not None and dest is not None:
            code = next((j for j, c in enumerate(lowered) if c in ("code", "location code")), None)
            return i, year, dest, code
    raise StockFileError(
        "No header row with a 'Year' column and a destination column ('Dest' or 'Major area, "
        "region, country or area of destination') in the first 40 rows.",
        row=1,
    )


_NON_ORIGIN = {"sort order", "notes", "code", "type of data", "type of data (a)", "total"}


def parse_wide(text: str) -> ParsedStocks:
    rows = list(csv.reader(io.StringIO(text)))
    header_at, year_col, dest_col, code_col = _find_header(rows)
    header = rows[header_at]
    dropped: set[str] = set()
    origins: list[tuple[int, Area]] = []
    for j, raw in enumerate(header):
        name = raw.strip()
        if j in (year_col, dest_col, code_col) or not name or name.lower() in _NON_ORIGIN:
            continue
        area, aggregate = _area_from_code(name)
        if area is None and not aggregate:
            area = by_name(name)
        if area is None:
            dropped.add(name)
        else:
            origins.append((j, area))
    if not origins:
        raise StockFileError("No origin column names a known country or area.", row=header_at + 1)

    years: list[int] = []
    out_origin: list[str] = []
    out_dest: list[str] = []
    totals: list[float] = []
    for i, row in enumerate(rows[header_at + 1 :], start=header_at + 2):
        if not any(c.strip() for c in row):
            continue
        if len(row) < len(header):
            raise StockFileError(
                f"the row has {len(row)} cells where the header has {len(header)}", row=i
            )
        dest_name = row[dest_col].strip()
        dest: Area | None = None
        if code_col is not None:
            dest, aggregate = _area_from_code(row[code_col])
            if aggregate:
                dropped.add(dest_name)
                continue
        dest = dest or by_name(dest_name)
        if dest is None:
            dropped.add(dest_name)
            continue
        try:
            year = int(float(row[year_col]))
        except ValueError:
            raise StockFileError(
                f"{row[year_col]!r} is not a year", row=i, column=header[year_col]
            ) from None
        for j, origin in origins:
            value = _number(row[j], row=i, column=header[j])
            if value is None or value == 0 or origin.iso3 == dest.iso3:
                continue
            years.append(year)
            out_origin.append(origin.iso3)
            out_dest.append(dest.iso3)
            totals.append(value)
    frame = pl.DataFrame(
        {
            "year": years,
            "origin": out_origin,
            "destination": out_dest,
            "total": totals,
            "female": [None] * len(years),
            "male": [None] * len(years),
        },
        schema=STOCK_SCHEMA,
    )
    return ParsedStocks(_deduplicate(frame), sorted(dropped))


# ---------------------------------------------------------------------------------- long

_LONG_COLUMNS: dict[str, tuple[str, ...]] = {
    "year": ("year", "time", "period"),
    "origin_iso3": ("origin_iso3", "origin_code_iso3", "iso3_origin"),
    "origin_name": ("origin_name", "origin", "country or area of origin"),
    "origin_m49": ("origin_m49", "origin_code", "location code of origin"),
    "dest_iso3": ("dest_iso3", "destination_iso3", "iso3_destination"),
    "dest_name": ("dest_name", "destination_name", "destination", "country or area of destination"),
    "dest_m49": ("dest_m49", "destination_code", "location code of destination"),
    "total": ("stock_total", "total", "both sexes", "migrant_stock"),
    "female": ("stock_female", "female", "females"),
    "male": ("stock_male", "male", "males"),
}


def parse_long(text: str) -> ParsedStocks:
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader)
    except StopIteration:
        raise StockFileError("The file is empty.", row=1) from None
    lowered = {c.strip().lower(): j for j, c in enumerate(header)}
    cols = {
        key: next((lowered[a] for a in aliases if a in lowered), None)
        for key, aliases in _LONG_COLUMNS.items()
    }
    for side in ("origin", "dest"):
        if all(cols[f"{side}_{k}"] is None for k in ("iso3", "name", "m49")):
            raise StockFileError(
                f"No {side} column: expected one of {', '.join(_LONG_COLUMNS[side + '_iso3'])},"
                f" {', '.join(_LONG_COLUMNS[side + '_m49'])} or a name column.",
                row=1,
            )
    if cols["year"] is None or cols["total"] is None:
        missing = "year" if cols["year"] is None else "stock_total"
        raise StockFileError(f"No {missing} column.", row=1, column=missing)

    cache: dict[tuple[str, str, str], tuple[Area | None, bool]] = {}

    def area_of(row: list[str], side: str) -> tuple[Area | None, bool, str]:
        values = tuple(
            row[cols[f"{side}_{k}"]].strip() if cols[f"{side}_{k}"] is not None else ""  # type: ignore[index]
            for k in ("iso3", "name", "m49")
        )
        key = (values[0], values[1], values[2])
        if key not in cache:
            area: Area | None = None
            aggregate = False
            if values[2]:
                area, aggregate = _area_from_code(values[2])
            if area is None and not aggregate:
                area = resolve(values[0] or None, values[1] or None)
            cache[key] = (area, aggregate)
        area, aggregate = cache[key]
        return area, aggregate, values[1] or values[0] or values[2]

    dropped: set[str] = set()
    data: dict[str, list[object]] = {k: [] for k in STOCK_SCHEMA}
    width = len(header)
    for i, row in enumerate(reader, start=2):
        if not any(c.strip() for c in row):
            continue
        if len(row) < width:
            raise StockFileError(f"the row has {len(row)} cells, the header {width}", row=i)
        origin, _, origin_label = area_of(row, "origin")
        dest, _, dest_label = area_of(row, "dest")
        if origin is None or dest is None:
            dropped.add(origin_label if origin is None else dest_label)
            continue
        year_raw = row[cols["year"]]
        try:
            year = int(float(year_raw))
        except ValueError:
            raise StockFileError(
                f"{year_raw!r} is not a year",
                row=i,
                column=header[cols["year"]],
            ) from None
        total = _number(row[cols["total"]], row=i, column=header[cols["total"]])
        if total is None or total == 0 or origin.iso3 == dest.iso3:
            continue
        data["year"].append(year)
        data["origin"].append(origin.iso3)
        data["destination"].append(dest.iso3)
        data["total"].append(total)
        for sex in ("female", "male"):
            j = cols[sex]
            data[sex].append(None if j is None else _number(row[j], row=i, column=header[j]))
    frame = pl.DataFrame(data, schema=STOCK_SCHEMA)
    return ParsedStocks(_deduplicate(frame), sorted(dropped))


def _deduplicate(frame: pl.DataFrame) -> pl.DataFrame:
    # Two source names can designate one area (a renamed country in one file); their stocks
    # add up rather than one silently replacing the other. A sex column stays null when no
    # row of the pair has it.
    def total_of(column: str) -> pl.Expr:
        values = pl.col(column)
        return (pl.when(values.null_count() == pl.len()).then(None).otherwise(values.sum())).alias(
            column
        )

    return (
        frame.group_by("year", "origin", "destination")
        .agg(pl.col("total").sum(), total_of("female"), total_of("male"))
        .sort("year", "origin", "destination")
    )
