"""Pure-ASGI middleware that puts the caller's identity into the request scope."""

from __future__ import annotations

from collections.abc import Iterable

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from sela_gateway.auth.authenticator import Authenticator
from sela_kit.errors import DomainError, domain_problem
from sela_kit.identity import ANONYMOUS

# A client whose access token has expired still sends it, out of habit, when it refreshes:
# on these paths bad credentials make the caller anonymous instead of refusing the request.
CREDENTIAL_PATHS = ("/auth/login", "/auth/refresh", "/auth/logout")


class AuthenticationMiddleware:
    """Authenticates every HTTP request (``Authorization`` or ``X-API-Key``) and stores the
    :class:`~sela_kit.identity.Identity` as ``scope["state"]["identity"]``, where
    ``sela_kit.identity.current_identity`` finds it, and itself as
    ``scope["state"]["authenticator"]``. Refused credentials are answered with
    a problem+json 401 before the app sees the request."""

    def __init__(
        self,
        app: ASGIApp,
        authenticator: Authenticator,
        *,
        lenient_paths: Iterable[str] = CREDENTIAL_PATHS,
    ) -> None:
        self.app = app
        self.authenticator = authenticator
        self.lenient_paths = frozenset(lenient_paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        try:
            identity = await self.authenticator.authenticate(
                headers.get("authorization"), headers.get("x-api-key")
            )
        except DomainError as exc:
            if exc.status == 401 and scope["path"] in self.lenient_paths:
                identity = ANONYMOUS
            else:
                response = domain_problem(Request(scope), exc)
                await response(scope, receive, send)
                return
        state = scope.setdefault("state", {})
        state["identity"] = identity
        # The endpoints that revoke keys find the cache to clear here.
        state["authenticator"] = self.authenticator
        await self.app(scope, receive, send)
