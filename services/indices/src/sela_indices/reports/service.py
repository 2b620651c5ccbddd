"""Mechanism aggregates and the follow-up reports of activity I.1.3."""

from __future__ import annotations

import asyncio
from datetime import date, datetime
from typing import Any

import polars as pl
from sqlalchemy.ext.asyncio import AsyncSession

from sela_indices.catalogue.models import Indicator
from sela_indices.catalogue.repository import CatalogueRepository
from sela_indices.observations.repository import ObservationQuery, ObservationRepository
from sela_indices.periods import PeriodError, parse_period
from sela_indices.reference.countries import data_file
from sela_indices.reference.repository import ReferenceRepository
from sela_indices.reference.service import mechanism_area, membership_table
from sela_indices.reports import charts
from sela_indices.reports.aggregate import NotAggregable, aggregate, inputs
from sela_indices.reports.schemas import (
    AggregatePoint,
    AggregateSeries,
    FollowUpReport,
    ReportSection,
    ReportVariable,
)
from sela_kit.errors import InvalidInputError, NotFoundError


def _name(indicator: Indicator, lang: str) -> str:
    return indicator.names.get(lang) or indicator.names["en"]


async def _indicator(session: AsyncSession, code: str) -> Indicator:
    indicator = await CatalogueRepository.from_session(session).get(code)
    if indicator is None:
        raise NotFoundError(f"Indicator {code!r} does not exist.", extra={"indicator": code})
    return indicator


async def _series(
    session: AsyncSession,
    mechanism: str,
    indicator: Indicator,
    start: date | None,
    end: date | None,
    as_of: datetime | None,
    min_coverage: float,
) -> tuple[pl.DataFrame, str]:
    try:
        needed = inputs(indicator.aggregation, indicator.code)
    except NotAggregable as exc:
        raise InvalidInputError(
            f"{indicator.code} cannot be aggregated over countries (its rule is 'none').",
            code="not_aggregable",
        ) from exc
    table = await membership_table(session)
    members = await ReferenceRepository.from_session(session).members_between(
        table.edition, mechanism, start, end
    )
    frame = await ObservationRepository.from_session(session).query(
        ObservationQuery(indicators=needed, areas=members, start=start, end=end, as_of=as_of)
    )
    frame = frame.filter(pl.col("freq") == indicator.frequency)
    result = await asyncio.to_thread(
        aggregate,
        frame.select("indicator", "area", "period", "value"),
        indicator.code,
        indicator.aggregation,
        lambda when: table.members_at(mechanism, when),
        min_coverage=min_coverage,
    )
    return result, table.edition


def _points(frame: pl.DataFrame) -> list[AggregatePoint]:
    return [AggregatePoint(**row) for row in frame.to_dicts()]


async def aggregate_series(
    session: AsyncSession,
    mechanism: str,
    code: str,
    *,
    start: date | None,
    end: date | None,
    as_of: datetime | None,
    min_coverage: float,
    lang: str,
) -> AggregateSeries:
    mechanism = await mechanism_area(session, mechanism)
    indicator = await _indicator(session, code)
    frame, edition = await _series(session, mechanism, indicator, start, end, as_of, min_coverage)
    return AggregateSeries(
        mechanism=mechanism,
        indicator=indicator.code,
        name=_name(indicator, lang),
        unit=indicator.unit,
        rule=indicator.aggregation,
        edition=edition,
        min_coverage=min_coverage,
        as_of=as_of,
        items=_points(frame),
    )


def parse_half(half: str) -> tuple[date, date]:
    try:
        period = parse_period(half)
    except PeriodError as exc:
        raise InvalidInputError(str(exc), code="invalid_half_year") from exc
    if period.freq != "S":
        raise InvalidInputError(
            f"{half!r} is not a half-year: use YYYY-S1 or YYYY-S2.", code="invalid_half_year"
        )
    return period.start, period.end


def report_layout() -> dict[str, Any]:
    layout: dict[str, Any] = data_file("report.json")
    return layout


