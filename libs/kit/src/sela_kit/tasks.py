"""Background tasks that belong to a component and stop with it."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

logger = logging.getLogger("sela.tasks")

#: How long to wait for a cancelled task before cancelling it again.
RECANCEL_SECONDS = 0.5


async def cancel_and_wait(
    *tasks: asyncio.Task[Any] | None, recancel_seconds: float = RECANCEL_SECONDS
) -> None:
    """Cancel ``tasks`` (``None`` entries are skipped) and wait until each has finished.

    One cancellation is not always enough on Python 3.11: ``asyncio.wait_for``, which
    nats-py and others use for every request, returns the inner result and drops the
    caller's cancellation when both happen in the same loop iteration (CPython gh-86296,
    fixed in 3.12 by rewriting ``wait_for`` on ``asyncio.timeout``). A periodic loop hit by
    that race simply goes on, and a shutdown awaiting it hangs. So the cancellation is
    repeated until the task is done.

    A task that ended with an error is logged, not raised: stopping goes on.
    """
    owned = [task for task in tasks if task is not None]
    pending = {task for task in owned if not task.done()}
    while pending:
        for task in pending:
            task.cancel()
        _, pending = await asyncio.wait(pending, timeout=recancel_seconds)
    for task in owned:
        if not task.cancelled() and task.exception() is not None:
            logger.error(
                "background task %s had failed before it was stopped",
                task.get_name(),
                exc_info=task.exception(),
            )
