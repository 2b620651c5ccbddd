"""Time periods in SDMX's basic formats: ``2017`` (A), ``2017-S1`` (S), ``2017-Q3`` (Q),
``2017-03`` (M). Pure functions, shared by the loaders, the queries and SDMX."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

import polars as pl

FREQUENCIES = {"A": "annual", "S": "half-yearly", "Q": "quarterly", "M": "monthly"}

# Accepted spellings, normalised to the canonical form: 2017Q1, 2017-q1, 2017S2, 2017M03.
_PATTERN = re.compile(r"^(\d{4})(?:-?([SQsq])([1-4])|-?[Mm]?(\d{2}))?$")


class PeriodError(ValueError):
    pass


@dataclass(frozen=True)
class Period:
    code: str
    freq: str
    start: date
    end: date

    @property
    def middle(self) -> date:
        return self.start + (self.end - self.start) / 2


def _month_end(year: int, month: int) -> date:
    if month == 12:
        return date(year, 12, 31)
    return date(year, month + 1, 1) - timedelta(days=1)


def parse_period(text: str) -> Period:
    """Parse one period; raise :class:`PeriodError` naming what is wrong."""
    match = _PATTERN.match(text.strip())
    if match is None:
        raise PeriodError(
            f"{text!r} is not a period: use YYYY, YYYY-S1..S2, YYYY-Q1..Q4 or YYYY-MM"
        )
    year = int(match.group(1))
    kind, number, month = match.group(2), match.group(3), match.group(4)
    if kind is None and month is None:
        return Period(f"{year}", "A", date(year, 1, 1), date(year, 12, 31))
    if kind is not None:
        n = int(number)
        if kind.upper() == "S":
            if n > 2:
                raise PeriodError(f"{text!r}: a year has two halves (S1, S2)")
            first = 1 + 6 * (n - 1)
            return Period(f"{year}-S{n}", "S", date(year, first, 1), _month_end(year, first + 5))
        first = 1 + 3 * (n - 1)
        return Period(f"{year}-Q{n}", "Q", date(year, first, 1), _month_end(year, first + 2))
    m = int(month)
    if not 1 <= m <= 12:
        raise PeriodError(f"{text!r}: month {m} does not exist")
    return Period(f"{year}-{m:02d}", "M", date(year, m, 1), _month_end(year, m))


def period_bound(text: str, *, end: bool) -> date:
    """``startPeriod``/``endPeriod`` style bounds: a period (its first or last day) or a date."""
    text = text.strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        try:
            return date.fromisoformat(text)
        except ValueError as exc:
            raise PeriodError(f"{text!r} is not a date") from exc
    period = parse_period(text)
    return period.end if end else period.start


def period_columns(periods: pl.Expr) -> list[pl.Expr]:
    """Vectorised :func:`parse_period`: canonical ``period``, ``freq``, ``period_start``
    (null where the text is not a period)."""
    text = periods.cast(pl.String).str.strip_chars()
    parts = text.str.extract_groups(r"^(\d{4})(?:-?([SQsq])([1-4])|-?[Mm]?(\d{2}))?$")
    year = parts.struct.field("1").cast(pl.Int32, strict=False)
    kind = parts.struct.field("2").str.to_uppercase()
    number = parts.struct.field("3").cast(pl.Int32, strict=False)
    month = parts.struct.field("4").cast(pl.Int32, strict=False)
    valid = (
        year.is_not_null()
        & (kind.is_null() | (kind != "S") | (number <= 2))
        & (month.is_null() | ((month >= 1) & (month <= 12)))
    )
    freq = (
        pl.when(~valid)
        .then(None)
        .when(kind.is_not_null())
        .then(kind)
        .when(month.is_not_null())
        .then(pl.lit("M"))
        .otherwise(pl.lit("A"))
    )
    first_month = (
        pl.when(kind == "S")
        .then(1 + 6 * (number - 1))
        .when(kind == "Q")
        .then(1 + 3 * (number - 1))
        .when(month.is_not_null())
        .then(month)
        .otherwise(1)
    )
    canonical = (
        pl.when(~valid)
        .then(None)
        .when(kind.is_not_null())
        .then(pl.format("{}-{}{}", year, kind, number))
        .when(month.is_not_null())
        .then(pl.format("{}-{}", year, month.cast(pl.String).str.zfill(2)))
        .otherwise(year.cast(pl.String))
    )
    start = pl.when(valid).then(pl.date(year, first_month, 1))
    return [canonical.alias("period"), freq.alias("freq"), start.alias("period_start")]
