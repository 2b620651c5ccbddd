"""IPPALC: framework editions, assessments, answers, audit trail, reported results.

Revision ID: 0003_ippalc
Revises: 0001
Create Date: 2026-11-28
"""

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from sela_smes.ippalc.framework import shipped_edition

revision: str = "0003_ippalc"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATES = ("draft", "submitted", "under_review", "validated", "published")
QUESTIONNAIRES = ("government", "evaluator", "reconciled")


def _state(name: str, nullable: bool) -> sa.Column[str]:
    return sa.Column(
        name,
        sa.Enum(*STATES, name="ippalc_state", native_enum=False, length=32),
        nullable=nullable,
    )


def _timestamps() -> list[sa.Column[object]]:
    return [
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
    ]


def upgrade() -> None:
    op.create_table(
        "ippalc_editions",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("framework", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=True),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ippalc_editions")),
        sa.UniqueConstraint("code", name=op.f("uq_ippalc_editions_code")),
    )
    op.create_table(
        "ippalc_assessments",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("edition_id", sa.UUID(), nullable=False),
        sa.Column("country", sa.String(length=3), nullable=False),
        sa.Column("round", sa.String(length=40), nullable=False),
        _state("state", nullable=False),
        sa.Column("label", sa.String(length=300), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        *_timestamps(),
        sa.ForeignKeyConstraint(
            ["edition_id"],
            ["ippalc_editions.id"],
            name=op.f("fk_ippalc_assessments_edition_id_ippalc_editions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ippalc_assessments")),
        sa.UniqueConstraint("country", "round", name=op.f("uq_ippalc_assessments_country_round")),
    )
    for column in ("edition_id", "country", "round"):
        op.create_index(
            op.f(f"ix_ippalc_assessments_{column}"), "ippalc_assessments", [column], unique=False
        )
    op.create_table(
        "ippalc_answers",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("assessment_id", sa.UUID(), nullable=False),
        sa.Column(
            "questionnaire",
            sa.Enum(*QUESTIONNAIRES, name="ippalc_questionnaire", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("question", sa.String(length=40), nullable=False),
        sa.Column("value", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=True),
        sa.Column("comments", sa.Text(), nullable=True),
        sa.Column("answered_by", sa.String(length=200), nullable=True),
        *_timestamps(),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["ippalc_assessments.id"],
            name=op.f("fk_ippalc_answers_assessment_id_ippalc_assessments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ippalc_answers")),
        sa.UniqueConstraint(
            "assessment_id",
            "questionnaire",
            "question",
            name=op.f("uq_ippalc_answers_assessment_id_questionnaire_question"),
        ),
    )
    op.create_index(
        op.f("ix_ippalc_answers_assessment_id"), "ippalc_answers", ["assessment_id"], unique=False
    )
    op.create_table(
        "ippalc_audit",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("assessment_id", sa.UUID(), nullable=False),
        sa.Column(
            "at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("actor", sa.String(length=200), nullable=True),
        sa.Column("roles", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("action", sa.String(length=60), nullable=False),
        _state("from_state", nullable=True),
        _state("to_state", nullable=True),
        sa.Column("detail", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["ippalc_assessments.id"],
            name=op.f("fk_ippalc_audit_assessment_id_ippalc_assessments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ippalc_audit")),
    )
    op.create_index(
        op.f("ix_ippalc_audit_assessment_id"), "ippalc_audit", ["assessment_id"], unique=False
    )
    op.create_table(
        "ippalc_reported_results",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("edition_id", sa.UUID(), nullable=False),
        sa.Column("round", sa.String(length=40), nullable=False),
        sa.Column("country", sa.String(length=3), nullable=True),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("overall", sa.Float(), nullable=True),
        sa.Column("dimensions", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("subdimensions", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=True),
        *_timestamps(),
        sa.ForeignKeyConstraint(
            ["edition_id"],
            ["ippalc_editions.id"],
            name=op.f("fk_ippalc_reported_results_edition_id_ippalc_editions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ippalc_reported_results")),
    )
    for column in ("edition_id", "round"):
        op.create_index(
            op.f(f"ix_ippalc_reported_results_{column}"),
            "ippalc_reported_results",
            [column],
            unique=False,
        )
    # The 2019 edition as shipped at this revision; later editions are data added through the
    # API (or a later migration), never an edit of this one.
    edition = shipped_edition("2019")
    editions = sa.table(
        "ippalc_editions",
        sa.column("id", sa.UUID()),
        sa.column("code", sa.String),
        sa.column("title", sa.String),
        sa.column("framework", postgresql.JSONB()),
        sa.column("created_by", sa.String),
    )
    op.bulk_insert(
        editions,
        [
            {
                "id": uuid.uuid4(),
                "code": edition.code,
                "title": edition.title,
                "framework": edition.model_dump(mode="json"),
                "created_by": "migration 0003_ippalc",
            }
        ],
    )


def downgrade() -> None:
    op.drop_table("ippalc_reported_results")
    op.drop_table("ippalc_audit")
    op.drop_table("ippalc_answers")
    op.drop_table("ippalc_assessments")
    op.drop_table("ippalc_editions")
