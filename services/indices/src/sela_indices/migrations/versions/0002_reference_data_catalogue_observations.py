"""Reference areas, mechanism memberships, indicator catalogue, observations with vintages

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 17:36:11.159359
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


LANGUAGES = {"es": "spanish", "en": "english", "pt": "portuguese", "fr": "french"}


def upgrade() -> None:
    # Accent-insensitive full text in the four languages: each configuration removes accents
    # before its language's stemmer; sela_simple does the same without stemming (codes, units).
    op.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
    for lang, stemmer in {**LANGUAGES, "simple": "simple"}.items():
        op.execute(f"CREATE TEXT SEARCH CONFIGURATION sela_{lang} (COPY = {stemmer})")
        op.execute(
            f"ALTER TEXT SEARCH CONFIGURATION sela_{lang} ALTER MAPPING FOR "
            f"hword, hword_part, word WITH unaccent, {'simple' if stemmer == 'simple' else stemmer + '_stem'}"
        )
    op.create_table(
        "area",
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("iso2", sa.String(length=2), nullable=True),
        sa.Column("m49", sa.String(length=3), nullable=True),
        sa.Column("names", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("subregional", sa.Boolean(), server_default="false", nullable=False),
        sa.CheckConstraint("kind IN ('country', 'mechanism')", name=op.f("ck_area_kind")),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_area")),
    )
    op.create_table(
        "indicator",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("names", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("descriptions", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("unit", sa.String(length=120), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("group", sa.String(length=32), nullable=False),
        sa.Column("frequency", sa.String(length=1), nullable=False),
        sa.Column("direction", sa.SmallInteger(), nullable=False),
        sa.Column("aggregation", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("decimals", sa.SmallInteger(), nullable=True),
        sa.Column(
            "search",
            postgresql.TSVECTOR(),
            sa.Computed(
                "setweight(to_tsvector('sela_simple'::regconfig, code), 'A') || setweight(to_tsvector('sela_es'::regconfig, coalesce(names ->> 'es', '')), 'A') || setweight(to_tsvector('sela_en'::regconfig, coalesce(names ->> 'en', '')), 'A') || setweight(to_tsvector('sela_pt'::regconfig, coalesce(names ->> 'pt', '')), 'A') || setweight(to_tsvector('sela_fr'::regconfig, coalesce(names ->> 'fr', '')), 'A') || setweight(to_tsvector('sela_es'::regconfig, coalesce(descriptions ->> 'es', '')), 'B') || setweight(to_tsvector('sela_en'::regconfig, coalesce(descriptions ->> 'en', '')), 'B') || setweight(to_tsvector('sela_pt'::regconfig, coalesce(descriptions ->> 'pt', '')), 'B') || setweight(to_tsvector('sela_fr'::regconfig, coalesce(descriptions ->> 'fr', '')), 'B') || setweight(to_tsvector('sela_simple'::regconfig, unit || ' ' || source), 'C')",
                persisted=True,
            ),
            nullable=False,
        ),
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
            "frequency IN ('A', 'S', 'Q', 'M')", name=op.f("ck_indicator_frequency")
        ),
        sa.CheckConstraint(
            "\"group\" IN ('environment', 'development', 'institutions', 'innovation', 'demographics', 'macro', 'external_sector', 'trade')",
            name=op.f("ck_indicator_group"),
        ),
        sa.CheckConstraint("direction IN (-1, 0, 1)", name=op.f("ck_indicator_direction")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_indicator")),
        sa.UniqueConstraint("code", name=op.f("uq_indicator_code")),
    )
    op.create_index(
        "ix_indicator_search", "indicator", ["search"], unique=False, postgresql_using="gin"
    )
    op.create_table(
        "mechanism_edition",
        sa.Column("edition", sa.String(length=32), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("notes", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column(
            "loaded_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("clock_timestamp()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("edition", name=op.f("pk_mechanism_edition")),
    )
    op.create_table(
        "vintage",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("clock_timestamp()"),
            nullable=False,
        ),
        sa.Column("layout", sa.String(length=16), nullable=False),
        sa.Column("file_name", sa.Text(), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("submitted_by", sa.Text(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("summary", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vintage")),
    )
    op.create_table(
        "membership",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("edition", sa.String(length=32), nullable=False),
        sa.Column("mechanism", sa.String(length=16), nullable=False),
        sa.Column("country", sa.String(length=16), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.CheckConstraint("status IN ('full', 'suspended')", name=op.f("ck_membership_status")),
        sa.CheckConstraint(
            "end_date IS NULL OR end_date > start_date", name=op.f("ck_membership_dates")
        ),
        sa.ForeignKeyConstraint(
            ["country"], ["area.code"], name=op.f("fk_membership_country_area")
        ),
        sa.ForeignKeyConstraint(
            ["edition"],
            ["mechanism_edition.edition"],
            name=op.f("fk_membership_edition_mechanism_edition"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["mechanism"], ["area.code"], name=op.f("fk_membership_mechanism_area")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_membership")),
    )
    op.create_index(
        "ix_membership_lookup", "membership", ["edition", "mechanism", "start_date"], unique=False
    )
    op.create_table(
        "observation",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("indicator_id", sa.Integer(), nullable=False),
        sa.Column("area", sa.String(length=16), nullable=False),
        sa.Column("period", sa.String(length=10), nullable=False),
        sa.Column("freq", sa.String(length=1), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("value", sa.Double(), nullable=True),
        sa.Column("status", sa.String(length=1), nullable=False),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("vintage_id", sa.Integer(), nullable=False),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("valid_to", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["area"], ["area.code"], name=op.f("fk_observation_area_area")),
        sa.ForeignKeyConstraint(
            ["indicator_id"], ["indicator.id"], name=op.f("fk_observation_indicator_id_indicator")
        ),
        sa.ForeignKeyConstraint(
            ["vintage_id"], ["vintage.id"], name=op.f("fk_observation_vintage_id_vintage")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_observation")),
    )
    op.create_index(
        "ix_observation_area_current",
        "observation",
        ["area", "indicator_id"],
        unique=False,
        postgresql_where=sa.text("valid_to IS NULL"),
    )
    op.create_index(
        "ix_observation_history",
        "observation",
        ["indicator_id", "area", "period", "valid_from"],
        unique=False,
    )
    op.create_index(
        "uq_observation_current",
        "observation",
        ["indicator_id", "area", "period"],
        unique=True,
        postgresql_where=sa.text("valid_to IS NULL"),
    )


def downgrade() -> None:
    # ### commands auto generated by Alembic - please adjust! ###
    op.drop_index(
        "uq_observation_current",
        table_name="observation",
        postgresql_where=sa.text("valid_to IS NULL"),
    )
    op.drop_index("ix_observation_history", table_name="observation")
    op.drop_index(
        "ix_observation_area_current",
        table_name="observation",
        postgresql_where=sa.text("valid_to IS NULL"),
    )
    op.drop_table("observation")
    op.drop_index("ix_membership_lookup", table_name="membership")
    op.drop_table("membership")
    op.drop_table("vintage")
    op.drop_table("mechanism_edition")
    op.drop_index("ix_indicator_search", table_name="indicator", postgresql_using="gin")
    op.drop_table("indicator")
    op.drop_table("area")
    for lang in (*LANGUAGES, "simple"):
        op.execute(f"DROP TEXT SEARCH CONFIGURATION IF EXISTS sela_{lang}")
