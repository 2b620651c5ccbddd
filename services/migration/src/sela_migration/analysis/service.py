"""Correlation and gravity jobs: gather node measures, stocks and covariates, then fit.

A correlation is a row of its own (``correlations``) computed by ``correlation`` jobs: the
first when it is created, then a refresh for every later vintage of one of its indicators
(``indices.indicator.updated``) or on request. A refresh replaces the result only once it
succeeds, so the previous one stays readable meanwhile.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Any

import polars as pl
from sqlalchemy.ext.asyncio import AsyncSession

from sela_kit.errors import InvalidInputError, NotFoundError, UnavailableError
from sela_kit.jobs import JobContext, submit_job
from sela_migration.analysis import sources, statistics
from sela_migration.analysis.models import Correlation
from sela_migration.analysis.repository import CorrelationRepository
from sela_migration.analysis.schemas import CorrelationCreate, CovariateSource, GravityCreate
from sela_migration.countries import AREAS
from sela_migration.network import service as network
from sela_migration.network.repository import NetworkRepository
from sela_migration.network.service import records
from sela_migration.settings import MigrationSettings
from sela_migration.stocks import service as stocks
from sela_migration.stocks.repository import StockRepository

SERVICE = MigrationSettings.service_name
CORRELATION, GRAVITY = "correlation", "gravity"


def settings_of(context: JobContext) -> MigrationSettings:
    settings = context.settings
    return settings if isinstance(settings, MigrationSettings) else MigrationSettings()


async def load_covariates(
    spec: CovariateSource, indicators: list[str], years: list[int], settings: MigrationSettings
) -> tuple[pl.DataFrame, str, dict[str, str]]:
    """The covariates asked for, the source they really came from and, for values read from
    the indices service, the newest vintage of each indicator's values."""
    if spec.source == "table":
        frame = statistics.covariates_from_items([o.model_dump() for o in spec.observations])
        return frame.filter(pl.col("indicator").is_in(indicators)), "table", {}
    data_dir = settings.shared_data()
    if spec.source == "pwt":
        frame = await asyncio.to_thread(sources.pwt_covariates, data_dir, indicators)
        return frame, "pwt", {}
    client = sources.IndicesClient(
        settings.indices_url, settings.secret, settings.indices_timeout_seconds
    )
    try:
        frame, vintages = await client.covariates(
            indicators, sorted(AREAS), min(years) - spec.max_lag, max(years)
        )
        return frame, "indices", vintages
    except UnavailableError:
        if not spec.fallback_to_pwt:
            raise
    fallback = {"SP.POP.TOTL": "PWT.pop", "NY.GDP.PCAP.CD": "PWT.rgdpe_pc"}
    codes = [fallback.get(code, code) for code in indicators]
    frame = await asyncio.to_thread(sources.pwt_covariates, data_dir, codes)
    back = {v: k for k, v in fallback.items()}
    return frame.with_columns(pl.col("indicator").replace(back)), "pwt (indices unreachable)", {}


# ------------------------------------------------------------------------- correlations


async def queue_correlation(
    session: AsyncSession,
    correlation: Correlation,
    submitted_by: str | None,
    *,
    vintage: datetime | None = None,
) -> uuid.UUID:
    """Queue a (re)computation of ``correlation``; with ``vintage``, for that new vintage
    of one of its indicators (the correlation is then stale until the job succeeds)."""
    job_id = await submit_job(
        session,
        SERVICE,
        CORRELATION,
        {"correlation_id": str(correlation.id)},
        submitted_by=submitted_by,
    )
    correlation.pending_job_id = job_id
    if vintage is not None:
        correlation.stale = True
        if correlation.pending_vintage is None or vintage > correlation.pending_vintage:
            correlation.pending_vintage = vintage
    await session.flush()
    return job_id


async def create_correlation(
    session: AsyncSession, request: CorrelationCreate, submitted_by: str | None
) -> tuple[Correlation, uuid.UUID]:
    dataset = await stocks.get_dataset(session, request.dataset)
    for year in request.years or []:
        stocks.check_year(dataset, year)
    correlation = await CorrelationRepository.from_session(session).add(
        Correlation(
            id=uuid.uuid4(),
            dataset_id=dataset.id,
            params=request.model_dump(mode="json"),
            vintages={},
            stale=False,
            submitted_by=submitted_by,
        )
    )
    return correlation, await queue_correlation(session, correlation, submitted_by)


async def get_correlation(
    session: AsyncSession, correlation_id: uuid.UUID, *, lock: bool = False
) -> Correlation:
    found = await CorrelationRepository.from_session(session).get(correlation_id, lock=lock)
    if found is None:
        raise NotFoundError(f"No correlation {correlation_id}.", code="correlation_not_found")
    return found


