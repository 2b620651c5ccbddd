"""Periodic jobs: offer expiry (seats pass on) and retention (personal data erased).

Every replica runs them; they claim meetings with SKIP LOCKED, so replicas share the work
and never process the same meeting at once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime

from fastapi import FastAPI

from sela_events.mail.sender import configure as configure_mail
from sela_events.meetings.repository import MeetingRepository
from sela_events.registrations import service as registrations
from sela_events.registrations.repository import RegistrationRepository
from sela_events.registrations.schemas import JobResult
from sela_events.settings import EventsSettings
from sela_kit.db import Database
from sela_kit.tasks import cancel_and_wait

logger = logging.getLogger("sela.events.jobs")


async def expire_offers(
    database: Database, settings: EventsSettings, now: datetime | None = None
) -> JobResult:
    now = now or registrations.now_utc()
    result = JobResult()
    async with database.transaction() as session:
        meeting_ids = await RegistrationRepository(session).meetings_with_expired_offers(now)
    for meeting_id in meeting_ids:
        # One transaction per meeting: a slow meeting does not hold the others' locks.
        async with database.transaction() as session:
            expired, offered = await registrations.expire_offers_of(
                session, settings, meeting_id, now
            )
        result.offers_expired += expired
        result.offers_made += offered
    return result


async def erase_personal_data(database: Database, now: datetime | None = None) -> JobResult:
    now = now or registrations.now_utc()
    result = JobResult()
    async with database.transaction() as session:
        for meeting_id in await MeetingRepository(session).due_for_erasure(now):
            result.registrations_erased += await RegistrationRepository(session).erase(meeting_id)
            meeting = await MeetingRepository(session).get(str(meeting_id))
            assert meeting is not None
            meeting.erased_at = now
            result.meetings_erased += 1
    return result


async def run_forever(database: Database, settings: EventsSettings) -> None:
    while True:
        try:
            offers = await expire_offers(database, settings)
            erased = await erase_personal_data(database)
            if offers.offers_expired or erased.meetings_erased:
                logger.info(
                    "jobs: %s offer(s) expired, %s made; %s meeting(s) erased",
                    offers.offers_expired,
                    offers.offers_made,
                    erased.meetings_erased,
                )
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("periodic jobs failed; retrying next round")
        await asyncio.sleep(settings.jobs_interval_seconds)


@asynccontextmanager
async def jobs_lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: EventsSettings = app.state.settings
    configure_mail(settings)
    task = None
    if settings.jobs_enabled:
        task = asyncio.create_task(run_forever(app.state.database, settings), name="events-jobs")
    try:
        yield
    finally:
        await cancel_and_wait(task)
