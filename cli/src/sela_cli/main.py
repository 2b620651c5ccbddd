"""``sela``: run the whole platform on one machine, migrate databases, report status."""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import signal
import sys
import time
from pathlib import Path
from typing import Annotated

import httpx
import typer

from sela_cli.auth import keys_app, users_app
from sela_cli.registry import SERVICES, by_name
from sela_cli.supervisor import Supervisor
from sela_devservers import EmbeddedNats, EmbeddedPostgres, ServerStartError
from sela_devservers.process import port_open
from sela_gateway.auth.service import ensure_user
from sela_gateway.runner import migrate as migrate_gateway
from sela_gateway.settings import GatewaySettings
from sela_kit.db import Database
from sela_kit.runner import migrate

app = typer.Typer(
    help="The SELA platform on one machine.", no_args_is_help=True, add_completion=False
)
db_app = typer.Typer(help="Service databases.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")
app.add_typer(keys_app, name="keys")


StateDir = Annotated[
    Path,
    typer.Option(
        "--state-dir", envvar="SELA_STATE_DIR", help="Where embedded servers keep their data"
    ),
]
DEFAULT_STATE = Path(".sela")
DEV_ADMIN_EMAIL = "admin@sela.local"

# Service-provided command groups, e.g. `sela import indices FILE`, `sela import smes FILE`.
_GROUP_HELP = {"import": "Load data files into a service (validated, all-or-nothing)."}
_groups: dict[str, typer.Typer] = {}


def _servers_of_running_platform(state_dir: StateDir = DEFAULT_STATE) -> None:
    """Service commands reach the servers of a running `sela up` unless told otherwise."""
    run_file = _run_file(state_dir.resolve())
    if "SELA_DATABASE_URL" in os.environ or not run_file.exists():
        return
    info = json.loads(run_file.read_text())
    os.environ["SELA_DATABASE_URL"] = info["database_url"]
    os.environ.setdefault("SELA_NATS_URL", info["nats_url"])


for _spec in SERVICES:
    for _group, _sub in _spec.commands.items():
        if _group not in _groups:
            _groups[_group] = typer.Typer(
                help=_GROUP_HELP.get(_group),
                no_args_is_help=True,
                callback=_servers_of_running_platform,
            )
            app.add_typer(_groups[_group], name=_group)
        _commands = _sub.registered_commands
        if len(_commands) == 1 and not _sub.registered_groups and _commands[0].callback:
            # A one-command app reads as `sela import indices FILE`, not `... indices run FILE`.
            _groups[_group].command(name=_spec.name, help=_commands[0].callback.__doc__)(
                _commands[0].callback
            )
        else:
            _groups[_group].add_typer(_sub, name=_spec.name)


def _run_file(state: Path) -> Path:
    return state / "run.json"


def _internal_secret(state: Path) -> str:
    if "SELA_INTERNAL_SECRET" in os.environ:
        return os.environ["SELA_INTERNAL_SECRET"]
    path = state / "internal-secret"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


@app.command()
def up(
    state_dir: StateDir = DEFAULT_STATE,
    ready_timeout: Annotated[float, typer.Option(help="Seconds to wait for readiness")] = 60.0,
) -> None:
    """Start PostgreSQL and NATS (embedded unless SELA_DATABASE_URL / SELA_NATS_URL are set),
    migrate, start every service, wait until all are ready, and stop everything on Ctrl-C."""
    started = time.monotonic()
    state = state_dir.resolve()
    state.mkdir(parents=True, exist_ok=True)
    supervisor = Supervisor()
    postgres: EmbeddedPostgres | None = None
    nats: EmbeddedNats | None = None
    env = dict(os.environ)
    exit_code = 0
    try:
        if "SELA_DATABASE_URL" not in env:
            postgres = EmbeddedPostgres(state / "postgres")
            supervisor.say("sela", f"starting embedded PostgreSQL on port {postgres.port}")
            postgres.start()
            env["SELA_DATABASE_URL"] = postgres.url
        if "SELA_NATS_URL" not in env:
            nats = EmbeddedNats(state / "nats")
            supervisor.say("sela", f"starting embedded NATS JetStream on port {nats.port}")
            nats.start()
            env["SELA_NATS_URL"] = nats.url
        env["SELA_INTERNAL_SECRET"] = _internal_secret(state)
        env.setdefault("PYTHONUNBUFFERED", "1")
        exit_code = asyncio.run(_up(supervisor, env, state, started, ready_timeout))
    except ServerStartError as exc:
        supervisor.say("sela", f"could not start: {exc}", "31")
        exit_code = 1
    finally:
        if nats is not None:
            nats.stop()
        if postgres is not None:
            postgres.stop()
        _run_file(state).unlink(missing_ok=True)
        supervisor.say("sela", "stopped")
    raise typer.Exit(exit_code)


