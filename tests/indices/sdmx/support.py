"""A small catalogue and observation frames for the SDMX tests."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

import polars as pl

from sela_indices.sdmx.model import Catalogue, IndicatorCode, LocalisedCode


def names(es: str, en: str, pt: str | None = None, fr: str | None = None) -> dict[str, str]:
    result = {"es": es, "en": en}
    if pt:
        result["pt"] = pt
    if fr:
        result["fr"] = fr
    return result


COUNTRIES = [
    "ARG",
    "BHS",
    "BRB",
    "BLZ",
    "BOL",
    "BRA",
    "CHL",
    "COL",
    "CRI",
    "CUB",
    "DOM",
    "ECU",
    "SLV",
    "GTM",
    "GUY",
    "HTI",
    "HND",
    "JAM",
    "MEX",
    "NIC",
    "PAN",
    "PRY",
    "PER",
    "SUR",
    "TTO",
    "URY",
    "VEN",
    "ATG",
    "DMA",
    "GRD",
    "KNA",
    "LCA",
    "VCT",
]

CATALOGUE = Catalogue(
    indicators=(
        IndicatorCode(
            "GDP_GROWTH",
            names("Crecimiento del PIB", "GDP growth", "Crescimento do PIB", "Croissance du PIB"),
            descriptions=names("Variación anual del PIB real", "Annual change of real GDP"),
            unit="PCT",
            group="MACRO",
            frequency="A",
        ),
        IndicatorCode(
            "INFLATION",
            names("Inflación", "Inflation", "Inflação", "Inflation"),
            unit="PCT",
            group="MACRO",
            frequency="A",
        ),
        IndicatorCode(
            "EXPORTS",
            names("Exportaciones", "Exports", "Exportações", "Exportations"),
            unit="USD_M",
            group="EXTERNAL_SECTOR",
            frequency="Q",
        ),
    ),
    areas=(
        *(LocalisedCode(c, names(f"País {c}", f"Country {c}")) for c in COUNTRIES),
        LocalisedCode("MERCOSUR", names("Mercado Común del Sur", "Southern Common Market")),
    ),
    units=(
        LocalisedCode("PCT", names("Porcentaje", "Percent", "Porcentagem", "Pourcentage")),
        LocalisedCode("USD_M", names("Millones de dólares", "Millions of US dollars")),
    ),
    groups=(
        LocalisedCode("MACRO", names("Macroeconomía", "Macroeconomics", "Macroeconomia")),
        LocalisedCode(
            "EXTERNAL_SECTOR", names("Sector externo", "External sector", "Setor externo")
        ),
        LocalisedCode("EMPTY", names("Sin indicadores", "No indicators")),
    ),
    prepared=datetime(2026, 11, 28, 12, 0, tzinfo=UTC),
)

SCHEMA = {
    "FREQ": pl.String,
    "REF_AREA": pl.String,
    "INDICATOR": pl.String,
    "TIME_PERIOD": pl.String,
    "OBS_VALUE": pl.Float64,
    "OBS_STATUS": pl.String,
    "UNIT_MEASURE": pl.String,
}


def small_frame() -> pl.DataFrame:
    """Two annual indicators, a quarterly one; a null value, every status, odd numbers."""
    rows = [
        ("A", "ARG", "GDP_GROWTH", "2019", -2.0, "A", "PCT"),
        ("A", "ARG", "GDP_GROWTH", "2020", -9.9, "A", "PCT"),
        ("A", "ARG", "GDP_GROWTH", "2021", 10.4, "P", "PCT"),
        ("A", "ARG", "GDP_GROWTH", "2022", None, "M", "PCT"),
        ("A", "BRA", "GDP_GROWTH", "2020", -3.3, "E", "PCT"),
        ("A", "BRA", "GDP_GROWTH", "2021", 1e-05, "B", "PCT"),
        ("A", "BRA", "GDP_GROWTH", "2030", 2.123456789012345, "F", "PCT"),
        ("A", "MERCOSUR", "INFLATION", "2020", 123.456, "A", "PCT"),
        ("A", "BRA", "INFLATION", "2020", 4.5, "A", "PCT"),
    ]
    return pl.DataFrame(rows, schema=SCHEMA, orient="row")


def quarterly_frame() -> pl.DataFrame:
    rows = [
        ("Q", "CHL", "EXPORTS", "2020-Q1", 18000.5, "A", "USD_M"),
        ("Q", "CHL", "EXPORTS", "2020-Q2", 17000.0, "A", "USD_M"),
        ("Q", "MEX", "EXPORTS", "2020-Q1", 100000.25, "P", "USD_M"),
    ]
    return pl.DataFrame(rows, schema=SCHEMA, orient="row")


def big_frame(years: int = 60) -> pl.DataFrame:
    """One indicator for 33 countries over `years` years (the size the speed target names)."""
    rows = [
        ("A", country, "GDP_GROWTH", str(1965 + y), (i * 7 + y * 0.37) % 13 - 4.0, "A", "PCT")
        for i, country in enumerate(COUNTRIES)
        for y in range(years)
    ]
    return pl.DataFrame(rows, schema=SCHEMA, orient="row")


Row = tuple[str, str, str, str, float | None, str | None, str | None]


def frame_rows(frame: pl.DataFrame) -> list[Row]:
    """The frame as sorted tuples in FRAME_COLUMNS order (nulls as None)."""
    columns = list(SCHEMA)
    return sorted(frame.select(columns).iter_rows(), key=_sort_key)


def pandas_rows(data: Any) -> list[Row]:
    """`sdmx.to_pandas(message, attributes="os")` output as sorted tuples like `frame_rows`."""
    table = data.reset_index().rename(columns={"value": "OBS_VALUE"})
    rows: list[Row] = []
    for record in table.to_dict(orient="records"):
        value = record["OBS_VALUE"]
        value = None if value is None or (isinstance(value, float) and math.isnan(value)) else value
        rows.append(
            (
                str(record["FREQ"]),
                str(record["REF_AREA"]),
                str(record["INDICATOR"]),
                str(record["TIME_PERIOD"]),
                None if value is None else float(value),
                _text(record.get("OBS_STATUS")),
                _text(record.get("UNIT_MEASURE")),
            )
        )
    return sorted(rows, key=_sort_key)


def _text(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    # sdmx1's SDMX-JSON reader gives attribute values as Code objects.
    return str(getattr(value, "id", value))


def _sort_key(row: Row) -> tuple[str, str, str, str]:
    return row[0], row[1], row[2], row[3]
