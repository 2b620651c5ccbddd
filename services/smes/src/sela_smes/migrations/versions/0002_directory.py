"""The SME directory: enterprises, contacts, claims, audit, niche flags, attendance.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LANGUAGES = {"es": "spanish", "en": "english", "pt": "portuguese", "simple": "simple"}


def upgrade() -> None:
    # Accent-insensitive full text (as in the indices catalogue, decision 0014): each
    # configuration removes accents before its language's stemmer; sela_simple does not stem.
    op.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for lang, stemmer in LANGUAGES.items():
        dictionary = "simple" if stemmer == "simple" else f"{stemmer}_stem"
        op.execute(
            f"DO $$ BEGIN CREATE TEXT SEARCH CONFIGURATION sela_{lang} (COPY = {stemmer}); "
            "EXCEPTION WHEN unique_violation THEN NULL; END $$"
        )
        op.execute(
            f"ALTER TEXT SEARCH CONFIGURATION sela_{lang} ALTER MAPPING FOR "
            f"hword, hword_part, word WITH unaccent, {dictionary}"
        )
    op.create_table(
        "smes_enterprises",
        sa.Column("legal_name", sa.String(length=300), nullable=False),
        sa.Column("trade_name", sa.String(length=300), nullable=True),
        sa.Column("sort_name", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("country_iso3", sa.String(length=3), nullable=False),
        sa.Column("city", sa.String(length=120), nullable=True),
        sa.Column("tax_id", sa.String(length=40), nullable=False),
        sa.Column("size_class", sa.String(length=8), nullable=False),
        sa.Column("size_basis", sa.String(length=120), nullable=False),
        sa.Column("isic_division", sa.String(length=2), nullable=False),
        sa.Column("isic_section", sa.String(length=1), nullable=False),
        sa.Column("products", postgresql.ARRAY(sa.String(length=8)), nullable=False),
        sa.Column("product_headings", postgresql.ARRAY(sa.String(length=8)), nullable=False),
        sa.Column("product_chapters", postgresql.ARRAY(sa.String(length=8)), nullable=False),
        sa.Column("export_markets", postgresql.ARRAY(sa.String(length=8)), nullable=False),
        sa.Column("import_markets", postgresql.ARRAY(sa.String(length=8)), nullable=False),
        sa.Column("target_markets", postgresql.ARRAY(sa.String(length=8)), nullable=False),
        sa.Column("certifications", postgresql.ARRAY(sa.String(length=120)), nullable=False),
        sa.Column("certifications_text", sa.Text(), nullable=True),
        sa.Column("founded_year", sa.Integer(), nullable=True),
        sa.Column("employees", sa.Integer(), nullable=True),
        sa.Column("annual_sales_usd", sa.Float(), nullable=True),
        sa.Column("website", sa.String(length=300), nullable=True),
        sa.Column("consent_listed", sa.Boolean(), nullable=False),
        sa.Column("consent_contact", sa.Boolean(), nullable=False),
        sa.Column("owner_subject", sa.String(length=200), nullable=True),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("niche_products", postgresql.ARRAY(sa.String(length=8)), nullable=False),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "search",
            postgresql.TSVECTOR(),
            sa.Computed(
                "setweight(to_tsvector('sela_simple'::regconfig, legal_name || ' ' || coalesce(trade_name, '')), 'A') || setweight(to_tsvector('sela_es'::regconfig, legal_name || ' ' || coalesce(trade_name, '')), 'A') || setweight(to_tsvector('sela_en'::regconfig, legal_name || ' ' || coalesce(trade_name, '')), 'A') || setweight(to_tsvector('sela_pt'::regconfig, legal_name || ' ' || coalesce(trade_name, '')), 'A') || setweight(to_tsvector('sela_es'::regconfig, coalesce(description, '')), 'B') || setweight(to_tsvector('sela_en'::regconfig, coalesce(description, '')), 'B') || setweight(to_tsvector('sela_pt'::regconfig, coalesce(description, '')), 'B') || setweight(to_tsvector('sela_simple'::regconfig, coalesce(city, '') || ' ' || coalesce(certifications_text, '')), 'C')",
                persisted=True,
            ),
            nullable=False,
        ),
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
            "size_class IN ('micro', 'small', 'medium')",
            name=op.f("ck_smes_enterprises_size_class"),
        ),
        sa.CheckConstraint(
            "employees IS NULL OR employees >= 0", name=op.f("ck_smes_enterprises_employees")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_smes_enterprises")),
        sa.UniqueConstraint("country_iso3", "tax_id", name="uq_smes_enterprises_country_tax_id"),
    )
    op.create_index(
        "ix_smes_enterprises_chapters",
        "smes_enterprises",
        ["product_chapters"],
        unique=False,
        postgresql_using="gin",
    )
    op.create_index(
        op.f("ix_smes_enterprises_country_iso3"), "smes_enterprises", ["country_iso3"], unique=False
    )
    op.create_index(
        op.f("ix_smes_enterprises_employees"), "smes_enterprises", ["employees"], unique=False
    )
    op.create_index(
        "ix_smes_enterprises_exports",
        "smes_enterprises",
        ["export_markets"],
        unique=False,
        postgresql_using="gin",
    )
    op.create_index(
        op.f("ix_smes_enterprises_founded_year"), "smes_enterprises", ["founded_year"], unique=False
    )
    op.create_index(
        "ix_smes_enterprises_headings",
        "smes_enterprises",
        ["product_headings"],
        unique=False,
        postgresql_using="gin",
    )
    op.create_index(
        op.f("ix_smes_enterprises_isic_division"),
        "smes_enterprises",
        ["isic_division"],
        unique=False,
    )
    op.create_index(
        "ix_smes_enterprises_legal_name_trgm",
        "smes_enterprises",
        ["legal_name"],
        unique=False,
        postgresql_using="gin",
        postgresql_ops={"legal_name": "gin_trgm_ops"},
    )
    op.create_index(
        op.f("ix_smes_enterprises_owner_subject"),
        "smes_enterprises",
        ["owner_subject"],
        unique=False,
    )
    op.create_index(
        "ix_smes_enterprises_search",
        "smes_enterprises",
        ["search"],
        unique=False,
        postgresql_using="gin",
    )
    op.create_index(
        op.f("ix_smes_enterprises_size_class"), "smes_enterprises", ["size_class"], unique=False
    )
    op.create_index(
        "ix_smes_enterprises_sort_name", "smes_enterprises", ["sort_name", "id"], unique=False
    )
    op.create_index(
        "ix_smes_enterprises_targets",
        "smes_enterprises",
        ["target_markets"],
        unique=False,
        postgresql_using="gin",
    )
    op.create_table(
        "smes_niche_runs",
        sa.Column("run_id", sa.String(length=64), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("niches", sa.Integer(), nullable=False),
        sa.Column(
            "received_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("run_id", name=op.f("pk_smes_niche_runs")),
    )
    op.create_table(
        "smes_niches",
        sa.Column("country_iso3", sa.String(length=3), nullable=False),
        sa.Column("heading", sa.String(length=8), nullable=False),
        sa.Column("classification", sa.String(length=16), nullable=False),
        sa.Column("run_id", sa.String(length=64), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("country_iso3", "heading", name=op.f("pk_smes_niches")),
    )
    op.create_table(
        "smes_attendance",
        sa.Column("enterprise_id", sa.UUID(), nullable=False),
        sa.Column("registration_id", sa.String(length=64), nullable=False),
        sa.Column("meeting_id", sa.String(length=64), nullable=False),
        sa.Column("activity", sa.String(length=32), nullable=True),
        sa.Column("matched_by", sa.String(length=16), nullable=False),
        sa.Column(
            "recorded_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["smes_enterprises.id"],
            name=op.f("fk_smes_attendance_enterprise_id_smes_enterprises"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_smes_attendance")),
        sa.UniqueConstraint("registration_id", name=op.f("uq_smes_attendance_registration_id")),
    )
    op.create_index(
        op.f("ix_smes_attendance_enterprise_id"), "smes_attendance", ["enterprise_id"], unique=False
    )
    op.create_table(
        "smes_audit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.UUID(), nullable=False),
        sa.Column(
            "at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("fields", postgresql.ARRAY(sa.String(length=60)), nullable=False),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["smes_enterprises.id"],
            name=op.f("fk_smes_audit_enterprise_id_smes_enterprises"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_smes_audit")),
    )
    op.create_index(
        op.f("ix_smes_audit_enterprise_id"), "smes_audit", ["enterprise_id"], unique=False
    )
    op.create_table(
        "smes_claims",
        sa.Column("enterprise_id", sa.UUID(), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("domain_matches", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("decided_by", sa.String(length=200), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
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
            "status IN ('pending', 'approved', 'rejected')", name=op.f("ck_smes_claims_status")
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["smes_enterprises.id"],
            name=op.f("fk_smes_claims_enterprise_id_smes_enterprises"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_smes_claims")),
    )
    op.create_index(
        op.f("ix_smes_claims_enterprise_id"), "smes_claims", ["enterprise_id"], unique=False
    )
    op.create_index(op.f("ix_smes_claims_subject"), "smes_claims", ["subject"], unique=False)
    op.create_table(
        "smes_contacts",
        sa.Column("enterprise_id", sa.UUID(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=120), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("phone", sa.String(length=40), nullable=True),
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
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["smes_enterprises.id"],
            name=op.f("fk_smes_contacts_enterprise_id_smes_enterprises"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_smes_contacts")),
    )
    op.create_index(op.f("ix_smes_contacts_email"), "smes_contacts", ["email"], unique=False)
    op.create_index(
        op.f("ix_smes_contacts_enterprise_id"), "smes_contacts", ["enterprise_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_smes_contacts_enterprise_id"), table_name="smes_contacts")
    op.drop_index(op.f("ix_smes_contacts_email"), table_name="smes_contacts")
    op.drop_table("smes_contacts")
    op.drop_index(op.f("ix_smes_claims_subject"), table_name="smes_claims")
    op.drop_index(op.f("ix_smes_claims_enterprise_id"), table_name="smes_claims")
    op.drop_table("smes_claims")
    op.drop_index(op.f("ix_smes_audit_enterprise_id"), table_name="smes_audit")
    op.drop_table("smes_audit")
    op.drop_index(op.f("ix_smes_attendance_enterprise_id"), table_name="smes_attendance")
    op.drop_table("smes_attendance")
    op.drop_table("smes_niches")
    op.drop_table("smes_niche_runs")
    op.drop_index(
        "ix_smes_enterprises_targets", table_name="smes_enterprises", postgresql_using="gin"
    )
    op.drop_index("ix_smes_enterprises_sort_name", table_name="smes_enterprises")
    op.drop_index(op.f("ix_smes_enterprises_size_class"), table_name="smes_enterprises")
    op.drop_index(
        "ix_smes_enterprises_search", table_name="smes_enterprises", postgresql_using="gin"
    )
    op.drop_index(op.f("ix_smes_enterprises_owner_subject"), table_name="smes_enterprises")
    op.drop_index(
        "ix_smes_enterprises_legal_name_trgm",
        table_name="smes_enterprises",
        postgresql_using="gin",
        postgresql_ops={"legal_name": "gin_trgm_ops"},
    )
    op.drop_index(op.f("ix_smes_enterprises_isic_division"), table_name="smes_enterprises")
    op.drop_index(
        "ix_smes_enterprises_headings", table_name="smes_enterprises", postgresql_using="gin"
    )
    op.drop_index(op.f("ix_smes_enterprises_founded_year"), table_name="smes_enterprises")
    op.drop_index(
        "ix_smes_enterprises_exports", table_name="smes_enterprises", postgresql_using="gin"
    )
    op.drop_index(op.f("ix_smes_enterprises_employees"), table_name="smes_enterprises")
    op.drop_index(op.f("ix_smes_enterprises_country_iso3"), table_name="smes_enterprises")
    op.drop_index(
        "ix_smes_enterprises_chapters", table_name="smes_enterprises", postgresql_using="gin"
    )
    op.drop_table("smes_enterprises")
    for lang in LANGUAGES:
        op.execute(f"DROP TEXT SEARCH CONFIGURATION IF EXISTS sela_{lang}")
