"""Alembic, driven from code: one migration history per service, applied by the run command,
the test suite and ``python -m sela_<service> migrate``."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path

import asyncpg
from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData, pool
from sqlalchemy.engine import URL, Connection
from sqlalchemy.ext.asyncio import create_async_engine

from sela_kit.messaging.tables import INBOX, KIT_METADATA, OUTBOX


def alembic_config(script_location: Path, url: URL | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(script_location))
    config.set_main_option("path_separator", "os")
    if url is not None:
        config.set_main_option(
            "sqlalchemy.url", url.render_as_string(hide_password=False).replace("%", "%%")
        )
    return config


async def ensure_database(url: URL) -> bool:
    """Create the database ``url`` names if it does not exist; return True if created."""
    name = url.database
    assert name, "the URL must name a database"
    conn = await asyncpg.connect(
        host=url.host,
        port=url.port or 5432,
        user=url.username,
        password=url.password,
        database="postgres",
    )
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if exists:
            return False
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        except asyncpg.DuplicateDatabaseError:
            return False
        return True
    finally:
        await conn.close()


async def upgrade(url: URL, script_location: Path, revision: str = "head") -> None:
    """Apply migrations up to ``revision`` on the database ``url`` names."""
    engine = create_async_engine(url, poolclass=pool.NullPool)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(_run_command, script_location, "upgrade", revision)
    finally:
        await engine.dispose()


async def downgrade(url: URL, script_location: Path, revision: str) -> None:
    engine = create_async_engine(url, poolclass=pool.NullPool)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(_run_command, script_location, "downgrade", revision)
    finally:
        await engine.dispose()


def _run_command(connection: Connection, script_location: Path, name: str, revision: str) -> None:
    config = alembic_config(script_location)
    config.attributes["connection"] = connection
    getattr(command, name)(config, revision)


def run_env(target_metadata: Sequence[MetaData], *, messaging: bool = True) -> None:
    """The body of every service's ``migrations/env.py``; ``messaging`` adds outbox and inbox."""
    metadata = [KIT_METADATA, *target_metadata] if messaging else list(target_metadata)
    config = context.config
    connection: Connection | None = config.attributes.get("connection")
    if connection is not None:
        _configure_and_run(connection, metadata)
        return
    if context.is_offline_mode():
        context.configure(
            url=config.get_main_option("sqlalchemy.url"),
            target_metadata=metadata,
            literal_binds=True,
            dialect_opts={"paramstyle": "named"},
        )
        with context.begin_transaction():
            context.run_migrations()
        return
    asyncio.run(_run_online(config.get_main_option("sqlalchemy.url") or "", metadata))


async def _run_online(url: str, metadata: list[MetaData]) -> None:
    engine = create_async_engine(url, poolclass=pool.NullPool)
    async with engine.connect() as conn:
        await conn.run_sync(_configure_and_run, metadata)
    await engine.dispose()


def _configure_and_run(connection: Connection, metadata: list[MetaData]) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        compare_type=True,
        transaction_per_migration=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def create_messaging_tables() -> None:
    """Called by each service's first migration: the outbox and inbox as the kit defines them.

    Changing OUTBOX or INBOX later needs a new migration in every service; this first one
    keeps creating what revision 0001 created (see docs/decisions).
    """
    bind = context.get_bind()
    for table in (OUTBOX, INBOX):
        table.create(bind)


def drop_messaging_tables() -> None:
    bind = context.get_bind()
    for table in (INBOX, OUTBOX):
        table.drop(bind)
