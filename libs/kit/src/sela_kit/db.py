"""Engine, sessions and the rule that the request owns the transaction."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import text
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)


class Database:
    """One service's database: an engine and a session factory.

    ``after_commit`` callbacks run after every successful commit made through
    :meth:`transaction`; the outbox uses it to wake its relay.
    """

    def __init__(
        self,
        url: URL | str,
        *,
        pool_size: int = 10,
        max_overflow: int = 10,
        application_name: str = "sela",
    ) -> None:
        self.engine: AsyncEngine = create_async_engine(
            url,
            pool_size=pool_size,
            max_overflow=max_overflow,
            pool_pre_ping=True,
            connect_args={"server_settings": {"application_name": application_name}},
        )
        self.sessionmaker: async_sessionmaker[AsyncSession] = async_sessionmaker(
            self.engine, expire_on_commit=False, autoflush=False
        )
        self.after_commit: list[Callable[[AsyncSession], None]] = []

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session whose work is committed on normal exit and rolled back on an exception."""
        async with self.sessionmaker() as session:
            try:
                yield session
                await session.commit()
            except BaseException:
                await session.rollback()
                raise
            for callback in self.after_commit:
                callback(session)

    async def ping(self) -> None:
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        await self.engine.dispose()


def database_from(request: Request) -> Database:
    db: Database = request.app.state.database
    return db


async def get_db_session(request: Request) -> AsyncIterator[AsyncSession]:
    """The request's session: committed when the endpoint returns, rolled back if it raises.

    Declared with ``scope="function"`` below, so the commit happens before the response is
    sent and a failing commit becomes an error response instead of a silent loss.
    """
    async with database_from(request).transaction() as session:
        yield session


DbSession = Annotated[AsyncSession, Depends(get_db_session, scope="function")]
