from __future__ import annotations

from typing import Any

from sqlalchemy import CheckConstraint, Computed, Index, SmallInteger, String, Text
from sqlalchemy.dialects.postgresql import JSONB, TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from sela_indices.models import Base
from sela_kit.models import Timestamps

GROUPS = {
    "environment": "Environment",
    "development": "Development and well-being",
    "institutions": "Freedom, democracy and institutions",
    "innovation": "Innovation, science and technology",
    "demographics": "Demographics",
    "macro": "Macroeconomy",
    "external_sector": "External sector",
    "trade": "Trade",
}
LANGUAGES = ("es", "en", "pt", "fr")
_CONFIGS = {"es": "sela_es", "en": "sela_en", "pt": "sela_pt", "fr": "sela_fr"}

# Names weigh more than descriptions; every language goes through its own stemmer with
# accents removed (the sela_* text search configurations of migration 0002).
SEARCH_EXPRESSION = " || ".join(
    [
        "setweight(to_tsvector('sela_simple'::regconfig, code), 'A')",
        *(
            f"setweight(to_tsvector('{cfg}'::regconfig, coalesce(names ->> '{lang}', '')), 'A')"
            for lang, cfg in _CONFIGS.items()
        ),
        *(
            f"setweight(to_tsvector('{cfg}'::regconfig, "
            f"coalesce(descriptions ->> '{lang}', '')), 'B')"
            for lang, cfg in _CONFIGS.items()
        ),
        "setweight(to_tsvector('sela_simple'::regconfig, unit || ' ' || source), 'C')",
    ]
)


class Indicator(Base, Timestamps):
    __tablename__ = "indicator"
    __table_args__ = (
        CheckConstraint(f'"group" IN ({", ".join(repr(g) for g in GROUPS)})', name="group"),
        CheckConstraint("frequency IN ('A', 'S', 'Q', 'M')", name="frequency"),
        CheckConstraint("direction IN (-1, 0, 1)", name="direction"),
        Index("ix_indicator_search", "search", postgresql_using="gin"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    names: Mapped[dict[str, str]] = mapped_column(JSONB)
    descriptions: Mapped[dict[str, str]] = mapped_column(JSONB, default=dict)
    unit: Mapped[str] = mapped_column(String(120))
    source: Mapped[str] = mapped_column(Text)
    group: Mapped[str] = mapped_column(String(32))
    frequency: Mapped[str] = mapped_column(String(1))
    direction: Mapped[int] = mapped_column(SmallInteger, default=0)
    aggregation: Mapped[dict[str, Any]] = mapped_column(JSONB, default=lambda: {"rule": "none"})
    decimals: Mapped[int | None] = mapped_column(SmallInteger)
    search: Mapped[str] = mapped_column(
        TSVECTOR, Computed(SEARCH_EXPRESSION, persisted=True), deferred=True
    )
