"""Stopping background tasks, including one whose cancellation was lost."""

from __future__ import annotations

import asyncio
import logging
import sys

import pytest

from sela_kit.tasks import cancel_and_wait


async def test_a_loop_that_lost_its_cancellation_is_still_stopped() -> None:
    loop = asyncio.get_running_loop()
    replies: list[asyncio.Future[None]] = []
    rounds = 0

    async def periodic() -> None:
        # The shape of the gateway's rate-limit sync: a request answered through wait_for,
        # then a pause, forever.
        nonlocal rounds
        while True:
            rounds += 1
            reply: asyncio.Future[None] = loop.create_future()
            replies.append(reply)
            await asyncio.wait_for(reply, 10)
            await asyncio.sleep(0.01)

    task = asyncio.create_task(periodic(), name="periodic")
    await asyncio.sleep(0)
    # The reply and the stop arrive in the same loop iteration.
    replies[-1].set_result(None)
    task.cancel()
    await asyncio.sleep(0.05)
    if sys.version_info < (3, 12):
        # wait_for returned the reply and dropped the cancellation (CPython gh-86296):
        # the loop went on as if nothing had been asked.
        assert not task.done()
        assert rounds > 1
    await stops_within(task, 0.05)


async def stops_within(task: asyncio.Task[None], recancel_seconds: float) -> None:
    stopper = asyncio.create_task(cancel_and_wait(task, recancel_seconds=recancel_seconds))
    done, _ = await asyncio.wait({stopper}, timeout=5)
    if stopper not in done:
        # End it by brute force, so that the failure is reported instead of hanging the loop.
        while not task.done():
            task.cancel()
            await asyncio.sleep(0.01)
        stopper.cancel()
        pytest.fail("the task outlived cancel_and_wait")
    assert task.cancelled()


async def test_a_task_holding_out_against_several_cancellations_is_stopped() -> None:
    refusals = 0

    async def stubborn() -> None:
        nonlocal refusals
        while True:
            try:
                await asyncio.sleep(10)
            except asyncio.CancelledError:
                refusals += 1
                if refusals == 3:
                    raise

    task = asyncio.create_task(stubborn())
    await asyncio.sleep(0)
    await stops_within(task, 0.02)
    assert refusals == 3


async def test_stopping_skips_absent_tasks_and_logs_failed_ones(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def fails() -> None:
        raise RuntimeError("lost its connection")

    async def sleeps() -> None:
        await asyncio.sleep(10)

    failed = asyncio.create_task(fails(), name="fails")
    sleeping = asyncio.create_task(sleeps(), name="sleeps")
    await asyncio.sleep(0)
    with caplog.at_level(logging.ERROR, logger="sela.tasks"):
        await cancel_and_wait(None, failed, sleeping)
    assert failed.done()
    assert not failed.cancelled()
    assert sleeping.cancelled()
    assert "fails" in caplog.text
    assert "lost its connection" in caplog.text
    await cancel_and_wait()  # nothing to stop
