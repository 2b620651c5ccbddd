"""iCalendar (RFC 5545) documents for a meeting and for one participant (pure)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from icalendar import Calendar, Event, vCalAddress, vText

from sela_events.meetings.models import Meeting, MeetingSession
from sela_events.registrations.models import Registration
from sela_events.types import pick

PRODID = "-//SELA//Meetings//EN"


def _calendar(name: str) -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    return cal


def _location(meeting: Meeting) -> str:
    return ", ".join(p for p in (meeting.venue, meeting.city, meeting.country) if p)


def _meeting_event(meeting: Meeting, language: str, stamp: datetime) -> Event | None:
    if meeting.start_at is None:
        return None
    event = Event()
    event.add("uid", f"meeting-{meeting.id}@sela.org")
    event.add("dtstamp", stamp)
    event.add("dtstart", meeting.start_at)
    event.add("dtend", meeting.end_at or meeting.start_at + timedelta(hours=8))
    event.add("summary", pick(meeting.title, language))
    if meeting.description:
        event.add("description", pick(meeting.description, language))
    if _location(meeting):
        event.add("location", _location(meeting))
    event.add("status", "CANCELLED" if meeting.status == "cancelled" else "CONFIRMED")
    if meeting.activity:
        event.add("categories", [f"Work Programme {meeting.activity}"])
    return event


def _session_event(meeting: Meeting, item: MeetingSession, language: str, stamp: datetime) -> Event:
    event = Event()
    event.add("uid", f"session-{item.id}@sela.org")
    event.add("dtstamp", stamp)
    event.add("dtstart", item.starts_at)
    event.add("dtend", item.ends_at)
    event.add("summary", pick(item.title, language))
    where = ", ".join(p for p in (item.room, meeting.venue, meeting.city) if p)
    if where:
        event.add("location", where)
    if item.speakers:
        event.add("description", "; ".join(item.speakers))
    event.add("related-to", f"meeting-{meeting.id}@sela.org")
    return event


def meeting_calendar(
    meeting: Meeting, sessions: Sequence[MeetingSession], language: str = "es"
) -> bytes:
    stamp = datetime.now(UTC)
    cal = _calendar(pick(meeting.title, language))
    main = _meeting_event(meeting, language, stamp)
    if main is not None:
        cal.add_component(main)
    for item in sessions:
        cal.add_component(_session_event(meeting, item, language, stamp))
    return bytes(cal.to_ical())


def participant_calendar(
    meeting: Meeting, sessions: Sequence[MeetingSession], reg: Registration
) -> bytes:
    """The meeting and its sessions with the participant as attendee (their own copy)."""
    stamp = datetime.now(UTC)
    cal = _calendar(pick(meeting.title, reg.language))
    events = [_meeting_event(meeting, reg.language, stamp)]
    events += [_session_event(meeting, s, reg.language, stamp) for s in sessions]
    for event in events:
        if event is None:
            continue
        if reg.email:
            attendee = vCalAddress(f"mailto:{reg.email}")
            name = " ".join(p for p in (reg.first_name, reg.last_name) if p)
            if name:
                attendee.params["cn"] = vText(name)
            attendee.params["partstat"] = vText(
                "ACCEPTED" if reg.state in ("confirmed", "attended") else "TENTATIVE"
            )
            event.add("attendee", attendee, encode=False)
        event["uid"] = f"{event['uid']}-{reg.id}"
        cal.add_component(event)
    return bytes(cal.to_ical())
