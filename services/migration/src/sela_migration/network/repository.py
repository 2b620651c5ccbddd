from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from sela_kit.jobs import JOBS
from sela_migration.network.models import NetworkMeasures


class NetworkRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @classmethod
    def from_session(cls, session: AsyncSession) -> NetworkRepository:
        return cls(session)

    async def upsert(self, values: dict[str, Any]) -> None:
        stmt = pg_insert(NetworkMeasures).values(id=uuid.uuid4(), **values)
        key = ("dataset_id", "year", "scope", "sex")
        update = {k: stmt.excluded[k] for k in values if k not in key}
        await self.session.execute(
            stmt.on_conflict_do_update(
                index_elements=list(key),
                set_={**update, "updated_at": stmt.excluded.updated_at},
            )
        )

    async def get(
        self, dataset_id: uuid.UUID, year: int, scope: str, sex: str = "total"
    ) -> NetworkMeasures | None:
        result: NetworkMeasures | None = await self.session.scalar(
            select(NetworkMeasures).where(
                NetworkMeasures.dataset_id == dataset_id,
                NetworkMeasures.year == year,
                NetworkMeasures.scope == scope,
                NetworkMeasures.sex == sex,
            )
        )
        return result

    async def list(
        self, dataset_id: uuid.UUID, scope: str | None, sex: str | None = "total"
    ) -> Sequence[NetworkMeasures]:
        """The dataset's networks; ``sex=None``: of every sex."""
        stmt = select(NetworkMeasures).where(NetworkMeasures.dataset_id == dataset_id)
        if scope is not None:
            stmt = stmt.where(NetworkMeasures.scope == scope)
        if sex is not None:
            stmt = stmt.where(NetworkMeasures.sex == sex)
        order = (NetworkMeasures.sex, NetworkMeasures.scope, NetworkMeasures.year)
        return (await self.session.scalars(stmt.order_by(*order))).all()

    async def record_finished_job(
        self,
        job_id: uuid.UUID,
        kind: str,
        params: dict[str, Any],
        result: dict[str, Any],
        *,
        submitted_by: str,
    ) -> None:
        """A computation run outside the queue (the demo), recorded as a succeeded job."""
        await self.session.execute(
            insert(JOBS).values(
                id=job_id,
                kind=kind,
                params=params,
                status="succeeded",
                progress=1.0,
                result=result,
                attempts=1,
                submitted_by=submitted_by,
                started_at=func.now(),
                finished_at=func.now(),
            )
        )
