"""Token and key formats: access tokens (JWT), refresh tokens and API keys (opaque).

Access tokens are HS256 JWTs for the audience ``sela-api``. The identity token the gateway
forwards to services has the audience ``sela-services``; each side requires its own audience
(and access tokens also ``typ=access``), so neither is ever accepted as the other.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from dataclasses import dataclass
from typing import Any

import jwt

from sela_gateway.settings import GatewaySettings
from sela_kit.errors import UnauthorizedError
from sela_kit.identity import ROLES, Identity

ISSUER = "sela-gateway"
ACCESS_AUDIENCE = "sela-api"
ACCESS_TYPE = "access"
ALGORITHM = "HS256"
LEEWAY_SECONDS = 5

API_KEY_MARK = "sela"
# Hex, so the prefix never contains the separator; 48 bits keep collisions out of reach.
_PREFIX_BYTES = 6
_SECRET_BYTES = 32
_API_KEY = re.compile(r"^sela_([0-9a-f]{12})_([A-Za-z0-9_-]{20,})$")


def bearer_challenge(error: str = "invalid_token", description: str | None = None) -> str:
    """A ``WWW-Authenticate`` value (RFC 6750)."""
    value = f'Bearer error="{error}"'
    if description:
        value += ', error_description="' + description.replace('"', "'") + '"'
    return value


def invalid_token(detail: str, *, code: str = "invalid_token") -> UnauthorizedError:
    return UnauthorizedError(
        detail, code=code, headers={"WWW-Authenticate": bearer_challenge("invalid_token", detail)}
    )


def sha256_hex(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def same_hash(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


@dataclass(frozen=True)
class AccessToken:
    token: str
    expires_in: int


def issue_access_token(
    *,
    user_id: str,
    name: str,
    roles: list[str],
    country: str | None,
    settings: GatewaySettings,
    now: float | None = None,
) -> AccessToken:
    issued = int(time.time() if now is None else now)
    claims: dict[str, Any] = {
        "iss": ISSUER,
        "aud": ACCESS_AUDIENCE,
        "typ": ACCESS_TYPE,
        "sub": user_id,
        "name": name,
        "roles": sorted(roles),
        "iat": issued,
        "exp": issued + settings.access_token_seconds,
    }
    if country is not None:
        claims["country"] = country
    token = jwt.encode(claims, settings.signing_key, algorithm=ALGORITHM)
    return AccessToken(token=token, expires_in=settings.access_token_seconds)


def verify_access_token(token: str, settings: GatewaySettings) -> Identity:
    """The identity an access token of ours carries; :class:`UnauthorizedError` otherwise."""
    try:
        claims = jwt.decode(
            token,
            settings.signing_key,
            algorithms=[ALGORITHM],
            audience=ACCESS_AUDIENCE,
            issuer=ISSUER,
            options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            leeway=LEEWAY_SECONDS,
        )
    except jwt.ExpiredSignatureError as exc:
        raise invalid_token(
            "The access token has expired; get a new one with the refresh token.",
            code="token_expired",
        ) from exc
    except jwt.PyJWTError as exc:
        raise invalid_token(f"The access token was refused: {exc}.") from exc
    if claims.get("typ") != ACCESS_TYPE:
        raise invalid_token("The bearer token is not an access token.")
    return Identity(
        kind="user",
        subject=str(claims["sub"]),
        name=_str_or_none(claims.get("name")),
        roles=known_roles(claims.get("roles")),
        country=_str_or_none(claims.get("country")),
    )


def known_roles(value: object) -> frozenset[str]:
    """The role names of ``value`` (a list of strings) that the platform knows."""
    if not isinstance(value, list | tuple):
        return frozenset()
    return frozenset(r for r in value if isinstance(r, str) and r in ROLES)


def _str_or_none(value: object) -> str | None:
    return value if isinstance(value, str) else None


def new_refresh_token() -> tuple[str, str]:
    """An opaque refresh token and the hash under which it is stored."""
    token = secrets.token_urlsafe(_SECRET_BYTES)
    return token, sha256_hex(token)


@dataclass(frozen=True)
class NewApiKey:
    key: str
    prefix: str
    secret_hash: str


def new_api_key() -> NewApiKey:
    """``sela_<prefix>_<secret>``: the prefix is public (listings, logs), the whole is secret."""
    prefix = secrets.token_hex(_PREFIX_BYTES)
    key = f"{API_KEY_MARK}_{prefix}_{secrets.token_urlsafe(_SECRET_BYTES)}"
    return NewApiKey(key=key, prefix=prefix, secret_hash=sha256_hex(key))


def api_key_prefix(key: str) -> str | None:
    """The prefix of a well-formed key, or None."""
    match = _API_KEY.match(key)
    return match.group(1) if match else None


def looks_like_api_key(value: str) -> bool:
    return value.startswith(f"{API_KEY_MARK}_")
