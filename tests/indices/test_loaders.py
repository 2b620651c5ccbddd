"""Reading and checking data files, without a database."""

from __future__ import annotations

import gzip
import json

import polars as pl
import pytest

from sela_indices.loaders.parse import FileFormatError, parse_file
from sela_indices.loaders.validate import IndicatorRef, Reference, validate
from sela_indices.periods import PeriodError, parse_period, period_bound
from sela_indices.reference.countries import aggregate_codes, countries
from tests.indices.support import csv_bytes, macro_file, xlsx_bytes

REFERENCE = Reference(
    indicators={
        "SP.POP.TOTL": IndicatorRef(1, "persons", "A"),
        "FI.RES.TOTL.CD": IndicatorRef(2, "current US$", "A"),
        "Q.IND": IndicatorRef(3, "%", "Q"),
        "PWT.pop": IndicatorRef(4, "millions", "A"),
        "PWT.rgdpe": IndicatorRef(5, "mil. 2017 US$", "A"),
    },
    areas=frozenset(c.code for c in countries()) | {"MERCOSUR"},
    aggregates=aggregate_codes(),
)


def test_periods_parse_to_canonical_forms() -> None:
    assert parse_period("2017").freq == "A"
    assert parse_period("2017q3").code == "2017-Q3"
    assert parse_period("2018-S2").middle.isoformat() == "2018-09-30"
    assert parse_period("2017M03").code == "2017-03"
    assert period_bound("2017-S1", end=True).isoformat() == "2017-06-30"
    for bad in ("2017-S3", "2017-13", "17", "2017-Q5"):
        with pytest.raises(PeriodError):
            parse_period(bad)


def test_countries_have_names_in_four_languages_and_m49() -> None:
    by_code = {c.code: c for c in countries()}
    brazil = by_code["BRA"]
    assert brazil.m49 == "076"
    assert brazil.names == {"en": "Brazil", "es": "Brasil", "pt": "Brasil", "fr": "Brésil"}
    assert by_code["XKX"].names["en"] == "Kosovo"


def test_own_layout_in_csv_xlsx_and_json_gives_the_same_observations() -> None:
    rows = [
        {"indicator": "SP.POP.TOTL", "area": "arg", "period": "2017", "value": "44044811"},
        {"indicator": "SP.POP.TOTL", "area": "BRA", "period": "2017", "value": "207833831"},
        {"indicator": "Q.IND", "area": "CHL", "period": "2017Q2", "value": "1.5", "status": "P"},
    ]
    frames = []
    for content in (csv_bytes(rows), xlsx_bytes(rows), json.dumps(rows).encode()):
        parsed = parse_file(content)
        assert parsed.layout == "sela"
        result = validate(parsed, REFERENCE)
        assert result.rejected.height == 0, result.rejected
        frames.append(result.observations.sort("area"))
    assert frames[0].equals(frames[1])
    assert frames[0].equals(frames[2])
    first = frames[0]
    assert first["area"].to_list() == ["ARG", "BRA", "CHL"]
    assert first.filter(pl.col("area") == "CHL")["period"].item() == "2017-Q2"
    assert first.filter(pl.col("area") == "CHL")["status"].item() == "P"


def test_every_rejected_cell_is_named_by_row_column_and_reason() -> None:
    content = (
        b"indicator,area,period,value,unit\n"
        b"SP.POP.TOTL,ARG,2017,100,persons\n"  # 2: duplicate of 3
        b"SP.POP.TOTL,ARG,2017,101,\n"  # 3
        b"SP.POP.TOTL,XXX,2017,1,\n"  # 4: unknown area
        b"NOPE,ARG,2017,1,\n"  # 5: unknown indicator
        b"SP.POP.TOTL,BRA,20x7,1,\n"  # 6: malformed period
        b"SP.POP.TOTL,BRA,2017,abc,\n"  # 7: not a number
        b"SP.POP.TOTL,CHL,2017-Q1,1,\n"  # 8: wrong frequency
        b"SP.POP.TOTL,PER,2017,1,kg\n"  # 9: wrong unit
        b"SP.POP.TOTL,URY,2017,1,\n"  # 10: fine
    )
    result = validate(parse_file(content), REFERENCE)
    rejected = {r["row"]: r for r in result.rejected.to_dicts()}
    assert set(rejected) == {2, 3, 4, 5, 6, 7, 8, 9}
    assert rejected[4]["column"] == "area"
    assert rejected[4]["value"] == "XXX"
    assert rejected[5]["column"] == "indicator"
    assert "unknown indicator NOPE" in rejected[5]["reason"]
    assert rejected[6]["column"] == "period"
    assert rejected[6]["value"] == "20x7"
    assert rejected[7]["column"] == "value"
    assert "not a number" in rejected[7]["reason"]
    assert "frequency A" in rejected[8]["reason"]
    assert rejected[9]["column"] == "unit"
    assert rejected[9]["value"] == "kg"
    assert "first at row 2" in rejected[3]["reason"]
    assert result.observations["area"].to_list() == ["URY"]


def test_files_that_are_not_tables_are_refused() -> None:
    with pytest.raises(FileFormatError, match="not UTF-8"):
        parse_file(b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe" * 20)
    with pytest.raises(FileFormatError, match="empty"):
        parse_file(b"  \n")
    with pytest.raises(FileFormatError, match="missing"):
        parse_file(b"a,b,c\n1,2,3\n")
    with pytest.raises(FileFormatError, match="JSON"):
        parse_file(b'{"data": 1}')


def test_wdi_layout_skips_aggregates_and_empty_cells() -> None:
    content = (
        b'"Data Source","World Development Indicators",\n\n"Last Updated Date","2018-05-21",\n\n'
        b'"Country Name","Country Code","Indicator Name","Indicator Code","2016","2017",\n'
        b'"Argentina","ARG","Population, total","SP.POP.TOTL","43590368","44044811",\n'
        b'"World","WLD","Population, total","SP.POP.TOTL","7400000000","7500000000",\n'
        b'"Aruba","ABW","Population, total","SP.POP.TOTL","","105264",\n'
    )
    parsed = parse_file(content)
    assert parsed.layout == "wdi"
    result = validate(parsed, REFERENCE)
    assert result.rejected.height == 0
    assert result.observations.height == 3
    assert result.skipped_reasons == {"regional or income aggregate (not a country)": 2}
    assert parsed.cells.filter(pl.col("area") == "ARG")["row"].to_list() == [6, 6]


def test_real_wdi_and_pwt_files_validate_completely() -> None:
    wdi = validate(parse_file(macro_file("wdi2018_SP.POP.TOTL.csv").read_bytes()), REFERENCE)
    assert wdi.rejected.height == 0
    assert wdi.observations.filter((pl.col("area") == "ARG") & (pl.col("period") == "2016"))[
        "value"
    ].item() == pytest.approx(43847430)
    pwt = parse_file(gzip.decompress(macro_file("pwt10.01.csv.gz").read_bytes()))
    assert pwt.layout == "pwt"
    result = validate(pwt, REFERENCE)
    assert result.rejected.height == 0
    assert "i_cig" in result.ignored_columns
    assert "hc" in result.ignored_columns
    assert set(result.observations["indicator_id"].unique().to_list()) == {4, 5}
    brazil = result.observations.filter(
        (pl.col("area") == "BRA") & (pl.col("period") == "2019") & (pl.col("indicator_id") == 4)
    )
    assert brazil["value"].item() == pytest.approx(211.049527, rel=1e-6)
