"""Per-request and per-message context: request id and W3C trace context."""

from __future__ import annotations

import re
import secrets
import uuid
from contextvars import ContextVar

request_id_var: ContextVar[str | None] = ContextVar("sela_request_id", default=None)
traceparent_var: ContextVar[str | None] = ContextVar("sela_traceparent", default=None)

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")
_TRACEPARENT = re.compile(r"^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$")


def new_request_id() -> str:
    return uuid.uuid4().hex


def valid_request_id(value: str | None) -> str | None:
    # A client-chosen id is kept only when it is safe to echo into headers and logs.
    return value if value is not None and _REQUEST_ID.match(value) else None


def child_traceparent(parent: str | None) -> str:
    """A traceparent for work done on behalf of ``parent`` (same trace, new span)."""
    span = secrets.token_hex(8)
    if parent is not None:
        match = _TRACEPARENT.match(parent.strip().lower())
        if match and match.group(1) != "0" * 32:
            return f"00-{match.group(1)}-{span}-{match.group(3)}"
    return f"00-{secrets.token_hex(16)}-{span}-01"
