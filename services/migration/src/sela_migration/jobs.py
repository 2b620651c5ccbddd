"""The job kinds of the migration service (``sela_kit.jobs``: a JetStream work queue).

Each kind is a handler of the service layer; a domain error (a dataset deleted since, a
year that is not there, covariates that cannot be read) fails the job at once with its
message instead of being retried.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import Response
from sqlalchemy.ext.asyncio import AsyncSession

from sela_kit.errors import DomainError
from sela_kit.jobs import JobContext, JobError, JobKind, JobRead, get_job
from sela_migration.analysis import service as analysis
from sela_migration.network import service as network

SERVICE = "migration"
NETWORK = network.KIND
CORRELATION, GRAVITY = analysis.CORRELATION, analysis.GRAVITY

Handler = Callable[[JobContext], Awaitable[dict[str, Any]]]


def failing_on_domain_errors(handler: Handler) -> Handler:
    async def run(context: JobContext) -> dict[str, Any]:
        try:
            return await handler(context)
        except DomainError as exc:
            raise JobError(exc.detail) from exc

    return run


JOB_KINDS: dict[str, JobKind] = {
    NETWORK: JobKind(NETWORK, failing_on_domain_errors(network.network_job)),
    CORRELATION: JobKind(CORRELATION, failing_on_domain_errors(analysis.correlation_job)),
    GRAVITY: JobKind(GRAVITY, failing_on_domain_errors(analysis.gravity_job)),
}


async def queued(session: AsyncSession, response: Response, job_id: uuid.UUID) -> JobRead:
    """The 202 answer of a submitted job: the job as it is now and where to poll it."""
    job = await get_job(session, job_id)
    assert job is not None
    response.headers["Location"] = f"/jobs/{job_id}"
    return job
