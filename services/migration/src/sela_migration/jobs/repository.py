from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from sela_migration.jobs.models import Job


class JobRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @classmethod
    def from_session(cls, session: AsyncSession) -> JobRepository:
        return cls(session)

    async def get(self, job_id: uuid.UUID) -> Job | None:
        return await self.session.get(Job, job_id)

    async def add(self, job: Job) -> Job:
        self.session.add(job)
        await self.session.flush()
        return job

    async def list(self, kind: str | None, limit: int) -> Sequence[Job]:
        stmt = select(Job).order_by(Job.created_at.desc(), Job.id).limit(limit)
        if kind is not None:
            stmt = stmt.where(Job.kind == kind)
        return (await self.session.scalars(stmt)).all()

    async def set(self, job_id: uuid.UUID, **values: Any) -> None:
        await self.session.execute(update(Job).where(Job.id == job_id).values(**values))

    async def mark_stale(self, indicator: str) -> int:
        """Flag finished correlations that used ``indicator`` from the indices service."""
        jobs = (
            await self.session.scalars(
                select(Job).where(
                    Job.kind == "correlation",
                    Job.stale.is_(False),
                    Job.params["source"].astext == "indices",
                    Job.params["indicators"].contains([indicator]),
                )
            )
        ).all()
        for job in jobs:
            job.stale = True
        await self.session.flush()
        return len(jobs)