async def _up(
    supervisor: Supervisor, env: dict[str, str], state: Path, started: float, ready_timeout: float
) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)

    os.environ.update(env)
    ports: dict[str, int] = {}
    for spec in SERVICES:
        settings = spec.settings_cls()
        assert settings.port is not None
        if port_open("127.0.0.1", settings.port):
            supervisor.say(
                "sela",
                f"port {settings.port} for {spec.name} is taken; set "
                f"SELA_{spec.name.upper()}_PORT to another",
                "31",
            )
            return 1
        ports[spec.name] = settings.port
        await migrate(spec)
        supervisor.say("sela", f"{spec.name}: database {settings.database_name} migrated")
        if spec.demo is not None and env.get("SELA_DEMO", "1") != "0":
            summary = await spec.demo(settings)
            supervisor.say("sela", f"{spec.name}: {summary}")

    urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    # The gateway follows the services wherever their ports were moved.
    env.setdefault(
        "SELA_GATEWAY_UPSTREAMS", json.dumps({name: {"url": url} for name, url in urls.items()})
    )
    os.environ["SELA_GATEWAY_UPSTREAMS"] = env["SELA_GATEWAY_UPSTREAMS"]
    gateway_settings = GatewaySettings()
    assert gateway_settings.port is not None
    if port_open("127.0.0.1", gateway_settings.port):
        supervisor.say(
            "sela",
            f"port {gateway_settings.port} for the gateway is taken; set SELA_GATEWAY_PORT",
            "31",
        )
        return 1
    await migrate_gateway(gateway_settings)
    supervisor.say("sela", f"gateway: database {gateway_settings.database_name} migrated")
    await _development_admin(state, gateway_settings, supervisor)

    for spec in SERVICES:
        argv = [sys.executable, "-m", f"sela_{spec.name}", "serve", "--port", str(ports[spec.name])]
        await supervisor.start(supervisor.add(spec.name, argv, env))
    argv = [sys.executable, "-m", "sela_gateway", "serve", "--port", str(gateway_settings.port)]
    await supervisor.start(supervisor.add("gateway", argv, env))
    gateway_url = f"http://127.0.0.1:{gateway_settings.port}"
    urls = {**urls, "gateway": gateway_url}
    _run_file(state).write_text(
        json.dumps(
            {
                "pid": os.getpid(),
                "database_url": env["SELA_DATABASE_URL"],
                "nats_url": env["SELA_NATS_URL"],
                "services": urls,
            },
            indent=2,
        )
    )
    ready = await _wait_ready(urls, ready_timeout, stop, supervisor.failed)
    if ready:
        elapsed = time.monotonic() - started
        supervisor.say("sela", f"all {len(urls)} services ready in {elapsed:.1f}s")
        for name, url in urls.items():
            if name != "gateway":
                supervisor.say("sela", f"  {name:<10} {url}  (internal: readyz, metrics)")
        supervisor.say("sela", f"the platform: {gateway_url}  (API docs: {gateway_url}/docs)")
        supervisor.say("sela", "press Ctrl-C to stop")
        waiters = [asyncio.create_task(stop.wait()), asyncio.create_task(supervisor.failed.wait())]
        await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
        for waiter in waiters:
            waiter.cancel()
    code = 0
    if supervisor.failure:
        supervisor.say("sela", f"stopping: {supervisor.failure}", "31")
        code = 1
    elif not ready and not stop.is_set():
        supervisor.say("sela", f"not ready after {ready_timeout:.0f}s; stopping", "31")
        code = 1
    supervisor.say("sela", "stopping services")
    await supervisor.stop_all()
    return code


