"""The service's closed vocabularies (stored as text, checked by the database)."""

from __future__ import annotations

from enum import StrEnum

LANGUAGES = ("es", "en", "pt", "fr")


class MeetingType(StrEnum):
    REGIONAL_MEETING = "regional_meeting"
    SUBREGIONAL_MEETING = "subregional_meeting"
    SEMINAR = "seminar"
    WORKSHOP = "workshop"
    COURSE = "course"
    ROUND_TABLE = "round_table"
    WORKING_SESSION = "working_session"


class MeetingStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    REGISTRATION_OPEN = "registration_open"
    REGISTRATION_CLOSED = "registration_closed"
    CANCELLED = "cancelled"
    HELD = "held"


class Category(StrEnum):
    """Participant categories of an intergovernmental meeting."""

    DELEGATION = "delegation"  # member-state delegation, focal point
    NATIONAL_COORDINATOR = "national_coordinator"
    INTERNATIONAL_ORGANISATION = "international_organisation"
    PRIVATE_SECTOR = "private_sector"  # private sector, SMEs
    ACADEMIA = "academia"
    PRESS = "press"
    STAFF = "staff"


class RegistrationState(StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    OFFERED = "offered"
    DECLINED = "declined"
    CANCELLED = "cancelled"
    REJECTED = "rejected"
    ATTENDED = "attended"
    NO_SHOW = "no_show"


class ModificationRule(StrEnum):
    UNTIL_DEADLINE = "until_deadline"  # until registration closes
    UNTIL_APPROVED = "until_approved"  # while pending moderation
    NEVER = "never"


class FieldKind(StrEnum):
    TEXT = "text"
    NUMBER = "number"
    CHOICE = "choice"
    MULTI_CHOICE = "multi_choice"
    COUNTRY = "country"
    DATE = "date"
    EMAIL = "email"
    CONSENT = "consent"
    FILE = "file"  # a reference (URL or document id); files are stored elsewhere


# States in which a registration holds seats against capacity and quotas.
SEAT_HOLDING = frozenset(
    {
        RegistrationState.CONFIRMED,
        RegistrationState.OFFERED,
        RegistrationState.ATTENDED,
        RegistrationState.NO_SHOW,
    }
)
# States of a live registration: the same person cannot register again while one exists.
ACTIVE = frozenset(
    {
        RegistrationState.PENDING,
        RegistrationState.CONFIRMED,
        RegistrationState.WAITLISTED,
        RegistrationState.OFFERED,
        RegistrationState.ATTENDED,
        RegistrationState.NO_SHOW,
    }
)


def check_in(column: str, values: type[StrEnum]) -> str:
    """SQL text of a CHECK constraint limiting ``column`` to the enum's values."""
    listed = ", ".join(f"'{v.value}'" for v in values)
    return f"{column} IN ({listed})"
