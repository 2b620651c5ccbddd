"""HTTP: registering, self-service by link, moderation, invitations, lists and CSV."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request, Response, status

from sela_events.deps import PRIVATE, CurrentIdentity, Settings, Staff
from sela_events.meetings.service import get_plain, get_visible
from sela_events.problems import invalid
from sela_events.registrations import csvio, service
from sela_events.registrations.batcher import SeatBatcher
from sela_events.registrations.models import Registration
from sela_events.registrations.repository import RegistrationRepository
from sela_events.registrations.schemas import (
    Decision,
    ImportResult,
    InvitationCreate,
    InvitationRead,
    ParticipantRead,
    RegistrationCreate,
    RegistrationCreated,
    RegistrationRead,
    RegistrationUpdate,
)
from sela_events.registrations.tokens import manage_token
from sela_events.settings import EventsSettings
from sela_events.vocab import Category, RegistrationState
from sela_kit.db import DbSession
from sela_kit.errors import DomainError, UnauthorizedError, problem_responses
from sela_kit.pagination import CursorPage, Page

router = APIRouter(tags=["registrations"])
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=200,
        description="Repeating a request with the same key returns the first result",
    ),
]


def seat_batcher(request: Request) -> SeatBatcher:
    batcher: SeatBatcher | None = getattr(request.app.state, "seat_batcher", None)
    if batcher is None:
        batcher = SeatBatcher(request.app.state.database)
        request.app.state.seat_batcher = batcher
    return batcher


_READ_FIELDS = tuple(RegistrationRead.model_fields)


def _created(settings: EventsSettings, reg: Registration) -> RegistrationCreated:
    # One validation from the row's attributes (not validate, dump and validate again).
    values = {name: getattr(reg, name) for name in _READ_FIELDS}
    values["manage_token"] = manage_token(settings.secret, reg.id)
    values["manage_url"] = service.manage_url(settings, reg.id)
    return RegistrationCreated.model_validate(values)


@router.post(
    "/meetings/{meeting_id}/registrations",
    status_code=status.HTTP_201_CREATED,
    response_model=RegistrationCreated,
    responses={
        200: {"description": "A replay of an earlier request with the same Idempotency-Key"},
        **problem_responses(404, 409, 422),
    },
)
async def register(
    request: Request,
    settings: Settings,
    identity: CurrentIdentity,
    meeting_id: str,
    data: RegistrationCreate,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Register for a meeting (anyone). Confirmed while seats and quotas allow, waitlisted
    otherwise, pending where the category is moderated; an invitation skips moderation."""
    reg, new = await service.register_batched(
        request.app.state.database,
        seat_batcher(request),
        settings,
        meeting_id,
        data,
        identity,
        idempotency_key=idempotency_key,
    )
    return Response(
        _created(settings, reg).model_dump_json(),
        status_code=201 if new else 200,
        media_type="application/json",
        headers=PRIVATE,
    )


@router.get(
    "/meetings/{meeting_id}/participants",
    response_model=list[ParticipantRead],
    responses=problem_responses(404),
)
async def published_participants(
    session: DbSession, identity: CurrentIdentity, meeting_id: str
) -> list[ParticipantRead]:
    """The published participant list: confirmed participants who consented to appear."""
    meeting = await get_visible(session, meeting_id, identity)
    rows = await RegistrationRepository(session).participants(meeting.id)
    return [
        ParticipantRead(
            first_name=r.first_name,
            last_name=r.last_name,
            organisation=r.organisation,
            country=r.country,
            category=Category(r.category),
        )
        for r in rows
    ]


