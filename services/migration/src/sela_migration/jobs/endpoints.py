"""Polling the jobs the service runs in the background."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query

from sela_kit.db import DbSession
from sela_kit.errors import NotFoundError, problem_responses
from sela_migration.jobs.repository import JobRepository
from sela_migration.jobs.schemas import JobRead

router = APIRouter(prefix="/jobs", tags=["jobs"])


@router.get("", response_model=list[JobRead])
async def list_jobs(
    session: DbSession,
    kind: Literal["network", "correlation", "gravity"] | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[JobRead]:
    """The latest jobs, newest first."""
    jobs = await JobRepository.from_session(session).list(kind, limit)
    return [JobRead.model_validate(j) for j in jobs]


@router.get("/{job_id}", response_model=JobRead, responses=problem_responses(404))
async def get_job(job_id: uuid.UUID, session: DbSession) -> JobRead:
    """A job's status and, once done, its result (or its error)."""
    job = await JobRepository.from_session(session).get(job_id)
    if job is None:
        raise NotFoundError(f"No job {job_id}.", code="job_not_found")
    return JobRead.model_validate(job)
