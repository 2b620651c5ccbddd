"""Registrations: seats under capacity and quotas, moderation, waiting list, self-service.

Every change of held seats for a meeting runs under the meeting's row lock
(``MeetingRepository.lock``), taken before any registration row is locked; so counts read
under the lock are exact and concurrent requests can never confirm more seats than a limit
allows. See docs/decisions/0030.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from sela_contracts import EventContract
from sela_contracts.events import (
    NotificationRequested,
    RegistrationCancelled,
    RegistrationConfirmed,
)
from sela_events.mail.templates import render
from sela_events.meetings.models import Meeting
from sela_events.meetings.repository import MeetingRepository
from sela_events.meetings.service import get_plain
from sela_events.problems import conflict, invalid
from sela_events.registrations import seats as seat_rules
from sela_events.registrations import states
from sela_events.registrations.forms import FieldSpec, validate_answers
from sela_events.registrations.models import Invitation, Registration
from sela_events.registrations.repository import RegistrationRepository
from sela_events.registrations.schemas import (
    InvitationCreate,
    RegistrationCreate,
    RegistrationUpdate,
)
from sela_events.registrations.tokens import manage_token, new_code, parse_manage_token
from sela_events.settings import EventsSettings
from sela_events.types import pick
from sela_events.vocab import (
    ACTIVE,
    SEAT_HOLDING,
    Category,
    MeetingStatus,
    ModificationRule,
    RegistrationState,
)
from sela_kit.db import Database
from sela_kit.errors import DomainError, NotFoundError
from sela_kit.identity import Identity

if TYPE_CHECKING:
    from sela_events.registrations.batcher import SeatBatcher
from sela_kit.messaging import record_event, record_events

SOURCE = "events"
# Categories that speak for a member state, so they must name one.
COUNTRY_REQUIRED = frozenset({Category.DELEGATION, Category.NATIONAL_COORDINATOR})
R = RegistrationState
_LIVE = frozenset(s.value for s in ACTIVE)


def now_utc() -> datetime:
    return datetime.now(UTC)


def manage_url(settings: EventsSettings, registration_id: uuid.UUID) -> str:
    token = manage_token(settings.secret, registration_id)
    return f"{settings.public_url.rstrip('/')}/registrations/self/{token}"


# -- events and notifications ---------------------------------------------------------------


def announcement(meeting: Meeting, reg: Registration, state: R) -> EventContract:
    payload: dict[str, Any] = {
        "registration_id": str(reg.id),
        "meeting_id": str(meeting.id),
        "activity": meeting.activity,
        "category": reg.category,
        "country": reg.country,
        "email": reg.email,
    }
    if state is R.CONFIRMED:
        return RegistrationConfirmed(**payload)
    return RegistrationCancelled(**payload)


async def _announce(session: AsyncSession, meeting: Meeting, reg: Registration, state: R) -> None:
    await record_event(session, announcement(meeting, reg, state), source=SOURCE)


def notice(
    settings: EventsSettings,
    meeting: Meeting,
    reg: Registration,
    kind: str,
) -> NotificationRequested | None:
    """The mail announcing ``kind`` to the registrant (None when the address was erased)."""
    if reg.email is None:
        return None
    name = " ".join(p for p in (reg.first_name, reg.last_name) if p) or reg.email
    subject, body = render(
        kind,
        reg.language,
        title=pick(meeting.title, reg.language),
        name=name,
        link=manage_url(settings, reg.id),
        deadline=reg.offer_expires_at if kind == "offered" else None,
    )
    return NotificationRequested(
        notification_id=str(uuid.uuid4()),
        kind=kind,
        to=reg.email,
        to_name=name,
        language=reg.language,
        subject_line=subject,
        body=body,
        registration_id=str(reg.id),
        meeting_id=str(meeting.id),
        # Rendered by the mail sender, off the request path.
        attach_calendar=kind == "confirmed" and meeting.start_at is not None,
    )


async def notify(
    session: AsyncSession,
    settings: EventsSettings,
    meeting: Meeting,
    reg: Registration,
    kind: str,
) -> None:
    message = notice(settings, meeting, reg, kind)
    if message is not None:
        await record_event(session, message, source=SOURCE)


async def _move(
    session: AsyncSession,
    settings: EventsSettings,
    meeting: Meeting,
    reg: Registration,
    target: R,
    *,
    by: str | None = None,
    notice: str | None = None,
) -> None:
    current = R(reg.state)
    if not states.can_move(current, target):
        raise conflict(
            f"A registration in state {current} cannot become {target}.",
            "invalid_state_change",
        )
    reg.state = target.value
    if target is not R.OFFERED:
        reg.offer_expires_at = None
    if by is not None:
        reg.decided_by = by
    if target is R.CONFIRMED:
        await _announce(session, meeting, reg, target)
    elif target in (R.CANCELLED, R.DECLINED, R.REJECTED) and current in (
        R.CONFIRMED,
        R.WAITLISTED,
        R.OFFERED,
    ):
        await _announce(session, meeting, reg, R.CANCELLED)
    kind = notice or {
        R.CONFIRMED: "confirmed",
        R.WAITLISTED: "waitlisted",
        R.CANCELLED: "cancelled",
        R.REJECTED: "rejected",
        R.OFFERED: "offered",
    }.get(target)
    if kind is not None:
        await notify(session, settings, meeting, reg, kind)


# -- seats ---------------------------------------------------------------------------------


async def _limits(
    session: AsyncSession, meeting: Meeting
) -> tuple[list[seat_rules.QuotaRule], dict[tuple[str, str | None], int]]:
    repo = RegistrationRepository(session)
    quotas = [
        seat_rules.QuotaRule(q.category, q.country, q.per_country, q.seats)
        for q in await repo.quotas(meeting.id)
    ]
    return quotas, await repo.usage(meeting.id)


def _fit(
    meeting: Meeting,
    quotas: Sequence[seat_rules.QuotaRule],
    usage: seat_rules.Usage,
    reg: Registration,
) -> seat_rules.Fit:
    return seat_rules.fit(
        reg.category, reg.country, reg.seats, capacity=meeting.capacity, quotas=quotas, usage=usage
    )


def offers_allowed(meeting: Meeting, now: datetime) -> bool:
    """No seat is offered once the meeting has started (nobody could take it up in time)."""
    return meeting.start_at is None or now < meeting.start_at


async def offer_free_seats(
    session: AsyncSession,
    meeting: Meeting,
    settings: EventsSettings | None = None,
    now: datetime | None = None,
) -> list[Registration]:
    """Offer free seats to waitlisted requests in arrival order; the meeting lock is held.

    First fit: a request that does not fit (a delegation wanting more seats than are free)
    keeps its place while smaller requests behind it in other queues are served; within one
    quota the order is first come, first served. See docs/decisions/0031.
    """
    now = now or now_utc()
    if not offers_allowed(meeting, now) or MeetingStatus(meeting.status) in (
        MeetingStatus.CANCELLED,
        MeetingStatus.HELD,
    ):
        return []
    settings = settings or EventsSettings()
    quotas, usage = await _limits(session, meeting)
    offered = []
    deadline = now + timedelta(hours=meeting.offer_hours)
    if meeting.start_at is not None:
        deadline = min(deadline, meeting.start_at)
    for reg in await RegistrationRepository(session).waitlist(meeting.id):
        if not _fit(meeting, quotas, usage, reg).fits:
            continue
        reg.offer_expires_at = deadline
        await _move(session, settings, meeting, reg, R.OFFERED)
        seat_rules.add(usage, reg.category, reg.country, reg.seats)
        offered.append(reg)
    await session.flush()
    return offered


async def _locked_meeting(session: AsyncSession, meeting_id: uuid.UUID) -> Meeting:
    meeting = await MeetingRepository(session).lock(meeting_id)
    if meeting is None:
        raise NotFoundError("The meeting no longer exists.", code="meeting_not_found")
    return meeting


# -- registering ---------------------------------------------------------------------------


def _registration_open(meeting: Meeting, now: datetime) -> None:
    status = MeetingStatus(meeting.status)
    if status is not MeetingStatus.REGISTRATION_OPEN:
        raise conflict(
            f"Registration for this meeting is not open (status {status}).",
            "registration_closed",
        )
    if meeting.registration_closes_at is not None and now >= meeting.registration_closes_at:
        raise conflict("Registration for this meeting has closed.", "registration_closed")
    if meeting.end_at is not None and now >= meeting.end_at:
        raise conflict("The meeting is over.", "registration_closed")


@dataclass(frozen=True)
class MeetingConfig:
    """What checking a registration needs to know of its meeting, read before the lock."""

    meeting: Meeting
    moderated: dict[str, bool]  # accepted category -> needs approval
    fields: tuple[FieldSpec, ...]


async def load_config(session: AsyncSession, meeting_ref: str) -> MeetingConfig:
    meeting = await get_plain(session, meeting_ref)
    repo = RegistrationRepository(session)
    rules = await repo.category_rules(meeting.id)
    fields = await repo.form_fields(meeting.id)
    return MeetingConfig(
        meeting,
        {r.category: r.moderated for r in rules},
        tuple(FieldSpec(f.key, f.kind, f.required, tuple(f.options), f.condition) for f in fields),
    )


async def find_invitation(
    session: AsyncSession, meeting_id: uuid.UUID, data: RegistrationCreate
) -> Invitation | None:
    if data.invitation_code is None:
        return None
    return await RegistrationRepository(session).invitation(meeting_id, data.invitation_code)


def _validate(
    config: MeetingConfig, data: RegistrationCreate, invitation: Invitation | None
) -> tuple[dict[str, Any], bool]:
    """Checks that need no lock; returns the cleaned answers and whether approval is needed."""
    errors: list[tuple[str, str]] = []
    if data.invitation_code is not None:
        if invitation is None or invitation.used_at is not None:
            errors.append(("invitation_code", "is not a valid, unused invitation to this meeting"))
        else:
            if invitation.email is not None and invitation.email.lower() != data.email.lower():
                errors.append(("email", "is not the address the invitation was sent to"))
            if invitation.category != data.category.value:
                errors.append(("category", f"the invitation is for {invitation.category}"))
            if invitation.country is not None and invitation.country != data.country:
                errors.append(("country", f"the invitation is for {invitation.country}"))
            if data.seats > invitation.seats:
                errors.append(("seats", f"the invitation is for {invitation.seats} seat(s)"))
    moderated = config.moderated.get(data.category.value)
    if moderated is None:
        accepted = ", ".join(sorted(config.moderated)) or "none"
        errors.append(("category", f"this meeting accepts the categories: {accepted}"))
    if data.category in COUNTRY_REQUIRED and data.country is None:
        errors.append(("country", f"is required for the category {data.category}"))
    if len(data.companions) > data.seats - 1:
        errors.append(("companions", f"names more people than the {data.seats} seat(s) requested"))
    form = validate_answers(config.fields, data.answers)
    errors += [(f"answers.{key}", reason) for key, reason in form.errors]
    if errors:
        raise invalid("The registration has invalid values.", errors)
    return form.answers, bool(moderated) and invitation is None


@dataclass
class Claim:
    """A validated request for seats, waiting for its decision under the meeting lock."""

    reg: Registration
    moderated: bool
    invitation_id: uuid.UUID | None
    # Renders the mail of the outcome once it is known (one mail, not one per possible state).
    settings: EventsSettings


# The mail a new registration receives, by the state it was given.
_NEW_NOTICE = {R.CONFIRMED: "confirmed", R.WAITLISTED: "waitlisted", R.PENDING: "received"}


Outcome = tuple[Registration, bool] | DomainError


def prepare(
    settings: EventsSettings,
    config: MeetingConfig,
    data: RegistrationCreate,
    identity: Identity,
    invitation: Invitation | None,
    *,
    idempotency_key: str | None,
    skip_moderation: bool,
    now: datetime,
    check_open: bool = True,
) -> Claim:
    """Everything that needs no lock: the checks of the input and the row.

    ``check_open=False`` leaves the status check to :func:`decide` (a cached meeting's status
    may be a moment old; the one read under the lock is not).
    """
    meeting = config.meeting
    if check_open:
        _registration_open(meeting, now)
    answers, moderated = _validate(config, data, invitation)
    reg = Registration(
        id=uuid.uuid4(),
        meeting_id=meeting.id,
        state=R.PENDING.value,
        category=data.category.value,
        country=data.country,
        seats=data.seats,
        first_name=data.first_name,
        last_name=data.last_name,
        email=str(data.email),
        organisation=data.organisation,
        position=data.position,
        language=data.language,
        companions=list(data.companions),
        answers=answers,
        consent_publish=data.consent_publish,
        user_subject=identity.subject if identity.kind == "user" else None,
        idempotency_key=idempotency_key,
        invitation_id=invitation.id if invitation else None,
        checkin_code=new_code(),
    )
    return Claim(
        reg, moderated and not skip_moderation, invitation.id if invitation else None, settings
    )


async def decide(
    session: AsyncSession, meeting_id: uuid.UUID, claims: Sequence[Claim], now: datetime
) -> list[Outcome]:
    """Decide a batch of claims in arrival order under the meeting lock, and write them.

    Each claim gets its registration (new or, for a repeated Idempotency-Key, the existing
    one) or the error that refuses it; one refused claim does not affect the others.
    """
    meeting = await _locked_meeting(session, meeting_id)
    try:
        _registration_open(meeting, now)
    except DomainError as exc:
        return [exc for _ in claims]
    repo = RegistrationRepository(session)
    quotas, usage = await _limits(session, meeting)
    existing = await repo.duplicates(
        meeting.id,
        [str(c.reg.email) for c in claims],
        [c.reg.idempotency_key for c in claims if c.reg.idempotency_key],
    )
    by_key = {r.idempotency_key: r for r in existing if r.idempotency_key}
    by_email = {str(r.email).lower(): r for r in existing if r.state in _LIVE}
    outcomes: list[Outcome] = []
    new: list[Registration] = []
    events: list[EventContract] = []
    for claim in claims:
        reg = claim.reg
        key = reg.idempotency_key
        if key is not None and key in by_key:
            outcomes.append((by_key[key], False))
            continue
        email = str(reg.email).lower()
        if email in by_email:
            outcomes.append(_already_registered())
            continue
        whole = seat_rules.fit(
            reg.category, reg.country, reg.seats, capacity=meeting.capacity, quotas=quotas, usage={}
        )
        if whole.impossible:
            outcomes.append(
                invalid(
                    f"The request exceeds the {whole.blocking} even with every seat free.",
                    [("seats", f"exceeds the {whole.blocking}")],
                    code="quota_exceeded",
                )
            )
            continue
        if claim.invitation_id is not None and not await repo.use_invitation(
            claim.invitation_id, now
        ):
            outcomes.append(
                invalid("The invitation was used meanwhile.", [("invitation_code", "is used")])
            )
            continue
        if claim.moderated:
            target = R.PENDING
        else:
            fits = _fit(meeting, quotas, usage, reg).fits
            target = R.CONFIRMED if fits else R.WAITLISTED
        reg.state = target.value
        if target is R.CONFIRMED:
            seat_rules.add(usage, reg.category, reg.country, reg.seats)
            events.append(announcement(meeting, reg, R.CONFIRMED))
        message = notice(claim.settings, meeting, reg, _NEW_NOTICE[target])
        if message is not None:
            events.append(message)
        new.append(reg)
        by_email[email] = reg
        if key is not None:
            by_key[key] = reg
        outcomes.append((reg, True))
    if new:
        session.add_all(new)
        await session.flush()
        await record_events(session, events, source=SOURCE)
    return outcomes


def _already_registered() -> DomainError:
    return conflict(
        "This address already has a registration for this meeting; use the link sent "
        "with it to view or change it.",
        "already_registered",
        field="email",
    )


def _result(outcome: Outcome) -> tuple[Registration, bool]:
    if isinstance(outcome, DomainError):
        raise outcome
    return outcome


async def register(
    session: AsyncSession,
    settings: EventsSettings,
    meeting_ref: str,
    data: RegistrationCreate,
    identity: Identity,
    *,
    idempotency_key: str | None = None,
    skip_moderation: bool = False,
    now: datetime | None = None,
) -> tuple[Registration, bool]:
    """Register inside the caller's transaction (CSV import: every row or none).

    Returns the registration and whether it is new (False: an idempotent replay).
    """
    now = now or now_utc()
    config = await load_config(session, meeting_ref)
    invitation = await find_invitation(session, config.meeting.id, data)
    claim = prepare(
        settings,
        config,
        data,
        identity,
        invitation,
        idempotency_key=idempotency_key,
        skip_moderation=skip_moderation,
        now=now,
    )
    [outcome] = await decide(session, config.meeting.id, [claim], now)
    return _result(outcome)


async def register_batched(
    database: Database,
    batcher: SeatBatcher,
    settings: EventsSettings,
    meeting_ref: str,
    data: RegistrationCreate,
    identity: Identity,
    *,
    idempotency_key: str | None = None,
) -> tuple[Registration, bool]:
    """Register through the meeting's batch: concurrent registrations for one meeting share
    one lock and one commit (docs/decisions/0034)."""
    now = now_utc()
    config = await batcher.config(meeting_ref)
    invitation = None
    if data.invitation_code is not None:
        async with database.transaction() as session:
            invitation = await find_invitation(session, config.meeting.id, data)
    claim = prepare(
        settings,
        config,
        data,
        identity,
        invitation,
        idempotency_key=idempotency_key,
        skip_moderation=False,
        now=now,
        check_open=False,
    )
    return _result(await batcher.submit(config.meeting.id, claim))


# -- self-service --------------------------------------------------------------------------


async def by_token(session: AsyncSession, settings: EventsSettings, token: str) -> Registration:
    registration_id = parse_manage_token(settings.verification_secrets, token)
    reg = None
    if registration_id is not None:
        reg = await RegistrationRepository(session).get(registration_id)
    if reg is None:
        raise NotFoundError("No registration for this link.", code="registration_not_found")
    return reg


async def get_for(session: AsyncSession, registration_id: uuid.UUID) -> Registration:
    reg = await RegistrationRepository(session).get(registration_id)
    if reg is None:
        raise NotFoundError(f"No registration {registration_id}.", code="registration_not_found")
    return reg


async def _relock(session: AsyncSession, reg: Registration) -> tuple[Meeting, Registration]:
    meeting = await _locked_meeting(session, reg.meeting_id)
    locked = await RegistrationRepository(session).get(reg.id, lock=True)
    assert locked is not None
    return meeting, locked


async def update_self(
    session: AsyncSession,
    settings: EventsSettings,
    reg: Registration,
    data: RegistrationUpdate,
    now: datetime | None = None,
) -> Registration:
    now = now or now_utc()
    meeting, reg = await _relock(session, reg)
    rule = ModificationRule(meeting.modification_rule)
    state = R(reg.state)
    if state not in (R.PENDING, R.CONFIRMED, R.WAITLISTED, R.OFFERED):
        raise conflict(f"A {state} registration cannot be changed.", "modification_closed")
    if rule is ModificationRule.NEVER:
        raise conflict(
            "This meeting does not allow changes to registrations.", "modification_closed"
        )
    if rule is ModificationRule.UNTIL_APPROVED and state is not R.PENDING:
        raise conflict(
            "Changes are allowed only until the registration is approved.", "modification_closed"
        )
    if rule is ModificationRule.UNTIL_DEADLINE:
        closes = meeting.registration_closes_at or meeting.start_at
        if (closes is not None and now >= closes) or MeetingStatus(meeting.status) is not (
            MeetingStatus.REGISTRATION_OPEN
        ):
            raise conflict("The deadline for changes has passed.", "modification_closed")
    changes = data.model_dump(exclude_unset=True)
    waitlist_if_full = bool(changes.pop("waitlist_if_full", False))
    for name in ("first_name", "last_name", "language", "consent_publish", "seats", "category"):
        if name in changes and changes[name] is None:
            raise invalid("A required value cannot be removed.", [(name, "cannot be null")])
    seats = changes.pop("seats", reg.seats)
    category = Category(changes.pop("category", reg.category)).value
    country = changes.pop("country") if "country" in changes else reg.country
    companions = (changes["companions"] or []) if "companions" in changes else reg.companions
    if len(companions) > seats - 1:
        raise invalid("Too many companions.", [("companions", f"more than {seats - 1}")])
    if "answers" in changes:
        fields = [
            FieldSpec(f.key, f.kind, f.required, tuple(f.options), f.condition)
            for f in await RegistrationRepository(session).form_fields(meeting.id)
        ]
        form = validate_answers(fields, changes["answers"] or {})
        if form.errors:
            raise invalid("The answers are invalid.", [(f"answers.{k}", r) for k, r in form.errors])
        changes["answers"] = form.answers
    for name, value in changes.items():
        setattr(reg, name, value if value is not None else [] if name == "companions" else value)
    if (seats, category, country) != (reg.seats, reg.category, reg.country):
        await _change_seats(
            session,
            settings,
            meeting,
            reg,
            SeatRequest(seats, category, country),
            waitlist_if_full=waitlist_if_full,
            now=now,
        )
    await session.flush()
    return reg


@dataclass(frozen=True)
class SeatRequest:
    """What a registration asks for: the values its seats are counted under."""

    seats: int
    category: str
    country: str | None


async def _check_request(
    session: AsyncSession, meeting: Meeting, reg: Registration, new: SeatRequest
) -> tuple[bool, list[seat_rules.QuotaRule], dict[tuple[str, str | None], int]]:
    """The checks of a changed request that need no seat count; whether its category is
    moderated for it, the quotas and the seats held."""
    repo = RegistrationRepository(session)
    rules = {r.category: r.moderated for r in await repo.category_rules(meeting.id)}
    errors: list[tuple[str, str]] = []
    if new.category != reg.category and new.category not in rules:
        accepted = ", ".join(sorted(rules)) or "none"
        errors.append(("category", f"this meeting accepts the categories: {accepted}"))
    if Category(new.category) in COUNTRY_REQUIRED and new.country is None:
        errors.append(("country", f"is required for the category {new.category}"))
    invitation = (
        await repo.invitation_by_id(reg.invitation_id) if reg.invitation_id is not None else None
    )
    if invitation is not None:
        if invitation.category != new.category:
            errors.append(("category", f"the invitation is for {invitation.category}"))
        if invitation.country is not None and invitation.country != new.country:
            errors.append(("country", f"the invitation is for {invitation.country}"))
        if new.seats > invitation.seats:
            errors.append(("seats", f"the invitation is for {invitation.seats} seat(s)"))
    if errors:
        raise invalid("The change has invalid values.", errors)
    quotas, usage = await _limits(session, meeting)
    whole = seat_rules.fit(
        new.category, new.country, new.seats, capacity=meeting.capacity, quotas=quotas, usage={}
    )
    if whole.impossible:
        raise invalid(
            f"The request exceeds the {whole.blocking} even with every seat free.",
            [("seats", f"exceeds the {whole.blocking}")],
            code="quota_exceeded",
        )
    moderated = rules.get(new.category, False) and reg.invitation_id is None
    return moderated, quotas, usage


async def _change_seats(
    session: AsyncSession,
    settings: EventsSettings,
    meeting: Meeting,
    reg: Registration,
    new: SeatRequest,
    *,
    waitlist_if_full: bool,
    now: datetime,
) -> None:
    """Decide a change of seats, category or country again, under the meeting lock.

    The registration's own held seats are set aside and the changed request is fitted like a
    new one: it keeps its seats when it fits; when it does not, the change is refused unless
    the participant asked to wait in the list. A change to a moderated category goes back to
    approval; a pending request that leaves moderation is decided now. Seats given up are
    offered to the waiting list. See docs/decisions/0037.
    """
    moderated, quotas, usage = await _check_request(session, meeting, reg, new)
    state = R(reg.state)
    held = state in SEAT_HOLDING
    if held:
        seat_rules.add(usage, reg.category, reg.country, -reg.seats)
    fit = seat_rules.fit(
        new.category, new.country, new.seats, capacity=meeting.capacity, quotas=quotas, usage=usage
    )
    if moderated and (state is R.PENDING or new.category != reg.category):
        target = R.PENDING
    elif state is R.PENDING:
        target = R.CONFIRMED if fit.fits else R.WAITLISTED
    elif state is R.WAITLISTED or fit.fits:
        target = state
    elif waitlist_if_full:
        target = R.WAITLISTED
    else:
        raise conflict(
            f"The changed request does not fit the {fit.blocking}; nothing was changed "
            "(set waitlist_if_full to give up the seats and wait in the list).",
            "no_seats",
            field="seats",
        )
    moved_quota = (new.category, new.country) != (reg.category, reg.country)
    reg.seats, reg.category, reg.country = new.seats, new.category, new.country
    if target is not state:
        reg.state = target.value
        reg.offer_expires_at = None
        if held:
            # The seats are given up: announced like a cancellation of the held seats.
            await _announce(session, meeting, reg, R.CANCELLED)
        if target is R.CONFIRMED:
            await _announce(session, meeting, reg, R.CONFIRMED)
        await notify(session, settings, meeting, reg, _NEW_NOTICE[target])
    elif target is R.CONFIRMED and moved_quota:
        # Consumers keep confirmed registrations by id: the new category and country.
        await _announce(session, meeting, reg, R.CONFIRMED)
    await session.flush()
    await offer_free_seats(session, meeting, settings, now)


async def cancel(
    session: AsyncSession,
    settings: EventsSettings,
    reg: Registration,
    *,
    by: str | None = None,
    now: datetime | None = None,
) -> Registration:
    now = now or now_utc()
    meeting, reg = await _relock(session, reg)
    if meeting.start_at is not None and now >= meeting.start_at and by is None:
        raise conflict("The meeting has started; ask the secretariat.", "modification_closed")
    held = R(reg.state) in SEAT_HOLDING
    await _move(session, settings, meeting, reg, R.CANCELLED, by=by)
    await session.flush()
    if held:
        await offer_free_seats(session, meeting, settings, now)
    return reg


async def accept_offer(
    session: AsyncSession, settings: EventsSettings, reg: Registration, now: datetime | None = None
) -> Registration:
    now = now or now_utc()
    meeting, reg = await _relock(session, reg)
    if R(reg.state) is not R.OFFERED:
        raise conflict(f"There is no open offer (state {reg.state}).", "no_offer")
    if reg.offer_expires_at is not None and now >= reg.offer_expires_at:
        raise conflict("The offer has expired.", "offer_expired")
    await _move(session, settings, meeting, reg, R.CONFIRMED)
    await session.flush()
    return reg


async def decline_offer(
    session: AsyncSession, settings: EventsSettings, reg: Registration, now: datetime | None = None
) -> Registration:
    now = now or now_utc()
    meeting, reg = await _relock(session, reg)
    if R(reg.state) is not R.OFFERED:
        raise conflict(f"There is no open offer (state {reg.state}).", "no_offer")
    await _move(session, settings, meeting, reg, R.DECLINED, notice="cancelled")
    await session.flush()
    await offer_free_seats(session, meeting, settings, now)
    return reg


# -- moderation ----------------------------------------------------------------------------


async def approve(
    session: AsyncSession, settings: EventsSettings, reg: Registration, by: str | None
) -> Registration:
    meeting, reg = await _relock(session, reg)
    if R(reg.state) is not R.PENDING:
        raise conflict(
            f"Only pending registrations are approved (state {reg.state}).", "not_pending"
        )
    quotas, usage = await _limits(session, meeting)
    target = R.CONFIRMED if _fit(meeting, quotas, usage, reg).fits else R.WAITLISTED
    await _move(session, settings, meeting, reg, target, by=by)
    await session.flush()
    return reg


async def reject(
    session: AsyncSession, settings: EventsSettings, reg: Registration, by: str | None
) -> Registration:
    meeting, reg = await _relock(session, reg)
    if R(reg.state) not in (R.PENDING, R.WAITLISTED):
        raise conflict(
            f"Only pending or waitlisted registrations are rejected (state {reg.state}).",
            "invalid_state_change",
        )
    await _move(session, settings, meeting, reg, R.REJECTED, by=by)
    await session.flush()
    return reg


async def invite(
    session: AsyncSession, meeting_ref: str, data: InvitationCreate, by: str | None
) -> Invitation:
    meeting = await get_plain(session, meeting_ref)
    invitation = Invitation(
        id=uuid.uuid4(),
        meeting_id=meeting.id,
        code=new_code(),
        email=str(data.email) if data.email else None,
        category=data.category.value,
        country=data.country,
        seats=data.seats,
        created_by=by,
    )
    session.add(invitation)
    await session.flush()
    return invitation


# -- jobs ----------------------------------------------------------------------------------


async def expire_offers_of(
    session: AsyncSession, settings: EventsSettings, meeting_id: uuid.UUID, now: datetime
) -> tuple[int, int]:
    """Expire the meeting's overdue offers and pass the seats on; (expired, offered).

    The meeting is locked with SKIP LOCKED: a meeting another replica (or a request) is
    working on is left for the next round.
    """
    meeting = await MeetingRepository(session).lock(meeting_id, skip_locked=True)
    if meeting is None:
        return 0, 0
    expired = await RegistrationRepository(session).expired_offers(meeting_id, now)
    for reg in expired:
        await _move(
            session, settings, meeting, reg, R.DECLINED, by="offer expiry", notice="expired"
        )
    await session.flush()
    offered = await offer_free_seats(session, meeting, settings, now) if expired else []
    return len(expired), len(offered)


async def mark_no_shows(session: AsyncSession, meeting_ref: str) -> int:
    meeting = await get_plain(session, meeting_ref)
    regs = await RegistrationRepository(session).confirmed_without_attendance(meeting.id)
    for reg in regs:
        reg.state = R.NO_SHOW.value
    await session.flush()
    return len(regs)
