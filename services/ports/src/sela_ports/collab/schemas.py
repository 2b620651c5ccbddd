from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from sela_ports.collab.models import ItemKind, TaskStatus

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
BodyCode = Annotated[str, StringConstraints(min_length=1, max_length=40)]


class ItemCreate(BaseModel):
    kind: ItemKind
    title: Title
    body: str | None = Field(default=None, max_length=100000)
    public: bool = False
    shared_with: list[BodyCode] = Field(
        default_factory=list, max_length=50, description="Codes of the bodies that may see it"
    )
    owner_person_id: uuid.UUID | None = None
    due_on: date | None = None
    status: TaskStatus | None = None
    meeting_on: date | None = None

    @model_validator(mode="after")
    def _kind_fields(self) -> Self:
        if self.kind != ItemKind.task and (self.owner_person_id or self.due_on or self.status):
            raise ValueError("owner_person_id, due_on and status belong to tasks")
        if self.kind == ItemKind.task and self.status is None:
            self.status = TaskStatus.open
        if self.kind != ItemKind.agenda and self.meeting_on is not None:
            raise ValueError("meeting_on belongs to agendas")
        return self


class ItemUpdate(BaseModel):
    title: Title | None = None
    body: str | None = Field(default=None, max_length=100000)
    public: bool | None = None
    shared_with: list[BodyCode] | None = Field(default=None, max_length=50)
    owner_person_id: uuid.UUID | None = None
    due_on: date | None = None
    status: TaskStatus | None = None
    meeting_on: date | None = None


class FileVersionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    version: int
    filename: str
    media_type: str
    size_bytes: int
    sha256: str
    comment: str | None
    uploaded_by: str
    uploaded_at: datetime


class ItemRead(BaseModel):
    id: uuid.UUID
    kind: ItemKind
    title: str
    body: str | None
    public: bool
    shared_with: list[str]
    created_by: str
    owner_person_id: uuid.UUID | None
    due_on: date | None
    status: TaskStatus | None
    meeting_on: date | None
    latest_version: FileVersionRead | None = None
