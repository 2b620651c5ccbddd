"""Every SQL statement on the gateway's users, API keys and refresh tokens."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Self

from sqlalchemy import Table, bindparam, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from sela_gateway.auth.models import ApiKey, RefreshToken, User
from sela_kit.pagination import PageParams, paginate

API_KEYS: Table = ApiKey.__table__  # type: ignore[assignment]


class UserRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @classmethod
    def from_session(cls, session: AsyncSession) -> Self:
        return cls(session)

    def add(self, user: User) -> None:
        self.session.add(user)

    async def get(self, user_id: uuid.UUID) -> User | None:
        return await self.session.get(User, user_id)

    async def by_email(self, email: str) -> User | None:
        user: User | None = await self.session.scalar(select(User).where(User.email == email))
        return user

    async def page(self, params: PageParams) -> tuple[list[User], str | None]:
        return await paginate(self.session, select(User), [User.email, User.id], params)


class ApiKeyRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @classmethod
    def from_session(cls, session: AsyncSession) -> Self:
        return cls(session)

    def add(self, key: ApiKey) -> None:
        self.session.add(key)

    async def get(self, key_id: uuid.UUID, *, for_update: bool = False) -> ApiKey | None:
        stmt = select(ApiKey).where(ApiKey.id == key_id)
        if for_update:
            stmt = stmt.with_for_update()
        key: ApiKey | None = await self.session.scalar(stmt)
        return key

    async def by_prefix(self, prefix: str, *, for_update: bool = False) -> ApiKey | None:
        stmt = select(ApiKey).where(ApiKey.prefix == prefix)
        if for_update:
            stmt = stmt.with_for_update()
        key: ApiKey | None = await self.session.scalar(stmt)
        return key

    async def page(
        self, params: PageParams, *, owner: str | None, include_revoked: bool
    ) -> tuple[list[ApiKey], str | None]:
        stmt = select(ApiKey)
        if owner is not None:
            stmt = stmt.where(ApiKey.owner == owner)
        if not include_revoked:
            stmt = stmt.where(or_(ApiKey.revoked_at.is_(None), ApiKey.revoked_at > func.now()))
        return await paginate(
            self.session, stmt, [ApiKey.created_at, ApiKey.id], params, descending=True
        )

    async def record_use(self, used: Mapping[uuid.UUID, datetime]) -> None:
        """Move ``last_used_at`` forward (never back: replicas flush in any order)."""
        if not used:
            return
        stmt = (
            update(API_KEYS)
            .where(API_KEYS.c.id == bindparam("key_id"))
            .values(last_used_at=func.greatest(API_KEYS.c.last_used_at, bindparam("used_at")))
        )
        await self.session.execute(
            stmt, [{"key_id": key_id, "used_at": at} for key_id, at in used.items()]
        )


class RefreshTokenRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @classmethod
    def from_session(cls, session: AsyncSession) -> Self:
        return cls(session)

    def add(self, token: RefreshToken) -> None:
        self.session.add(token)

    async def by_hash(self, token_hash: str) -> RefreshToken | None:
        # Locked: two refreshes with the same token are serialised, so only one rotates it.
        token: RefreshToken | None = await self.session.scalar(
            select(RefreshToken).where(RefreshToken.token_hash == token_hash).with_for_update()
        )
        return token

    async def revoke_family(self, family_id: uuid.UUID, at: datetime) -> None:
        await self.session.execute(
            update(RefreshToken)
            .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
            .values(revoked_at=at)
            .execution_options(synchronize_session="fetch")
        )

    async def revoke_for_user(self, user_id: uuid.UUID, at: datetime) -> None:
        await self.session.execute(
            update(RefreshToken)
            .where(RefreshToken.user_id == user_id, RefreshToken.revoked_at.is_(None))
            .values(revoked_at=at)
            .execution_options(synchronize_session="fetch")
        )

    async def delete_expired_for_user(self, user_id: uuid.UUID, before: datetime) -> None:
        await self.session.execute(
            delete(RefreshToken)
            .where(RefreshToken.user_id == user_id, RefreshToken.expires_at < before)
            .execution_options(synchronize_session=False)
        )
