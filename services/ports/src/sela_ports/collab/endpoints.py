"""The private collaborative area: documents, tasks, agendas, guidelines and data sets."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Request, Response, UploadFile

from sela_kit.db import DbSession
from sela_kit.errors import problem_responses
from sela_kit.pagination import CursorPage, Page
from sela_ports.access import CurrentViewer, writers_only
from sela_ports.collab import service
from sela_ports.collab.models import ItemKind
from sela_ports.collab.repository import CollabRepository
from sela_ports.collab.schemas import FileVersionRead, ItemCreate, ItemRead, ItemUpdate
from sela_ports.governance.repository import GovernanceRepository
from sela_ports.settings import PortsSettings
from sela_ports.storage import LocalFolderStorage, Storage

router = APIRouter(
    prefix="/collab", tags=["collaborative area"], dependencies=[Depends(writers_only)]
)


def get_storage(request: Request) -> Storage:
    storage: Storage | None = getattr(request.app.state, "ports_storage", None)
    if storage is None:
        settings: PortsSettings = request.app.state.settings
        storage = LocalFolderStorage(settings.storage_dir)
        request.app.state.ports_storage = storage
    return storage


def upload_limit(request: Request) -> int:
    settings: PortsSettings = request.app.state.settings
    return settings.max_upload_bytes


StorageDep = Annotated[Storage, Depends(get_storage)]


@router.get("/items", response_model=CursorPage[ItemRead], responses=problem_responses(404))
async def list_items(
    session: DbSession,
    viewer: CurrentViewer,
    page: Page,
    kind: ItemKind | None = None,
    body: str | None = None,
) -> CursorPage[ItemRead]:
    """Items the caller may see, newest first: public ones, and those shared with the caller's
    bodies (staff see all). ``body`` narrows to items shared with that body."""
    body_id = None
    if body is not None:
        target = await GovernanceRepository.from_session(session).body_by_code(body)
        if target is None:
            return CursorPage(items=[])
        body_id = target.id
    rows, cursor = await CollabRepository.from_session(session).page_items(
        page, staff=viewer.staff, body_ids=viewer.body_ids, kind=kind, body_id=body_id
    )
    return CursorPage(items=await service.read_items(session, rows), next_cursor=cursor)


@router.post(
    "/items",
    status_code=201,
    response_model=ItemRead,
    responses=problem_responses(401, 403, 422),
)
async def create_item(body: ItemCreate, session: DbSession, viewer: CurrentViewer) -> ItemRead:
    """Create an item shared with bodies and/or the public (port members and staff)."""
    return await service.create_item(session, viewer, body)


@router.get("/items/{item_id}", response_model=ItemRead, responses=problem_responses(404))
async def get_item(item_id: uuid.UUID, session: DbSession, viewer: CurrentViewer) -> ItemRead:
    """One item; a private item the caller may not see is a 404."""
    item = await service.visible_item(session, viewer, item_id)
    return (await service.read_items(session, [item]))[0]


@router.patch(
    "/items/{item_id}",
    response_model=ItemRead,
    responses=problem_responses(401, 403, 404, 422),
)
async def update_item(
    item_id: uuid.UUID, body: ItemUpdate, session: DbSession, viewer: CurrentViewer
) -> ItemRead:
    """Change an item (its creator, members of its bodies, staff)."""
    return await service.update_item(session, viewer, item_id, body)


@router.get(
    "/items/{item_id}/versions",
    response_model=list[FileVersionRead],
    responses=problem_responses(404),
)
async def list_versions(
    item_id: uuid.UUID, session: DbSession, viewer: CurrentViewer
) -> list[FileVersionRead]:
    """Every version of a document or data set, oldest first."""
    item = await service.visible_item(session, viewer, item_id)
    rows = await CollabRepository.from_session(session).versions(item.id)
    return [FileVersionRead.model_validate(r) for r in rows]


@router.post(
    "/items/{item_id}/versions",
    status_code=201,
    response_model=FileVersionRead,
    responses=problem_responses(401, 403, 404, 413, 422),
)
async def upload_version(
    item_id: uuid.UUID,
    file: Annotated[UploadFile, File(description="The new version's content")],
    session: DbSession,
    viewer: CurrentViewer,
    storage: StorageDep,
    limit: Annotated[int, Depends(upload_limit)],
    comment: Annotated[str | None, Form(max_length=2000)] = None,
) -> FileVersionRead:
    """Upload a new version of a document or data set (size-limited, content-hashed)."""
    data = await service.read_upload(file, limit)
    version = await service.add_version(
        session, viewer, storage, item_id, file.filename or "", data, comment
    )
    return FileVersionRead.model_validate(version)


@router.get(
    "/items/{item_id}/versions/{number}/content",
    response_class=Response,
    responses={200: {"content": {"application/octet-stream": {}}}, **problem_responses(404)},
)
async def download_version(
    item_id: uuid.UUID, number: int, session: DbSession, viewer: CurrentViewer, storage: StorageDep
) -> Response:
    """The bytes of one version, with its SHA-256 as ETag."""
    version = await service.get_version(session, viewer, item_id, number)
    data = await storage.get(version.storage_key)
    return Response(
        content=data,
        media_type=version.media_type,
        headers={
            "ETag": f'"{version.sha256}"',
            "Content-Disposition": f'attachment; filename="{version.filename}"',
        },
    )
