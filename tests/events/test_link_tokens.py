"""Self-service links survive a rotation of the internal secret while the old one is accepted."""

from __future__ import annotations

import uuid

from sela_events.registrations.tokens import manage_token, parse_manage_token

OLD = "the-old-internal-secret-long-enough-for-hs256"
NEW = "the-new-internal-secret-long-enough-for-hs256"


def test_a_link_mailed_before_a_rotation_works_while_the_old_secret_is_accepted() -> None:
    registration = uuid.uuid4()
    mailed = manage_token(OLD, registration)
    assert parse_manage_token((OLD,), mailed) == registration
    assert parse_manage_token((NEW, OLD), mailed) == registration
    # Once the old secret is no longer accepted, the link stops working.
    assert parse_manage_token((NEW,), mailed) is None
    # New links are signed with the new secret and work on both sides of the last step.
    fresh = manage_token(NEW, registration)
    assert fresh != mailed
    assert parse_manage_token((NEW, OLD), fresh) == registration
    assert parse_manage_token((NEW,), fresh) == registration


def test_forged_or_mangled_links_are_refused() -> None:
    registration = uuid.uuid4()
    forged = manage_token("an-attacker-secret-that-is-long-enough-x", registration)
    assert parse_manage_token((NEW, OLD), forged) is None
    assert parse_manage_token((NEW, OLD), "not-a-uuid.signature") is None
    other = manage_token(NEW, uuid.uuid4())
    signature = other.partition(".")[2]
    assert parse_manage_token((NEW,), f"{registration}.{signature}") is None
