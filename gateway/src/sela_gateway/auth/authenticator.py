"""From the credentials of a request to an :class:`~sela_kit.identity.Identity`.

Runs on every proxied request, so the common case touches neither the database nor a slow
hash: access tokens are verified locally, and an API key is looked up once and then served
from an in-process cache for ``cache_seconds``. Revoking or rotating a key through this process
drops its entry at once; other replicas notice within ``cache_seconds``.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import jwt
from sqlalchemy.exc import SQLAlchemyError

from sela_gateway.auth import service
from sela_gateway.auth.oidc import OidcVerifier
from sela_gateway.auth.tokens import (
    api_key_prefix,
    bearer_challenge,
    invalid_token,
    looks_like_api_key,
    same_hash,
    sha256_hex,
    verify_access_token,
)
from sela_gateway.settings import GatewaySettings
from sela_kit.db import Database
from sela_kit.errors import UnauthorizedError, UnavailableError
from sela_kit.identity import ANONYMOUS, Identity
from sela_kit.tasks import cancel_and_wait

logger = logging.getLogger("sela.gateway.auth")

API_KEY_CHALLENGE = 'ApiKey realm="sela-api", header="X-API-Key"'


@dataclass(frozen=True)
class _CachedKey:
    """What the database said about a prefix (``secret_hash`` None: no such key)."""

    loaded_at: float
    key_id: uuid.UUID | None = None
    secret_hash: str | None = None
    identity: Identity = ANONYMOUS
    expires_at: datetime | None = None
    revoked_at: datetime | None = None


def api_key_error(detail: str, code: str) -> UnauthorizedError:
    return UnauthorizedError(detail, code=code, headers={"WWW-Authenticate": API_KEY_CHALLENGE})


class Authenticator:
    def __init__(
        self,
        database: Database,
        settings: GatewaySettings,
        *,
        cache_seconds: float = 30.0,
        cache_size: int = 10_000,
        flush_seconds: float = 30.0,
    ) -> None:
        self.database = database
        self.settings = settings
        self.cache_seconds = cache_seconds
        self.cache_size = cache_size
        self.flush_seconds = flush_seconds
        self.oidc = OidcVerifier(settings) if settings.oidc_jwks_url else None
        self._keys: OrderedDict[str, _CachedKey] = OrderedDict()
        self._loading: dict[str, asyncio.Future[_CachedKey]] = {}
        self._used: dict[uuid.UUID, datetime] = {}
        self._flusher: asyncio.Task[None] | None = None
        self._generation = 0

    # Lifecycle

    async def start(self) -> None:
        """Start writing ``last_used_at`` of keys in batches, every ``flush_seconds``."""
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush_periodically(), name="api-key-usage")

    async def close(self) -> None:
        """Stop the batch writer and write what is pending."""
        await cancel_and_wait(self._flusher)
        self._flusher = None
        try:
            await self.flush()
        except Exception:
            # Shutting down goes on: the cost is a last_used_at some seconds behind.
            logger.exception("cannot record API key usage while stopping")

    async def _flush_periodically(self) -> None:
        while True:
            await asyncio.sleep(self.flush_seconds)
            try:
                await self.flush()
            except Exception:
                logger.exception("cannot record API key usage; will retry")

    async def flush(self) -> None:
        """Write the pending ``last_used_at`` values (kept for the next try on failure)."""
        if not self._used:
            return
        used, self._used = self._used, {}
        try:
            async with self.database.transaction() as session:
                await service.record_api_key_use(session, used)
        except BaseException:
            for key_id, at in used.items():
                self._note_use(key_id, at)
            raise

    def _note_use(self, key_id: uuid.UUID, at: datetime) -> None:
        previous = self._used.get(key_id)
        if previous is None or previous < at:
            self._used[key_id] = at

    # Authentication

    async def authenticate(self, authorization: str | None, api_key: str | None) -> Identity:
        """The caller's identity; :data:`ANONYMOUS` without credentials.

        Raises :class:`UnauthorizedError` for credentials that are malformed, unknown,
        expired or revoked.
        """
        authorization = (authorization or "").strip() or None
        api_key = (api_key or "").strip() or None
        if authorization is not None and api_key is not None:
            raise UnauthorizedError(
                "Send either an Authorization header or an X-API-Key header, not both.",
                code="ambiguous_credentials",
            )
        if api_key is not None:
            return await self._api_key(api_key)
        if authorization is None:
            return ANONYMOUS
        scheme, _, credentials = authorization.partition(" ")
        credentials = credentials.strip()
        if scheme.lower() != "bearer" or not credentials:
            raise UnauthorizedError(
                "Use 'Authorization: Bearer <token>' or the X-API-Key header.",
                code="unsupported_authorization",
                headers={"WWW-Authenticate": bearer_challenge("invalid_request")},
            )
        # Partners whose tools only speak bearer tokens may send their API key that way.
        if looks_like_api_key(credentials):
            return await self._api_key(credentials)
        return await self._bearer(credentials)

    async def _bearer(self, token: str) -> Identity:
        if self.oidc is not None:
            try:
                claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
            except jwt.PyJWTError as exc:
                raise invalid_token(f"The bearer token is malformed: {exc}.") from exc
            if self.oidc.accepts(claims):
                return await self.oidc.verify(token)
        return verify_access_token(token, self.settings)

    async def _api_key(self, key: str) -> Identity:
        prefix = api_key_prefix(key)
        if prefix is None:
            raise api_key_error(
                "The API key is malformed; it looks like sela_<prefix>_<secret>.",
                "invalid_api_key",
            )
        entry = await self._cached(prefix)
        if entry.secret_hash is None or not same_hash(entry.secret_hash, sha256_hex(key)):
            raise api_key_error("The API key is not valid.", "invalid_api_key")
        now = datetime.now(UTC)
        if entry.revoked_at is not None and entry.revoked_at <= now:
            raise api_key_error(
                f"The API key {prefix} has been revoked; ask for a new one.", "api_key_revoked"
            )
        if entry.expires_at is not None and entry.expires_at <= now:
            raise api_key_error(
                f"The API key {prefix} expired on {entry.expires_at:%Y-%m-%d %H:%M} UTC.",
                "api_key_expired",
            )
        assert entry.key_id is not None
        self._note_use(entry.key_id, now)
        return entry.identity

    async def _cached(self, prefix: str) -> _CachedKey:
        entry = self._keys.get(prefix)
        if entry is not None and time.monotonic() - entry.loaded_at < self.cache_seconds:
            self._keys.move_to_end(prefix)
            return entry
        # Concurrent first requests with the same key share one query.
        pending = self._loading.get(prefix)
        if pending is None:
            pending = asyncio.ensure_future(self._load(prefix))
            self._loading[prefix] = pending
            pending.add_done_callback(lambda _: self._loading.pop(prefix, None))
        return await asyncio.shield(pending)

    async def _load(self, prefix: str) -> _CachedKey:
        generation = self._generation
        try:
            async with self.database.transaction() as session:
                key = await service.find_api_key(session, prefix)
        except (SQLAlchemyError, OSError) as exc:
            logger.error("cannot look up API key %s: %s", prefix, exc)
            raise UnavailableError(
                "API keys cannot be checked right now; try again shortly.",
                code="authentication_unavailable",
            ) from exc
        if key is None:
            entry = _CachedKey(loaded_at=time.monotonic())
        else:
            entry = _CachedKey(
                loaded_at=time.monotonic(),
                key_id=key.id,
                secret_hash=key.secret_hash,
                identity=Identity(
                    kind="api_key",
                    subject=key.prefix,
                    name=key.owner,
                    roles=frozenset(key.roles),
                    scopes=frozenset(key.scopes),
                ),
                expires_at=key.expires_at,
                revoked_at=key.revoked_at,
            )
        if generation != self._generation:
            # A key was revoked or rotated while this read ran: serve it, do not keep it.
            return entry
        self._keys[prefix] = entry
        self._keys.move_to_end(prefix)
        while len(self._keys) > self.cache_size:
            self._keys.popitem(last=False)
        return entry

    def forget_key(self, prefix: str) -> None:
        """Drop a cached key, so its next use reads the database again."""
        self._keys.pop(prefix, None)
        self._generation += 1
