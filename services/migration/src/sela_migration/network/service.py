"""Computing, storing and serving the network measures of a dataset."""

from __future__ import annotations

import asyncio
import math
import uuid
from collections.abc import Callable
from typing import Any

import polars as pl
from sqlalchemy.ext.asyncio import AsyncSession

from sela_contracts.migration import NetworkComputed
from sela_kit.errors import InvalidInputError, NotFoundError
from sela_kit.jobs import JobContext
from sela_kit.messaging import record_event
from sela_migration.countries import AREAS, LAC
from sela_migration.network import measures
from sela_migration.network.models import NetworkMeasures
from sela_migration.network.repository import NetworkRepository
from sela_migration.network.schemas import NetworkComputationCreate
from sela_migration.stocks import service as stocks
from sela_migration.stocks.models import Dataset
from sela_migration.stocks.repository import StockRepository

SOURCE = "migration"
KIND = "network"
NAMES = {code: area.name for code, area in AREAS.items()}


def records(frame: pl.DataFrame) -> list[dict[str, Any]]:
    """Rows as JSON-safe objects (NaN and infinities become null)."""
    rows = frame.to_dicts()
    for row in rows:
        for key, value in row.items():
            if isinstance(value, float) and not math.isfinite(value):
                row[key] = None
    return rows


def scope_edges(edges: pl.DataFrame, scope: str) -> pl.DataFrame:
    return measures.subnetwork(edges, LAC) if scope == "lac" else edges


def params_of(request: NetworkComputationCreate) -> measures.NetworkParams:
    return measures.NetworkParams(
        alpha=request.alpha,
        seed=request.seed,
        community=request.community,
        top_corridors=request.top_corridors,
        roles=measures.RoleThresholds(**request.roles.model_dump()),
    )


async def check_request(
    session: AsyncSession, dataset: Dataset, years: list[int] | None, sex: str
) -> list[int]:
    """The years asked for (default: all), each present in the dataset for that sex."""
    wanted = sorted(years or dataset.years)
    missing = sorted(set(wanted) - set(dataset.years))
    if missing:
        raise InvalidInputError(
            f"Dataset {dataset.slug!r} has no year {missing}; it has {dataset.years}.",
            code="year_not_found",
        )
    if sex != "total":
        with_sex = await StockRepository.from_session(session).years_with(dataset.id, sex)
        lacking = [y for y in wanted if y not in with_sex]
        if lacking:
            raise InvalidInputError(
                f"Dataset {dataset.slug!r} has no {sex} stocks for {lacking}"
                + (f" (only for {sorted(with_sex)})." if with_sex else " (only totals)."),
                code="sex_not_available",
                extra={
                    "errors": [
                        {
                            "name": "body.sex",
                            "pointer": "/sex",
                            "location": "body",
                            "reason": f"no {sex} stocks for {lacking}",
                            "type": "sex_not_available",
                        }
                    ]
                },
            )
    return wanted


async def compute_networks(
    session: AsyncSession,
    dataset: Dataset,
    request: NetworkComputationCreate,
    job_id: uuid.UUID,
    progress: Callable[[float, float, str], None] | None = None,
) -> dict[str, Any]:
    """Compute, store and announce the measures of every requested year and scope.

    Idempotent: a rerun of the same job replaces the same rows (dataset, year, scope, sex).
    """
    years = await check_request(session, dataset, request.years, request.sex)
    params = params_of(request)
    stock_repo = StockRepository.from_session(session)
    network_repo = NetworkRepository.from_session(session)
    computed: list[dict[str, Any]] = []
    steps = len(years) * len(request.scopes)
    for year in years:
        edges = await stock_repo.edges(dataset.id, year, request.sex)
        for scope in request.scopes:
            if progress is not None:
                progress(len(computed), steps, f"{scope} {year} ({request.sex})")
            result = await asyncio.to_thread(
                measures.compute, scope_edges(edges, scope), params, names=NAMES
            )
            await network_repo.upsert(
                {
                    "dataset_id": dataset.id,
                    "year": year,
                    "scope": scope,
                    "sex": request.sex,
                    "job_id": job_id,
                    "params": request.model_dump(mode="json", exclude={"years", "scopes"}),
                    "summary": result.summary,
                    "nodes": records(result.nodes),
                    "by_degree": records(result.by_degree),
                    "distributions": records(result.distributions),
                    "backbone": records(result.backbone),
                    "corridors": records(result.corridors),
                }
            )
            await record_event(
                session,
                NetworkComputed(
                    run_id=str(job_id),
                    year=year,
                    scope=scope,
                    sex=request.sex,
                    nodes=int(result.summary["nodes"]),
                    links=int(result.summary["links"]),
                ),
                source=SOURCE,
            )
            computed.append(
                {
                    "year": year,
                    "scope": scope,
                    "sex": request.sex,
                    "nodes": result.summary["nodes"],
                    "links": result.summary["links"],
                }
            )
    await session.flush()
    return {"dataset": dataset.slug, "sex": request.sex, "computed": computed}


async def network_job(context: JobContext) -> dict[str, Any]:
    """The ``network`` job: every measure of the years, scopes and sex asked for."""
    request = NetworkComputationCreate.model_validate(context.params)
    async with context.database.transaction() as session:
        dataset = await stocks.get_dataset(session, request.dataset)
        return await compute_networks(session, dataset, request, context.job_id, context.progress)


async def get_measures(
    session: AsyncSession, slug: str, year: int, scope: str, sex: str = "total"
) -> tuple[Dataset, NetworkMeasures]:
    dataset = await stocks.get_dataset(session, slug)
    stocks.check_year(dataset, year)
    found = await NetworkRepository.from_session(session).get(dataset.id, year, scope, sex)
    if found is None:
        which = "" if sex == "total" else f" {sex}"
        raise NotFoundError(
            f"The {scope}{which} network of {slug} in {year} has not been computed; "
            "POST /networks/computations first.",
            code="network_not_computed",
        )
    return dataset, found


def node_frame(found: NetworkMeasures) -> pl.DataFrame:
    return pl.DataFrame(found.nodes, infer_schema_length=None)


async def changes(
    session: AsyncSession, slug: str, scope: str, from_year: int, to_year: int, sex: str = "total"
) -> dict[str, Any]:
    _, before = await get_measures(session, slug, from_year, scope, sex)
    _, after = await get_measures(session, slug, to_year, scope, sex)
    delta = measures.changes(node_frame(before), node_frame(after))
    keys = [
        "nodes",
        "links",
        "density",
        "reciprocity",
        "total_stock",
        "average_path_length",
        "diameter",
        "assortativity",
        "average_clustering",
        "average_clustering_weighted",
        "modularity",
        "communities",
    ]
    summary = {}
    for key in keys:
        a, b = before.summary.get(key), after.summary.get(key)
        summary[key] = {
            "from": a,
            "to": b,
            "change": (b - a)
            if isinstance(a, int | float) and isinstance(b, int | float)
            else None,
        }
    return {
        "dataset": slug,
        "scope": scope,
        "sex": sex,
        "from_year": from_year,
        "to_year": to_year,
        "summary": summary,
        "nodes": records(delta),
    }


async def stored_edges(
    session: AsyncSession, dataset: Dataset, year: int, scope: str, sex: str = "total"
) -> pl.DataFrame:
    edges = await StockRepository.from_session(session).edges(dataset.id, year, sex)
    return measures.clean_edges(scope_edges(edges, scope))
