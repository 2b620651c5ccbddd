"""Network measures by year and scope, their tables, graph documents and figures."""

from __future__ import annotations

import asyncio
from typing import Annotated, Literal

import polars as pl
from fastapi import APIRouter, Depends, Query, Response, status

from sela_kit.db import DbSession
from sela_kit.errors import problem_responses
from sela_kit.identity import CurrentIdentity, require_roles
from sela_kit.jobs import JobRead, submit_job
from sela_migration.jobs import NETWORK, SERVICE, queued
from sela_migration.network import exports, service
from sela_migration.network.repository import NetworkRepository
from sela_migration.network.schemas import (
    ChangesRead,
    NetworkComputationCreate,
    NetworkRead,
    NetworkSummaryRead,
    Scope,
    Sex,
)
from sela_migration.stocks import service as stocks

router = APIRouter(prefix="/networks", tags=["networks"])
Year = Annotated[int, Query(ge=1900, le=2100)]
TableFormat = Annotated[Literal["json", "csv"], Query(description="json (default) or csv")]
SexQuery = Annotated[
    Sex, Query(description="Whose stocks weigh the links: total (default), female or male")
]


@router.post(
    "/computations",
    response_model=JobRead,
    status_code=status.HTTP_202_ACCEPTED,
    dependencies=[Depends(require_roles("staff"))],
    responses=problem_responses(401, 403, 404, 422),
)
async def compute_networks(
    body: NetworkComputationCreate,
    response: Response,
    session: DbSession,
    identity: CurrentIdentity,
) -> JobRead:
    """Queue the computation of every measure for the years, scopes and sex asked; poll
    the job at its ``Location``."""
    dataset = await stocks.get_dataset(session, body.dataset)
    await service.check_request(session, dataset, body.years, body.sex)
    job_id = await submit_job(
        session, SERVICE, NETWORK, body.model_dump(mode="json"), submitted_by=identity.subject
    )
    return await queued(session, response, job_id)


@router.get("/{slug}", response_model=list[NetworkSummaryRead], responses=problem_responses(404))
async def list_networks(
    slug: str, session: DbSession, scope: Scope | None = None, sex: Sex | None = None
) -> list[NetworkSummaryRead]:
    """The computed networks of a dataset: graph-level measures by year, scope and sex
    (every sex unless ``sex`` is given)."""
    dataset = await stocks.get_dataset(session, slug)
    found = await NetworkRepository.from_session(session).list(dataset.id, scope, sex)
    return [NetworkSummaryRead.model_validate(f) for f in found]


@router.get("/{slug}/changes", response_model=ChangesRead, responses=problem_responses(404, 422))
async def network_changes(
    slug: str,
    session: DbSession,
    scope: Scope,
    from_year: Year,
    to_year: Year,
    sex: SexQuery = "total",
) -> ChangesRead:
    """Change of graph measures and of each country's stocks between two years."""
    return ChangesRead.model_validate(
        await service.changes(session, slug, scope, from_year, to_year, sex)
    )


@router.get("/{slug}/{year}/{scope}", response_model=NetworkRead, responses=problem_responses(404))
async def get_network(
    slug: str, year: int, scope: Scope, session: DbSession, sex: SexQuery = "total"
) -> NetworkRead:
    """Graph-level measures, measures by degree and degree/strength distributions."""
    dataset, found = await service.get_measures(session, slug, year, scope, sex)
    return NetworkRead(
        dataset=dataset.slug,
        year=found.year,
        scope=scope,
        sex=sex,
        job_id=found.job_id,
        summary=found.summary,
        updated_at=found.updated_at,
        params=found.params,
        by_degree=found.by_degree,
        distributions=found.distributions,
    )


def _suffix(sex: str) -> str:
    return "" if sex == "total" else f"-{sex}"


def _table(rows: list[dict[str, object]], fmt: str, name: str) -> Response:
    if fmt == "csv":
        return Response(
            exports.csv_bytes(rows),
            media_type=exports.MEDIA_TYPES["csv"],
            headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
        )
    import json

    return Response(json.dumps({"items": rows}), media_type="application/json")


TABLE_RESPONSES = {
    **problem_responses(404),
    200: {
        "description": "The table as JSON ({items: [...]}) or CSV",
        "content": {"application/json": {}, "text/csv": {}},
    },
}


