"""The status workflow of a meeting (pure)."""

from __future__ import annotations

from sela_events.vocab import MeetingStatus as S

TRANSITIONS: dict[S, frozenset[S]] = {
    S.DRAFT: frozenset({S.PUBLISHED, S.REGISTRATION_OPEN, S.CANCELLED}),
    S.PUBLISHED: frozenset({S.REGISTRATION_OPEN, S.DRAFT, S.CANCELLED}),
    S.REGISTRATION_OPEN: frozenset({S.REGISTRATION_CLOSED, S.CANCELLED, S.HELD}),
    S.REGISTRATION_CLOSED: frozenset({S.REGISTRATION_OPEN, S.CANCELLED, S.HELD}),
    S.CANCELLED: frozenset(),
    S.HELD: frozenset(),
}

# Statuses in which anyone may see the meeting.
PUBLIC = frozenset({S.PUBLISHED, S.REGISTRATION_OPEN, S.REGISTRATION_CLOSED, S.HELD, S.CANCELLED})


def can_move(current: S, target: S) -> bool:
    return target in TRANSITIONS[current]
