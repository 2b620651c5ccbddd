"""The caller's identity, as vouched for by the gateway.

The gateway authenticates people and partner keys, then forwards the result in one header,
``X-Sela-Identity``: a short-lived HS256 token signed with the internal secret shared by the
gateway and the services. Services never trust a bare user id or role header, and refuse any
request without a valid token (probes and metrics excepted), so a service reached around the
gateway serves nothing.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

import jwt
from fastapi import Depends, Request

from sela_kit.errors import ForbiddenError, UnauthorizedError

IDENTITY_HEADER = "x-sela-identity"
AUDIENCE = "sela-services"
ISSUER = "sela-gateway"
TOKEN_TTL_SECONDS = 60
ROLES = ("admin", "staff", "focal_point", "port_member", "evaluator", "sme_owner", "partner")

Kind = Literal["anonymous", "user", "api_key", "service"]


@dataclass(frozen=True)
class Identity:
    kind: Kind = "anonymous"
    subject: str | None = None
    name: str | None = None
    roles: frozenset[str] = field(default_factory=frozenset)
    scopes: frozenset[str] = field(default_factory=frozenset)
    country: str | None = None

    @property
    def authenticated(self) -> bool:
        return self.kind != "anonymous"

    def has_any_role(self, roles: Iterable[str]) -> bool:
        return bool(self.roles.intersection(roles))


ANONYMOUS = Identity()


def sign_identity(identity: Identity, secret: str, *, ttl: int = TOKEN_TTL_SECONDS) -> str:
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "iat": now,
        "exp": now + ttl,
        "kind": identity.kind,
        "roles": sorted(identity.roles),
        "scopes": sorted(identity.scopes),
    }
    if identity.subject is not None:
        claims["sub"] = identity.subject
    if identity.name is not None:
        claims["name"] = identity.name
    if identity.country is not None:
        claims["country"] = identity.country
    return jwt.encode(claims, secret, algorithm="HS256")


class InvalidIdentityError(Exception):
    pass


def verify_identity(token: str, *secrets: str) -> Identity:
    """The identity ``token`` carries, if it is valid and signed with one of ``secrets``."""
    return _verify(token, secrets)[0]


LEEWAY_SECONDS = 5


def _verify(token: str, secrets: Sequence[str]) -> tuple[Identity, float]:
    """The token's identity and the time (epoch seconds) after which it is refused.

    PyJWT checks the signature before the claims, so only a signature mismatch moves on to
    the next secret; an expired or malformed token is refused at once.
    """
    if not secrets:
        raise InvalidIdentityError("no secret to verify the token with")
    claims: dict[str, Any] | None = None
    for secret in secrets:
        try:
            claims = jwt.decode(
                token,
                secret,
                algorithms=["HS256"],
                audience=AUDIENCE,
                issuer=ISSUER,
                options={"require": ["exp", "iat", "aud", "iss"]},
                leeway=LEEWAY_SECONDS,
            )
            break
        except jwt.InvalidSignatureError as exc:
            mismatch = exc
        except jwt.PyJWTError as exc:
            raise InvalidIdentityError(str(exc)) from exc
    if claims is None:
        raise InvalidIdentityError(str(mismatch)) from mismatch
    kind = claims.get("kind", "anonymous")
    if kind not in ("anonymous", "user", "api_key", "service"):
        raise InvalidIdentityError(f"unknown identity kind {kind!r}")
    identity = Identity(
        kind=kind,
        subject=claims.get("sub"),
        name=claims.get("name"),
        roles=frozenset(claims.get("roles", ())),
        scopes=frozenset(claims.get("scopes", ())),
        country=claims.get("country"),
    )
    return identity, float(claims["exp"]) + LEEWAY_SECONDS


class VerifiedTokens:
    """Verifies identity tokens, remembering each valid one until it expires.

    The gateway reuses a token for half its lifetime (``IdentityTokens``), so a busy service
    sees the same few tokens thousands of times; checking the HMAC and the claims of each
    costs more than the rest of a small request's middleware. A token is the exact bytes that
    were verified, so a remembered one is as good as a re-verified one until its ``exp`` (with
    the same leeway); after that it is verified again, and refused. Invalid tokens are never
    remembered. The cache is bounded: when full it is emptied.
    """

    def __init__(self, *secrets: str, max_size: int = 4096) -> None:
        self.secrets = secrets
        self.max_size = max_size
        self._valid: dict[str, tuple[Identity, float]] = {}

    def verify(self, token: str) -> Identity:
        known = self._valid.get(token)
        if known is not None:
            if time.time() <= known[1]:
                return known[0]
            del self._valid[token]
        identity, refused_after = _verify(token, self.secrets)
        if len(self._valid) >= self.max_size:
            self._valid.clear()
        self._valid[token] = (identity, refused_after)
        return identity


def current_identity(request: Request) -> Identity:
    state = request.scope.get("state") or {}
    identity = state.get("identity")
    return identity if isinstance(identity, Identity) else ANONYMOUS


CurrentIdentity = Annotated[Identity, Depends(current_identity)]


def require_roles(*roles: str) -> Callable[[Request], Awaitable[Identity]]:
    """A dependency that lets through callers holding at least one of ``roles``.

    ``admin`` always passes. Anonymous callers get 401, authenticated ones without the role 403.
    """
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles: {sorted(unknown)}")
    allowed = frozenset(roles) | {"admin"}

    async def dependency(request: Request) -> Identity:
        identity = current_identity(request)
        if not identity.authenticated:
            raise UnauthorizedError("This operation needs a signed-in user or an API key.")
        if not identity.has_any_role(allowed):
            raise ForbiddenError(
                f"This operation needs one of the roles: {', '.join(sorted(roles))}.",
                extra={"required_roles": sorted(roles)},
            )
        return identity

    return dependency
