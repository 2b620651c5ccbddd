"""Job messages: `jobs.<service>.queued` on the work-queue stream JOBS.

The message only names the job; its parameters, progress and result live in the service's
`jobs` table, written in the same transaction that queued it (through the outbox).
"""

from __future__ import annotations

import uuid

from sela_contracts.base import EventContract


class JobQueuedBase(EventContract):
    job_id: uuid.UUID
    kind: str


class IndicesJobQueued(JobQueuedBase, subject="jobs.indices.queued", version=1):
    """A computation of the indices service was queued."""


class KitTestJobQueued(JobQueuedBase, subject="jobs.kittest.queued", version=1):
    """A job of the kit's test service (used by the kit's own tests)."""


class MigrationJobQueued(JobQueuedBase, subject="jobs.migration.queued", version=1):
    """A computation of the migration service (networks, correlation, gravity) was queued."""