async def follow_up_report(
    session: AsyncSession,
    mechanism: str,
    half: str,
    *,
    years: int,
    as_of: datetime | None,
    min_coverage: float,
    lang: str,
    chart_base: str,
) -> FollowUpReport:
    mechanism = await mechanism_area(session, mechanism)
    _, half_end = parse_half(half)
    start = date(half_end.year - years + 1, 1, 1)
    layout = report_layout()
    region = layout["region"]
    area = await ReferenceRepository.from_session(session).get_area(mechanism)
    assert area is not None
    table = await membership_table(session)
    sections = []
    unavailable = []
    all_periods: set[str] = set()
    for section in layout["sections"]:
        variables = []
        for code in section["indicators"]:
            indicator = await CatalogueRepository.from_session(session).get(code)
            if indicator is None or indicator.aggregation.get("rule") == "none":
                unavailable.append(code)
                continue
            frame, _ = await _series(
                session, mechanism, indicator, start, half_end, as_of, min_coverage
            )
            frame = frame.filter(pl.col("reporting") > 0)
            if frame.height == 0:
                unavailable.append(code)
                continue
            all_periods.update(frame["period"].to_list())
            share = None
            if indicator.aggregation.get("rule") == "sum" and mechanism != region:
                regional, _ = await _series(
                    session, region, indicator, start, half_end, as_of, min_coverage
                )
                joined = frame.join(regional, on="period", suffix="_region", how="left")
                share = [
                    AggregatePoint(
                        period=r["period"],
                        value=None
                        if r["value"] is None or not r["value_region"]
                        else 100 * r["value"] / r["value_region"],
                        members=r["members_region"] or 0,
                        reporting=r["reporting_region"] or 0,
                        coverage=r["coverage_region"] or 0.0,
                        missing=r["missing_region"] or [],
                    )
                    for r in joined.to_dicts()
                ]
            link = f"{chart_base}/{mechanism}/reports/{half}/charts/{code}"
            variables.append(
                ReportVariable(
                    indicator=code,
                    name=_name(indicator, lang),
                    unit=indicator.unit,
                    series=_points(frame),
                    region_share=share,
                    chart_png=f"{link}?format=png&lang={lang}",
                    chart_svg=f"{link}?format=svg&lang={lang}",
                )
            )
        sections.append(
            ReportSection(
                id=section["id"],
                name=section["names"].get(lang) or section["names"]["en"],
                variables=variables,
            )
        )
    return FollowUpReport(
        mechanism=mechanism,
        name=area.names.get(lang) or area.names["en"],
        half=parse_period(half).code,
        periods=sorted(all_periods),
        members=table.members_at(mechanism, half_end),
        edition=table.edition,
        as_of=as_of,
        sections=sections,
        unavailable=unavailable,
    )


async def chart(
    session: AsyncSession,
    mechanism: str,
    half: str,
    code: str,
    *,
    years: int,
    as_of: datetime | None,
    min_coverage: float,
    lang: str,
    fmt: charts.ChartFormat,
) -> bytes:
    mechanism = await mechanism_area(session, mechanism)
    _, half_end = parse_half(half)
    if code not in {c for s in report_layout()["sections"] for c in s["indicators"]}:
        raise NotFoundError(f"{code} is not a variable of the follow-up reports.")
    indicator = await _indicator(session, code)
    start = date(half_end.year - years + 1, 1, 1)
    frame, _ = await _series(session, mechanism, indicator, start, half_end, as_of, min_coverage)
    frame = frame.filter(pl.col("reporting") > 0)
    if frame.height == 0:
        raise NotFoundError(f"No data for {code} in {mechanism} up to {half}.")
    area = await ReferenceRepository.from_session(session).get_area(mechanism)
    assert area is not None
    label = area.names.get(lang) or area.names["en"]
    points = [(r["period"], r["value"]) for r in frame.to_dicts()]
    return await asyncio.to_thread(
        charts.line_chart,
        f"{_name(indicator, lang)} — {label}",
        indicator.unit,
        {label: points},
        fmt,
        f"Source: {indicator.source}. SELA, follow-up report {parse_period(half).code}.",
    )
