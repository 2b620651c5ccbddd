"""The collaborative area's rules: who sees what, who may change it, and file versions.

A private item the caller may not see is reported as missing (404), never as forbidden: a 403
would confirm that it exists.
"""

from __future__ import annotations

import hashlib
import uuid
from pathlib import PurePath

from fastapi import UploadFile
from sqlalchemy.ext.asyncio import AsyncSession

from sela_kit.errors import DomainError, ForbiddenError, NotFoundError
from sela_ports.access import Viewer, require_writer
from sela_ports.collab.models import FILE_KINDS, FileVersion, Item, ItemKind
from sela_ports.collab.repository import CollabRepository
from sela_ports.collab.schemas import FileVersionRead, ItemCreate, ItemRead, ItemUpdate
from sela_ports.problems import invalid
from sela_ports.registry.repository import RegistryRepository
from sela_ports.storage import Storage

MEDIA_TYPES = {
    ".pdf": "application/pdf",
    ".doc": "application/msword",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xls": "application/vnd.ms-excel",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".odt": "application/vnd.oasis.opendocument.text",
    ".ods": "application/vnd.oasis.opendocument.spreadsheet",
    ".csv": "text/csv",
    ".txt": "text/plain",
    ".md": "text/markdown",
    ".json": "application/json",
    ".xml": "application/xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".zip": "application/zip",
}
CHUNK = 64 * 1024


class PayloadTooLargeError(DomainError):
    status, code, title = 413, "payload_too_large", "Payload too large"


def _not_found(item_id: uuid.UUID) -> NotFoundError:
    return NotFoundError(f"No item {item_id}.")


async def _resolve_shares(
    session: AsyncSession, viewer: Viewer, codes: list[str], field: str
) -> list[uuid.UUID]:
    found = await CollabRepository.from_session(session).bodies_by_codes(codes)
    for i, code in enumerate(codes):
        if code not in found:
            raise invalid(f"{field}.{i}", f"no body with code {code!r}")
    ids = [found[c].id for c in dict.fromkeys(codes)]
    if not viewer.staff:
        outside = [c for c in codes if found[c].id not in viewer.body_ids]
        if outside:
            raise ForbiddenError(
                "Members may share only with bodies they belong to: " + ", ".join(outside),
                code="not_body_member",
            )
    return ids


async def _read(session: AsyncSession, items: list[Item]) -> list[ItemRead]:
    repo = CollabRepository.from_session(session)
    ids = [i.id for i in items]
    codes = await repo.share_codes(ids)
    latest = await repo.latest_versions(ids)
    return [
        ItemRead(
            id=i.id,
            kind=i.kind,
            title=i.title,
            body=i.body,
            public=i.public,
            shared_with=codes.get(i.id, []),
            created_by=i.created_by,
            owner_person_id=i.owner_person_id,
            due_on=i.due_on,
            status=i.status,
            meeting_on=i.meeting_on,
            latest_version=(
                FileVersionRead.model_validate(latest[i.id]) if i.id in latest else None
            ),
        )
        for i in items
    ]


async def read_items(session: AsyncSession, items: list[Item]) -> list[ItemRead]:
    return await _read(session, items)


async def create_item(session: AsyncSession, viewer: Viewer, body: ItemCreate) -> ItemRead:
    require_writer(viewer.identity)
    if not body.public and not body.shared_with:
        raise invalid("body.shared_with", "share the item with at least one body or make it public")
    body_ids = await _resolve_shares(session, viewer, body.shared_with, "body.shared_with")
    registry = RegistryRepository.from_session(session)
    if body.owner_person_id is not None and await registry.get_person(body.owner_person_id) is None:
        raise invalid("body.owner_person_id", "no such person")
    repo = CollabRepository.from_session(session)
    item = Item(
        **body.model_dump(exclude={"shared_with"}),
        created_by=viewer.identity.subject or "unknown",
    )
    await repo.add(item)
    await repo.replace_shares(item.id, body_ids)
    return (await _read(session, [item]))[0]


async def visible_item(session: AsyncSession, viewer: Viewer, item_id: uuid.UUID) -> Item:
    item = await CollabRepository.from_session(session).visible_item(
        item_id, staff=viewer.staff, body_ids=viewer.body_ids
    )
    if item is None:
        raise _not_found(item_id)
    return item


