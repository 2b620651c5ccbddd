"""A small panel written by the tests and the index structure the composite tests compute."""

from __future__ import annotations

import math
from typing import Any

import polars as pl

COUNTRIES = ["ARG", "BRA", "CHL", "COL", "MEX", "PER", "URY"]
YEARS = range(2010, 2018)
GAP = ("MEX", 2013, "SL.UEM.TOTL.ZS")  # a hole for the interpolation


def panel_rows() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for i, area in enumerate(COUNTRIES):
        for year in YEARS:
            t = year - 2010
            values = {
                "NY.GDP.MKTP.KD.ZG": 2 + 2 * math.sin(1.3 * i + 0.7 * t),
                "FP.CPI.TOTL.ZG": 3 + i + math.cos(t + i),
                "SL.UEM.TOTL.ZS": 5 + 0.5 * i + math.sin(0.5 * t + i),
                "SP.POP.TOTL": (i + 1) * 1e7 * (1 + 0.01 * t),
                "NY.GDP.PCAP.CD": 5000 + 1000 * i + 100 * t,
                "PWT.pop": (i + 1) * 10 * (1 + 0.01 * t),
                "PWT.hc": 2.2 + 0.1 * i + 0.02 * t + 0.05 * math.sin(i * t),
            }
            for code, value in values.items():
                if (area, year, code) == GAP:
                    continue
                rows.append(
                    {"indicator": code, "area": area, "period": str(year), "value": round(value, 6)}
                )
    return rows


def structure() -> dict[str, Any]:
    return {
        "code": "IINTALC",
        "name": "Integration index",
        "aggregation": {"method": "geometric"},
        "children": [
            {
                "code": "economic",
                "name": "Economic",
                "children": [
                    {"code": "NY.GDP.MKTP.KD.ZG", "direction": 1},
                    {"code": "FP.CPI.TOTL.ZG", "direction": -1},
                    {"code": "SL.UEM.TOTL.ZS", "direction": -1},
                ],
            },
            {"code": "social", "name": "Social", "children": [{"code": "PWT.hc"}]},
        ],
    }


def settings(lower: float = 1.0) -> dict[str, Any]:
    return {
        "imputation": {"method": "interpolate"},
        "outliers": {"method": "coinr"},
        "normalisation": {"method": "minmax", "mode": "global", "lower": lower, "upper": 100},
        "aggregation": {"method": "arithmetic"},
        "availability_threshold": 0.5,
    }


def engine_frame(rows: list[dict[str, Any]], codes: list[str]) -> pl.DataFrame:
    """The engine's input built from the rows directly (not through the service)."""
    return (
        pl.DataFrame(rows)
        .filter(pl.col("indicator").is_in(codes))
        .select(
            pl.col("area").alias("unit"),
            pl.col("period").cast(pl.Int64).alias("year"),
            "indicator",
            pl.col("value").cast(pl.Float64),
        )
    )
