"""The mail sender end to end (outbox, JetStream, consumer, .eml file) and the demo data."""

from __future__ import annotations

from email import message_from_bytes, policy
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from sela_events import demo
from sela_events.app import SPEC
from sela_events.meetings.models import Meeting
from sela_events.settings import EventsSettings
from sela_kit.db import Database
from sela_kit.messaging import OUTBOX
from sela_testing.support import run_service
from tests.events.support import open_meeting, person
from tests.kit.messaging_helpers import eventually

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_confirmation_mail_is_written_as_eml(events_settings: EventsSettings) -> None:
    # Events committed by earlier tests would be mailed first; this test wants its own.
    backlog = Database(events_settings.sqlalchemy_url)
    try:
        async with backlog.transaction() as session:
            await session.execute(
                update(OUTBOX)
                .where(OUTBOX.c.published_at.is_(None))
                .values(published_at=func.now())
            )
    finally:
        await backlog.dispose()
    async with run_service(SPEC, events_settings, isolated=False, run_background=True) as harness:
        meeting = await open_meeting(harness.client, capacity=5)
        body = person("mail", language="en", first_name="Maria")
        response = await harness.client.post(f"/meetings/{meeting['id']}/registrations", json=body)
        assert response.status_code == 201
        folder = events_settings.mail_dir

        def mine() -> list[Path]:
            if not folder.exists():
                return []
            return [p for p in folder.glob("*.eml") if body["email"].encode() in p.read_bytes()]

        async def written() -> bool:
            return bool(mine())

        await eventually(written, 60, "the confirmation mail")
        message = message_from_bytes(mine()[0].read_bytes(), policy=policy.default)
        assert message["Subject"] == "Registration confirmed: Test meeting"
        assert response.json()["manage_token"] in message.get_body().get_content()  # type: ignore[union-attr]
        attachments = [p.get_content_type() for p in message.iter_attachments()]
        assert attachments == ["text/calendar"]


async def test_demo_loads_the_2019_meetings_once(events_settings: EventsSettings) -> None:
    seed = demo.shared_dir() / "seed" / demo.SEED_NAME
    if not seed.exists():
        pytest.skip(f"the Work Programme is not at {seed}")
    first = await demo.load(events_settings)
    second = await demo.load(events_settings)
    assert f"{len(demo.PLANNED)} already there" in second, (first, second)
    database = Database(events_settings.sqlalchemy_url)
    try:
        async with database.transaction() as session:
            port = (
                await session.scalars(select(Meeting).where(Meeting.code == "WP2019-I.3.2"))
            ).one()
            assert port.activity == "I.3.2"
            assert port.city == "Port of Spain"
            assert port.description["en"].startswith("Activity I.3.2: IV Latin American")
            formal = (
                await session.scalars(select(Meeting).where(Meeting.code == "WP2019-II.3.4"))
            ).one()
            assert formal.period_note == "February 2019"
            assert formal.country == "DOM"
    finally:
        await database.dispose()
