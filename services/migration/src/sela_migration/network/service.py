"""Computing, storing and serving the network measures of a dataset."""

from __future__ import annotations

import asyncio
import math
import uuid
from typing import Any

import polars as pl
from sqlalchemy.ext.asyncio import AsyncSession

from sela_contracts.migration import NetworkComputed
from sela_kit.errors import InvalidInputError, NotFoundError
from sela_kit.messaging import record_event
from sela_migration.countries import AREAS, LAC
from sela_migration.jobs.models import Job
from sela_migration.jobs.runner import handler
from sela_migration.network import measures
from sela_migration.network.models import NetworkMeasures
from sela_migration.network.repository import NetworkRepository
from sela_migration.network.schemas import NetworkComputationCreate
from sela_migration.stocks import service as stocks
from sela_migration.stocks.models import Dataset
from sela_migration.stocks.repository import StockRepository

SOURCE = "migration"
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


async def compute_networks(
    session: AsyncSession, dataset: Dataset, request: NetworkComputationCreate, job_id: uuid.UUID
) -> dict[str, Any]:
    """Compute, store and announce the measures of every requested year and scope."""
    years = request.years or dataset.years
    missing = sorted(set(years) - set(dataset.years))
    if missing:
        raise InvalidInputError(
            f"Dataset {dataset.slug!r} has no year {missing}; it has {dataset.years}.",
            code="year_not_found",
        )
    params = params_of(request)
    stock_repo = StockRepository.from_session(session)
    network_repo = NetworkRepository.from_session(session)
    computed = []
    for year in sorted(years):
        edges = await stock_repo.edges(dataset.id, year)
        for scope in request.scopes:
            result = await asyncio.to_thread(
                measures.compute, scope_edges(edges, scope), params, names=NAMES
            )
            await network_repo.upsert(
                {
                    "dataset_id": dataset.id,
                    "year": year,
                    "scope": scope,
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
                    nodes=int(result.summary["nodes"]),
                    links=int(result.summary["links"]),
                ),
                source=SOURCE,
            )
            computed.append(
                {
                    "year": year,
                    "scope": scope,
                    "nodes": result.summary["nodes"],
                    "links": result.summary["links"],
                }
            )
    await session.flush()
    return {"dataset": dataset.slug, "computed": computed}


@handler("network")
async def network_job(session: AsyncSession, job: Job, settings: Any) -> dict[str, Any]:
    request = NetworkComputationCreate.model_validate(job.params)
    dataset = await stocks.get_dataset(session, request.dataset)
    return await compute_networks(session, dataset, request, job.id)


async def get_measures(
    session: AsyncSession, slug: str, year: int, scope: str
) -> tuple[Dataset, NetworkMeasures]:
    dataset = await stocks.get_dataset(session, slug)
    stocks.check_year(dataset, year)
    found = await NetworkRepository.from_session(session).get(dataset.id, year, scope)
    if found is None:
        raise NotFoundError(
            f"The {scope} network of {slug} in {year} has not been computed; "
            "POST /networks/computations first.",
            code="network_not_computed",
        )
    return dataset, found


def node_frame(found: NetworkMeasures) -> pl.DataFrame:
    return pl.DataFrame(found.nodes, infer_schema_length=None)


async def changes(
    session: AsyncSession, slug: str, scope: str, from_year: int, to_year: int
) -> dict[str, Any]:
    _, before = await get_measures(session, slug, from_year, scope)
    _, after = await get_measures(session, slug, to_year, scope)
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
        "from_year": from_year,
        "to_year": to_year,
        "summary": summary,
        "nodes": records(delta),
    }


async def stored_edges(
    session: AsyncSession, dataset: Dataset, year: int, scope: str
) -> pl.DataFrame:
    edges = await StockRepository.from_session(session).edges(dataset.id, year)
    return measures.clean_edges(scope_edges(edges, scope))
