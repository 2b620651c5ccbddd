"""An in-process gate per meeting, held until the request's transaction ends.

Correctness rests on the meeting's row lock alone. The gate is for speed: without it, every
concurrent request for a meeting would take a database connection and wait on the row lock,
and the lock holder's few awaits would each wait behind all the other requests' work on the
event loop, so the lock would be held many times longer than its queries take. With the
gate, requests queue in the process without touching the database, and the holder runs
almost alone. See docs/decisions/0030.
"""

from __future__ import annotations

import asyncio
import weakref
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, SessionTransaction

_gates: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()
_HELD = "sela_events_gates"


async def hold(session: AsyncSession, meeting_ref: str) -> None:
    """Wait for the meeting's gate (by the reference the request used); it is released when
    the session's transaction ends. Call it before the session touches the database."""
    held: dict[str, asyncio.Lock] = session.info.setdefault(_HELD, {})
    if meeting_ref in held:
        return
    gate = _gates.get(meeting_ref)
    if gate is None:
        gate = asyncio.Lock()
        _gates[meeting_ref] = gate
    await gate.acquire()
    try:
        # Begins the transaction whose end releases the gate.
        await session.connection()
    except BaseException:
        gate.release()
        raise
    held[meeting_ref] = gate
    if not session.info.get("sela_events_gate_listener"):
        session.info["sela_events_gate_listener"] = True
        event.listen(session.sync_session, "after_transaction_end", _release)


def _release(sync_session: Session, transaction: SessionTransaction, *_: Any) -> None:
    if transaction.parent is not None:
        return
    held: dict[str, asyncio.Lock] = sync_session.info.get(_HELD, {})
    for gate in held.values():
        if gate.locked():
            gate.release()
    held.clear()
