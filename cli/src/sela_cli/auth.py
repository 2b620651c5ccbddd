"""``sela users …`` and ``sela keys …``: the gateway's users and partner API keys, managed
directly in the gateway database (no running gateway needed)."""

from __future__ import annotations

import asyncio
import getpass
import json
import os
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, NoReturn, TypeVar

import typer
from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from sela_gateway.auth import service
from sela_gateway.auth.models import ApiKey, User
from sela_gateway.auth.schemas import ApiKeyCreate, ApiKeyRead, UserCreate
from sela_gateway.settings import GatewaySettings
from sela_kit.db import Database
from sela_kit.errors import DomainError
from sela_kit.pagination import MAX_LIMIT, PageParams

users_app = typer.Typer(help="People who sign in at the gateway.", no_args_is_help=True)
keys_app = typer.Typer(help="API keys of partner institutions.", no_args_is_help=True)

T = TypeVar("T")

StateDir = Annotated[
    Path,
    typer.Option(
        "--state-dir", envvar="SELA_STATE_DIR", help="Where embedded servers keep their data"
    ),
]
DEFAULT_STATE = Path(".sela")


def _fail(message: str, code: int = 1) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def _settings(state_dir: Path) -> GatewaySettings:
    # Like `sela db upgrade`: the server of a running `sela up` unless one is named.
    run_file = state_dir.resolve() / "run.json"
    if "SELA_DATABASE_URL" not in os.environ and run_file.exists():
        os.environ["SELA_DATABASE_URL"] = json.loads(run_file.read_text())["database_url"]
    try:
        return GatewaySettings()
    except ValidationError as exc:
        _fail(f"the gateway settings are invalid: {exc}")


