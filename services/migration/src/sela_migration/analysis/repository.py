from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from sela_migration.analysis.models import Correlation


class CorrelationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @classmethod
    def from_session(cls, session: AsyncSession) -> CorrelationRepository:
        return cls(session)

    async def add(self, correlation: Correlation) -> Correlation:
        self.session.add(correlation)
        await self.session.flush()
        return correlation

    async def get(self, correlation_id: uuid.UUID, *, lock: bool = False) -> Correlation | None:
        stmt = select(Correlation).where(Correlation.id == correlation_id)
        if lock:
            stmt = stmt.with_for_update()
        result: Correlation | None = await self.session.scalar(stmt)
        return result

    async def list(self, dataset_id: uuid.UUID | None, limit: int) -> Sequence[Correlation]:
        stmt = select(Correlation).order_by(Correlation.created_at.desc(), Correlation.id)
        if dataset_id is not None:
            stmt = stmt.where(Correlation.dataset_id == dataset_id)
        return (await self.session.scalars(stmt.limit(limit))).all()

    async def using_indicator(self, indicator: str) -> Sequence[Correlation]:
        """Correlations that read ``indicator`` from the indices service, locked."""
        stmt = (
            select(Correlation)
            .where(
                Correlation.params["source"].astext == "indices",
                Correlation.params["indicators"].contains([indicator]),
            )
            .order_by(Correlation.id)
            .with_for_update()
        )
        return (await self.session.scalars(stmt)).all()
