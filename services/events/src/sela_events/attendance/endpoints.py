"""HTTP: check-in, attendance, certificates, QR codes, personal calendars, jobs."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from sela_events import jobs
from sela_events.attendance import documents
from sela_events.attendance import service as attendance
from sela_events.deps import PRIVATE, Settings, Staff
from sela_events.registrations import service as registrations
from sela_events.registrations.schemas import (
    AttendanceRead,
    CheckIn,
    CheckInResult,
    JobResult,
)
from sela_kit.db import DbSession
from sela_kit.errors import problem_responses

router = APIRouter(tags=["attendance"])
PDF: dict[int | str, dict[str, Any]] = {200: {"content": {"application/pdf": {}}}}


@router.post(
    "/meetings/{meeting_id}/checkin",
    response_model=CheckInResult,
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def check_in(
    session: DbSession, identity: Staff, meeting_id: str, data: CheckIn
) -> CheckInResult:
    """Record attendance from a scanned QR code, for a day or a session (staff). Scanning
    twice records once."""
    return await attendance.check_in(session, meeting_id, data, identity.subject)


@router.get(
    "/meetings/{meeting_id}/attendance",
    response_model=list[AttendanceRead],
    responses=problem_responses(401, 403, 404),
)
async def meeting_attendance(session: DbSession, _: Staff, meeting_id: str) -> list[AttendanceRead]:
    """Every check-in of a meeting (staff)."""
    rows = await attendance.attendance_of_meeting(session, meeting_id)
    return [AttendanceRead.model_validate(r) for r in rows]


@router.post(
    "/meetings/{meeting_id}/no-shows",
    response_model=dict[str, int],
    responses=problem_responses(401, 403, 404),
)
async def mark_no_shows(session: DbSession, _: Staff, meeting_id: str) -> dict[str, int]:
    """After the meeting: confirmed registrations never checked in become no-shows (staff)."""
    return {"no_shows": await registrations.mark_no_shows(session, meeting_id)}


@router.get(
    "/registrations/{registration_id}/certificate.pdf",
    response_class=Response,
    responses={**PDF, **problem_responses(401, 403, 404, 409)},
)
async def staff_certificate(session: DbSession, _: Staff, registration_id: uuid.UUID) -> Response:
    """The certificate of attendance of a participant (staff)."""
    reg = await registrations.get_for(session, registration_id)
    return _pdf(await attendance.certificate(session, reg), reg.id)


@router.get(
    "/registrations/self/{token}/certificate.pdf",
    response_class=Response,
    responses={**PDF, **problem_responses(404, 409)},
)
async def own_certificate(session: DbSession, settings: Settings, token: str) -> Response:
    """One's certificate of attendance, once attendance was recorded."""
    reg = await registrations.by_token(session, settings, token)
    return _pdf(await attendance.certificate(session, reg), reg.id)


@router.get(
    "/registrations/self/{token}/qr.svg",
    response_class=Response,
    responses={
        200: {"content": {"image/svg+xml": {}, "image/png": {}}},
        **problem_responses(404, 409),
    },
)
async def own_qr_code(
    session: DbSession,
    settings: Settings,
    token: str,
    format: Annotated[str, Query(pattern="^(svg|png)$")] = "svg",
) -> Response:
    """The check-in QR code of a confirmed registration (SVG, or PNG with format=png)."""
    reg = await registrations.by_token(session, settings, token)
    payload = attendance.qr_payload(reg)
    if format == "png":
        return Response(documents.qr_png(payload), media_type="image/png", headers=PRIVATE)
    return Response(documents.qr_svg(payload), media_type="image/svg+xml", headers=PRIVATE)


@router.get(
    "/registrations/self/{token}/calendar.ics",
    response_class=Response,
    responses={200: {"content": {"text/calendar": {}}}, **problem_responses(404)},
)
async def own_calendar(session: DbSession, settings: Settings, token: str) -> Response:
    """The meeting and its sessions as iCalendar, with the participant as attendee."""
    reg = await registrations.by_token(session, settings, token)
    return Response(
        await attendance.participant_ics(session, reg),
        media_type="text/calendar; charset=utf-8",
        headers=PRIVATE,
    )


@router.post("/jobs/offers", response_model=JobResult, responses=problem_responses(401, 403))
async def run_offer_expiry(request: Request, settings: Settings, _: Staff) -> JobResult:
    """Run the offer-expiry job now (it also runs periodically in every replica)."""
    return await jobs.expire_offers(request.app.state.database, settings)


@router.post("/jobs/retention", response_model=JobResult, responses=problem_responses(401, 403))
async def run_retention(request: Request, _: Staff) -> JobResult:
    """Run the retention job now: erase personal data of meetings past their retention."""
    return await jobs.erase_personal_data(request.app.state.database)


def _pdf(body: bytes, registration_id: uuid.UUID) -> Response:
    return Response(
        body,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="certificate-{registration_id}.pdf"',
            **PRIVATE,
        },
    )
