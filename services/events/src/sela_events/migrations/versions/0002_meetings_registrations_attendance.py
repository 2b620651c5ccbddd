"""Meetings (agenda, form, categories, quotas), registrations, invitations, attendance.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 17:33:20.302830
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "meetings",
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("title", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column(
            "description",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'"),
            nullable=False,
        ),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("activity", sa.String(length=16), nullable=True),
        sa.Column("venue", sa.Text(), nullable=True),
        sa.Column("city", sa.Text(), nullable=True),
        sa.Column("country", sa.String(length=3), nullable=True),
        sa.Column(
            "timezone", sa.String(length=64), server_default="America/Caracas", nullable=False
        ),
        sa.Column("start_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("end_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("period_note", sa.Text(), nullable=True),
        sa.Column(
            "organisers",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'[]'"),
            nullable=False,
        ),
        sa.Column(
            "partners",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'[]'"),
            nullable=False,
        ),
        sa.Column("status", sa.String(length=32), server_default="draft", nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=True),
        sa.Column("registration_closes_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "modification_rule",
            sa.String(length=32),
            server_default="until_deadline",
            nullable=False,
        ),
        sa.Column("offer_hours", sa.Integer(), server_default="48", nullable=False),
        sa.Column("retention_days", sa.Integer(), server_default="730", nullable=False),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("id", sa.UUID(), nullable=False),
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
        sa.CheckConstraint(
            "modification_rule IN ('until_deadline', 'until_approved', 'never')",
            name=op.f("ck_meetings_modification_rule"),
        ),
        sa.CheckConstraint(
            "status IN ('draft', 'published', 'registration_open', 'registration_closed', 'cancelled', 'held')",
            name=op.f("ck_meetings_status"),
        ),
        sa.CheckConstraint(
            "type IN ('regional_meeting', 'subregional_meeting', 'seminar', 'workshop', 'course', 'round_table', 'working_session')",
            name=op.f("ck_meetings_type"),
        ),
        sa.CheckConstraint("capacity IS NULL OR capacity >= 0", name=op.f("ck_meetings_capacity")),
        sa.CheckConstraint(
            "end_at IS NULL OR start_at IS NULL OR end_at >= start_at",
            name=op.f("ck_meetings_dates"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meetings")),
        sa.UniqueConstraint("code", name=op.f("uq_meetings_code")),
    )
    op.create_index("ix_meetings_activity", "meetings", ["activity"], unique=False)
    op.create_table(
        "category_rules",
        sa.Column("meeting_id", sa.UUID(), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("moderated", sa.Boolean(), server_default="false", nullable=False),
        sa.CheckConstraint(
            "category IN ('delegation', 'national_coordinator', 'international_organisation', 'private_sector', 'academia', 'press', 'staff')",
            name=op.f("ck_category_rules_category"),
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meetings.id"],
            name=op.f("fk_category_rules_meeting_id_meetings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("meeting_id", "category", name=op.f("pk_category_rules")),
    )
    op.create_table(
        "form_fields",
        sa.Column("meeting_id", sa.UUID(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("label", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("required", sa.Boolean(), server_default="false", nullable=False),
        sa.Column(
            "options",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'[]'"),
            nullable=False,
        ),
        sa.Column("condition", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("position", sa.Integer(), server_default="0", nullable=False),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('text', 'number', 'choice', 'multi_choice', 'country', 'date', 'email', 'consent', 'file')",
            name=op.f("ck_form_fields_kind"),
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meetings.id"],
            name=op.f("fk_form_fields_meeting_id_meetings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_form_fields")),
        sa.UniqueConstraint("meeting_id", "key", name=op.f("uq_form_fields_meeting_id_key")),
    )
    op.create_index(op.f("ix_form_fields_meeting_id"), "form_fields", ["meeting_id"], unique=False)
    op.create_table(
        "invitations",
        sa.Column("meeting_id", sa.UUID(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("email", sa.Text(), nullable=True),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("country", sa.String(length=3), nullable=True),
        sa.Column("seats", sa.Integer(), server_default="1", nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.Text(), nullable=True),
        sa.Column("id", sa.UUID(), nullable=False),
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
        sa.CheckConstraint(
            "category IN ('delegation', 'national_coordinator', 'international_organisation', 'private_sector', 'academia', 'press', 'staff')",
            name=op.f("ck_invitations_category"),
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meetings.id"],
            name=op.f("fk_invitations_meeting_id_meetings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invitations")),
        sa.UniqueConstraint("code", name=op.f("uq_invitations_code")),
    )
    op.create_index(op.f("ix_invitations_meeting_id"), "invitations", ["meeting_id"], unique=False)
    op.create_table(
        "meeting_sessions",
        sa.Column("meeting_id", sa.UUID(), nullable=False),
        sa.Column("title", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("room", sa.Text(), nullable=True),
        sa.Column(
            "speakers",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'[]'"),
            nullable=False,
        ),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.CheckConstraint("ends_at >= starts_at", name=op.f("ck_meeting_sessions_times")),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meetings.id"],
            name=op.f("fk_meeting_sessions_meeting_id_meetings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_sessions")),
    )
    op.create_index(
        op.f("ix_meeting_sessions_meeting_id"), "meeting_sessions", ["meeting_id"], unique=False
    )
    op.create_table(
        "quotas",
        sa.Column("meeting_id", sa.UUID(), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=True),
        sa.Column("country", sa.String(length=3), nullable=True),
        sa.Column("per_country", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("seats", sa.Integer(), nullable=False),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.CheckConstraint(
            "category IS NULL OR category IN ('delegation', 'national_coordinator', 'international_organisation', 'private_sector', 'academia', 'press', 'staff')",
            name=op.f("ck_quotas_category"),
        ),
        sa.CheckConstraint(
            "NOT (per_country AND country IS NOT NULL)", name=op.f("ck_quotas_per_country")
        ),
        sa.CheckConstraint("seats >= 0", name=op.f("ck_quotas_seats")),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meetings.id"],
            name=op.f("fk_quotas_meeting_id_meetings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quotas")),
    )
    op.create_index(op.f("ix_quotas_meeting_id"), "quotas", ["meeting_id"], unique=False)
    op.create_table(
        "registrations",
        sa.Column("meeting_id", sa.UUID(), nullable=False),
        sa.Column("queue_number", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("country", sa.String(length=3), nullable=True),
        sa.Column("seats", sa.Integer(), server_default="1", nullable=False),
        sa.Column("first_name", sa.Text(), nullable=True),
        sa.Column("last_name", sa.Text(), nullable=True),
        sa.Column("email", sa.Text(), nullable=True),
        sa.Column("organisation", sa.Text(), nullable=True),
        sa.Column("position", sa.Text(), nullable=True),
        sa.Column("language", sa.String(length=2), server_default="es", nullable=False),
        sa.Column(
            "companions",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'[]'"),
            nullable=False,
        ),
        sa.Column(
            "answers",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'"),
            nullable=False,
        ),
        sa.Column("consent_publish", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("user_subject", sa.Text(), nullable=True),
        sa.Column("idempotency_key", sa.String(length=200), nullable=True),
        sa.Column("invitation_id", sa.UUID(), nullable=True),
        sa.Column("checkin_code", sa.String(length=32), nullable=True),
        sa.Column("offer_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.Text(), nullable=True),
        sa.Column("erased", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("id", sa.UUID(), nullable=False),
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
        sa.CheckConstraint(
            "category IN ('delegation', 'national_coordinator', 'international_organisation', 'private_sector', 'academia', 'press', 'staff')",
            name=op.f("ck_registrations_category"),
        ),
        sa.CheckConstraint(
            "state IN ('pending', 'confirmed', 'waitlisted', 'offered', 'declined', 'cancelled', 'rejected', 'attended', 'no_show')",
            name=op.f("ck_registrations_state"),
        ),
        sa.CheckConstraint("seats >= 1", name=op.f("ck_registrations_seats")),
        sa.ForeignKeyConstraint(
            ["invitation_id"],
            ["invitations.id"],
            name=op.f("fk_registrations_invitation_id_invitations"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meetings.id"],
            name=op.f("fk_registrations_meeting_id_meetings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registrations")),
        sa.UniqueConstraint("checkin_code", name=op.f("uq_registrations_checkin_code")),
    )
    op.create_index(
        op.f("ix_registrations_meeting_id"), "registrations", ["meeting_id"], unique=False
    )
    op.create_index(
        "ix_registrations_meeting_state_queue",
        "registrations",
        ["meeting_id", "state", "queue_number"],
        unique=False,
    )
    op.create_index(
        "ix_registrations_offer_expires_at", "registrations", ["offer_expires_at"], unique=False
    )
    op.create_index(
        "ix_registrations_user_subject", "registrations", ["user_subject"], unique=False
    )
    op.create_index(
        "uq_registrations_meeting_email_active",
        "registrations",
        ["meeting_id", sa.literal_column("lower(email)")],
        unique=True,
        postgresql_where=sa.text(
            "state IN ('attended', 'confirmed', 'no_show', 'offered', 'pending', 'waitlisted')"
        ),
    )
    op.create_index(
        "uq_registrations_meeting_idempotency_key",
        "registrations",
        ["meeting_id", "idempotency_key"],
        unique=True,
        postgresql_where=sa.text("idempotency_key IS NOT NULL"),
    )
    op.create_table(
        "attendance",
        sa.Column("registration_id", sa.UUID(), nullable=False),
        sa.Column("meeting_id", sa.UUID(), nullable=False),
        sa.Column("session_id", sa.UUID(), nullable=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column(
            "recorded_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("recorded_by", sa.Text(), nullable=True),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meetings.id"],
            name=op.f("fk_attendance_meeting_id_meetings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["registration_id"],
            ["registrations.id"],
            name=op.f("fk_attendance_registration_id_registrations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["meeting_sessions.id"],
            name=op.f("fk_attendance_session_id_meeting_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attendance")),
    )
    op.create_index(op.f("ix_attendance_meeting_id"), "attendance", ["meeting_id"], unique=False)
    op.create_index(
        op.f("ix_attendance_registration_id"), "attendance", ["registration_id"], unique=False
    )
    op.create_index(
        "uq_attendance_registration_day_session",
        "attendance",
        [
            "registration_id",
            "day",
            sa.literal_column("coalesce(session_id, '00000000-0000-0000-0000-000000000000'::uuid)"),
        ],
        unique=True,
    )


def downgrade() -> None:
    op.drop_index("uq_attendance_registration_day_session", table_name="attendance")
    op.drop_index(op.f("ix_attendance_registration_id"), table_name="attendance")
    op.drop_index(op.f("ix_attendance_meeting_id"), table_name="attendance")
    op.drop_table("attendance")
    op.drop_index(
        "uq_registrations_meeting_idempotency_key",
        table_name="registrations",
        postgresql_where=sa.text("idempotency_key IS NOT NULL"),
    )
    op.drop_index(
        "uq_registrations_meeting_email_active",
        table_name="registrations",
        postgresql_where=sa.text(
            "state IN ('attended', 'confirmed', 'no_show', 'offered', 'pending', 'waitlisted')"
        ),
    )
    op.drop_index("ix_registrations_user_subject", table_name="registrations")
    op.drop_index("ix_registrations_offer_expires_at", table_name="registrations")
    op.drop_index("ix_registrations_meeting_state_queue", table_name="registrations")
    op.drop_index(op.f("ix_registrations_meeting_id"), table_name="registrations")
    op.drop_table("registrations")
    op.drop_index(op.f("ix_quotas_meeting_id"), table_name="quotas")
    op.drop_table("quotas")
    op.drop_index(op.f("ix_meeting_sessions_meeting_id"), table_name="meeting_sessions")
    op.drop_table("meeting_sessions")
    op.drop_index(op.f("ix_invitations_meeting_id"), table_name="invitations")
    op.drop_table("invitations")
    op.drop_index(op.f("ix_form_fields_meeting_id"), table_name="form_fields")
    op.drop_table("form_fields")
    op.drop_table("category_rules")
    op.drop_index("ix_meetings_activity", table_name="meetings")
    op.drop_table("meetings")