async def _development_admin(
    state: Path, settings: GatewaySettings, supervisor: Supervisor
) -> None:
    """A first administrator on a new embedded platform, its password kept in the state folder."""
    if settings.environment == "production":
        return
    path = state / "admin-password"
    if path.exists():
        return
    password = secrets.token_urlsafe(12)
    database = Database(settings.sqlalchemy_url, pool_size=1, max_overflow=0)
    try:
        async with database.transaction() as session:
            created = await ensure_user(
                session, DEV_ADMIN_EMAIL, "Administrator", ["admin"], password
            )
    finally:
        await database.dispose()
    if created:
        path.write_text(password + "\n")
        path.chmod(0o600)
        supervisor.say("sela", f"created administrator {DEV_ADMIN_EMAIL}; password in {path}")


async def _wait_ready(
    urls: dict[str, str], timeout: float, stop: asyncio.Event, failed: asyncio.Event
) -> bool:
    deadline = time.monotonic() + timeout
    pending = dict(urls)
    async with httpx.AsyncClient(timeout=2.0) as client:
        while pending and time.monotonic() < deadline:
            if stop.is_set() or failed.is_set():
                return False
            for name, url in list(pending.items()):
                try:
                    response = await client.get(f"{url}/readyz")
                except httpx.HTTPError:
                    continue
                if response.status_code == 200:
                    del pending[name]
            if pending:
                await asyncio.sleep(0.2)
    return not pending


@app.command()
def status(state_dir: StateDir = DEFAULT_STATE) -> None:
    """Show whether the platform started by ``sela up`` is running and ready."""
    run_file = _run_file(state_dir.resolve())
    if not run_file.exists():
        typer.echo("not running (no sela up in this state folder)")
        raise typer.Exit(1)
    info = json.loads(run_file.read_text())
    typer.echo(f"sela up (pid {info['pid']})")
    typer.echo(f"  database  {info['database_url']}")
    typer.echo(f"  nats      {info['nats_url']}")
    healthy = True
    with httpx.Client(timeout=2.0) as client:
        for name, url in info["services"].items():
            try:
                response = client.get(f"{url}/readyz")
                verdict = (
                    "ready"
                    if response.status_code == 200
                    else (f"not ready: {response.json().get('detail', response.status_code)}")
                )
            except httpx.HTTPError as exc:
                verdict = f"unreachable ({exc.__class__.__name__})"
            healthy &= verdict == "ready"
            typer.echo(f"  {name:<10} {url:<24} {verdict}")
    raise typer.Exit(0 if healthy else 1)


@db_app.command("upgrade")
def db_upgrade(
    service: Annotated[
        list[str] | None, typer.Option("--service", "-s", help="Only these services")
    ] = None,
    state_dir: StateDir = DEFAULT_STATE,
) -> None:
    """Create missing databases and apply every migration (SELA_DATABASE_URL, per-service
    SELA_<SERVICE>_DATABASE_URL, or the embedded server of a running ``sela up``)."""
    run_file = _run_file(state_dir.resolve())
    if "SELA_DATABASE_URL" not in os.environ and run_file.exists():
        os.environ["SELA_DATABASE_URL"] = json.loads(run_file.read_text())["database_url"]
    try:
        specs = [by_name(name) for name in service] if service else list(SERVICES)
    except KeyError as exc:
        typer.echo(exc.args[0], err=True)
        raise typer.Exit(2) from exc

    async def run() -> None:
        for spec in specs:
            await migrate(spec)
            typer.echo(f"{spec.name}: {spec.settings_cls().database_name} is up to date")

    try:
        asyncio.run(run())
    except OSError as exc:
        typer.echo(f"cannot reach PostgreSQL: {exc}", err=True)
        raise typer.Exit(1) from exc
