"""Verified identity tokens are remembered until they expire, and only valid ones."""

from __future__ import annotations

import time
from collections.abc import Sequence

import pytest

from sela_kit import identity as identity_module
from sela_kit.identity import Identity, InvalidIdentityError, VerifiedTokens, sign_identity

SECRET = "a-test-secret-that-is-long-enough-for-hs256"
STAFF = Identity(kind="user", subject="ana", roles=frozenset({"staff"}))


def test_a_remembered_token_is_verified_again_after_expiry(monkeypatch: pytest.MonkeyPatch) -> None:
    tokens = VerifiedTokens(SECRET)
    token = sign_identity(STAFF, SECRET, ttl=30)
    assert tokens.verify(token) == STAFF
    calls: list[str] = []
    real = identity_module._verify

    def counting(token: str, secrets: Sequence[str]) -> tuple[Identity, float]:
        calls.append(token)
        return real(token, secrets)

    monkeypatch.setattr(identity_module, "_verify", counting)
    assert tokens.verify(token) == STAFF
    assert calls == []  # remembered: not verified again
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now + 30 + 6)  # past exp + leeway
    # Forgotten: verified again by PyJWT, which refuses expired tokens on its own clock
    # (tests/kit/test_http.py shows the 401).
    tokens.verify(token)
    assert calls == [token]


def test_invalid_tokens_are_never_remembered() -> None:
    tokens = VerifiedTokens(SECRET)
    forged = sign_identity(STAFF, "another-secret-that-is-long-enough-for-hs256")
    for _ in range(2):
        with pytest.raises(InvalidIdentityError):
            tokens.verify(forged)
    assert tokens._valid == {}


def test_the_cache_is_bounded() -> None:
    tokens = VerifiedTokens(SECRET, max_size=3)
    for n in range(10):
        who = Identity(kind="user", subject=f"u{n}")
        assert tokens.verify(sign_identity(who, SECRET)) == who
        assert len(tokens._valid) <= 3


def test_tokens_signed_with_an_accepted_secret_verify_and_no_others() -> None:
    previous = "the-previous-secret-that-is-long-enough-x"
    tokens = VerifiedTokens(SECRET, previous)
    assert tokens.verify(sign_identity(STAFF, SECRET)) == STAFF
    assert tokens.verify(sign_identity(STAFF, previous)) == STAFF
    with pytest.raises(InvalidIdentityError, match="Signature verification failed"):
        tokens.verify(sign_identity(STAFF, "a-third-secret-that-is-long-enough-xx"))
    # An expired token is refused for what it is, whichever secret signed it.
    with pytest.raises(InvalidIdentityError, match="expired"):
        tokens.verify(sign_identity(STAFF, previous, ttl=-60))
    with pytest.raises(InvalidIdentityError, match="no secret"):
        VerifiedTokens().verify(sign_identity(STAFF, SECRET))
