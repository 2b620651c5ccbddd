"""Self-service links: the token is the registration id with an HMAC of it (pure).

Nothing secret is stored, so the link can be sent again (an idempotent replay returns the
same one) and a stolen database does not yield working links.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import uuid
from collections.abc import Sequence


def _signature(secret: str, registration_id: uuid.UUID) -> str:
    digest = hmac.new(
        secret.encode(), b"sela-events-manage:" + registration_id.bytes, hashlib.sha256
    ).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()[:32]


def manage_token(secret: str, registration_id: uuid.UUID) -> str:
    return f"{registration_id}.{_signature(secret, registration_id)}"


def parse_manage_token(secrets: Sequence[str], token: str) -> uuid.UUID | None:
    """The registration a link names, if it was signed with one of ``secrets`` (the current
    internal secret, or the one still accepted while it is being rotated)."""
    head, _, signature = token.partition(".")
    try:
        registration_id = uuid.UUID(head)
    except ValueError:
        return None
    if not any(hmac.compare_digest(signature, _signature(s, registration_id)) for s in secrets):
        return None
    return registration_id


def new_code() -> str:
    """A check-in or invitation code: short enough for a QR code, too long to guess."""
    return secrets.token_urlsafe(12)
