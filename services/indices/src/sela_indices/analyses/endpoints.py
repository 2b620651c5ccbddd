from __future__ import annotations

import asyncio
import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response, status
from pydantic import BaseModel

from sela_indices.analyses import composite, service
from sela_indices.analyses.complexity import ComplexityParams
from sela_indices.analyses.composite import CompositeParams
from sela_indices.analyses.repository import AnalysisRepository
from sela_indices.analyses.schemas import AnalysisRead, JobAccepted
from sela_indices.analyses.vulnerability import VulnerabilityParams
from sela_indices.observations import formats
from sela_indices.reports import charts
from sela_kit.db import DbSession
from sela_kit.errors import problem_responses
from sela_kit.identity import Identity, require_roles

router = APIRouter(tags=["analyses"])
Staff = Annotated[Identity, Depends(require_roles("staff"))]
_RESERVED = {"format", "limit"}


def public_prefix(request: Request) -> str:
    """Where this service's paths are reachable by the client (behind the gateway or not)."""
    return request.headers.get("x-forwarded-prefix", "").rstrip("/")


@router.get("/analyses", response_model=list[AnalysisRead])
async def list_analyses(
    session: DbSession,
    kind: Annotated[str | None, Query(description="complexity, composite or vulnerability")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[AnalysisRead]:
    """Stored analyses, newest first."""
    runs = await AnalysisRepository.from_session(session).runs(kind, limit)
    return [AnalysisRead.model_validate(r) for r in runs]


@router.get("/analyses/{run_id}", response_model=AnalysisRead, responses=problem_responses(404))
async def get_analysis(session: DbSession, run_id: uuid.UUID) -> AnalysisRead:
    """An analysis: its settings, inputs, summary and tables."""
    return await service.read(session, run_id)


@router.get(
    "/analyses/{run_id}/tables/{name}",
    responses={
        **problem_responses(404, 422),
        200: {"description": "JSON records or CSV", "content": {"text/csv": {}}},
    },
)
async def get_analysis_table(
    request: Request,
    session: DbSession,
    run_id: uuid.UUID,
    name: str,
    format: Annotated[Literal["json", "csv"] | None, Query(description="Overrides Accept")] = None,
    limit: Annotated[int | None, Query(ge=1, le=1_000_000)] = None,
) -> Any:
    """One result table; any other query parameter filters a column by its values
    (comma-separated), e.g. `?country=ARG,BRA`."""
    filters = {
        key: [v for value in request.query_params.getlist(key) for v in value.split(",") if v]
        for key in request.query_params
        if key not in _RESERVED
    }
    frame = await service.table(session, run_id, name, filters)
    if limit is not None:
        frame = frame.head(limit)
    if formats.wants_csv(request.headers.get("accept"), format):
        return formats.download(frame.write_csv().encode(), name, "csv")
    return {
        "analysis": str(run_id),
        "table": name,
        "count": frame.height,
        "items": frame.to_dicts(),
    }


async def _queue(
    request: Request,
    response: Response,
    session: DbSession,
    kind: str,
    body: BaseModel,
    identity: Identity,
) -> JobAccepted:
    accepted = await service.submit(
        session, kind, body.model_dump(mode="json"), identity.subject, public_prefix(request)
    )
    response.headers["Location"] = accepted.status_url
    return accepted


@router.post(
    "/analyses/vulnerability",
    response_model=JobAccepted,
    status_code=status.HTTP_202_ACCEPTED,
    responses=problem_responses(401, 403, 422),
)
async def run_vulnerability(
    request: Request,
    response: Response,
    session: DbSession,
    body: VulnerabilityParams,
    identity: Staff,
) -> JobAccepted:
    """Queue the external vulnerability early warning (I.1.7): exchange market pressure and
    crisis dating, KLR signals with noise-to-signal-minimising thresholds, composite, crisis
    probability by band, forecast, and an out-of-sample backtest when `cutoff` is given.
    Poll `status_url`; the result is stored as an analysis. Staff only."""
    return await _queue(request, response, session, "vulnerability", body, identity)


@router.post(
    "/analyses/complexity",
    response_model=JobAccepted,
    status_code=status.HTTP_202_ACCEPTED,
    responses=problem_responses(401, 403, 422),
)
async def run_complexity(
    request: Request,
    response: Response,
    session: DbSession,
    body: ComplexityParams,
    identity: Staff,
) -> JobAccepted:
    """Queue the productive-niches analysis (II.3.1) of a trade dataset with products: RCA,
    ECI/PCI, proximity, density, COI/COG and the niches of each country (optionally only where
    a bloc partner is strong). Announces `indices.niches.published`. Staff only."""
    return await _queue(request, response, session, "complexity", body, identity)


@router.post(
    "/analyses/composite",
    response_model=JobAccepted,
    status_code=status.HTTP_202_ACCEPTED,
    responses=problem_responses(401, 403, 422),
)
async def run_composite(
    request: Request,
    response: Response,
    session: DbSession,
    body: CompositeParams,
    identity: Staff,
) -> JobAccepted:
    """Queue the integration index (IINTALC, I.1.6): the structure (index → dimensions →
    catalogue indicators with direction and weight), the settings (imputation, outliers,
    normalisation, weights, aggregation), the units (countries, the members of mechanisms by
    year, or mechanisms as units), the years, and optionally a Monte Carlo uncertainty and
    Sobol sensitivity analysis. Checked against the catalogue and the data first (422,
    nothing queued). Poll `status_url`; browse the result at `/analyses/{id}/composite`.
    Staff only."""
    accepted = await service.submit_composite(
        session, body, identity.subject, public_prefix(request)
    )
    response.headers["Location"] = accepted.status_url
    return accepted


def _values(values: list[str]) -> list[str]:
    return [v.strip() for value in values for v in value.split(",") if v.strip()]


@router.get(
    "/analyses/{run_id}/composite",
    responses={
        **problem_responses(404, 422),
        200: {"description": "JSON records or CSV", "content": {"text/csv": {}}},
    },
)
async def get_composite(
    request: Request,
    session: DbSession,
    run_id: uuid.UUID,
    unit: Annotated[list[str], Query(description="Units (comma-separated); default all")] = [],  # noqa: B006
    dimension: Annotated[
        list[str], Query(description="Nodes; default the index and its dimensions")
    ] = [],  # noqa: B006
    year: Annotated[list[str], Query(description="Years; default all")] = [],  # noqa: B006
    format: Annotated[Literal["json", "csv"] | None, Query(description="Overrides Accept")] = None,
) -> Any:
    """Scores (0–100 with min–max) and ranks (1 = highest) per unit, dimension and year; with
    an uncertainty analysis, the median rank and 5–95% interval beside the node it was run
    for."""
    summary, scores, ranks = await service.composite_result(session, run_id)
    frame = composite.view(summary, scores, ranks, _values(unit), _values(dimension), _values(year))
    if formats.wants_csv(request.headers.get("accept"), format):
        return formats.download(frame.write_csv().encode(), f"composite-{run_id}", "csv")
    return {
        "analysis": str(run_id),
        "index": summary["index"],
        "dimensions": summary["dimensions"],
        "missing_dimensions": summary["missing_dimensions"],
        "count": frame.height,
        "items": frame.to_dicts(),
    }


@router.get(
    "/analyses/{run_id}/composite/chart",
    responses={
        **problem_responses(404, 422),
        200: {"content": {"image/png": {}, "image/svg+xml": {}}, "description": "The chart"},
    },
    response_class=Response,
)
async def get_composite_chart(
    session: DbSession,
    run_id: uuid.UUID,
    chart: Annotated[
        Literal["scores", "uncertainty"],
        Query(description="scores: by year per unit; uncertainty: median rank, 5–95% band"),
    ] = "scores",
    dimension: Annotated[str | None, Query(description="Node to draw; default the index")] = None,
    unit: Annotated[list[str], Query(description="Units to draw; default all")] = [],  # noqa: B006
    year: Annotated[str | None, Query(description="Year of the uncertainty chart")] = None,
    format: Literal["png", "svg"] = "png",
) -> Response:
    """The index or a dimension drawn for the website (PNG or SVG)."""
    summary, scores, ranks = await service.composite_result(session, run_id)
    if chart == "scores":
        node = dimension or summary["index"]
        image = await asyncio.to_thread(
            composite.scores_chart, summary, scores, node, _values(unit), format
        )
    else:
        image = await asyncio.to_thread(composite.uncertainty_chart, summary, ranks, year, format)
    return Response(
        image,
        media_type=charts.MEDIA_TYPES[format],
        headers={"Cache-Control": "public, max-age=300"},
    )
