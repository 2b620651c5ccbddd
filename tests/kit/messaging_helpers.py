from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

import nats
from nats.js.errors import NotFoundError
from sqlalchemy import func, select

from sela_kit.db import Database
from sela_kit.messaging.tables import OUTBOX


async def eventually(check: Callable[[], Awaitable[bool]], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await check():
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"not within {timeout}s: {what}")


async def pending_outbox(database: Database) -> int:
    async with database.transaction() as session:
        return int(
            await session.scalar(
                select(func.count()).select_from(OUTBOX).where(OUTBOX.c.published_at.is_(None))
            )
            or 0
        )


async def outbox_ids(database: Database) -> set[str]:
    async with database.transaction() as session:
        return {str(i) for i in (await session.scalars(select(OUTBOX.c.id))).all()}


async def stream_message_ids(url: str, stream: str) -> list[str]:
    """Every message id stored in ``stream`` (read with an ephemeral consumer)."""
    nc = await nats.connect(url)
    try:
        js = nc.jetstream()
        try:
            info = await js.stream_info(stream)
        except NotFoundError:
            return []
        total = info.state.messages
        ids: list[str] = []
        sub = await js.pull_subscribe("", stream=stream)
        while len(ids) < total:
            for msg in await sub.fetch(min(500, total - len(ids)), timeout=5):
                ids.append((msg.headers or {}).get("Nats-Msg-Id", ""))
                await msg.ack()
        await sub.unsubscribe()
        return ids
    finally:
        await nc.close()
