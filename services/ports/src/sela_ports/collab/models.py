"""Items of the private collaborative area (I.6.1) and the bodies they are shared with."""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from sela_kit.models import Timestamps, UUIDPrimaryKey
from sela_ports.models import Base
from sela_ports.registry.models import enum_column


class ItemKind(enum.StrEnum):
    document = "document"
    task = "task"
    agenda = "agenda"
    guideline = "guideline"
    dataset = "dataset"


# Kinds whose content is uploaded files, kept as numbered versions.
FILE_KINDS = frozenset({ItemKind.document, ItemKind.dataset})


class TaskStatus(enum.StrEnum):
    open = "open"
    in_progress = "in_progress"
    done = "done"
    cancelled = "cancelled"


class Item(Base, UUIDPrimaryKey, Timestamps):
    __tablename__ = "ports_collab_items"

    kind: Mapped[ItemKind] = mapped_column(enum_column(ItemKind, "item_kind"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str | None] = mapped_column(Text)
    public: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[str] = mapped_column(String(200))
    # Tasks
    owner_person_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("ports_people.id"))
    due_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[TaskStatus | None] = mapped_column(enum_column(TaskStatus, "task_status"))
    # Agendas
    meeting_on: Mapped[date | None] = mapped_column(Date)


class ItemShare(Base):
    __tablename__ = "ports_collab_shares"

    item_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("ports_collab_items.id", ondelete="CASCADE"), primary_key=True
    )
    body_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("ports_bodies.id"), primary_key=True)


class FileVersion(Base, UUIDPrimaryKey):
    __tablename__ = "ports_collab_file_versions"
    __table_args__ = (UniqueConstraint("item_id", "version"),)

    item_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("ports_collab_items.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int] = mapped_column(Integer)
    filename: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(120))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(300))
    comment: Mapped[str | None] = mapped_column(Text)
    uploaded_by: Mapped[str] = mapped_column(String(200))
    uploaded_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
