from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request, Response, status
from starlette.datastructures import UploadFile

from sela_indices.catalogue.endpoints import parse_bound, split_codes
from sela_indices.catalogue.service import areas_filter
from sela_indices.loaders.parse import LAYOUTS, Layout
from sela_indices.observations import formats, service
from sela_indices.observations.repository import ObservationQuery, ObservationRepository
from sela_indices.observations.schemas import (
    HistoryEntry,
    LoadReport,
    ObservationPage,
    ObservationRead,
    VintageRead,
)
from sela_indices.settings import IndicesSettings
from sela_kit.db import DbSession
from sela_kit.errors import DomainError, InvalidInputError, NotFoundError, problem_responses
from sela_kit.identity import Identity, require_roles

router = APIRouter(tags=["observations"])
Staff = Annotated[Identity, Depends(require_roles("staff"))]


def settings_of(request: Request) -> IndicesSettings:
    settings: IndicesSettings = request.app.state.settings
    return settings


def as_of_time(value: str | None) -> datetime | None:
    """A date means the end of that day (UTC); a time without zone is UTC."""
    if value is None:
        return None
    try:
        if len(value) == 10:
            return datetime.combine(date.fromisoformat(value), time.max, tzinfo=UTC)
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise InvalidInputError(
            f"as_of {value!r} is not an ISO 8601 date or date-time.",
            code="validation_failed",
            extra={
                "errors": [
                    {
                        "name": "query.as_of",
                        "pointer": "/as_of",
                        "location": "query",
                        "reason": "expected YYYY-MM-DD or an ISO 8601 date-time",
                        "type": "datetime",
                    }
                ]
            },
        ) from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


async def observation_query(
    session: DbSession,
    indicator: Annotated[str | None, Query(description="Indicator codes, comma-separated")] = None,
    area: Annotated[
        str | None, Query(description="ISO3 country or mechanism codes, comma-separated")
    ] = None,
    mechanism: Annotated[
        str | None, Query(description="Adds the mechanism's members (over the period) and itself")
    ] = None,
    group: Annotated[str | None, Query(description="Indicator groups, comma-separated")] = None,
    freq: Annotated[Literal["A", "S", "Q", "M"] | None, Query()] = None,
    start: Annotated[
        str | None, Query(description="First period (YYYY, YYYY-S1, YYYY-Qn, YYYY-MM)")
    ] = None,
    end: Annotated[str | None, Query(description="Last period")] = None,
    as_of: Annotated[
        str | None,
        Query(description="Values as they were known at this date or date-time (vintages)"),
    ] = None,
) -> ObservationQuery:
    start_date = parse_bound(start, "start", end=False)
    end_date = parse_bound(end, "end", end=True)
    areas = await areas_filter(session, split_codes(area), mechanism, start_date, end_date)
    groups = [g.strip() for g in group.split(",")] if group else None
    indicators = [c.strip() for c in indicator.split(",") if c.strip()] if indicator else None
    return ObservationQuery(
        indicators=indicators,
        areas=areas,
        groups=groups,
        freq=freq,
        start=start_date,
        end=end_date,
        as_of=as_of_time(as_of),
    )


Q = Annotated[ObservationQuery, Depends(observation_query)]


@router.get(
    "/observations",
    response_model=ObservationPage,
    responses={
        **problem_responses(404, 413, 422),
        200: {
            "description": "JSON by default; CSV or XLSX with `format` or `Accept`",
            "content": {"text/csv": {}, formats.MEDIA_TYPES["xlsx"]: {}},
        },
    },
)
async def list_observations(
    request: Request,
    session: DbSession,
    q: Q,
    format: Annotated[
        Literal["json", "csv", "xlsx"] | None, Query(description="Overrides the Accept header")
    ] = None,
) -> Any:
    """Observations for any combination of indicators, areas and periods, current or `as_of`
    a past time, as JSON, CSV or XLSX."""
    limit = settings_of(request).max_rows
    frame = await service.query(session, q, limit + 1)
    if frame.height > limit:
        raise DomainError(
            f"The query matches more than {limit} observations; narrow it by indicator, area "
            "or period.",
            status=413,
            code="result_too_large",
            title="Result too large",
        )
    fmt = format or formats.negotiate(request.headers.get("accept"))
    stem = "-".join(q.indicators or ["observations"])[:60]
    if fmt == "csv":
        return formats.download(formats.to_csv(frame), stem, "csv")
    if fmt == "xlsx":
        return formats.download(formats.to_xlsx(frame), stem, "xlsx")
    return ObservationPage(
        items=[ObservationRead(**r) for r in formats.to_records(frame)],
        count=frame.height,
        as_of=q.as_of,
    )


