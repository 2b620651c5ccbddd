"""HTTP endpoints: signing in, tokens, and the administration of users and API keys."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession

from sela_gateway.auth import service
from sela_gateway.auth.authenticator import Authenticator
from sela_gateway.auth.schemas import (
    MAX_GRACE_SECONDS,
    ApiKeyCreate,
    ApiKeyRead,
    ApiKeySecretRead,
    IdentityRead,
    LoginCreate,
    RefreshCreate,
    TokenRead,
    UserCreate,
    UserRead,
    UserUpdate,
)
from sela_gateway.auth.tokens import bearer_challenge
from sela_kit.db import DbSession
from sela_kit.errors import UnauthorizedError, problem_response, problem_responses
from sela_kit.identity import CurrentIdentity, Identity, require_roles
from sela_kit.pagination import CursorPage, Page

router = APIRouter()


def authenticator_of(request: Request) -> Authenticator:
    """The authenticator of :class:`AuthenticationMiddleware` (or ``app.state.authenticator``)."""
    state = request.scope.get("state") or {}
    authenticator = state.get("authenticator") or getattr(request.app.state, "authenticator", None)
    if not isinstance(authenticator, Authenticator):
        raise RuntimeError("the auth endpoints run behind AuthenticationMiddleware")
    return authenticator


AuthenticatorDep = Annotated[Authenticator, Depends(authenticator_of)]
Admin = Annotated[Identity, Depends(require_roles("admin"))]


def _actor(identity: Identity) -> str:
    return f"{identity.kind}:{identity.subject}"


def _forget_after_commit(session: AsyncSession, authenticator: Authenticator, prefix: str) -> None:
    # Forgetting only now would let a concurrent request cache the row as it was before this
    # transaction commits; forgetting again after the commit closes that window.
    authenticator.forget_key(prefix)
    event.listen(
        session.sync_session,
        "after_commit",
        lambda _session: authenticator.forget_key(prefix),
        once=True,
    )


# Signing in


@router.post(
    "/auth/login", response_model=TokenRead, tags=["auth"], responses=problem_responses(401, 422)
)
async def login(
    body: LoginCreate, session: DbSession, authenticator: AuthenticatorDep
) -> TokenRead:
    """Sign in with email and password.

    Returns a short-lived access token (send it as `Authorization: Bearer <token>`) and a
    refresh token that gets the next pair from `/auth/refresh`.
    """
    return await service.login(session, authenticator.settings, body.email, body.password)


@router.post(
    "/auth/refresh",
    response_model=TokenRead,
    tags=["auth"],
    responses=problem_responses(401, 422),
)
async def refresh_tokens(
    body: RefreshCreate, request: Request, session: DbSession, authenticator: AuthenticatorDep
) -> TokenRead | JSONResponse:
    """Exchange a refresh token for a new access token and a new refresh token.

    Each refresh token works once. Presenting one that was already exchanged revokes every
    token of that sign-in (`refresh_token_reused`): someone else holds a copy.
    """
    try:
        return await service.refresh(session, authenticator.settings, body.refresh_token)
    except service.RefreshTokenReusedError as exc:
        # Answered, not raised: the request's transaction then commits the revocation.
        return problem_response(
            request, exc.status, title=exc.title, detail=exc.detail, code=exc.code
        )


@router.post("/auth/logout", status_code=204, tags=["auth"], responses=problem_responses(422))
async def logout(body: RefreshCreate, session: DbSession) -> None:
    """End the sign-in the refresh token belongs to. Unknown tokens are accepted silently."""
    await service.logout(session, body.refresh_token)


@router.get(
    "/auth/me", response_model=IdentityRead, tags=["auth"], responses=problem_responses(401)
)
async def read_me(identity: CurrentIdentity) -> IdentityRead:
    """Who the gateway takes the caller to be: a user or an API key, with roles and scopes."""
    if not identity.authenticated:
        raise UnauthorizedError(
            "No credentials were sent: sign in, or send an API key in X-API-Key.",
            headers={"WWW-Authenticate": bearer_challenge("invalid_request")},
        )
    return IdentityRead.of(identity)


# Users


@router.post(
    "/admin/users",
    status_code=201,
    response_model=UserRead,
    tags=["admin"],
    responses=problem_responses(401, 403, 409, 422),
)
async def create_user(body: UserCreate, session: DbSession, _: Admin) -> UserRead:
    """Create a user who signs in with email and password (`email_taken` if one exists)."""
    return UserRead.model_validate(await service.create_user(session, body))


@router.get(
    "/admin/users",
    response_model=CursorPage[UserRead],
    tags=["admin"],
    responses=problem_responses(401, 403, 422),
)
async def list_users(session: DbSession, page: Page, _: Admin) -> CursorPage[UserRead]:
    """Users by email, a page at a time."""
    users, cursor = await service.list_users(session, page)
    return CursorPage(items=[UserRead.model_validate(u) for u in users], next_cursor=cursor)


@router.patch(
    "/admin/users/{user_id}",
    response_model=UserRead,
    tags=["admin"],
    responses=problem_responses(401, 403, 404, 422),
)
async def update_user(
    user_id: uuid.UUID, body: UserUpdate, session: DbSession, _: Admin
) -> UserRead:
    """Change a user's name, roles, country, password or active flag.

    A new password or disabling the account ends the user's sign-ins: their refresh tokens
    stop working (access tokens already issued last until they expire).
    """
    return UserRead.model_validate(await service.update_user(session, user_id, body))


# API keys


@router.post(
    "/admin/api-keys",
    status_code=201,
    response_model=ApiKeySecretRead,
    tags=["admin"],
    responses=problem_responses(401, 403, 422),
)
async def create_api_key(
    body: ApiKeyCreate, session: DbSession, identity: Admin
) -> ApiKeySecretRead:
    """Issue an API key for a partner institution.

    The response holds the full key (`key`) this once; only its hash is stored.
    """
    key, secret = await service.create_api_key(session, body, created_by=_actor(identity))
    return ApiKeySecretRead.of(key, key=secret)


@router.get(
    "/admin/api-keys",
    response_model=CursorPage[ApiKeyRead],
    tags=["admin"],
    responses=problem_responses(401, 403, 422),
)
async def list_api_keys(
    session: DbSession,
    page: Page,
    _: Admin,
    owner: Annotated[str | None, Query(max_length=100, description="Only this owner's")] = None,
    include_revoked: Annotated[bool, Query(description="Also revoked keys")] = False,
) -> CursorPage[ApiKeyRead]:
    """API keys, newest first, without their secrets."""
    keys, cursor = await service.list_api_keys(
        session, page, owner=owner, include_revoked=include_revoked
    )
    return CursorPage(items=[ApiKeyRead.of(k) for k in keys], next_cursor=cursor)


@router.post(
    "/admin/api-keys/{key_id}/rotate",
    status_code=201,
    response_model=ApiKeySecretRead,
    tags=["admin"],
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def rotate_api_key(
    key_id: uuid.UUID,
    session: DbSession,
    identity: Admin,
    authenticator: AuthenticatorDep,
    grace_seconds: Annotated[
        int,
        Query(
            ge=0,
            le=MAX_GRACE_SECONDS,
            description="How long the old key keeps working beside the new one",
        ),
    ] = 0,
) -> ApiKeySecretRead:
    """Replace a key by a new one with the same owner, scopes, roles and lifetime.

    The old key is revoked, at once or after `grace_seconds`. The response holds the new
    full key this once.
    """
    new, secret, old = await service.rotate_api_key(
        session, key_id, grace_seconds=grace_seconds, created_by=_actor(identity)
    )
    _forget_after_commit(session, authenticator, old.prefix)
    return ApiKeySecretRead.of(new, key=secret)


@router.delete(
    "/admin/api-keys/{key_id}",
    status_code=204,
    tags=["admin"],
    responses=problem_responses(401, 403, 404, 422),
)
async def revoke_api_key(
    key_id: uuid.UUID, session: DbSession, _: Admin, authenticator: AuthenticatorDep
) -> None:
    """Revoke a key now (also ends a rotation's grace period). Revoking twice is harmless."""
    key = await service.revoke_api_key(session, key_id)
    _forget_after_commit(session, authenticator, key.prefix)
