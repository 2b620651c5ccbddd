"""Subjects published by the events (meetings) service."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from sela_contracts.base import EventContract


class _Registration(EventContract):
    registration_id: str
    meeting_id: str
    activity: str | None = Field(default=None, description="Work Programme activity, e.g. II.3.2")
    category: str
    country: str | None = Field(default=None, description="ISO3 of the delegation or organisation")
    email: str | None = None
    organisation_tax_id: str | None = None


class RegistrationConfirmed(_Registration, subject="events.registration.confirmed", version=1):
    """A registration reached the confirmed state."""


class RegistrationCancelled(_Registration, subject="events.registration.cancelled", version=1):
    """A confirmed or waitlisted registration was cancelled."""


class AttendanceRecorded(EventContract, subject="events.attendance.recorded", version=1):
    """A participant was checked in for a meeting day or session."""

    registration_id: str
    meeting_id: str
    session_id: str | None = None
    recorded_at: datetime


class NotificationRequested(EventContract, subject="events.notification.requested", version=1):
    """A message to a participant; the events service's mail sender delivers it.

    Written to the outbox with the change it announces, so a mail goes out if and only if
    the change committed, and never from inside a request.
    """

    notification_id: str
    kind: str = Field(description="registration_received, confirmed, waitlisted, offered, ...")
    to: str
    to_name: str | None = None
    language: str = "es"
    subject_line: str
    body: str
    registration_id: str | None = None
    meeting_id: str | None = None
    calendar: str | None = Field(default=None, description="iCalendar text to attach")
    attach_calendar: bool = Field(
        default=False, description="The sender attaches the participant's iCalendar itself"
    )