async def refresh_on_indicator_update(
    session: AsyncSession, indicator: str, vintage: datetime
) -> int:
    """Queue a refresh of every correlation that read ``indicator`` from the indices
    service, unless its result (or a refresh already queued) covers ``vintage``.

    Runs in the consumer's transaction with its inbox row, so a redelivered event is not
    handled twice; a second event of the same or an older vintage queues nothing either.
    """
    queued = 0
    for correlation in await CorrelationRepository.from_session(session).using_indicator(indicator):
        used = correlation.vintages.get(indicator)
        known = [v for v in (correlation.pending_vintage,) if v is not None]
        if used:
            known.append(datetime.fromisoformat(used))
        if known and vintage <= max(known):
            continue
        await queue_correlation(session, correlation, "indices.indicator.updated", vintage=vintage)
        queued += 1
    return queued


async def _node_table(
    session: AsyncSession, request: CorrelationCreate
) -> tuple[pl.DataFrame, list[int]]:
    dataset = await stocks.get_dataset(session, request.dataset)
    years = request.years or dataset.years
    found = [
        f
        for f in await NetworkRepository.from_session(session).list(
            dataset.id, request.scope, request.sex
        )
        if f.year in years
    ]
    if not found:
        which = "" if request.sex == "total" else f" {request.sex}"
        raise InvalidInputError(
            f"No computed {request.scope}{which} network of {dataset.slug} for {years}; "
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
    return nodes, years


async def correlation_job(context: JobContext) -> dict[str, Any]:
    """The ``correlation`` job: compute a correlation and store it as its current result."""
    correlation_id = uuid.UUID(str(context.params["correlation_id"]))
    async with context.database.transaction() as session:
        correlation = await get_correlation(session, correlation_id)
        request = CorrelationCreate.model_validate(correlation.params)
        nodes, years = await _node_table(session, request)
    context.progress(0.2, message="reading indicators")
    read_at = datetime.now(UTC)
    covariates, used, vintages = await load_covariates(
        request, request.indicators, years, settings_of(context)
    )
    context.progress(0.6, message="correlating")
    aligned = statistics.align(covariates, years, request.max_lag)
    table = await asyncio.to_thread(
        statistics.correlate, nodes, aligned, request.measures, request.indicators
    )
    result = {
        "correlation_id": str(correlation_id),
        "source": used,
        "vintages": vintages,
        "correlations": records(table),
    }
    async with context.database.transaction() as session:
        correlation = await get_correlation(session, correlation_id, lock=True)
        # A job that read its indicators earlier than the current result's does not
        # replace it (two refreshes can overlap); a retry of the same job rewrites the same.
        if correlation.computed_at is None or read_at >= correlation.computed_at:
            correlation.result = result
            correlation.vintages = vintages
            correlation.computed_at = read_at
            correlation.job_id = context.job_id
        if correlation.pending_job_id == context.job_id:
            correlation.pending_job_id = None
            correlation.stale = False
    return result


# ------------------------------------------------------------------------------ gravity


async def check_gravity(session: AsyncSession, request: GravityCreate) -> None:
    dataset = await stocks.get_dataset(session, request.dataset)
    await network.check_request(session, dataset, request.years, request.sex)


async def gravity_job(context: JobContext) -> dict[str, Any]:
    """The ``gravity`` job: PPML per period, with or without origin/destination effects."""
    request = GravityCreate.model_validate(context.params)
    settings = settings_of(context)
    async with context.database.transaction() as session:
        dataset = await stocks.get_dataset(session, request.dataset)
        years = await network.check_request(session, dataset, request.years, request.sex)
        all_stocks = await StockRepository.from_session(session).all_stocks(dataset.id, request.sex)
    indicators = [request.population, request.gdp_per_capita]
    used: str | None = None
    vintages: dict[str, str] = {}
    aligned: pl.DataFrame | None = None
    if not request.fixed_effects:
        covariates, used, vintages = await load_covariates(request, indicators, years, settings)
        aligned = statistics.align(covariates, years, request.max_lag)
    pairs = sources.hmr_pairs(settings.shared_data()) if request.use_distance else None
    periods = []
    for step, year in enumerate(years):
        context.progress(step, len(years), f"period {year}")
        earlier = [y for y in dataset.years if y < year]
        previous = max(earlier) if request.diaspora and earlier else None
        if aligned is None:
            frame = statistics.gravity_pairs(all_stocks, year, previous, pairs)
        else:
            at = aligned.filter(pl.col("year") == year)
            population = at.filter(pl.col("indicator") == indicators[0]).select("area", "value")
            gdppc = at.filter(pl.col("indicator") == indicators[1]).select("area", "value")
            frame = statistics.gravity_frame(all_stocks, year, previous, population, gdppc, pairs)
        if frame.height < 30:
            periods.append({"year": year, "error": f"only {frame.height} pairs with covariates"})
            continue
        try:
            fit = await asyncio.to_thread(
                statistics.fit_ppml, frame, fixed_effects=request.fixed_effects
            )
        except statistics.GravityError as exc:
            periods.append({"year": year, "previous_period": previous, "error": str(exc)})
            continue
        periods.append({"year": year, "previous_period": previous, **fit})
    return {
        "source": used,
        "vintages": vintages,
        "sex": request.sex,
        "fixed_effects": request.fixed_effects,
        "pairs_source": "HMR gravity data (distance, contiguity, common official language)"
        if pairs is not None
        else None,
        "periods": periods,
    }