def _run(state_dir: Path, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run ``work`` in one transaction on the gateway database; errors become messages."""
    settings = _settings(state_dir)

    async def main() -> T:
        database = Database(
            settings.sqlalchemy_url, pool_size=1, max_overflow=0, application_name="sela-cli"
        )
        try:
            async with database.transaction() as session:
                return await work(session)
        finally:
            await database.dispose()

    try:
        return asyncio.run(main())
    except DomainError as exc:
        _fail(exc.detail)
    except ValidationError as exc:
        for error in exc.errors():
            where = ".".join(str(p) for p in error["loc"]) or "input"
            typer.echo(f"error: {where}: {error['msg']}", err=True)
        raise typer.Exit(2) from exc
    except DBAPIError as exc:
        _fail(_database_problem(exc, settings))
    except OSError as exc:
        _fail(f"cannot reach PostgreSQL at {_where(settings)}: {exc}")


def _where(settings: GatewaySettings) -> str:
    return settings.sqlalchemy_url.render_as_string(hide_password=True)


def _database_problem(exc: DBAPIError, settings: GatewaySettings) -> str:
    cause = exc.orig.__cause__ if exc.orig is not None else None
    sqlstate = getattr(exc.orig, "sqlstate", None) or getattr(cause, "sqlstate", None)
    if sqlstate == "3D000":
        return f"the gateway database {_where(settings)} does not exist; migrate it first"
    if sqlstate == "42P01":
        return f"the gateway database {_where(settings)} is not migrated; migrate it first"
    if isinstance(exc.orig, OSError) or isinstance(cause, OSError):
        return f"cannot reach PostgreSQL at {_where(settings)}: {exc.orig}"
    return f"the database refused: {exc.orig}"


def _operator() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (OSError, KeyError):
        return "cli"


# Users


@users_app.command("create")
def users_create(
    email: Annotated[str, typer.Option(help="Sign-in email")],
    name: Annotated[str, typer.Option(help="Full name")],
    password: Annotated[
        str,
        typer.Option(prompt=True, hide_input=True, confirmation_prompt=True, help="Prompted"),
    ],
    role: Annotated[
        list[str] | None, typer.Option("--role", help="A role; repeat for several")
    ] = None,
    country: Annotated[str | None, typer.Option(help="ISO 3166-1 alpha-3 code")] = None,
    state_dir: StateDir = DEFAULT_STATE,
) -> None:
    """Create a user who signs in with email and password."""

    async def work(session: AsyncSession) -> User:
        data = UserCreate(
            email=email, name=name, password=password, roles=role or [], country=country
        )
        return await service.create_user(session, data)

    user = _run(state_dir, work)
    typer.echo(f"created user {user.email} ({user.id}) roles: {', '.join(user.roles) or '-'}")


@users_app.command("list")
def users_list(state_dir: StateDir = DEFAULT_STATE) -> None:
    """List every user."""

    async def work(session: AsyncSession) -> list[User]:
        users: list[User] = []
        cursor: str | None = None
        while True:
            page, cursor = await service.list_users(session, PageParams(MAX_LIMIT, cursor))
            users.extend(page)
            if cursor is None:
                return users

    users = _run(state_dir, work)
    if not users:
        typer.echo("no users")
        return
    typer.echo(f"{'EMAIL':<32} {'NAME':<24} {'ROLES':<24} {'COUNTRY':<7} {'ACTIVE':<6} ID")
    for u in users:
        typer.echo(
            f"{u.email:<32} {u.name:<24} {','.join(u.roles) or '-':<24} {u.country or '-':<7}"
            f" {'yes' if u.active else 'no':<6} {u.id}"
        )


# API keys


def _show_new_key(key: ApiKey, secret: str, headline: str) -> None:
    typer.echo(headline)
    typer.echo(f"  id      {key.id}")
    typer.echo(f"  prefix  {key.prefix}")
    typer.echo(f"  owner   {key.owner}")
    typer.echo(f"  scopes  {', '.join(key.scopes)}")
    typer.echo(f"  roles   {', '.join(key.roles)}")
    expiry = f"{key.expires_at:%Y-%m-%d %H:%M} UTC" if key.expires_at else "never"
    typer.echo(f"  expires {expiry}")
    typer.echo("")
    typer.echo(secret)
    typer.echo("")
    typer.echo("Store the key now: it is shown this once and cannot be recovered.")


@keys_app.command("create")
def keys_create(
    name: Annotated[str, typer.Option(help="What the key is for")],
    owner: Annotated[str, typer.Option(help="The institution, e.g. CAF")],
    scope: Annotated[
        list[str], typer.Option("--scope", help="'*' or <service>:read|write; repeat for several")
    ],
    role: Annotated[
        list[str] | None, typer.Option("--role", help="A role (default partner); repeatable")
    ] = None,
    expires_days: Annotated[
        int | None, typer.Option(min=1, help="Days until it expires (never by default)")
    ] = None,
    state_dir: StateDir = DEFAULT_STATE,
) -> None:
    """Issue an API key and print it (once)."""

    async def work(session: AsyncSession) -> tuple[ApiKey, str]:
        expires_at = None
        if expires_days is not None:
            expires_at = datetime.now(UTC) + timedelta(days=expires_days)
        data = ApiKeyCreate(
            name=name,
            owner=owner,
            scopes=scope,
            roles=role or ["partner"],
            expires_at=expires_at,
        )
        return await service.create_api_key(session, data, created_by=_operator())

    key, secret = _run(state_dir, work)
    _show_new_key(key, secret, f"API key {key.name!r} for {key.owner}:")


@keys_app.command("list")
def keys_list(
    owner: Annotated[str | None, typer.Option(help="Only this owner's keys")] = None,
    all_keys: Annotated[bool, typer.Option("--all", help="Also revoked keys")] = False,
    state_dir: StateDir = DEFAULT_STATE,
) -> None:
    """List API keys, newest first (never their secrets)."""

    async def work(session: AsyncSession) -> list[ApiKeyRead]:
        keys: list[ApiKeyRead] = []
        cursor: str | None = None
        while True:
            page, cursor = await service.list_api_keys(
                session, PageParams(MAX_LIMIT, cursor), owner=owner, include_revoked=all_keys
            )
            keys.extend(ApiKeyRead.of(k) for k in page)
            if cursor is None:
                return keys

    keys = _run(state_dir, work)
    if not keys:
        typer.echo("no API keys")
        return
    typer.echo(
        f"{'PREFIX':<14} {'OWNER':<12} {'NAME':<20} {'STATUS':<9} {'SCOPES':<28} "
        f"{'LAST USED':<17} ID"
    )
    for k in keys:
        used = f"{k.last_used_at:%Y-%m-%d %H:%M}" if k.last_used_at else "never"
        typer.echo(
            f"{k.prefix:<14} {k.owner:<12} {k.name:<20} {k.status:<9} "
            f"{','.join(k.scopes):<28} {used:<17} {k.id}"
        )


@keys_app.command("rotate")
def keys_rotate(
    key_id: Annotated[str, typer.Argument(help="The key's id or prefix")],
    grace_seconds: Annotated[
        int, typer.Option(min=0, help="How long the old key keeps working")
    ] = 0,
    state_dir: StateDir = DEFAULT_STATE,
) -> None:
    """Replace a key by a new one with the same owner, scopes and roles; print the new key."""

    async def work(session: AsyncSession) -> tuple[ApiKey, str, ApiKey]:
        return await service.rotate_api_key(
            session, key_id, grace_seconds=grace_seconds, created_by=_operator()
        )

    new, secret, old = _run(state_dir, work)
    when = "now" if not grace_seconds else f"in {grace_seconds} s"
    _show_new_key(new, secret, f"API key {old.prefix} rotated (the old one stops working {when}):")


@keys_app.command("revoke")
def keys_revoke(
    key_id: Annotated[str, typer.Argument(help="The key's id or prefix")],
    state_dir: StateDir = DEFAULT_STATE,
) -> None:
    """Revoke a key now. Running gateways stop accepting it within 30 seconds."""

    async def work(session: AsyncSession) -> ApiKey:
        return await service.revoke_api_key(session, key_id)

    key = _run(state_dir, work)
    typer.echo(f"API key {key.prefix} ({key.owner}, {key.name!r}) is revoked")
