"""Correlation with development indicators and the gravity model, as jobs to poll."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status

from sela_kit.db import DbSession
from sela_kit.errors import problem_responses
from sela_kit.identity import CurrentIdentity, require_roles
from sela_kit.jobs import JobRead, submit_job
from sela_migration.analysis import service
from sela_migration.analysis.repository import CorrelationRepository
from sela_migration.analysis.schemas import CorrelationCreate, CorrelationRead, GravityCreate
from sela_migration.jobs import queued
from sela_migration.stocks import service as stocks

router = APIRouter(tags=["analysis"])
Analyst = Depends(require_roles("staff", "partner"))


@router.post(
    "/correlations",
    response_model=JobRead,
    status_code=status.HTTP_202_ACCEPTED,
    dependencies=[Analyst],
    responses=problem_responses(401, 403, 404, 422),
)
async def correlate(
    body: CorrelationCreate, response: Response, session: DbSession, identity: CurrentIdentity
) -> JobRead:
    """Pearson and Spearman of node measures with indicators per year, BH-corrected.

    Creates the correlation and queues its first computation: the job (``Location``) has
    ``params.correlation_id``; ``GET /correlations/{id}`` keeps the latest result, refreshed
    when an indicator read from the indices service gets a new vintage."""
    _, job_id = await service.create_correlation(session, body, identity.subject)
    return await queued(session, response, job_id)


@router.get("/correlations", response_model=list[CorrelationRead], responses=problem_responses(404))
async def list_correlations(
    session: DbSession,
    dataset: str | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[CorrelationRead]:
    """Correlations, newest first (of one dataset with ``dataset``)."""
    dataset_id = (await stocks.get_dataset(session, dataset)).id if dataset else None
    found = await CorrelationRepository.from_session(session).list(dataset_id, limit)
    return [CorrelationRead.model_validate(c) for c in found]


@router.get(
    "/correlations/{correlation_id}",
    response_model=CorrelationRead,
    responses=problem_responses(404),
)
async def get_correlation(correlation_id: uuid.UUID, session: DbSession) -> CorrelationRead:
    """A correlation's latest result, the indicator vintages it used and whether it is
    stale (a refresh pending)."""
    return CorrelationRead.model_validate(await service.get_correlation(session, correlation_id))


@router.post(
    "/correlations/{correlation_id}/refresh",
    response_model=JobRead,
    status_code=status.HTTP_202_ACCEPTED,
    dependencies=[Analyst],
    responses=problem_responses(401, 403, 404),
)
async def refresh_correlation(
    correlation_id: uuid.UUID, response: Response, session: DbSession, identity: CurrentIdentity
) -> JobRead:
    """Recompute a correlation with the same parameters; its result is replaced when the
    job succeeds."""
    correlation = await service.get_correlation(session, correlation_id, lock=True)
    job_id = await service.queue_correlation(session, correlation, identity.subject)
    return await queued(session, response, job_id)


@router.post(
    "/gravity",
    response_model=JobRead,
    status_code=status.HTTP_202_ACCEPTED,
    dependencies=[Analyst],
    responses=problem_responses(401, 403, 404, 422),
)
async def gravity(
    body: GravityCreate, response: Response, session: DbSession, identity: CurrentIdentity
) -> JobRead:
    """PPML gravity model of bilateral stocks per period, with robust (HC1) errors, with or
    without origin and destination fixed effects."""
    await service.check_gravity(session, body)
    job_id = await submit_job(
        session,
        service.SERVICE,
        service.GRAVITY,
        body.model_dump(mode="json"),
        submitted_by=identity.subject,
    )
    return await queued(session, response, job_id)
