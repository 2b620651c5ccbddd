"""Sector round tables: participants' offers and needs, bilateral meeting requests.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 18:26:36.808070
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "b2b_profiles",
        sa.Column("registration_id", sa.UUID(), nullable=False),
        sa.Column("meeting_id", sa.UUID(), nullable=False),
        sa.Column("sector", sa.String(length=64), nullable=False),
        sa.Column("offers", sa.Text(), nullable=True),
        sa.Column("seeks", sa.Text(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meetings.id"],
            name=op.f("fk_b2b_profiles_meeting_id_meetings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["registration_id"],
            ["registrations.id"],
            name=op.f("fk_b2b_profiles_registration_id_registrations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("registration_id", name=op.f("pk_b2b_profiles")),
    )
    op.create_index(
        op.f("ix_b2b_profiles_meeting_id"), "b2b_profiles", ["meeting_id"], unique=False
    )
    op.create_table(
        "b2b_requests",
        sa.Column("meeting_id", sa.UUID(), nullable=False),
        sa.Column("requester_id", sa.UUID(), nullable=False),
        sa.Column("target_id", sa.UUID(), nullable=False),
        sa.Column("sector", sa.String(length=64), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("slot_starts_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("slot_ends_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("table_name", sa.String(length=100), nullable=True),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meetings.id"],
            name=op.f("fk_b2b_requests_meeting_id_meetings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["requester_id"],
            ["registrations.id"],
            name=op.f("fk_b2b_requests_requester_id_registrations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["target_id"],
            ["registrations.id"],
            name=op.f("fk_b2b_requests_target_id_registrations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_b2b_requests")),
    )
    op.create_index(
        op.f("ix_b2b_requests_meeting_id"), "b2b_requests", ["meeting_id"], unique=False
    )
    op.create_index(
        "uq_b2b_requests_pair",
        "b2b_requests",
        [
            "meeting_id",
            sa.literal_column("least(requester_id, target_id)"),
            sa.literal_column("greatest(requester_id, target_id)"),
        ],
        unique=True,
    )


def downgrade() -> None:
    op.drop_index("uq_b2b_requests_pair", table_name="b2b_requests")
    op.drop_index(op.f("ix_b2b_requests_meeting_id"), table_name="b2b_requests")
    op.drop_table("b2b_requests")
    op.drop_index(op.f("ix_b2b_profiles_meeting_id"), table_name="b2b_profiles")
    op.drop_table("b2b_profiles")
