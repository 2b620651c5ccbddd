"""A small service used to exercise the kit: notes, their events, and a consumer of them."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from typing import Annotated, ClassVar

from fastapi import APIRouter, Depends, Query, Request
from fastapi import Path as PathParam
from pydantic import BaseModel, Field
from pydantic_settings import SettingsConfigDict
from sqlalchemy import Column, Integer, Table, Text, UniqueConstraint, func, insert, select
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from sela_contracts import DEAD_LETTER_STREAM, EventContract, StreamSpec
from sela_kit.app import ServiceSpec
from sela_kit.db import DbSession
from sela_kit.errors import ConflictError, NotFoundError, UnavailableError, problem_responses
from sela_kit.identity import Identity, require_roles
from sela_kit.messaging import record_event
from sela_kit.messaging.inbox import InboundEvent
from sela_kit.models import new_metadata
from sela_kit.pagination import CursorPage, Page, paginate
from sela_kit.settings import ServiceSettings

KITTEST_STREAM = StreamSpec("KITTEST", ("kittest.>",))
TEST_STREAMS = (KITTEST_STREAM, DEAD_LETTER_STREAM)


class NoteWritten(EventContract, subject="kittest.note.written", version=1):
    note_id: str
    text: str


class Base(DeclarativeBase):
    metadata = new_metadata()


class Note(Base):
    __tablename__ = "kittest_notes"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    text: Mapped[str] = mapped_column(Text)


metadata = Base.metadata
NOTES: Table = Note.__table__  # type: ignore[assignment]
CODES = Table(
    "kittest_codes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("code", Text, nullable=False),
    # Checked only at COMMIT: proves the commit happens before the response is sent.
    UniqueConstraint("code", deferrable=True, initially="DEFERRED"),
)
EFFECTS = Table(
    "kittest_effects",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("note_id", Text, nullable=False),
)


class KitTestSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="SELA_KITTEST_", extra="ignore")
    service_name: ClassVar[str] = "kittest"
    default_port: ClassVar[int] = 8099


class NoteCreate(BaseModel):
    text: str = Field(min_length=1, max_length=200)
    tags: list[Annotated[str, Field(min_length=1)]] = Field(default_factory=list, max_length=3)


class NoteRead(BaseModel):
    id: uuid.UUID
    text: str


router = APIRouter(prefix="/notes", tags=["notes"])


async def write_note(session: AsyncSession, text: str) -> uuid.UUID:
    note_id = uuid.uuid4()
    await session.execute(insert(NOTES).values(id=note_id, text=text))
    await record_event(session, NoteWritten(note_id=str(note_id), text=text), source="kittest")
    return note_id


@router.post("", status_code=201, response_model=NoteRead, responses=problem_responses(409))
async def create_note(body: NoteCreate, session: DbSession) -> NoteRead:
    """Store a note and announce it."""
    if body.text == "taken":
        raise ConflictError("A note with this text exists.", code="note_exists")
    return NoteRead(id=await write_note(session, body.text), text=body.text)


@router.post("/then-fail", responses=problem_responses(409))
async def create_note_then_fail(body: NoteCreate, session: DbSession) -> NoteRead:
    """Write a note and its event, then fail: nothing may remain."""
    await write_note(session, body.text)
    await session.flush()
    raise ConflictError("Refused after writing.", code="refused_after_write")


@router.get("", response_model=CursorPage[NoteRead])
async def list_notes(session: DbSession, page: Page) -> CursorPage[NoteRead]:
    """Notes by text, a page at a time."""
    rows, cursor = await paginate(session, select(Note), [Note.text, Note.id], page)
    return CursorPage(items=[NoteRead(id=r.id, text=r.text) for r in rows], next_cursor=cursor)


@router.post("/codes/{code}", status_code=201, responses=problem_responses(409))
async def claim_code(code: str, session: DbSession) -> dict[str, str]:
    """Claim a code; a second claim fails only when the transaction commits."""
    await session.execute(insert(CODES).values(code=code))
    return {"code": code}


_seen_tokens: set[str] = set()


@router.get("/slow")
async def slow(seconds: Annotated[float, Query(ge=0, le=5)] = 1.0) -> dict[str, float]:
    """Answers after ``seconds``."""
    await asyncio.sleep(seconds)
    return {"slept": seconds}


@router.get("/unavailable-once/{token}", responses=problem_responses(503))
async def unavailable_once(token: str) -> dict[str, str]:
    """503 the first time a token is seen, 200 afterwards."""
    if token not in _seen_tokens:
        _seen_tokens.add(token)
        raise UnavailableError("Warming up.")
    return {"token": token}


@router.get("/headers")
async def echo_headers(request: Request) -> dict[str, str]:
    """The request headers as this service received them."""
    return dict(request.headers)


@router.get("/boom")
async def explode() -> None:
    """Fails with an unexpected error."""
    raise RuntimeError("database password is hunter2")


@router.get("/staff-only", responses=problem_responses(401, 403))
async def staff_only(
    identity: Annotated[Identity, Depends(require_roles("staff"))],
) -> dict[str, str | None]:
    """Only staff (or admins)."""
    return {"subject": identity.subject}


@router.get("/{note_id}", response_model=NoteRead, responses=problem_responses(404))
async def get_note(note_id: Annotated[uuid.UUID, PathParam()], session: DbSession) -> NoteRead:
    """One note."""
    row = (await session.execute(select(NOTES).where(NOTES.c.id == note_id))).first()
    if row is None:
        raise NotFoundError(f"No note {note_id}.", code="note_not_found")
    return NoteRead(id=row.id, text=row.text)


async def count(session: AsyncSession, table: Table) -> int:
    return int(await session.scalar(select(func.count()).select_from(table)) or 0)


async def record_effect(session: AsyncSession, event: InboundEvent) -> None:
    assert isinstance(event.event, NoteWritten)
    await session.execute(insert(EFFECTS).values(note_id=event.event.note_id))


KIT_SPEC = ServiceSpec(
    name="kittest",
    title="Kit test service",
    description="Exercises the service kit.",
    settings_cls=KitTestSettings,
    migrations=Path(__file__).parent,  # tables are created with create_all in tests
    metadata=(metadata,),
    routers=(router,),
    streams=TEST_STREAMS,
)
