from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response

from sela_indices.catalogue.endpoints import parse_bound
from sela_indices.observations.endpoints import as_of_time
from sela_indices.reports import charts, service
from sela_indices.reports.schemas import AggregateSeries, FollowUpReport
from sela_kit.db import DbSession
from sela_kit.errors import problem_responses

router = APIRouter(tags=["reports"])
Language = Annotated[Literal["es", "en", "pt", "fr"], Query()]
Coverage = Annotated[
    float,
    Query(ge=0, le=1, description="Least share of members with data for a value to be given"),
]


@router.get(
    "/mechanisms/{code}/aggregates",
    response_model=AggregateSeries,
    responses=problem_responses(404, 422),
)
async def mechanism_aggregates(
    session: DbSession,
    code: str,
    indicator: Annotated[str, Query(description="Indicator code")],
    start: str | None = None,
    end: str | None = None,
    as_of: Annotated[str | None, Query(description="Values as known then")] = None,
    min_coverage: Coverage = 0.8,
    lang: Language = "en",
) -> AggregateSeries:
    """An indicator for a mechanism, period by period, from the members of each period and the
    indicator's aggregation rule."""
    return await service.aggregate_series(
        session,
        code,
        indicator,
        start=parse_bound(start, "start", end=False),
        end=parse_bound(end, "end", end=True),
        as_of=as_of_time(as_of),
        min_coverage=min_coverage,
        lang=lang,
    )


@router.get(
    "/mechanisms/{code}/reports/{half}",
    response_model=FollowUpReport,
    responses=problem_responses(404, 422),
)
async def follow_up_report(
    request: Request,
    session: DbSession,
    code: str,
    half: str,
    years: Annotated[int, Query(ge=1, le=60, description="Years of history")] = 10,
    as_of: Annotated[str | None, Query(description="Values as known then")] = None,
    min_coverage: Coverage = 0.8,
    lang: Language = "en",
) -> FollowUpReport:
    """The follow-up report data of a mechanism for a half-year (e.g. 2018-S2): population,
    life expectancy, GDP, growth and its composition, inflation, unemployment, trade balance,
    FDI, external debt and reserves, as far as they are loaded; each with chart links."""
    base = request.headers.get("x-forwarded-prefix", "").rstrip("/") + "/mechanisms"
    return await service.follow_up_report(
        session,
        code,
        half,
        years=years,
        as_of=as_of_time(as_of),
        min_coverage=min_coverage,
        lang=lang,
        chart_base=base,
    )


@router.get(
    "/mechanisms/{code}/reports/{half}/charts/{indicator}",
    responses={
        **problem_responses(404, 422),
        200: {"content": {"image/png": {}, "image/svg+xml": {}}, "description": "The chart"},
    },
    response_class=Response,
)
async def follow_up_chart(
    session: DbSession,
    code: str,
    half: str,
    indicator: str,
    format: Literal["png", "svg"] = "png",
    years: Annotated[int, Query(ge=1, le=60)] = 10,
    as_of: str | None = None,
    min_coverage: Coverage = 0.8,
    lang: Language = "en",
) -> Response:
    """One report variable drawn for the website, as PNG or SVG."""
    image = await service.chart(
        session,
        code,
        half,
        indicator,
        years=years,
        as_of=as_of_time(as_of),
        min_coverage=min_coverage,
        lang=lang,
        fmt=format,
    )
    return Response(
        image,
        media_type=charts.MEDIA_TYPES[format],
        headers={"Cache-Control": "public, max-age=300"},
    )