@router.get(
    "/meetings/{meeting_id}/registrations",
    response_model=CursorPage[RegistrationRead],
    responses=problem_responses(401, 403, 404, 422),
)
async def list_registrations(
    session: DbSession,
    _: Staff,
    meeting_id: str,
    page: Page,
    state: Annotated[RegistrationState | None, Query()] = None,
) -> CursorPage[RegistrationRead]:
    """Registrations of a meeting in arrival order (staff)."""
    meeting = await get_plain(session, meeting_id)
    rows, cursor = await RegistrationRepository(session).list_page(
        meeting.id, page, state=state.value if state else None
    )
    return CursorPage(items=[RegistrationRead.model_validate(r) for r in rows], next_cursor=cursor)


@router.get(
    "/meetings/{meeting_id}/registrations.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}}, **problem_responses(401, 403, 404)},
)
async def export_registrations(session: DbSession, _: Staff, meeting_id: str) -> Response:
    """All registrations of a meeting as CSV (staff)."""
    meeting = await get_plain(session, meeting_id)
    text = csvio.export_csv(await RegistrationRepository(session).all_of(meeting.id))
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{meeting.code}-registrations.csv"',
            **PRIVATE,
        },
    )


@router.post(
    "/meetings/{meeting_id}/registrations.csv",
    response_model=ImportResult,
    responses=problem_responses(401, 403, 404, 409, 415, 422),
    openapi_extra={
        "requestBody": {"content": {"text/csv": {"schema": {"type": "string"}}}, "required": True}
    },
)
async def import_registrations(
    request: Request, session: DbSession, settings: Settings, identity: Staff, meeting_id: str
) -> ImportResult:
    """Import registrations from CSV (staff): every row or none. Rows go through the same
    rules as a registration (quotas, waiting list), without moderation."""
    raw = await request.body()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise invalid("The file is not UTF-8 text.", [("body", "is not UTF-8")]) from None
    rows, errors = csvio.parse_import(text)
    if errors:
        raise invalid("The CSV has invalid rows; nothing was imported.", errors)
    by_state: dict[str, int] = {}
    for number, row in enumerate(rows, start=1):
        try:
            reg, _ = await service.register(
                session, settings, meeting_id, row, identity, skip_moderation=True
            )
        except DomainError as exc:
            found = exc.extra.get("errors") or []
            named = [
                (f"row {number}.{e['name'].removeprefix('body.')}", e["reason"]) for e in found
            ]
            raise invalid(
                f"Row {number}: {exc.detail} Nothing was imported.",
                named or [(f"row {number}", exc.detail)],
                code=exc.code,
            ) from None
        by_state[reg.state] = by_state.get(reg.state, 0) + 1
    return ImportResult(rows=len(rows), by_state=by_state)


@router.post(
    "/meetings/{meeting_id}/invitations",
    status_code=status.HTTP_201_CREATED,
    response_model=InvitationRead,
    responses=problem_responses(401, 403, 404, 422),
)
async def create_invitation(
    session: DbSession, identity: Staff, meeting_id: str, data: InvitationCreate
) -> InvitationRead:
    """An invitation code; registering with it skips moderation (staff)."""
    invitation = await service.invite(session, meeting_id, data, identity.subject)
    return InvitationRead.model_validate(invitation)


@router.get(
    "/registrations/mine",
    response_model=list[RegistrationRead],
    responses=problem_responses(401),
)
async def my_registrations(session: DbSession, identity: CurrentIdentity) -> list[RegistrationRead]:
    """The signed-in person's own registrations."""
    if identity.kind != "user" or identity.subject is None:
        raise UnauthorizedError("Sign in to see your registrations, or use your link.")
    rows = await RegistrationRepository(session).of_subject(identity.subject)
    return [RegistrationRead.model_validate(r) for r in rows]


@router.get(
    "/registrations/{registration_id}",
    response_model=RegistrationRead,
    responses=problem_responses(401, 403, 404),
)
async def get_registration(
    session: DbSession, _: Staff, registration_id: uuid.UUID
) -> RegistrationRead:
    """One registration (staff)."""
    return RegistrationRead.model_validate(await service.get_for(session, registration_id))


