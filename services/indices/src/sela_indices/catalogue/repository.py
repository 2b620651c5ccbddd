from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, exists, func, literal_column, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from sela_indices.catalogue.models import Indicator
from sela_indices.observations.models import Observation, Vintage
from sela_kit.pagination import PageParams, paginate

_CONFIGS = ("sela_es", "sela_en", "sela_pt", "sela_fr")


@dataclass(frozen=True)
class CatalogueFilter:
    q: str | None = None
    group: str | None = None
    areas: Sequence[str] | None = None  # has current observations for any of these
    start: date | None = None
    end: date | None = None


def _query(q: str) -> Any:
    # Any language may match; the last word also matches as a prefix (search as you type).
    parts = [f"websearch_to_tsquery('{cfg}'::regconfig, :q)" for cfg in _CONFIGS]
    # Only plain words and code-like tokens (FP.CPI) become a prefix: to_tsquery's syntax
    # characters never reach it.
    words = [w for w in q.split() if w.replace(".", "").replace("_", "").isalnum()]
    if words:
        parts.append("to_tsquery('sela_simple'::regconfig, :prefix)")
    query = text("(" + " || ".join(parts) + ")").bindparams(q=q)
    return query.bindparams(prefix=f"{words[-1]}:*") if words else query


@dataclass
class CatalogueRepository:
    session: AsyncSession

    @classmethod
    def from_session(cls, session: AsyncSession) -> CatalogueRepository:
        return cls(session)

    async def get(self, code: str) -> Indicator | None:
        return (await self.session.scalars(select(Indicator).where(Indicator.code == code))).first()

    async def by_codes(self, codes: Sequence[str]) -> Sequence[Indicator]:
        return (
            await self.session.scalars(select(Indicator).where(Indicator.code.in_(codes)))
        ).all()

    async def all(self) -> Sequence[Indicator]:
        return (await self.session.scalars(select(Indicator).order_by(Indicator.code))).all()

    async def references(self) -> list[tuple[str, int, str, str]]:
        rows = await self.session.execute(
            select(Indicator.code, Indicator.id, Indicator.unit, Indicator.frequency)
        )
        return [tuple(r) for r in rows.all()]  # type: ignore[misc]

    def _filtered(self, f: CatalogueFilter) -> Select[Any]:
        stmt = select(Indicator)
        if f.group:
            stmt = stmt.where(Indicator.group == f.group)
        if f.areas is not None or f.start is not None or f.end is not None:
            conditions = [Observation.indicator_id == Indicator.id, Observation.valid_to.is_(None)]
            if f.areas is not None:
                conditions.append(Observation.area.in_(f.areas))
            if f.start is not None:
                conditions.append(Observation.period_start >= f.start)
            if f.end is not None:
                conditions.append(Observation.period_start <= f.end)
            stmt = stmt.where(exists().where(*conditions))
        return stmt

    async def search(self, f: CatalogueFilter, limit: int) -> list[tuple[Indicator, float]]:
        assert f.q
        query = _query(f.q)
        rank = func.ts_rank_cd(literal_column("indicator.search"), query)
        stmt = (
            self._filtered(f)
            .add_columns(rank.label("rank"))
            .where(literal_column("indicator.search").op("@@")(query))
            .order_by(rank.desc(), Indicator.code)
            .limit(limit)
        )
        return [(row[0], float(row[1])) for row in (await self.session.execute(stmt)).all()]

    async def page(
        self, f: CatalogueFilter, params: PageParams
    ) -> tuple[list[Indicator], str | None]:
        return await paginate(self.session, self._filtered(f), [Indicator.code], params)

    async def group_counts(self) -> dict[str, int]:
        rows = await self.session.execute(
            select(Indicator.group, func.count()).group_by(Indicator.group)
        )
        return {g: int(n) for g, n in rows.all()}

    async def coverage(self, indicator_id: int) -> dict[str, Any]:
        row = (
            await self.session.execute(
                select(
                    func.count(func.distinct(Observation.area)),
                    func.count(),
                    func.min(Observation.period),
                    func.max(Observation.period),
                    func.max(Vintage.created_at),
                )
                .join(Vintage, Vintage.id == Observation.vintage_id)
                .where(Observation.indicator_id == indicator_id, Observation.valid_to.is_(None))
            )
        ).one()
        return {
            "areas": row[0],
            "observations": row[1],
            "first_period": row[2],
            "last_period": row[3],
            "last_vintage": row[4],
        }

    async def has_observations(self, indicator_id: int) -> bool:
        stmt = select(exists().where(Observation.indicator_id == indicator_id))
        return bool(await self.session.scalar(stmt))

    async def add(self, values: dict[str, Any]) -> Indicator:
        indicator = Indicator(**values)
        self.session.add(indicator)
        await self.session.flush()
        return indicator

    async def delete(self, indicator: Indicator) -> None:
        await self.session.delete(indicator)
        await self.session.flush()

    async def refresh(self, indicator: Indicator) -> None:
        await self.session.flush()
        await self.session.refresh(indicator)
