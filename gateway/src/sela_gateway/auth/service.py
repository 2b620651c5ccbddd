"""Sign-in, token rotation, users and API keys: the domain rules of who may call the platform."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from sela_gateway.auth.models import ApiKey, RefreshToken, User
from sela_gateway.auth.repository import ApiKeyRepository, RefreshTokenRepository, UserRepository
from sela_gateway.auth.schemas import ApiKeyCreate, TokenRead, UserCreate, UserUpdate
from sela_gateway.auth.tokens import (
    issue_access_token,
    new_api_key,
    new_refresh_token,
    sha256_hex,
)
from sela_gateway.settings import GatewaySettings
from sela_kit.errors import ConflictError, NotFoundError, UnauthorizedError
from sela_kit.pagination import PageParams

logger = logging.getLogger("sela.gateway.auth")


class Passwords:
    """argon2id password hashing, off the event loop: a hash costs tens of milliseconds of CPU
    on purpose."""

    def __init__(self, hasher: PasswordHasher | None = None) -> None:
        # The library's defaults (RFC 9106 low-memory profile). When they change, the next
        # successful sign-in rehashes the password.
        self.hasher = hasher or PasswordHasher()
        self._dummy_hash: str | None = None

    async def hash(self, password: str) -> str:
        return await asyncio.to_thread(self.hasher.hash, password)

    async def verify(self, password_hash: str, password: str) -> bool:
        def verify() -> bool:
            try:
                return self.hasher.verify(password_hash, password)
            except (VerifyMismatchError, VerificationError, InvalidHashError):
                return False

        return await asyncio.to_thread(verify)

    def needs_rehash(self, password_hash: str) -> bool:
        return self.hasher.check_needs_rehash(password_hash)

    async def verify_nothing(self, password: str) -> None:
        """Take as long as checking a wrong password, for emails no account has."""
        if self._dummy_hash is None:
            self._dummy_hash = await self.hash(uuid.uuid4().hex)
        await self.verify(self._dummy_hash, password)


passwords = Passwords()


def utcnow() -> datetime:
    return datetime.now(UTC)


class RefreshTokenReusedError(UnauthorizedError):
    """A rotated refresh token came back: its family is revoked, and that must be kept."""

    code = "refresh_token_reused"


def _invalid_credentials() -> UnauthorizedError:
    return UnauthorizedError("The email or the password is wrong.", code="invalid_credentials")


# Sign-in and tokens


async def login(
    session: AsyncSession, settings: GatewaySettings, email: str, password: str
) -> TokenRead:
    users = UserRepository.from_session(session)
    user = await users.by_email(email.strip().lower())
    if user is None:
        await passwords.verify_nothing(password)
        raise _invalid_credentials()
    if not await passwords.verify(user.password_hash, password):
        raise _invalid_credentials()
    if not user.active:
        raise UnauthorizedError(
            "This account is disabled; ask an administrator to enable it.",
            code="account_disabled",
        )
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = await passwords.hash(password)
    now = utcnow()
    tokens = RefreshTokenRepository.from_session(session)
    # Expired tokens no longer serve reuse detection (they are refused as expired anyway).
    await tokens.delete_expired_for_user(user.id, now)
    pair, _ = _issue_pair(tokens, settings, user, family_id=uuid.uuid4(), now=now)
    await session.flush()
    return pair


def _issue_pair(
    tokens: RefreshTokenRepository,
    settings: GatewaySettings,
    user: User,
    *,
    family_id: uuid.UUID,
    now: datetime,
) -> tuple[TokenRead, RefreshToken]:
    refresh_token, token_hash = new_refresh_token()
    row = RefreshToken(
        id=uuid.uuid4(),
        user_id=user.id,
        token_hash=token_hash,
        family_id=family_id,
        issued_at=now,
        expires_at=now + timedelta(days=settings.refresh_token_days),
    )
    tokens.add(row)
    access = issue_access_token(
        user_id=str(user.id),
        name=user.name,
        roles=list(user.roles),
        country=user.country,
        settings=settings,
        now=now.timestamp(),
    )
    pair = TokenRead(
        access_token=access.token, expires_in=access.expires_in, refresh_token=refresh_token
    )
    return pair, row


async def refresh(
    session: AsyncSession, settings: GatewaySettings, refresh_token: str
) -> TokenRead:
    """A new pair for a valid refresh token, which is used up.

    A token that was already exchanged means two parties hold the same login (one of them
    stole it): the whole family is revoked and :class:`RefreshTokenReusedError` raised; the
    caller must commit before answering.
    """
    tokens = RefreshTokenRepository.from_session(session)
    row = await tokens.by_hash(sha256_hex(refresh_token))
    now = utcnow()
    if row is None:
        raise UnauthorizedError(
            "The refresh token is not one the gateway issued; sign in again.",
            code="invalid_refresh_token",
        )
    if row.revoked_at is not None:
        if row.replaced_by is not None:
            logger.warning(
                "refresh token reused for user %s: sign-in %s revoked", row.user_id, row.family_id
            )
            await tokens.revoke_family(row.family_id, now)
            await session.flush()
            raise RefreshTokenReusedError(
                "The refresh token was already used. As a precaution every token of this"
                " sign-in is now revoked; sign in again."
            )
        raise UnauthorizedError(
            "The refresh token has been revoked; sign in again.", code="refresh_token_revoked"
        )
    if row.expires_at <= now:
        raise UnauthorizedError(
            "The refresh token has expired; sign in again.", code="refresh_token_expired"
        )
    user = await UserRepository.from_session(session).get(row.user_id)
    if user is None or not user.active:
        raise UnauthorizedError(
            "This account is disabled; ask an administrator to enable it.",
            code="account_disabled",
        )
    pair, successor = _issue_pair(tokens, settings, user, family_id=row.family_id, now=now)
    # The successor must exist before the old row refers to it.
    await session.flush()
    row.revoked_at = now
    row.replaced_by = successor.id
    await session.flush()
    return pair


async def logout(session: AsyncSession, refresh_token: str) -> None:
    """End the sign-in the refresh token belongs to. Unknown tokens are ignored."""
    tokens = RefreshTokenRepository.from_session(session)
    row = await tokens.by_hash(sha256_hex(refresh_token))
    if row is not None:
        await tokens.revoke_family(row.family_id, utcnow())
        await session.flush()


# Users


async def create_user(session: AsyncSession, data: UserCreate) -> User:
    users = UserRepository.from_session(session)
    if await users.by_email(data.email) is not None:
        raise _email_taken(data.email)
    user = User(
        id=uuid.uuid4(),
        email=data.email,
        name=data.name,
        password_hash=await passwords.hash(data.password),
        roles=list(data.roles),
        country=data.country,
        active=data.active,
    )
    users.add(user)
    try:
        await session.flush()
    except IntegrityError as exc:  # created concurrently since the check above
        raise _email_taken(data.email) from exc
    return user


def _email_taken(email: str) -> ConflictError:
    return ConflictError(f"A user with the email {email} exists.", code="email_taken")


async def ensure_user(
    session: AsyncSession, email: str, name: str, roles: Sequence[str], password: str
) -> bool:
    """Create the user with ``email`` unless one exists (which is then left as it is).

    Returns whether it was created, i.e. whether ``password`` is the one that signs in.
    """
    data = UserCreate(email=email, name=name, roles=list(roles), password=password)
    if await UserRepository.from_session(session).by_email(data.email) is not None:
        return False
    await create_user(session, data)
    return True


async def list_users(session: AsyncSession, params: PageParams) -> tuple[list[User], str | None]:
    return await UserRepository.from_session(session).page(params)


async def update_user(session: AsyncSession, user_id: uuid.UUID, data: UserUpdate) -> User:
    user = await UserRepository.from_session(session).get(user_id)
    if user is None:
        raise NotFoundError(f"No user {user_id}.", code="user_not_found")
    if data.name is not None:
        user.name = data.name
    if data.roles is not None:
        user.roles = list(data.roles)
    if "country" in data.model_fields_set:
        user.country = data.country
    if data.active is not None:
        user.active = data.active
    if data.password is not None:
        user.password_hash = await passwords.hash(data.password)
    if data.password is not None or data.active is False:
        # A new password or a disabled account ends every sign-in at its next refresh.
        await RefreshTokenRepository.from_session(session).revoke_for_user(user.id, utcnow())
    await session.flush()
    return user


# API keys


async def create_api_key(
    session: AsyncSession, data: ApiKeyCreate, *, created_by: str | None
) -> tuple[ApiKey, str]:
    """The stored key and the full key, which exists nowhere else once this returns."""
    generated = new_api_key()
    key = ApiKey(
        id=uuid.uuid4(),
        prefix=generated.prefix,
        secret_hash=generated.secret_hash,
        name=data.name,
        owner=data.owner,
        scopes=list(data.scopes),
        roles=list(data.roles),
        created_by=created_by,
        expires_at=data.expires_at,
    )
    ApiKeyRepository.from_session(session).add(key)
    await session.flush()
    return key, generated.key


async def list_api_keys(
    session: AsyncSession,
    params: PageParams,
    *,
    owner: str | None = None,
    include_revoked: bool = False,
) -> tuple[list[ApiKey], str | None]:
    return await ApiKeyRepository.from_session(session).page(
        params, owner=owner, include_revoked=include_revoked
    )


async def get_api_key(session: AsyncSession, ref: uuid.UUID | str) -> ApiKey:
    """A key by id, or by prefix when ``ref`` is not a UUID."""
    keys = ApiKeyRepository.from_session(session)
    key_id = _as_uuid(ref)
    if key_id is not None:
        key = await keys.get(key_id, for_update=True)
    else:
        key = await keys.by_prefix(str(ref), for_update=True)
    if key is None:
        raise NotFoundError(f"No API key {ref}.", code="api_key_not_found")
    return key


def _as_uuid(ref: uuid.UUID | str) -> uuid.UUID | None:
    if isinstance(ref, uuid.UUID):
        return ref
    try:
        return uuid.UUID(ref)
    except ValueError:
        return None


async def find_api_key(session: AsyncSession, prefix: str) -> ApiKey | None:
    return await ApiKeyRepository.from_session(session).by_prefix(prefix)


async def rotate_api_key(
    session: AsyncSession,
    ref: uuid.UUID | str,
    *,
    grace_seconds: int = 0,
    created_by: str | None,
) -> tuple[ApiKey, str, ApiKey]:
    """A new key with the old one's owner, scopes, roles and lifetime; the old one is revoked
    after ``grace_seconds`` (both work meanwhile). Returns the new key, its full value and
    the old key."""
    old = await get_api_key(session, ref)
    now = utcnow()
    if old.revoked_at is not None:
        what = "revoked" if old.revoked_at <= now else "already rotated"
        raise ConflictError(f"The API key {old.prefix} is {what}.", code="api_key_revoked")
    generated = new_api_key()
    expires_at = None
    if old.expires_at is not None:
        expires_at = now + max(old.expires_at - old.created_at, timedelta(0))
    new = ApiKey(
        id=uuid.uuid4(),
        prefix=generated.prefix,
        secret_hash=generated.secret_hash,
        name=old.name,
        owner=old.owner,
        scopes=list(old.scopes),
        roles=list(old.roles),
        created_by=created_by,
        expires_at=expires_at,
        rotated_from=old.id,
    )
    ApiKeyRepository.from_session(session).add(new)
    old.revoked_at = now + timedelta(seconds=grace_seconds)
    await session.flush()
    return new, generated.key, old


async def revoke_api_key(session: AsyncSession, ref: uuid.UUID | str) -> ApiKey:
    """Revoke now; revoking again changes nothing. A pending rotation's grace period ends."""
    key = await get_api_key(session, ref)
    now = utcnow()
    if key.revoked_at is None or key.revoked_at > now:
        key.revoked_at = now
        await session.flush()
    return key


async def record_api_key_use(session: AsyncSession, used: Mapping[uuid.UUID, datetime]) -> None:
    await ApiKeyRepository.from_session(session).record_use(used)
    await session.flush()
