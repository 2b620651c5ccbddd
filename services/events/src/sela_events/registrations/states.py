"""The registration state machine (pure): which transitions exist, and who may make them."""

from __future__ import annotations

from sela_events.vocab import RegistrationState as R

TRANSITIONS: dict[R, frozenset[R]] = {
    R.PENDING: frozenset({R.CONFIRMED, R.WAITLISTED, R.REJECTED, R.CANCELLED}),
    R.WAITLISTED: frozenset({R.OFFERED, R.CANCELLED, R.CONFIRMED, R.REJECTED}),
    R.OFFERED: frozenset({R.CONFIRMED, R.DECLINED, R.CANCELLED}),
    R.CONFIRMED: frozenset({R.CANCELLED, R.ATTENDED, R.NO_SHOW}),
    R.ATTENDED: frozenset(),
    R.NO_SHOW: frozenset({R.ATTENDED}),
    R.DECLINED: frozenset(),
    R.CANCELLED: frozenset(),
    R.REJECTED: frozenset(),
}


def can_move(current: R, target: R) -> bool:
    return target in TRANSITIONS[current]