@router.post(
    "/registrations/{registration_id}/approve",
    response_model=RegistrationRead,
    responses=problem_responses(401, 403, 404, 409),
)
async def approve_registration(
    session: DbSession, settings: Settings, identity: Staff, registration_id: uuid.UUID
) -> RegistrationRead:
    """Approve a pending registration: confirmed if seats allow, else waitlisted (staff)."""
    reg = await service.get_for(session, registration_id)
    return RegistrationRead.model_validate(
        await service.approve(session, settings, reg, identity.subject)
    )


@router.post(
    "/registrations/{registration_id}/reject",
    response_model=RegistrationRead,
    responses=problem_responses(401, 403, 404, 409),
)
async def reject_registration(
    session: DbSession,
    settings: Settings,
    identity: Staff,
    registration_id: uuid.UUID,
    data: Decision | None = None,
) -> RegistrationRead:
    """Reject a pending or waitlisted registration (staff)."""
    reg = await service.get_for(session, registration_id)
    return RegistrationRead.model_validate(
        await service.reject(session, settings, reg, identity.subject)
    )


@router.post(
    "/registrations/{registration_id}/cancel",
    response_model=RegistrationRead,
    responses=problem_responses(401, 403, 404, 409),
)
async def cancel_registration(
    session: DbSession, settings: Settings, identity: Staff, registration_id: uuid.UUID
) -> RegistrationRead:
    """Cancel a registration on the participant's behalf (staff); its seats are offered on."""
    reg = await service.get_for(session, registration_id)
    return RegistrationRead.model_validate(
        await service.cancel(session, settings, reg, by=identity.subject or "staff")
    )


# -- self-service by link -------------------------------------------------------------------


@router.get(
    "/registrations/self/{token}", response_model=RegistrationRead, responses=problem_responses(404)
)
async def view_own_registration(
    session: DbSession, settings: Settings, token: str, response: Response
) -> RegistrationRead:
    """The registration the secret link belongs to."""
    response.headers.update(PRIVATE)
    return RegistrationRead.model_validate(await service.by_token(session, settings, token))


@router.patch(
    "/registrations/self/{token}",
    response_model=RegistrationRead,
    responses=problem_responses(404, 409, 422),
)
async def change_own_registration(
    session: DbSession, settings: Settings, token: str, data: RegistrationUpdate, response: Response
) -> RegistrationRead:
    """Change one's registration, as the meeting's modification rule allows."""
    response.headers.update(PRIVATE)
    reg = await service.by_token(session, settings, token)
    return RegistrationRead.model_validate(await service.update_self(session, settings, reg, data))


@router.post(
    "/registrations/self/{token}/cancel",
    response_model=RegistrationRead,
    responses=problem_responses(404, 409),
)
async def cancel_own_registration(
    session: DbSession, settings: Settings, token: str, response: Response
) -> RegistrationRead:
    """Cancel one's registration; a held seat is offered to the first in the waiting list."""
    response.headers.update(PRIVATE)
    reg = await service.by_token(session, settings, token)
    return RegistrationRead.model_validate(await service.cancel(session, settings, reg))


@router.post(
    "/registrations/self/{token}/accept",
    response_model=RegistrationRead,
    responses=problem_responses(404, 409),
)
async def accept_offer(
    session: DbSession, settings: Settings, token: str, response: Response
) -> RegistrationRead:
    """Take up an offered seat before its deadline."""
    response.headers.update(PRIVATE)
    reg = await service.by_token(session, settings, token)
    return RegistrationRead.model_validate(await service.accept_offer(session, settings, reg))


@router.post(
    "/registrations/self/{token}/decline",
    response_model=RegistrationRead,
    responses=problem_responses(404, 409),
)
async def decline_offer(
    session: DbSession, settings: Settings, token: str, response: Response
) -> RegistrationRead:
    """Decline an offered seat; it passes to the next in line."""
    response.headers.update(PRIVATE)
    reg = await service.by_token(session, settings, token)
    return RegistrationRead.model_validate(await service.decline_offer(session, settings, reg))
