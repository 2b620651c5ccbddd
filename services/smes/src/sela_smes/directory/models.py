"""Enterprises of the SME directory, their contacts, claims, audit trail, niche flags and the
meetings they attended."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Computed,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY, TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from sela_kit.models import Timestamps, UUIDPrimaryKey
from sela_smes.models import Base

LANGUAGE_CONFIGS = ("sela_es", "sela_en", "sela_pt")

# Names weigh most (A, also unstemmed so brand names match exactly), the description next (B),
# certifications last (C). Every configuration strips accents first (migration 0002).
SEARCH_EXPRESSION = " || ".join(
    [
        "setweight(to_tsvector('sela_simple'::regconfig, "
        "legal_name || ' ' || coalesce(trade_name, '')), 'A')",
        *(
            f"setweight(to_tsvector('{cfg}'::regconfig, "
            "legal_name || ' ' || coalesce(trade_name, '')), 'A')"
            for cfg in LANGUAGE_CONFIGS
        ),
        *(
            f"setweight(to_tsvector('{cfg}'::regconfig, coalesce(description, '')), 'B')"
            for cfg in LANGUAGE_CONFIGS
        ),
        "setweight(to_tsvector('sela_simple'::regconfig, "
        "coalesce(city, '') || ' ' || coalesce(certifications_text, '')), 'C')",
    ]
)

TextArray = ARRAY(String(8))


class Enterprise(Base, UUIDPrimaryKey, Timestamps):
    __tablename__ = "smes_enterprises"
    __table_args__ = (
        UniqueConstraint("country_iso3", "tax_id", name="uq_smes_enterprises_country_tax_id"),
        CheckConstraint("size_class IN ('micro', 'small', 'medium')", name="size_class"),
        CheckConstraint("employees IS NULL OR employees >= 0", name="employees"),
        Index("ix_smes_enterprises_search", "search", postgresql_using="gin"),
        Index("ix_smes_enterprises_chapters", "product_chapters", postgresql_using="gin"),
        Index("ix_smes_enterprises_headings", "product_headings", postgresql_using="gin"),
        Index("ix_smes_enterprises_exports", "export_markets", postgresql_using="gin"),
        Index("ix_smes_enterprises_targets", "target_markets", postgresql_using="gin"),
        Index(
            "ix_smes_enterprises_legal_name_trgm",
            "legal_name",
            postgresql_using="gin",
            postgresql_ops={"legal_name": "gin_trgm_ops"},
        ),
        Index("ix_smes_enterprises_sort_name", "sort_name", "id"),
    )

    legal_name: Mapped[str] = mapped_column(String(300))
    trade_name: Mapped[str | None] = mapped_column(String(300))
    # lower(legal_name) without accents, kept by the service: the order of `sort=name`.
    sort_name: Mapped[str] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    country_iso3: Mapped[str] = mapped_column(String(3), index=True)
    city: Mapped[str | None] = mapped_column(String(120))
    tax_id: Mapped[str] = mapped_column(String(40))
    size_class: Mapped[str] = mapped_column(String(8), index=True)
    size_basis: Mapped[str] = mapped_column(String(120))
    isic_division: Mapped[str] = mapped_column(String(2), index=True)
    isic_section: Mapped[str] = mapped_column(String(1))
    products: Mapped[list[str]] = mapped_column(TextArray, default=list)
    product_headings: Mapped[list[str]] = mapped_column(TextArray, default=list)
    product_chapters: Mapped[list[str]] = mapped_column(TextArray, default=list)
    export_markets: Mapped[list[str]] = mapped_column(TextArray, default=list)
    import_markets: Mapped[list[str]] = mapped_column(TextArray, default=list)
    target_markets: Mapped[list[str]] = mapped_column(TextArray, default=list)
    certifications: Mapped[list[str]] = mapped_column(ARRAY(String(120)), default=list)
    certifications_text: Mapped[str | None] = mapped_column(Text)
    founded_year: Mapped[int | None] = mapped_column(Integer, index=True)
    employees: Mapped[int | None] = mapped_column(Integer, index=True)
    annual_sales_usd: Mapped[float | None] = mapped_column(Float)
    website: Mapped[str | None] = mapped_column(String(300))
    consent_listed: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_contact: Mapped[bool] = mapped_column(Boolean, default=False)
    owner_subject: Mapped[str | None] = mapped_column(String(200), index=True)
    source: Mapped[str] = mapped_column(String(40), default="manual")
    niche_products: Mapped[list[str]] = mapped_column(TextArray, default=list)
    erased_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    search: Mapped[str] = mapped_column(
        TSVECTOR, Computed(SEARCH_EXPRESSION, persisted=True), deferred=True
    )


class Contact(Base, UUIDPrimaryKey, Timestamps):
    """A person to contact at an enterprise: personal data, shown only to verified users."""

    __tablename__ = "smes_contacts"

    enterprise_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("smes_enterprises.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str | None] = mapped_column(String(120))
    email: Mapped[str | None] = mapped_column(String(254), index=True)
    phone: Mapped[str | None] = mapped_column(String(40))


class Claim(Base, UUIDPrimaryKey, Timestamps):
    """An owner's request to manage a listing; staff approve or reject it."""

    __tablename__ = "smes_claims"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'approved', 'rejected')", name="status"),
    )

    enterprise_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("smes_enterprises.id", ondelete="CASCADE"), index=True
    )
    subject: Mapped[str] = mapped_column(String(200), index=True)
    email: Mapped[str | None] = mapped_column(String(254))
    message: Mapped[str | None] = mapped_column(Text)
    domain_matches: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    decided_by: Mapped[str | None] = mapped_column(String(200))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class AuditEntry(Base):
    """Who did what to a listing. Field names only, never values: it survives erasure."""

    __tablename__ = "smes_audit"

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("smes_enterprises.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(40))
    fields: Mapped[list[str]] = mapped_column(ARRAY(String(60)), default=list)


class Niche(Base):
    """The productive niches of the latest analysis the indices service published."""

    __tablename__ = "smes_niches"

    country_iso3: Mapped[str] = mapped_column(String(3), primary_key=True)
    heading: Mapped[str] = mapped_column(String(8), primary_key=True)
    classification: Mapped[str] = mapped_column(String(16))
    run_id: Mapped[str] = mapped_column(String(64))
    year: Mapped[int] = mapped_column(Integer)


class NicheRun(Base):
    __tablename__ = "smes_niche_runs"

    run_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    niches: Mapped[int] = mapped_column(Integer)
    received_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )


class Attendance(Base, UUIDPrimaryKey):
    """A confirmed registration of an enterprise for a meeting (III.1.1–III.1.2)."""

    __tablename__ = "smes_attendance"

    enterprise_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("smes_enterprises.id", ondelete="CASCADE"), index=True
    )
    registration_id: Mapped[str] = mapped_column(String(64), unique=True)
    meeting_id: Mapped[str] = mapped_column(String(64))
    activity: Mapped[str | None] = mapped_column(String(32))
    matched_by: Mapped[str] = mapped_column(String(16))
    recorded_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
