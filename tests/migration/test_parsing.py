"""Reading the UN DESA layouts: real files when the shared data is there, made-up ones always."""

from __future__ import annotations

import csv
import gzip
import io

import polars as pl
import pytest

from sela_migration.stocks.parsing import StockFileError, parse
from tests.migration.support import LONG_2020, WIDE_2019, shared_file, xlsx

OFFICIAL_WIDE = "\n".join(
    [
        "International migrant stock at mid-year by sex, destination and origin, 1990-2019",
        "Table 1,,,,,,,,,,",
        ",,,,,,,,,,",
        'Year,Sort order,"Major area, region, country or area of destination",Notes,'
        "Code,Type of data (a),Total,Other North,Other South,Mexico,Guatemala,Chile",
        '2019,1,WORLD,,900,,"271,642,105","1,000",..,"11,796,178","1,368,431","650,151"',
        '2019,2,Latin America and the Caribbean,,1830,,"11,673,288",..,..,'
        '"100,000","200,000","300,000"',
        '2019,3,United States of America,,840,B R,"50,661,149",..,..,'
        '"11,489,684","1,070,743","103,160"',
        '2019,4,Mexico,,484,B R,"1,060,707",..,..,..,"54,508","7,155"',
        '2019,5,Chile,,152,B R,"939,992",..,..,"3,000",..,0',
        '2019,6,Belize,,84,B R,"60,000",..,..,"2,100","25,000",..',
        "",
    ]
)


def test_official_wide_layout() -> None:
    parsed = parse(OFFICIAL_WIDE.encode(), "wide")
    frame = parsed.frame
    assert set(frame["destination"].to_list()) == {"USA", "MEX", "CHL", "BLZ"}
    assert set(frame["origin"].to_list()) == {"MEX", "GTM", "CHL"}
    usa_mex = frame.filter((pl.col("origin") == "MEX") & (pl.col("destination") == "USA"))
    assert usa_mex["total"].to_list() == [11_489_684.0]
    # "..", zeros and a country's own row/column give no edge; aggregates are dropped.
    assert frame.filter(pl.col("origin") == pl.col("destination")).is_empty()
    assert frame.filter((pl.col("origin") == "CHL") & (pl.col("destination") == "CHL")).is_empty()
    assert frame.height == 3 + 2 + 1 + 2
    assert "WORLD" in parsed.dropped
    assert "Latin America and the Caribbean" in parsed.dropped
    assert "Other North" in parsed.dropped
    assert parsed.years == [2019]
    assert frame["female"].null_count() == frame.height


def test_wide_errors_name_row_and_column() -> None:
    bad = OFFICIAL_WIDE.replace('"54,508"', "lots")
    with pytest.raises(StockFileError) as info:
        parse(bad.encode(), "wide")
    assert info.value.row == 8
    assert info.value.column == "Guatemala"
    with pytest.raises(StockFileError) as info:
        parse(b"a,b\n1,2\n", "wide")
    assert "header" in str(info.value)


def test_long_layout_with_m49_codes_and_sexes() -> None:
    text = (
        "Year,Location code of origin,Location code of destination,Total,Female,Male\n"
        "2024,484,840,100,60,40\n"
        "2024,900,840,500,250,250\n"
        "2024,152,32,30,,\n"
        "2020,152,32,0,0,0\n"
    )
    parsed = parse(gzip.compress(text.encode()), "long")
    assert parsed.frame.to_dicts() == [
        {
            "year": 2024,
            "origin": "CHL",
            "destination": "ARG",
            "total": 30.0,
            "female": None,
            "male": None,
        },
        {
            "year": 2024,
            "origin": "MEX",
            "destination": "USA",
            "total": 100.0,
            "female": 60.0,
            "male": 40.0,
        },
    ]


def test_long_errors() -> None:
    with pytest.raises(StockFileError) as info:
        parse(b"year,origin_iso3,dest_iso3,stock_total\n2020,MEX,USA,-5\n", "long")
    assert (info.value.row, info.value.column) == (2, "stock_total")
    with pytest.raises(StockFileError, match="No origin column"):
        parse(b"year,dest_iso3,stock_total\n2020,USA,5\n", "long")
    with pytest.raises(StockFileError, match="workbook"):
        parse(b"PK\x03\x04rest", "long")


def test_real_2020_long_file() -> None:
    parsed = parse(shared_file(LONG_2020).read_bytes(), "long")
    frame = parsed.frame
    assert frame.height == 75_600
    assert parsed.years == [1990, 1995, 2000, 2005, 2010, 2015, 2020]
    assert parsed.areas == 232
    assert parsed.dropped == []
    # The file writes Chile as CHI and Sudan as SUD; they come out as ISO 3166 codes.
    assert frame.filter(pl.col("origin") == "CHL").height > 0
    assert frame.filter(pl.col("origin") == "SDN").height > 0
    mex_usa = frame.filter(
        (pl.col("year") == 2020) & (pl.col("origin") == "MEX") & (pl.col("destination") == "USA")
    ).row(0, named=True)
    assert mex_usa["total"] == mex_usa["female"] + mex_usa["male"]


def test_real_2019_wide_file() -> None:
    parsed = parse(shared_file(WIDE_2019).read_bytes(), "wide")
    assert parsed.years == [1990, 1995, 2000, 2005, 2010, 2015, 2019]
    assert parsed.areas == 232
    assert set(parsed.dropped) == {
        "Caribbean",
        "Melanesia",
        "Micronesia",
        "Polynesia",
        "South America",
    }
    assert parsed.frame.filter(pl.col("destination") == "FSM").height > 0


def test_official_wide_workbook() -> None:
    """The same table as an xlsx workbook with a sheet "Table 1", numbers as numbers."""
    rows = list(csv.reader(io.StringIO(OFFICIAL_WIDE)))
    cells: list[list[str | float | None]] = []
    for row in rows:
        out: list[str | float | None] = []
        for cell in row:
            plain = cell.replace(",", "")
            out.append(float(plain) if plain.replace(".", "").isdigit() else (cell or None))
        cells.append(out)
    from_workbook = parse(xlsx(cells), "wide")
    from_csv = parse(OFFICIAL_WIDE.encode(), "wide")
    assert from_workbook.frame.equals(from_csv.frame)
    assert from_workbook.dropped == from_csv.dropped
