"""Cache of public GET responses, with strong ETags and invalidation by service events."""

from __future__ import annotations

import hashlib
import time
from collections import OrderedDict
from dataclasses import dataclass


@dataclass(frozen=True)
class CachedResponse:
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes
    etag: bytes
    stored_at: float
    max_age: int


def etag_for(body: bytes) -> bytes:
    return b'"' + hashlib.blake2b(body, digest_size=16).hexdigest().encode() + b'"'


def etag_matches(if_none_match: bytes | None, etag: bytes) -> bool:
    if if_none_match is None:
        return False
    if if_none_match.strip() == b"*":
        return True
    # Weak comparison (RFC 9110 §13.1.2): W/"x" matches "x".
    candidates = (c.strip().removeprefix(b"W/") for c in if_none_match.split(b","))
    return etag.removeprefix(b"W/") in candidates


class ResponseCache:
    """A bounded LRU of responses per upstream; an event from a service drops its entries."""

    def __init__(self, max_entries: int, max_body_bytes: int) -> None:
        self.max_entries = max_entries
        self.max_body_bytes = max_body_bytes
        self._entries: OrderedDict[tuple[str, bytes], CachedResponse] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def get(self, service: str, key: bytes) -> CachedResponse | None:
        entry = self._entries.get((service, key))
        if entry is None or time.monotonic() - entry.stored_at > entry.max_age:
            if entry is not None:
                del self._entries[(service, key)]
            self.misses += 1
            return None
        self._entries.move_to_end((service, key))
        self.hits += 1
        return entry

    def put(self, service: str, key: bytes, entry: CachedResponse) -> None:
        if self.max_entries == 0 or len(entry.body) > self.max_body_bytes:
            return
        self._entries[(service, key)] = entry
        self._entries.move_to_end((service, key))
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    def invalidate(self, service: str) -> int:
        doomed = [k for k in self._entries if k[0] == service]
        for k in doomed:
            del self._entries[k]
        return len(doomed)

    def clear(self) -> None:
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