@router.get("/{slug}/{year}/{scope}/nodes", responses=TABLE_RESPONSES)
async def network_nodes(
    slug: str,
    year: int,
    scope: Scope,
    session: DbSession,
    format: TableFormat = "json",
    sex: SexQuery = "total",
) -> Response:
    """Per country: degrees, strengths (immigrants, emigrants, net), centralities,
    clustering, knn, community and Guimerà–Amaral role."""
    _, found = await service.get_measures(session, slug, year, scope, sex)
    return _table(found.nodes, format, f"{slug}-{year}-{scope}{_suffix(sex)}-nodes")


@router.get("/{slug}/{year}/{scope}/backbone", responses=TABLE_RESPONSES)
async def network_backbone(
    slug: str,
    year: int,
    scope: Scope,
    session: DbSession,
    format: TableFormat = "json",
    sex: SexQuery = "total",
) -> Response:
    """Edges kept by the disparity filter, with their α for origin and destination."""
    _, found = await service.get_measures(session, slug, year, scope, sex)
    return _table(found.backbone, format, f"{slug}-{year}-{scope}{_suffix(sex)}-backbone")


@router.get("/{slug}/{year}/{scope}/corridors", responses=TABLE_RESPONSES)
async def network_corridors(
    slug: str,
    year: int,
    scope: Scope,
    session: DbSession,
    format: TableFormat = "json",
    sex: SexQuery = "total",
) -> Response:
    """The largest bilateral stocks, ranked, with their share of the network's total."""
    _, found = await service.get_measures(session, slug, year, scope, sex)
    return _table(found.corridors, format, f"{slug}-{year}-{scope}{_suffix(sex)}-corridors")


@router.get(
    "/{slug}/{year}/{scope}/graph",
    responses={
        **problem_responses(404),
        200: {
            "description": "GraphML, GEXF or node-link JSON",
            "content": {
                t: {}
                for t in ("application/graphml+xml", "application/gexf+xml", "application/json")
            },
        },
    },
)
async def network_graph(
    slug: str,
    year: int,
    scope: Scope,
    session: DbSession,
    format: Annotated[Literal["graphml", "gexf", "node-link"], Query()] = "graphml",
    sex: SexQuery = "total",
) -> Response:
    """The whole network with every node measure as attributes (Gephi, networkx, d3)."""
    dataset, found = await service.get_measures(session, slug, year, scope, sex)
    edges = await service.stored_edges(session, dataset, year, scope, sex)
    document = await asyncio.to_thread(
        exports.graph_document, edges, service.node_frame(found), format
    )
    suffix = "json" if format == "node-link" else format
    return Response(
        document,
        media_type=exports.MEDIA_TYPES[format],
        headers={
            "Content-Disposition": (
                f'attachment; filename="{slug}-{year}-{scope}{_suffix(sex)}.{suffix}"'
            )
        },
    )


@router.get(
    "/{slug}/{year}/{scope}/figure",
    responses={
        **problem_responses(404),
        200: {"description": "PNG or SVG", "content": {"image/png": {}, "image/svg+xml": {}}},
    },
)
async def network_figure(
    slug: str,
    year: int,
    scope: Scope,
    session: DbSession,
    format: Annotated[Literal["png", "svg"], Query()] = "png",
    sex: SexQuery = "total",
) -> Response:
    """A drawing of the network's backbone: node size = immigrants, colour = community."""
    _, found = await service.get_measures(session, slug, year, scope, sex)
    backbone = pl.DataFrame(found.backbone, infer_schema_length=None)
    if backbone.is_empty():
        backbone = pl.DataFrame(
            schema={"origin": pl.String, "destination": pl.String, "weight": pl.Float64}
        )
    title = (
        f"{'Latin America and the Caribbean' if scope == 'lac' else 'World'} {year}: "
        f"{'' if sex == 'total' else sex + ' '}migrant stock backbone "
        f"(α = {found.params.get('alpha', 0.05)})"
    )
    image = await asyncio.to_thread(
        exports.figure, backbone, service.node_frame(found), format, title=title
    )
    return Response(image, media_type=exports.MEDIA_TYPES[format])
