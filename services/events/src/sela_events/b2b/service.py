"""Round tables: profiles, bilateral meeting requests, and the schedule."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from sela_events.b2b import scheduler
from sela_events.b2b.models import B2BProfile, B2BRequest
from sela_events.b2b.repository import B2BRepository
from sela_events.b2b.schemas import (
    MeetingRequestCreate,
    MeetingRequestRead,
    ProfileRead,
    ProfileUpdate,
    ScheduleReport,
    ScheduleRequest,
)
from sela_events.meetings.service import get_plain
from sela_events.problems import conflict, invalid
from sela_events.registrations.models import Registration
from sela_events.registrations.repository import RegistrationRepository
from sela_events.vocab import RegistrationState as R

_TAKING_PART = (R.CONFIRMED.value, R.ATTENDED.value)


def _read(profile: B2BProfile, reg: Registration) -> ProfileRead:
    name = " ".join(p for p in (reg.first_name, reg.last_name) if p) or None
    return ProfileRead(
        registration_id=reg.id,
        sector=profile.sector,
        offers=profile.offers,
        seeks=profile.seeks,
        organisation=reg.organisation,
        country=reg.country,
        name=name if reg.consent_publish else None,
    )


def _taking_part(reg: Registration) -> None:
    if reg.state not in _TAKING_PART:
        raise conflict(
            "Only confirmed participants take part in the round tables.", "not_confirmed"
        )


async def set_profile(session: AsyncSession, reg: Registration, data: ProfileUpdate) -> ProfileRead:
    _taking_part(reg)
    repo = B2BRepository(session)
    profile = await repo.profile(reg.id)
    if profile is None:
        profile = B2BProfile(registration_id=reg.id, meeting_id=reg.meeting_id, sector=data.sector)
        repo.add(profile)
    profile.sector = data.sector.strip().lower()
    profile.offers = data.offers
    profile.seeks = data.seeks
    await session.flush()
    return _read(profile, reg)


async def profiles(session: AsyncSession, meeting_ref: str) -> list[ProfileRead]:
    meeting = await get_plain(session, meeting_ref)
    return [_read(p, r) for p, r in await B2BRepository(session).profiles(meeting.id)]


async def request_meeting(
    session: AsyncSession, reg: Registration, data: MeetingRequestCreate
) -> B2BRequest:
    _taking_part(reg)
    repo = B2BRepository(session)
    mine = await repo.profile(reg.id)
    if mine is None:
        raise conflict("State what you offer and seek first.", "profile_missing")
    target = await RegistrationRepository(session).get(data.target_registration_id)
    field = "target_registration_id"
    if target is None or target.meeting_id != reg.meeting_id:
        raise invalid("No such participant in this meeting.", [(field, "is not a participant")])
    if target.id == reg.id:
        raise invalid("A meeting needs two participants.", [(field, "is yourself")])
    if target.state not in _TAKING_PART:
        raise invalid("The participant is not confirmed.", [(field, "is not confirmed")])
    if await repo.pair(reg.meeting_id, reg.id, target.id) is not None:
        raise conflict("This meeting was already requested.", "already_requested", field=field)
    theirs = await repo.profile(target.id)
    request = B2BRequest(
        id=uuid.uuid4(),
        meeting_id=reg.meeting_id,
        requester_id=reg.id,
        target_id=target.id,
        # The meeting sits at a table of the sector both share, else at any table.
        sector=mine.sector if theirs is not None and theirs.sector == mine.sector else None,
        note=data.note,
    )
    repo.add(request)
    await session.flush()
    return request


async def of_registration(session: AsyncSession, reg: Registration) -> Sequence[B2BRequest]:
    return await B2BRepository(session).of_registration(reg.id)


async def build_schedule(
    session: AsyncSession, meeting_ref: str, data: ScheduleRequest
) -> ScheduleReport:
    meeting = await get_plain(session, meeting_ref)
    slots = sorted(data.slots, key=lambda s: s.starts_at)
    errors = [
        (f"slots.{i}", "ends before it starts")
        for i, s in enumerate(slots)
        if s.ends_at <= s.starts_at
    ]
    errors += [
        (f"slots.{i + 1}", "overlaps the slot before it")
        for i in range(len(slots) - 1)
        if slots[i + 1].starts_at < slots[i].ends_at
    ]
    if errors:
        raise invalid("The slots must not overlap.", errors)
    repo = B2BRepository(session)
    requests = await repo.requests(meeting.id)
    wishes = [
        scheduler.Wish(str(r.id), str(r.requester_id), str(r.target_id), r.sector) for r in requests
    ]
    tables = [
        scheduler.Table(t.name, t.sector.strip().lower() if t.sector else None) for t in data.tables
    ]
    # CPU-bound: solved off the event loop.
    plan = await asyncio.to_thread(scheduler.schedule, wishes, len(slots), tables)
    await repo.clear_schedule(meeting.id)
    for request in requests:
        placed = plan.assignments.get(str(request.id))
        if placed is None:
            request.slot_starts_at = request.slot_ends_at = request.table_name = None
            continue
        slot, table = placed
        request.slot_starts_at = slots[slot].starts_at
        request.slot_ends_at = slots[slot].ends_at
        request.table_name = table
    await session.flush()
    return ScheduleReport(
        requests=len(requests),
        met=len(plan.assignments),
        unmet=len(requests) - len(plan.assignments),
        optimal=plan.optimal,
        assignments=[
            MeetingRequestRead.model_validate(r) for r in requests if r.table_name is not None
        ],
    )


async def schedule_of(session: AsyncSession, meeting_ref: str) -> list[B2BRequest]:
    meeting = await get_plain(session, meeting_ref)
    return list(await B2BRepository(session).requests(meeting.id))
