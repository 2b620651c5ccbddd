"""Migrations from the command line: `sela db upgrade` and `python -m sela_<service> migrate`."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

from sela_kit.settings import asyncpg_url
from sela_testing.support import Servers, table_names

SELA = str(Path(sys.executable).parent / "sela")


async def run(argv: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return await asyncio.to_thread(
        subprocess.run, argv, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def database(servers: Servers, name: str) -> str:
    return asyncpg_url(servers.database_url, name).render_as_string(hide_password=False)


def env_for(servers: Servers, **databases: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SELA_")}
    env["SELA_DATABASE_URL"] = servers.database_url
    for service, name in databases.items():
        env[f"SELA_{service.upper()}_DATABASE_URL"] = database(servers, name)
    return env


async def test_sela_db_upgrade_creates_and_migrates(sela_servers: Servers, tmp_path: Path) -> None:
    env = env_for(sela_servers, smes="test_cli_smes", ports="test_cli_ports")
    state = ["--state-dir", str(tmp_path)]
    result = await run([SELA, "db", "upgrade", "-s", "smes", "-s", "ports", *state], env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "smes: sela_smes is up to date" in result.stdout
    for name in ("test_cli_smes", "test_cli_ports"):
        assert {"outbox", "inbox", "alembic_version"} <= await table_names(
            database(sela_servers, name)
        )
    again = await run([SELA, "db", "upgrade", "-s", "smes", *state], env)
    assert again.returncode == 0  # idempotent


async def test_service_migrate_entry_point(sela_servers: Servers) -> None:
    env = env_for(sela_servers, migration="test_cli_migration")
    result = await run([sys.executable, "-m", "sela_migration", "migrate"], env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "outbox" in await table_names(database(sela_servers, "test_cli_migration"))


async def test_unknown_service_and_unreachable_database(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SELA_")}
    state = ["--state-dir", str(tmp_path)]
    unknown = await run([SELA, "db", "upgrade", "-s", "nope", *state], env)
    assert unknown.returncode == 2
    assert "unknown service 'nope'" in unknown.stderr
    assert "Traceback" not in unknown.stderr
    env["SELA_DATABASE_URL"] = "postgresql://postgres@127.0.0.1:1/postgres"
    down = await run([SELA, "db", "upgrade", "-s", "smes", *state], env)
    assert down.returncode == 1
    assert "cannot reach PostgreSQL" in down.stderr
