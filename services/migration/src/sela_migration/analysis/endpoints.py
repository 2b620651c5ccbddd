"""Correlation with development indicators and the gravity model, as jobs to poll."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Depends, Request, Response, status

from sela_kit.db import DbSession
from sela_kit.errors import NotFoundError, problem_responses
from sela_kit.identity import CurrentIdentity, require_roles
from sela_migration.analysis.schemas import CorrelationCreate, GravityCreate
from sela_migration.jobs import runner
from sela_migration.jobs.repository import JobRepository
from sela_migration.jobs.schemas import JobRead
from sela_migration.stocks import service as stocks

router = APIRouter(tags=["analysis"])
Analyst = Depends(require_roles("staff", "partner"))


async def _submit(
    request: Request,
    response: Response,
    session: DbSession,
    kind: str,
    params: dict[str, object],
    subject: str | None,
) -> JobRead:
    job = await runner.submit(request, session, kind, params, subject)
    response.headers["Location"] = f"/jobs/{job.id}"
    return JobRead.model_validate(job)


@router.post(
    "/correlations",
    response_model=JobRead,
    status_code=status.HTTP_202_ACCEPTED,
    dependencies=[Analyst],
    responses=problem_responses(401, 403, 404, 422),
)
async def correlate(
    body: CorrelationCreate,
    request: Request,
    response: Response,
    session: DbSession,
    identity: CurrentIdentity,
) -> JobRead:
    """Pearson and Spearman of node measures with indicators per year, BH-corrected."""
    dataset = await stocks.get_dataset(session, body.dataset)
    for year in body.years or []:
        stocks.check_year(dataset, year)
    return await _submit(
        request, response, session, "correlation", body.model_dump(mode="json"), identity.subject
    )


@router.post(
    "/correlations/{job_id}/refresh",
    response_model=JobRead,
    status_code=status.HTTP_202_ACCEPTED,
    dependencies=[Analyst],
    responses=problem_responses(401, 403, 404),
)
async def refresh_correlation(
    job_id: uuid.UUID,
    request: Request,
    response: Response,
    session: DbSession,
    identity: CurrentIdentity,
) -> JobRead:
    """Recompute a correlation with the same parameters (e.g. after it became stale)."""
    job = await JobRepository.from_session(session).get(job_id)
    if job is None or job.kind != "correlation":
        raise NotFoundError(f"No correlation {job_id}.", code="job_not_found")
    return await _submit(
        request, response, session, "correlation", dict(job.params), identity.subject
    )


@router.post(
    "/gravity",
    response_model=JobRead,
    status_code=status.HTTP_202_ACCEPTED,
    dependencies=[Analyst],
    responses=problem_responses(401, 403, 404, 422),
)
async def gravity(
    body: GravityCreate,
    request: Request,
    response: Response,
    session: DbSession,
    identity: CurrentIdentity,
) -> JobRead:
    """PPML gravity model of bilateral stocks per period, with robust (HC1) errors."""
    dataset = await stocks.get_dataset(session, body.dataset)
    for year in body.years or []:
        stocks.check_year(dataset, year)
    return await _submit(
        request, response, session, "gravity", body.model_dump(mode="json"), identity.subject
    )
