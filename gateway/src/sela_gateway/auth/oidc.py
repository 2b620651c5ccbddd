"""Bearer tokens from an external OpenID Connect issuer (Keycloak, Entra ID, …).

``jwt.PyJWKClient`` fetches the issuer's key set with blocking urllib. It is called in a
thread, and only when the cached set is old or lacks the token's key id; refetches for an
unknown key id are spaced out, so tokens with made-up key ids cannot make the gateway hammer
the issuer.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from typing import Any

import jwt
from jwt.types import Options

from sela_gateway.auth.tokens import invalid_token, known_roles
from sela_gateway.settings import GatewaySettings
from sela_kit.errors import UnavailableError
from sela_kit.identity import Identity

logger = logging.getLogger("sela.gateway.auth")

ALGORITHMS = ["RS256", "RS384", "RS512", "ES256", "ES384", "PS256"]
KEYS_MAX_AGE_SECONDS = 600.0
# At most one fetch per this many seconds, however many unknown key ids arrive.
REFETCH_SPACING_SECONDS = 30.0
FETCH_TIMEOUT_SECONDS = 5
_COUNTRY = re.compile(r"^[A-Z]{3}$")


class OidcVerifier:
    def __init__(self, settings: GatewaySettings) -> None:
        assert settings.oidc_jwks_url is not None
        if settings.oidc_issuer is None:
            logger.warning(
                "SELA_GATEWAY_OIDC_JWKS_URL is set without SELA_GATEWAY_OIDC_ISSUER:"
                " no identity provider token will be accepted"
            )
        self.issuer = settings.oidc_issuer
        self.audience = settings.oidc_audience
        self.roles_path = [p for p in settings.oidc_roles_claim.split(".") if p]
        self._client = jwt.PyJWKClient(
            settings.oidc_jwks_url, cache_jwk_set=False, timeout=FETCH_TIMEOUT_SECONDS
        )
        self._keys: dict[str | None, jwt.PyJWK] = {}
        self._fetched_at = float("-inf")
        self._attempted_at = float("-inf")
        self._last_error: str | None = None
        self._lock = asyncio.Lock()

    def accepts(self, claims: dict[str, Any]) -> bool:
        """Whether an (unverified) token names this issuer."""
        return self.issuer is not None and claims.get("iss") == self.issuer

    async def verify(self, token: str) -> Identity:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise invalid_token(f"The bearer token is malformed: {exc}.") from exc
        key = await self._key(header.get("kid"))
        options: Options = {
            "require": ["exp", "iat", "iss", "sub"],
            "verify_aud": self.audience is not None,
        }
        if key.algorithm_name not in ALGORITHMS:
            raise invalid_token(f"The provider's key uses {key.algorithm_name}, not accepted here.")
        try:
            # Only the key's own algorithm: a token may not pick how its key is used.
            claims: dict[str, Any] = jwt.decode(
                token,
                key.key,
                algorithms=[key.algorithm_name],
                issuer=self.issuer,
                audience=self.audience,
                options=options,
                leeway=5,
            )
        except jwt.ExpiredSignatureError as exc:
            raise invalid_token(
                "The identity provider's token has expired.", code="token_expired"
            ) from exc
        except jwt.PyJWTError as exc:
            raise invalid_token(f"The identity provider's token was refused: {exc}.") from exc
        return Identity(
            kind="user",
            subject=str(claims["sub"]),
            name=_first_str(claims, "name", "preferred_username", "email"),
            roles=known_roles(self._roles(claims)),
            country=_country(claims.get("country")),
        )

    def _roles(self, claims: dict[str, Any]) -> object:
        value: object = claims
        for part in self.roles_path:
            if not isinstance(value, dict):
                return None
            value = value.get(part)
        return value

    async def _key(self, kid: str | None) -> jwt.PyJWK:
        key = self._lookup(kid)
        if key is not None and not self._due(key_known=True):
            return key
        if self._due(key_known=key is not None):
            async with self._lock:
                # Whoever held the lock before may have fetched already.
                if self._due(key_known=self._lookup(kid) is not None):
                    await self._refresh()
            key = self._lookup(kid)
        if key is not None:
            return key
        if not self._keys and self._last_error is not None:
            raise UnavailableError(
                "The identity provider's keys cannot be fetched; try again shortly.",
                code="identity_provider_unavailable",
            )
        raise invalid_token("The token's signing key is not one the identity provider lists.")

    def _due(self, *, key_known: bool) -> bool:
        now = time.monotonic()
        if now - self._attempted_at < REFETCH_SPACING_SECONDS:
            return False
        return not key_known or now - self._fetched_at >= KEYS_MAX_AGE_SECONDS

    def _lookup(self, kid: str | None) -> jwt.PyJWK | None:
        if kid is None and len(self._keys) == 1:
            return next(iter(self._keys.values()))
        return self._keys.get(kid)

    async def _refresh(self) -> None:
        self._attempted_at = time.monotonic()
        try:
            jwk_set = await asyncio.to_thread(self._client.get_jwk_set, True)
        except jwt.PyJWTError as exc:
            # Keep the keys we have: a brief outage of the provider must not sign everyone out.
            self._last_error = str(exc)
            logger.warning("cannot fetch the identity provider's keys: %s", exc)
            return
        self._keys = {k.key_id: k for k in jwk_set.keys}
        self._fetched_at = time.monotonic()
        self._last_error = None


def _first_str(claims: dict[str, Any], *names: str) -> str | None:
    for name in names:
        value = claims.get(name)
        if isinstance(value, str) and value:
            return value
    return None


def _country(value: object) -> str | None:
    return value if isinstance(value, str) and _COUNTRY.match(value) else None
