"""Meetings: creation, changes, status workflow, agenda, form, categories and quotas."""

from __future__ import annotations

import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from sela_events.meetings import workflow
from sela_events.meetings.models import CategoryRule, FormField, Meeting, MeetingSession, Quota
from sela_events.meetings.repository import MeetingRepository
from sela_events.meetings.schemas import (
    CategoryRuleIn,
    CountRow,
    FormFieldIn,
    MeetingCounts,
    MeetingCreate,
    MeetingUpdate,
    QuotaIn,
    SessionCreate,
)
from sela_events.problems import conflict, invalid
from sela_events.vocab import Category, FieldKind, MeetingStatus
from sela_kit.errors import NotFoundError
from sela_kit.identity import Identity
from sela_kit.pagination import PageParams


def is_staff(identity: Identity) -> bool:
    return identity.has_any_role(("staff", "admin"))


def localize(value: datetime | None, zone: str) -> datetime | None:
    """An aware datetime: naive values are read in the meeting's time zone."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=ZoneInfo(zone))


async def get_visible(session: AsyncSession, ref: str, identity: Identity) -> Meeting:
    """The meeting with its children; drafts exist only for staff."""
    meeting = await MeetingRepository(session).get(ref, children=True)
    if meeting is None or (
        MeetingStatus(meeting.status) not in workflow.PUBLIC and not is_staff(identity)
    ):
        raise NotFoundError(f"No meeting {ref!r}.", code="meeting_not_found")
    return meeting


async def get_plain(session: AsyncSession, ref: str) -> Meeting:
    meeting = await MeetingRepository(session).get(ref)
    if meeting is None:
        raise NotFoundError(f"No meeting {ref!r}.", code="meeting_not_found")
    return meeting


async def list_visible(
    session: AsyncSession,
    identity: Identity,
    page: PageParams,
    *,
    status: MeetingStatus | None,
    activity: str | None,
    type_: str | None,
    year: int | None,
    q: str | None,
) -> tuple[list[Meeting], str | None]:
    if status is not None:
        statuses: list[str] | None = [status.value]
        if status not in workflow.PUBLIC and not is_staff(identity):
            statuses = []
    elif is_staff(identity):
        statuses = None
    else:
        statuses = [s.value for s in workflow.PUBLIC]
    return await MeetingRepository(session).list_page(
        page, statuses=statuses, activity=activity, type_=type_, year=year, q=q
    )


def _check_fields(fields: list[FormFieldIn], prefix: str) -> None:
    errors: list[tuple[str, str]] = []
    seen: set[str] = set()
    for i, item in enumerate(fields):
        if item.key in seen:
            errors.append((f"{prefix}.{i}.key", f"{item.key!r} appears twice"))
        if item.kind in (FieldKind.CHOICE, FieldKind.MULTI_CHOICE) and not item.options:
            errors.append((f"{prefix}.{i}.options", "a choice field needs options"))
        if item.condition is not None and item.condition.field not in seen:
            errors.append(
                (
                    f"{prefix}.{i}.condition.field",
                    f"{item.condition.field!r} is not a field before this one",
                )
            )
        seen.add(item.key)
    if errors:
        raise invalid("The registration form is not consistent.", errors)


def _check_dates(start: datetime | None, end: datetime | None, closes: datetime | None) -> None:
    errors = []
    if start is not None and end is not None and end < start:
        errors.append(("end_at", "is before start_at"))
    if closes is not None and end is not None and closes > end:
        errors.append(("registration_closes_at", "is after the meeting ends"))
    if errors:
        raise invalid("The meeting's dates are not consistent.", errors)


def _fields(meeting_id: uuid.UUID, items: list[FormFieldIn]) -> list[FormField]:
    return [
        FormField(
            meeting_id=meeting_id,
            key=f.key,
            label=dict(f.label),
            kind=f.kind.value,
            required=f.required,
            options=list(f.options),
            condition=f.condition.as_json() if f.condition else None,
            position=i,
        )
        for i, f in enumerate(items)
    ]


def _rules(meeting_id: uuid.UUID, items: list[CategoryRuleIn] | None) -> list[CategoryRule]:
    if items is None:
        items = [CategoryRuleIn(category=c) for c in Category]
    seen: dict[str, CategoryRule] = {}
    for item in items:
        seen[item.category.value] = CategoryRule(
            meeting_id=meeting_id, category=item.category.value, moderated=item.moderated
        )
    return list(seen.values())


def _quotas(meeting_id: uuid.UUID, items: list[QuotaIn]) -> list[Quota]:
    return [
        Quota(
            id=uuid.uuid4(),
            meeting_id=meeting_id,
            category=q.category.value if q.category else None,
            country=q.country,
            per_country=q.per_country,
            seats=q.seats,
        )
        for q in items
    ]


def _session(meeting: Meeting, item: SessionCreate) -> MeetingSession:
    starts = localize(item.starts_at, meeting.timezone)
    ends = localize(item.ends_at, meeting.timezone)
    assert starts is not None
    assert ends is not None
    return MeetingSession(
        id=uuid.uuid4(),
        meeting_id=meeting.id,
        title=dict(item.title),
        starts_at=starts,
        ends_at=ends,
        room=item.room,
        speakers=list(item.speakers),
    )


async def create(
    session: AsyncSession, data: MeetingCreate, *, source: str | None = None
) -> Meeting:
    repo = MeetingRepository(session)
    if await repo.get_by_code(data.code) is not None:
        raise conflict(f"A meeting with code {data.code!r} exists.", "duplicate_code", field="code")
    _check_fields(data.fields, "fields")
    start = localize(data.start_at, data.timezone)
    end = localize(data.end_at, data.timezone)
    closes = localize(data.registration_closes_at, data.timezone)
    _check_dates(start, end, closes)
    meeting = Meeting(
        id=uuid.uuid4(),
        code=data.code,
        title=dict(data.title),
        description=dict(data.description),
        type=data.type.value,
        activity=data.activity,
        venue=data.venue,
        city=data.city,
        country=data.country,
        timezone=data.timezone,
        start_at=start,
        end_at=end,
        period_note=data.period_note,
        organisers=list(data.organisers),
        partners=list(data.partners),
        status=MeetingStatus.DRAFT.value,
        capacity=data.capacity,
        registration_closes_at=closes,
        modification_rule=data.modification_rule.value,
        offer_hours=data.offer_hours,
        retention_days=data.retention_days,
        source=source,
    )
    repo.add(meeting)
    await session.flush()
    session.add_all([_session(meeting, s) for s in data.sessions])
    session.add_all(_fields(meeting.id, data.fields))
    session.add_all(_rules(meeting.id, data.categories))
    session.add_all(_quotas(meeting.id, data.quotas))
    await session.flush()
    return await repo.reload_with_children(meeting.id)


async def _locked(session: AsyncSession, ref: str) -> Meeting:
    meeting = await get_plain(session, ref)
    locked = await MeetingRepository(session).lock(meeting.id)
    assert locked is not None
    return locked


async def update(session: AsyncSession, ref: str, data: MeetingUpdate) -> Meeting:
    from sela_events.registrations import service as registrations

    meeting = await _locked(session, ref)
    changes = data.model_dump(exclude_unset=True)
    zone = changes.get("timezone") or meeting.timezone
    for name in ("start_at", "end_at", "registration_closes_at"):
        if name in changes:
            changes[name] = localize(changes[name], zone)
    for name in ("title", "type", "timezone", "modification_rule", "offer_hours"):
        if name in changes and changes[name] is None:
            raise invalid("A required value cannot be removed.", [(name, "cannot be null")])
    if "type" in changes:
        changes["type"] = changes["type"].value if changes["type"] else None
    if "modification_rule" in changes:
        changes["modification_rule"] = changes["modification_rule"].value
    if changes.get("retention_days", 0) is None:
        changes.pop("retention_days")
    _check_dates(
        changes.get("start_at", meeting.start_at),
        changes.get("end_at", meeting.end_at),
        changes.get("registration_closes_at", meeting.registration_closes_at),
    )
    for name, value in changes.items():
        setattr(meeting, name, value)
    await session.flush()
    if "capacity" in changes:
        await registrations.offer_free_seats(session, meeting)
    return await MeetingRepository(session).reload_with_children(meeting.id)


async def change_status(session: AsyncSession, ref: str, target: MeetingStatus) -> Meeting:
    meeting = await _locked(session, ref)
    current = MeetingStatus(meeting.status)
    if current == target:
        return await MeetingRepository(session).reload_with_children(meeting.id)
    if not workflow.can_move(current, target):
        allowed = ", ".join(sorted(workflow.TRANSITIONS[current])) or "none"
        raise conflict(
            f"A meeting in status {current} cannot move to {target} (allowed: {allowed}).",
            "invalid_status_change",
            field="status",
        )
    if target is MeetingStatus.REGISTRATION_OPEN and meeting.start_at is None:
        raise conflict(
            "Registration opens only once the meeting has dates.", "dates_missing", field="status"
        )
    meeting.status = target.value
    await session.flush()
    return await MeetingRepository(session).reload_with_children(meeting.id)


async def add_session(session: AsyncSession, ref: str, data: SessionCreate) -> MeetingSession:
    meeting = await get_plain(session, ref)
    item = _session(meeting, data)
    session.add(item)
    await session.flush()
    return item


async def delete_session(session: AsyncSession, ref: str, session_id: uuid.UUID) -> None:
    meeting = await get_plain(session, ref)
    repo = MeetingRepository(session)
    item = await repo.session_of(meeting.id, session_id)
    if item is None:
        raise NotFoundError(f"No session {session_id} in this meeting.", code="session_not_found")
    await repo.delete_session(item)
    await session.flush()


async def set_form(session: AsyncSession, ref: str, fields: list[FormFieldIn]) -> Meeting:
    meeting = await get_plain(session, ref)
    _check_fields(fields, "fields")
    repo = MeetingRepository(session)
    await repo.replace_fields(meeting.id, _fields(meeting.id, fields))
    await session.flush()
    return await repo.reload_with_children(meeting.id)


async def set_categories(session: AsyncSession, ref: str, rules: list[CategoryRuleIn]) -> Meeting:
    meeting = await _locked(session, ref)
    repo = MeetingRepository(session)
    await repo.replace_categories(meeting.id, _rules(meeting.id, rules))
    await session.flush()
    return await repo.reload_with_children(meeting.id)


async def set_quotas(session: AsyncSession, ref: str, quotas: list[QuotaIn]) -> Meeting:
    from sela_events.registrations import service as registrations

    # Under the meeting lock: a registration never sees half of the new quotas.
    meeting = await _locked(session, ref)
    repo = MeetingRepository(session)
    await repo.replace_quotas(meeting.id, _quotas(meeting.id, quotas))
    await session.flush()
    await registrations.offer_free_seats(session, meeting)
    return await repo.reload_with_children(meeting.id)


async def counts(session: AsyncSession, ref: str, identity: Identity) -> MeetingCounts:
    meeting = await get_visible(session, ref, identity)
    by_state, by_category, by_country = await MeetingRepository(session).counts(meeting.id)
    return MeetingCounts(
        meeting_id=meeting.id,
        capacity=meeting.capacity,
        seats_held=sum(seats for _, _, seats in by_category),
        by_state=[CountRow(key=k, registrations=n, seats=s) for k, n, s in by_state],
        by_category=[CountRow(key=k, registrations=n, seats=s) for k, n, s in by_category],
        by_country=[CountRow(key=k, registrations=n, seats=s) for k, n, s in by_country],
    )
