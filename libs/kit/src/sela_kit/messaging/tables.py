"""The outbox and inbox tables, identical in every service database."""

from __future__ import annotations

from sqlalchemy import (
    Column,
    DateTime,
    Index,
    Integer,
    PrimaryKeyConstraint,
    SmallInteger,
    Table,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID

from sela_kit.models import new_metadata

KIT_METADATA = new_metadata()

OUTBOX = Table(
    "outbox",
    KIT_METADATA,
    Column("id", UUID(as_uuid=True), primary_key=True, comment="Event id, sent as Nats-Msg-Id"),
    Column("subject", Text, nullable=False),
    Column("version", SmallInteger, nullable=False),
    Column("payload", JSONB, nullable=False),
    Column("headers", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("next_attempt_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("attempts", Integer, nullable=False, server_default=text("0")),
    Column("last_error", Text),
    Column("published_at", DateTime(timezone=True)),
)
# Matches the relay's claim (pending rows in commit order), so a batch is an index range scan
# however many rows the table holds.
Index(
    "ix_outbox_pending",
    OUTBOX.c.created_at,
    OUTBOX.c.id,
    postgresql_where=OUTBOX.c.published_at.is_(None),
)
Index(
    "ix_outbox_published_at",
    OUTBOX.c.published_at,
    postgresql_where=OUTBOX.c.published_at.is_not(None),
)

INBOX = Table(
    "inbox",
    KIT_METADATA,
    Column("consumer", Text, nullable=False),
    Column("message_id", Text, nullable=False),
    Column("subject", Text, nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    PrimaryKeyConstraint("consumer", "message_id"),
)
Index("ix_inbox_received_at", INBOX.c.received_at)
