"""HTTP: sector round tables (profiles, bilateral meeting requests, schedule)."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from sela_events.b2b import service
from sela_events.b2b.schemas import (
    MeetingRequestCreate,
    MeetingRequestRead,
    ProfileRead,
    ProfileUpdate,
    ScheduleReport,
    ScheduleRequest,
)
from sela_events.deps import PRIVATE, Settings, Staff
from sela_events.registrations import service as registrations
from sela_kit.db import DbSession
from sela_kit.errors import problem_responses

router = APIRouter(tags=["round tables"])


@router.get(
    "/meetings/{meeting_id}/b2b/profiles",
    response_model=list[ProfileRead],
    responses=problem_responses(404),
)
async def round_table_profiles(session: DbSession, meeting_id: str) -> list[ProfileRead]:
    """What confirmed participants offer and seek, by sector (names only with consent)."""
    return await service.profiles(session, meeting_id)


@router.put(
    "/registrations/self/{token}/b2b/profile",
    response_model=ProfileRead,
    responses=problem_responses(404, 409, 422),
)
async def set_round_table_profile(
    session: DbSession, settings: Settings, token: str, data: ProfileUpdate, response: Response
) -> ProfileRead:
    """State one's sector and what one offers and seeks."""
    response.headers.update(PRIVATE)
    reg = await registrations.by_token(session, settings, token)
    return await service.set_profile(session, reg, data)


@router.post(
    "/registrations/self/{token}/b2b/requests",
    status_code=status.HTTP_201_CREATED,
    response_model=MeetingRequestRead,
    responses=problem_responses(404, 409, 422),
)
async def request_bilateral_meeting(
    session: DbSession,
    settings: Settings,
    token: str,
    data: MeetingRequestCreate,
    response: Response,
) -> MeetingRequestRead:
    """Ask for a bilateral meeting with another participant."""
    response.headers.update(PRIVATE)
    reg = await registrations.by_token(session, settings, token)
    return MeetingRequestRead.model_validate(await service.request_meeting(session, reg, data))


@router.get(
    "/registrations/self/{token}/b2b/requests",
    response_model=list[MeetingRequestRead],
    responses=problem_responses(404),
)
async def own_bilateral_meetings(
    session: DbSession, settings: Settings, token: str, response: Response
) -> list[MeetingRequestRead]:
    """One's requested meetings, with slot and table once scheduled."""
    response.headers.update(PRIVATE)
    reg = await registrations.by_token(session, settings, token)
    return [
        MeetingRequestRead.model_validate(r) for r in await service.of_registration(session, reg)
    ]


@router.post(
    "/meetings/{meeting_id}/b2b/schedule",
    response_model=ScheduleReport,
    responses=problem_responses(401, 403, 404, 422),
)
async def schedule_bilateral_meetings(
    session: DbSession, _: Staff, meeting_id: str, data: ScheduleRequest
) -> ScheduleReport:
    """Place the requested meetings in slots and tables: nobody and no table twice in a
    slot, as many requests met as possible (exact integer programme, HiGHS) (staff)."""
    return await service.build_schedule(session, meeting_id, data)


@router.get(
    "/meetings/{meeting_id}/b2b/schedule",
    response_model=list[MeetingRequestRead],
    responses=problem_responses(401, 403, 404),
)
async def bilateral_schedule(
    session: DbSession, _: Staff, meeting_id: str
) -> list[MeetingRequestRead]:
    """Every requested meeting, with its slot and table if it has one (staff)."""
    return [
        MeetingRequestRead.model_validate(r) for r in await service.schedule_of(session, meeting_id)
    ]
