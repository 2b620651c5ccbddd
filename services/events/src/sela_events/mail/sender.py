"""The mail sender: a consumer of ``events.notification.requested``.

With SMTP settings it sends through the server; otherwise it writes one ``.eml`` file per
message into the state folder. The file is named by the message id, so a redelivery
overwrites rather than duplicates.
"""

from __future__ import annotations

import asyncio
import smtplib
import time
import uuid
from collections.abc import Sequence
from email.header import Header
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formataddr, make_msgid
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from sela_contracts.events import NotificationRequested
from sela_events.meetings.models import Meeting, MeetingSession
from sela_events.settings import EventsSettings
from sela_kit.errors import DomainError
from sela_kit.messaging import ConsumerSpec, InboundEvent, PermanentError

# How long the sender reuses a meeting and its sessions for the calendars of its mails: a
# burst of confirmations of one meeting reads them once rather than once per mail. As with
# the registration settings of the batcher (decision 34), a change reaches mails at most this
# late; the mails of a change of dates or a cancellation carry their own text.
MEETING_CACHE_SECONDS = 2.0

_meetings: dict[uuid.UUID, tuple[float, Meeting, Sequence[MeetingSession]]] = {}


async def _meeting_for_calendar(
    session: AsyncSession, meeting_id: uuid.UUID
) -> tuple[Meeting, Sequence[MeetingSession]]:
    from sela_events.attendance.service import sessions_of
    from sela_events.meetings.service import get_plain

    now = time.monotonic()
    known = _meetings.get(meeting_id)
    if known is not None and now - known[0] < MEETING_CACHE_SECONDS:
        return known[1], known[2]
    meeting = await get_plain(session, str(meeting_id))
    sessions = list(await sessions_of(session, meeting))
    if len(_meetings) > 1000:
        _meetings.clear()
    _meetings[meeting_id] = (now, meeting, sessions)
    return meeting, sessions


async def _calendar_for(session: AsyncSession, event: NotificationRequested) -> str | None:
    from sela_events.attendance.calendars import participant_calendar
    from sela_events.registrations.repository import RegistrationRepository

    if event.calendar or not event.attach_calendar or event.registration_id is None:
        return event.calendar
    reg = await RegistrationRepository(session).get(uuid.UUID(event.registration_id))
    if reg is None or reg.erased:
        return None
    try:
        meeting, sessions = await _meeting_for_calendar(session, reg.meeting_id)
    except DomainError:
        return None
    if meeting.start_at is None:
        return None
    return participant_calendar(meeting, sessions, reg).decode()


def _header(value: str) -> str:
    return value if value.isascii() else Header(value, "utf-8").encode()


def build_message(
    event: NotificationRequested, sender: str, calendar: str | None = None
) -> Message:
    """The MIME message: the text, and the calendar as an attachment when there is one.

    Built with the ``email`` package's classic classes: they keep header values as given
    (non-ASCII ones as RFC 2047 encoded words) instead of parsing each into a header object,
    which was a third of the sender's CPU with ``EmailMessage``.
    """
    text = MIMEText(event.body, "plain", "utf-8")
    calendar = calendar or event.calendar
    message: Message
    if calendar:
        message = MIMEMultipart("mixed")
        message.attach(text)
        attachment = MIMEText(calendar, "calendar", "utf-8")
        attachment.add_header("Content-Disposition", "attachment", filename="meeting.ics")
        message.attach(attachment)
    else:
        message = text
    message["From"] = sender
    message["To"] = formataddr((event.to_name or "", event.to), charset="utf-8")
    message["Subject"] = _header(event.subject_line)
    message["Message-ID"] = make_msgid(idstring=event.notification_id, domain="sela.org")
    message["Content-Language"] = event.language
    return message


def _send_smtp(settings: EventsSettings, message: Message) -> None:
    assert settings.smtp_host is not None
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=20) as smtp:
        if settings.smtp_starttls:
            smtp.starttls()
        if settings.smtp_username and settings.smtp_password:
            smtp.login(settings.smtp_username, settings.smtp_password.get_secret_value())
        smtp.send_message(message)


def _write_eml(folder: Path, name: str, message: Message) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{name}.eml"
    partial = target.with_suffix(".eml.part")
    partial.write_bytes(bytes(message))
    partial.replace(target)


_settings: list[EventsSettings] = []


def configure(settings: EventsSettings) -> None:
    """Give the sender the running app's settings (the consumer spec is built at import)."""
    _settings[:] = [settings]


def current_settings() -> EventsSettings:
    if not _settings:
        _settings.append(EventsSettings())
    return _settings[0]


def mail_sender() -> ConsumerSpec:
    async def handle(session: AsyncSession, inbound: InboundEvent) -> None:
        settings = current_settings()
        event = inbound.event
        if not isinstance(event, NotificationRequested):
            raise PermanentError(f"unexpected event {inbound.subject}")
        message = build_message(event, settings.mail_from, await _calendar_for(session, event))
        if settings.smtp_host:
            await asyncio.to_thread(_send_smtp, settings, message)
        else:
            # A few kilobytes into the local folder: cheaper on the loop than the hand-off
            # to a thread and back, which cost more than the write in the profile.
            _write_eml(settings.mail_dir, inbound.message_id, message)

    return ConsumerSpec(
        name="events-mail-sender", subjects=("events.notification.requested",), handler=handle
    )
