"""Check-in, attendance, certificates and calendars."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from sela_contracts.events import AttendanceRecorded
from sela_events.attendance import calendars, documents
from sela_events.attendance.models import Attendance
from sela_events.attendance.repository import AttendanceRepository
from sela_events.meetings.models import Meeting, MeetingSession
from sela_events.meetings.repository import MeetingRepository
from sela_events.meetings.service import get_plain
from sela_events.problems import conflict, invalid
from sela_events.registrations.models import Registration
from sela_events.registrations.repository import RegistrationRepository
from sela_events.registrations.schemas import AttendanceRead, CheckIn, CheckInResult
from sela_events.registrations.service import SOURCE, now_utc
from sela_events.types import pick
from sela_events.vocab import RegistrationState as R
from sela_kit.errors import NotFoundError
from sela_kit.messaging import record_event


async def check_in(
    session: AsyncSession,
    meeting_ref: str,
    data: CheckIn,
    by: str | None,
    now: datetime | None = None,
) -> CheckInResult:
    now = now or now_utc()
    meeting = await get_plain(session, meeting_ref)
    # The QR code holds "SELA-CHECKIN:<meeting id>:<code>"; a typed code is accepted too.
    code = data.code.rsplit(":", 1)[-1] if data.code.startswith("SELA-CHECKIN:") else data.code
    reg = await RegistrationRepository(session).by_checkin_code(meeting.id, code)
    if reg is None:
        raise invalid("Unknown check-in code for this meeting.", [("code", "is not known")])
    if R(reg.state) not in (R.CONFIRMED, R.ATTENDED, R.NO_SHOW):
        raise conflict(
            f"The registration is {reg.state}, not confirmed.", "not_confirmed", field="code"
        )
    zone = ZoneInfo(meeting.timezone)
    day = data.day or now.astimezone(zone).date()
    if data.session_id is not None:
        item = await MeetingRepository(session).session_of(meeting.id, data.session_id)
        if item is None:
            raise invalid(
                "No such session in this meeting.",
                [("session_id", "is not a session of this meeting")],
            )
        day = item.starts_at.astimezone(zone).date()
    if meeting.start_at is not None and meeting.end_at is not None:
        first = meeting.start_at.astimezone(zone).date()
        last = meeting.end_at.astimezone(zone).date()
        if not first <= day <= last:
            raise invalid(
                "The day is outside the meeting's dates.",
                [("day", f"must be between {first} and {last}")],
            )
    row, new = await AttendanceRepository(session).record(
        reg.id, meeting.id, data.session_id, day, by
    )
    if new:
        reg.state = R.ATTENDED.value
        await record_event(
            session,
            AttendanceRecorded(
                registration_id=str(reg.id),
                meeting_id=str(meeting.id),
                session_id=str(data.session_id) if data.session_id else None,
                recorded_at=row.recorded_at,
            ),
            source=SOURCE,
        )
    await session.flush()
    name = " ".join(p for p in (reg.first_name, reg.last_name) if p) or None
    return CheckInResult(
        attendance=AttendanceRead.model_validate(row),
        already_recorded=not new,
        participant=name,
        state=R(reg.state),
    )


async def attendance_of_meeting(session: AsyncSession, meeting_ref: str) -> Sequence[Attendance]:
    meeting = await get_plain(session, meeting_ref)
    return await AttendanceRepository(session).of_meeting(meeting.id)


def _period(meeting: Meeting) -> str:
    if meeting.start_at is None:
        return meeting.period_note or ""
    zone = ZoneInfo(meeting.timezone)
    first = meeting.start_at.astimezone(zone).date()
    last = (meeting.end_at or meeting.start_at).astimezone(zone).date()
    return first.isoformat() if first == last else f"{first.isoformat()} / {last.isoformat()}"


async def certificate(session: AsyncSession, reg: Registration) -> bytes:
    if R(reg.state) is not R.ATTENDED:
        raise conflict(
            "Certificates are issued to participants whose attendance was recorded.",
            "not_attended",
        )
    if reg.erased:
        raise conflict("The registration's personal data were erased.", "erased")
    meeting = await get_plain(session, str(reg.meeting_id))
    rows = await AttendanceRepository(session).of_registration(reg.id)
    days = sorted({r.day for r in rows})
    place = ", ".join(p for p in (meeting.city, meeting.country) if p)
    name = " ".join(p for p in (reg.first_name, reg.last_name) if p)
    return documents.certificate_pdf(
        participant=name,
        organisation=reg.organisation,
        meeting_title=pick(meeting.title, reg.language),
        place=place,
        period=_period(meeting),
        days=days,
        activity=meeting.activity,
        language=reg.language,
        reference=str(reg.id),
    )


async def sessions_of(session: AsyncSession, meeting: Meeting) -> Sequence[MeetingSession]:
    return await AttendanceRepository(session).sessions(meeting.id)


async def participant_ics(session: AsyncSession, reg: Registration) -> bytes:
    meeting = await get_plain(session, str(reg.meeting_id))
    if meeting.start_at is None:
        raise NotFoundError("The meeting has no dates yet.", code="no_dates")
    return calendars.participant_calendar(meeting, await sessions_of(session, meeting), reg)


def qr_payload(reg: Registration) -> str:
    if reg.checkin_code is None or R(reg.state) not in (R.CONFIRMED, R.ATTENDED, R.NO_SHOW):
        raise conflict("Only confirmed registrations have a check-in code.", "not_confirmed")
    return f"SELA-CHECKIN:{reg.meeting_id}:{reg.checkin_code}"
