from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Response, status

from sela_indices.catalogue import service
from sela_indices.catalogue.repository import CatalogueFilter
from sela_indices.catalogue.schemas import (
    Group,
    GroupRead,
    IndicatorCreate,
    IndicatorRead,
    IndicatorUpdate,
)
from sela_indices.periods import PeriodError, period_bound
from sela_kit.db import DbSession
from sela_kit.errors import InvalidInputError, problem_responses
from sela_kit.identity import Identity, require_roles
from sela_kit.pagination import CursorPage, Page

router = APIRouter(tags=["catalogue"])
Staff = Annotated[Identity, Depends(require_roles("staff"))]
Language = Annotated[Literal["es", "en", "pt", "fr"], Query(description="Language of `name`")]


def parse_bound(value: str | None, name: str, *, end: bool) -> date | None:
    if value is None:
        return None
    try:
        return period_bound(value, end=end)
    except PeriodError as exc:
        raise InvalidInputError(
            str(exc),
            code="validation_failed",
            extra={
                "errors": [
                    {
                        "name": f"query.{name}",
                        "pointer": f"/{name}",
                        "location": "query",
                        "reason": str(exc),
                        "type": "period",
                    }
                ]
            },
        ) from exc


def split_codes(value: str | None) -> list[str] | None:
    if value is None:
        return None
    codes = [c.strip().upper() for c in value.replace("+", ",").split(",") if c.strip()]
    return codes or None


@router.get(
    "/indicators", response_model=CursorPage[IndicatorRead], responses=problem_responses(404)
)
async def list_indicators(
    session: DbSession,
    page: Page,
    q: Annotated[
        str | None,
        Query(max_length=200, description="Full text in es/en/pt/fr, accents ignored"),
    ] = None,
    group: Group | None = None,
    country: Annotated[
        str | None, Query(description="ISO3 codes, comma-separated: indicators with data for them")
    ] = None,
    mechanism: Annotated[
        str | None, Query(description="Indicators with data for the mechanism or its members")
    ] = None,
    start: Annotated[
        str | None, Query(description="Data from this period (YYYY, YYYY-Qn...)")
    ] = None,
    end: Annotated[str | None, Query(description="Data up to this period")] = None,
    lang: Language = "en",
) -> CursorPage[IndicatorRead]:
    """Search and filter the catalogue. With `q`, results come by relevance (one page)."""
    start_date = parse_bound(start, "start", end=False)
    end_date = parse_bound(end, "end", end=True)
    areas = await service.areas_filter(
        session, split_codes(country), mechanism, start_date, end_date
    )
    f = CatalogueFilter(
        q=q.strip() if q and q.strip() else None,
        group=group,
        areas=areas,
        start=start_date,
        end=end_date,
    )
    items, cursor = await service.search(session, f, page, lang)
    return CursorPage(items=items, next_cursor=cursor)


@router.get("/indicator-groups", response_model=list[GroupRead])
async def list_indicator_groups(session: DbSession) -> list[GroupRead]:
    """The catalogue's groups with how many indicators each holds."""
    return await service.groups(session)


@router.get("/indicators/{code}", response_model=IndicatorRead, responses=problem_responses(404))
async def get_indicator(session: DbSession, code: str, lang: Language = "en") -> IndicatorRead:
    """One indicator with its coverage (areas, periods, last vintage)."""
    return await service.get(session, code, lang)


@router.post(
    "/indicators",
    response_model=IndicatorRead,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(401, 403, 409, 422),
)
async def create_indicator(
    session: DbSession, body: IndicatorCreate, _: Staff, lang: Language = "en"
) -> IndicatorRead:
    """Add an indicator to the catalogue. Staff only."""
    return await service.create(session, body, lang)


@router.patch(
    "/indicators/{code}",
    response_model=IndicatorRead,
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def update_indicator(
    session: DbSession, code: str, body: IndicatorUpdate, _: Staff, lang: Language = "en"
) -> IndicatorRead:
    """Edit an indicator's metadata. Staff only."""
    return await service.update(session, code, body, lang)


@router.delete(
    "/indicators/{code}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(401, 403, 404, 409),
)
async def delete_indicator(session: DbSession, code: str, _: Staff) -> Response:
    """Remove an indicator that has no observations. Staff only."""
    await service.delete(session, code)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
