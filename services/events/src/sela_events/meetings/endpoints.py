"""HTTP: meetings, their agenda, form, categories, quotas, counts and calendar."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from sela_events.attendance import calendars
from sela_events.attendance.service import sessions_of
from sela_events.deps import CurrentIdentity, Staff
from sela_events.meetings import service
from sela_events.meetings.schemas import (
    CategoryRuleIn,
    FormFieldRead,
    FormUpdate,
    MeetingCounts,
    MeetingCreate,
    MeetingRead,
    MeetingSummary,
    MeetingUpdate,
    QuotaIn,
    SessionCreate,
    SessionRead,
    StatusChange,
)
from sela_events.types import Language
from sela_events.vocab import MeetingStatus, MeetingType
from sela_kit.db import DbSession
from sela_kit.errors import problem_responses
from sela_kit.pagination import CursorPage, Page

router = APIRouter(prefix="/meetings", tags=["meetings"])
MeetingRef = Annotated[str, "meeting id or code"]


@router.get("", response_model=CursorPage[MeetingSummary], responses=problem_responses(422))
async def list_meetings(
    session: DbSession,
    identity: CurrentIdentity,
    page: Page,
    status_: Annotated[MeetingStatus | None, Query(alias="status")] = None,
    activity: Annotated[str | None, Query(max_length=16, examples=["II.3.2"])] = None,
    type: Annotated[MeetingType | None, Query()] = None,
    year: Annotated[int | None, Query(ge=1990, le=2100)] = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
) -> CursorPage[MeetingSummary]:
    """Meetings, by code; drafts only for staff."""
    rows, cursor = await service.list_visible(
        session,
        identity,
        page,
        status=status_,
        activity=activity,
        type_=type.value if type else None,
        year=year,
        q=q,
    )
    return CursorPage(items=[MeetingSummary.model_validate(r) for r in rows], next_cursor=cursor)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=MeetingRead,
    responses=problem_responses(401, 403, 409, 422),
)
async def create_meeting(session: DbSession, _: Staff, data: MeetingCreate) -> MeetingRead:
    """Create a meeting (draft) with its agenda, form, categories and quotas."""
    return MeetingRead.model_validate(await service.create(session, data))


@router.get("/{meeting_id}", response_model=MeetingRead, responses=problem_responses(404))
async def get_meeting(
    session: DbSession, identity: CurrentIdentity, meeting_id: MeetingRef
) -> MeetingRead:
    """One meeting by id or code, with agenda, form, categories and quotas."""
    return MeetingRead.model_validate(await service.get_visible(session, meeting_id, identity))


@router.patch(
    "/{meeting_id}", response_model=MeetingRead, responses=problem_responses(401, 403, 404, 422)
)
async def update_meeting(
    session: DbSession, _: Staff, meeting_id: MeetingRef, data: MeetingUpdate
) -> MeetingRead:
    """Change a meeting; a larger capacity offers the freed seats to the waiting list."""
    return MeetingRead.model_validate(await service.update(session, meeting_id, data))


@router.post(
    "/{meeting_id}/status",
    response_model=MeetingRead,
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def change_meeting_status(
    session: DbSession, _: Staff, meeting_id: MeetingRef, data: StatusChange
) -> MeetingRead:
    """Move a meeting along its workflow (draft, published, registration open/closed, held,
    cancelled)."""
    return MeetingRead.model_validate(await service.change_status(session, meeting_id, data.status))


@router.post(
    "/{meeting_id}/sessions",
    status_code=status.HTTP_201_CREATED,
    response_model=SessionRead,
    responses=problem_responses(401, 403, 404, 422),
)
async def add_session(
    session: DbSession, _: Staff, meeting_id: MeetingRef, data: SessionCreate
) -> SessionRead:
    """Add a session to the agenda."""
    return SessionRead.model_validate(await service.add_session(session, meeting_id, data))


@router.delete(
    "/{meeting_id}/sessions/{session_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(401, 403, 404),
)
async def delete_session(
    session: DbSession, _: Staff, meeting_id: MeetingRef, session_id: uuid.UUID
) -> Response:
    """Remove a session from the agenda."""
    await service.delete_session(session, meeting_id, session_id)
    return Response(status_code=204)


@router.get(
    "/{meeting_id}/form", response_model=list[FormFieldRead], responses=problem_responses(404)
)
async def get_form(
    session: DbSession, identity: CurrentIdentity, meeting_id: MeetingRef
) -> list[FormFieldRead]:
    """The registration form's custom fields, in order, with their conditions."""
    meeting = await service.get_visible(session, meeting_id, identity)
    return [FormFieldRead.model_validate(f) for f in meeting.fields]


@router.put(
    "/{meeting_id}/form",
    response_model=MeetingRead,
    responses=problem_responses(401, 403, 404, 422),
)
async def set_form(
    session: DbSession, _: Staff, meeting_id: MeetingRef, data: FormUpdate
) -> MeetingRead:
    """Replace the registration form's custom fields."""
    return MeetingRead.model_validate(await service.set_form(session, meeting_id, data.fields))


@router.put(
    "/{meeting_id}/categories",
    response_model=MeetingRead,
    responses=problem_responses(401, 403, 404, 422),
)
async def set_categories(
    session: DbSession, _: Staff, meeting_id: MeetingRef, data: list[CategoryRuleIn]
) -> MeetingRead:
    """Replace the accepted participant categories and which of them need approval."""
    return MeetingRead.model_validate(await service.set_categories(session, meeting_id, data))


@router.put(
    "/{meeting_id}/quotas",
    response_model=MeetingRead,
    responses=problem_responses(401, 403, 404, 422),
)
async def set_quotas(
    session: DbSession, _: Staff, meeting_id: MeetingRef, data: list[QuotaIn]
) -> MeetingRead:
    """Replace the quotas (per category, per member state, or both); freed seats are offered
    to the waiting list."""
    return MeetingRead.model_validate(await service.set_quotas(session, meeting_id, data))


@router.get("/{meeting_id}/counts", response_model=MeetingCounts, responses=problem_responses(404))
async def meeting_counts(
    session: DbSession, identity: CurrentIdentity, meeting_id: MeetingRef
) -> MeetingCounts:
    """Registrations and seats by state; held seats by category and by country. Kept after
    personal data are erased."""
    return await service.counts(session, meeting_id, identity)


@router.get(
    "/{meeting_id}/calendar.ics",
    response_class=Response,
    responses={200: {"content": {"text/calendar": {}}}, **problem_responses(404)},
)
async def meeting_calendar(
    session: DbSession,
    identity: CurrentIdentity,
    meeting_id: MeetingRef,
    language: Annotated[Language, Query()] = "es",
) -> Response:
    """The meeting and its sessions as iCalendar (RFC 5545)."""
    meeting = await service.get_visible(session, meeting_id, identity)
    body = calendars.meeting_calendar(meeting, await sessions_of(session, meeting), language)
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{meeting.code}.ics"'},
    )