async def _editable_item(session: AsyncSession, viewer: Viewer, item_id: uuid.UUID) -> Item:
    require_writer(viewer.identity)
    item = await visible_item(session, viewer, item_id)
    if viewer.staff or item.created_by == viewer.identity.subject:
        return item
    shares = await CollabRepository.from_session(session).share_body_ids(item.id)
    if not shares & viewer.body_ids:
        # Visible because public, but not theirs to change.
        raise ForbiddenError("Only members of the bodies it is shared with may change this item.")
    return item


async def update_item(
    session: AsyncSession, viewer: Viewer, item_id: uuid.UUID, body: ItemUpdate
) -> ItemRead:
    item = await _editable_item(session, viewer, item_id)
    changes = body.model_dump(exclude_unset=True, exclude={"shared_with"})
    task_fields = {"owner_person_id", "due_on", "status"}
    if item.kind != ItemKind.task and task_fields & changes.keys():
        raise invalid(f"body.{sorted(task_fields & changes.keys())[0]}", "only tasks have it")
    if item.kind != ItemKind.agenda and "meeting_on" in changes:
        raise invalid("body.meeting_on", "only agendas have it")
    for key, value in changes.items():
        setattr(item, key, value)
    repo = CollabRepository.from_session(session)
    if body.shared_with is not None:
        ids = await _resolve_shares(session, viewer, body.shared_with, "body.shared_with")
        if not ids and not item.public:
            raise invalid("body.shared_with", "a private item must stay shared with some body")
        await repo.replace_shares(item.id, ids)
    elif not item.public and not await repo.share_body_ids(item.id):
        raise invalid("body.public", "a private item must be shared with some body")
    await session.flush()
    return (await _read(session, [item]))[0]


async def read_upload(upload: UploadFile, limit: int) -> bytes:
    """The upload's bytes, refusing (413) as soon as it passes ``limit``."""
    chunks: list[bytes] = []
    size = 0
    while chunk := await upload.read(CHUNK):
        size += len(chunk)
        if size > limit:
            raise PayloadTooLargeError(
                f"The file exceeds the limit of {limit} bytes.",
                extra={"limit_bytes": limit, "field": "file"},
            )
        chunks.append(chunk)
    return b"".join(chunks)


def media_type_for(filename: str) -> str:
    suffix = PurePath(filename).suffix.lower()
    if suffix not in MEDIA_TYPES:
        raise invalid(
            "body.file",
            f"files of type {suffix or '(none)'!r} are not accepted; allowed: "
            + ", ".join(sorted(MEDIA_TYPES)),
            code="file_type_not_allowed",
        )
    return MEDIA_TYPES[suffix]


async def add_version(
    session: AsyncSession,
    viewer: Viewer,
    storage: Storage,
    item_id: uuid.UUID,
    filename: str,
    data: bytes,
    comment: str | None,
) -> FileVersion:
    item = await _editable_item(session, viewer, item_id)
    if item.kind not in FILE_KINDS:
        raise invalid("path.item_id", f"a {item.kind.value} has no files")
    media_type = media_type_for(filename)
    if not data:
        raise invalid("body.file", "the file is empty")
    repo = CollabRepository.from_session(session)
    await repo.lock_item(item.id)
    digest = hashlib.sha256(data).hexdigest()
    version = FileVersion(
        item_id=item.id,
        version=await repo.next_version(item.id),
        filename=PurePath(filename).name[:255],
        media_type=media_type,
        size_bytes=len(data),
        sha256=digest,
        storage_key=digest,
        comment=comment,
        uploaded_by=viewer.identity.subject or "unknown",
    )
    await repo.add(version)
    # Stored last: a failure above leaves no file behind, and the content-addressed key makes
    # a retry after a failed commit reuse the same blob.
    await storage.put(digest, data)
    return version


async def get_version(
    session: AsyncSession, viewer: Viewer, item_id: uuid.UUID, number: int
) -> FileVersion:
    item = await visible_item(session, viewer, item_id)
    version = await CollabRepository.from_session(session).version(item.id, number)
    if version is None:
        raise NotFoundError(f"Item {item_id} has no version {number}.")
    return version
