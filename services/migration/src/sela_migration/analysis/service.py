"""Correlation and gravity jobs: gather node measures, stocks and covariates, then fit."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy.ext.asyncio import AsyncSession

from sela_kit.errors import InvalidInputError, UnavailableError
from sela_migration.analysis import sources, statistics
from sela_migration.analysis.schemas import CorrelationCreate, CovariateSource, GravityCreate
from sela_migration.countries import AREAS
from sela_migration.jobs.models import Job
from sela_migration.jobs.repository import JobRepository
from sela_migration.jobs.runner import handler
from sela_migration.network.repository import NetworkRepository
from sela_migration.network.service import records
from sela_migration.settings import MigrationSettings
from sela_migration.stocks import service as stocks
from sela_migration.stocks.repository import StockRepository


async def load_covariates(
    spec: CovariateSource, indicators: list[str], years: list[int], settings: MigrationSettings
) -> tuple[pl.DataFrame, str]:
    """The covariates asked for and the source they really came from."""
    if spec.source == "table":
        frame = statistics.covariates_from_items([o.model_dump() for o in spec.observations])
        return frame.filter(pl.col("indicator").is_in(indicators)), "table"
    data_dir = settings.shared_data()
    if spec.source == "pwt":
        return await asyncio.to_thread(sources.pwt_covariates, data_dir, indicators), "pwt"
    client = sources.IndicesClient(
        settings.indices_url, settings.secret, settings.indices_timeout_seconds
    )
    try:
        frame = await client.covariates(
            indicators, sorted(AREAS), min(years) - spec.max_lag, max(years)
        )
        return frame, "indices"
    except UnavailableError:
        if not spec.fallback_to_pwt:
            raise
    fallback = {"SP.POP.TOTL": "PWT.pop", "NY.GDP.PCAP.CD": "PWT.rgdpe_pc"}
    codes = [fallback.get(code, code) for code in indicators]
    frame = await asyncio.to_thread(sources.pwt_covariates, (data_dir), codes)
    back = {v: k for k, v in fallback.items()}
    return frame.with_columns(pl.col("indicator").replace(back)), "pwt (indices unreachable)"


@handler("correlation")
async def correlation_job(
    session: AsyncSession, job: Job, settings: MigrationSettings
) -> dict[str, Any]:
    request = CorrelationCreate.model_validate(job.params)
    dataset = await stocks.get_dataset(session, request.dataset)
    years = request.years or dataset.years
    found = [
        f
        for f in await NetworkRepository.from_session(session).list(dataset.id, request.scope)
        if f.year in years
    ]
    if not found:
        raise InvalidInputError(
            f"No computed {request.scope} network of {dataset.slug} for {years}; "
            "compute the networks first.",
            code="network_not_computed",
        )
    nodes = pl.concat(
        [
            pl.DataFrame(f.nodes, infer_schema_length=None)
            .with_columns(pl.lit(f.year, dtype=pl.Int32).alias("year"))
            .select("iso3", "year", *request.measures)
            for f in found
        ],
        how="vertical_relaxed",
    )
    covariates, used = await load_covariates(request, request.indicators, years, settings)
    aligned = statistics.align(covariates, years, request.max_lag)
    table = await asyncio.to_thread(
        statistics.correlate, nodes, aligned, request.measures, request.indicators
    )
    return {"source": used, "correlations": records(table)}


@handler("gravity")
async def gravity_job(
    session: AsyncSession, job: Job, settings: MigrationSettings
) -> dict[str, Any]:
    request = GravityCreate.model_validate(job.params)
    dataset = await stocks.get_dataset(session, request.dataset)
    years = sorted(request.years or dataset.years)
    all_stocks = await StockRepository.from_session(session).all_stocks(dataset.id)
    indicators = [request.population, request.gdp_per_capita]
    covariates, used = await load_covariates(request, indicators, years, settings)
    aligned = statistics.align(covariates, years, request.max_lag)
    pairs = sources.hmr_pairs(settings.shared_data()) if request.use_distance else None
    periods = []
    for year in years:
        earlier = [y for y in dataset.years if y < year]
        previous = max(earlier) if request.diaspora and earlier else None
        at = aligned.filter(pl.col("year") == year)
        population = at.filter(pl.col("indicator") == indicators[0]).select("area", "value")
        gdppc = at.filter(pl.col("indicator") == indicators[1]).select("area", "value")
        frame = statistics.gravity_frame(all_stocks, year, previous, population, gdppc, pairs)
        if frame.height < 30:
            periods.append({"year": year, "error": f"only {frame.height} pairs with covariates"})
            continue
        fit = await asyncio.to_thread(statistics.fit_ppml, frame)
        periods.append({"year": year, "previous_period": previous, **fit})
    return {
        "source": used,
        "pairs_source": "HMR gravity data (distance, contiguity, common official language)"
        if pairs is not None
        else None,
        "periods": periods,
    }


async def mark_stale(session: AsyncSession, indicator: str) -> int:
    return await JobRepository.from_session(session).mark_stale(indicator)


def shared(settings: MigrationSettings) -> Path:
    return settings.shared_data()