@router.get(
    "/observations/history",
    response_model=list[HistoryEntry],
    responses=problem_responses(404, 422),
)
async def observation_history(
    session: DbSession,
    indicator: Annotated[str, Query()],
    area: Annotated[str, Query()],
    period: Annotated[str, Query()],
) -> list[HistoryEntry]:
    """Every vintage of one observation, oldest first."""
    rows = await ObservationRepository.from_session(session).history(
        indicator, area.upper(), period
    )
    if not rows:
        raise NotFoundError(f"No observation {indicator} {area} {period}.")
    return [HistoryEntry(**r) for r in rows]


async def read_upload(request: Request, max_bytes: int) -> tuple[bytes, str | None]:
    """The uploaded file: a multipart `file` part or the raw body (`X-File-Name` names it)."""
    length = request.headers.get("content-length")
    if length and length.isdigit() and int(length) > max_bytes:
        raise DomainError(
            f"The upload is larger than {max_bytes} bytes.",
            status=413,
            code="too_large",
            title="Content too large",
        )
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/form-data"):
        form = await request.form(max_part_size=max_bytes)
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise InvalidInputError(
                "The form needs a `file` part holding the CSV, XLSX or JSON file.",
                code="validation_failed",
                extra={
                    "errors": [
                        {
                            "name": "body.file",
                            "pointer": "/file",
                            "location": "body",
                            "reason": "missing",
                            "type": "missing",
                        }
                    ]
                },
            )
        content = await upload.read(max_bytes + 1)
        name = upload.filename
    else:
        chunks = []
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > max_bytes:
                raise DomainError(
                    f"The upload is larger than {max_bytes} bytes.",
                    status=413,
                    code="too_large",
                    title="Content too large",
                )
            chunks.append(chunk)
        content = b"".join(chunks)
        name = request.headers.get("x-file-name")
    if len(content) > max_bytes:
        raise DomainError(
            f"The upload is larger than {max_bytes} bytes.",
            status=413,
            code="too_large",
            title="Content too large",
        )
    return content, name


@router.post(
    "/loads",
    response_model=LoadReport,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(401, 403, 413, 422),
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": "The file: multipart/form-data with a `file` part, or the raw file "
            "as the body (text/csv, application/json, or XLSX).",
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {"file": {"type": "string", "format": "binary"}},
                        "required": ["file"],
                    }
                },
                "text/csv": {"schema": {"type": "string"}},
                formats.MEDIA_TYPES["xlsx"]: {"schema": {"type": "string", "format": "binary"}},
                "application/json": {"schema": {"type": "array", "items": {"type": "object"}}},
            },
        }
    },
)
async def create_load(
    request: Request,
    session: DbSession,
    identity: Staff,
    response: Response,
    layout: Annotated[
        Layout | None, Query(description=f"One of {', '.join(LAYOUTS)}; detected when absent")
    ] = None,
    note: Annotated[str | None, Query(max_length=500)] = None,
    dry_run: Annotated[bool, Query(description="Validate and report without storing")] = False,
) -> LoadReport:
    """Load a file of observations as a new vintage: all of it or, if any cell is rejected,
    none of it (422 listing every rejected row and column). Staff only."""
    content, name = await read_upload(request, settings_of(request).max_upload_bytes)
    report = await service.load(
        session,
        content,
        filename=name,
        layout=layout,
        submitted_by=identity.subject,
        note=note,
        dry_run=dry_run,
    )
    if dry_run:
        response.status_code = status.HTTP_200_OK
    return report


@router.get("/loads", response_model=list[VintageRead])
async def list_loads(
    session: DbSession,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    before: Annotated[int | None, Query(description="Vintages older than this id")] = None,
) -> list[VintageRead]:
    """Loads (vintages), newest first."""
    rows = await ObservationRepository.from_session(session).vintages(limit, before)
    return [VintageRead.model_validate(v) for v in rows]


@router.get("/loads/{vintage_id}", response_model=VintageRead, responses=problem_responses(404))
async def get_load(
    session: DbSession, vintage_id: Annotated[int, Path(ge=1, le=2_147_483_647)]
) -> VintageRead:
    """One load with its summary."""
    vintage = await ObservationRepository.from_session(session).get_vintage(vintage_id)
    if vintage is None:
        raise NotFoundError(f"Load {vintage_id} does not exist.")
    return VintageRead.model_validate(vintage)
