"""`sela users …` and `sela keys …` end to end on the auth test database."""

from __future__ import annotations

import asyncio
import json
import re
import shlex
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from sela_cli.auth import _settings
from sela_cli.main import app
from sela_gateway.auth.authenticator import Authenticator
from sela_kit.errors import UnauthorizedError
from sela_testing.support import Servers
from tests.gateway.auth_support import AuthHarness, auth_database_url, auth_harness

KEY = re.compile(r"^sela_[0-9a-f]{12}_\S+$", re.MULTILINE)


@pytest.fixture
async def auth(sela_servers: Servers) -> AsyncIterator[AuthHarness]:
    async with auth_harness(await auth_database_url(sela_servers)) as harness:
        yield harness


class Sela:
    def __init__(self, database_url: str, state_dir: Path) -> None:
        self.env = {"SELA_GATEWAY_DATABASE_URL": database_url, "SELA_DATABASE_URL": None}
        self.state_dir = state_dir

    async def __call__(self, command: str, input: str | None = None) -> Result:
        args = [*shlex.split(command), "--state-dir", str(self.state_dir)]

        def invoke() -> Result:
            return CliRunner().invoke(app, args, input=input, env=self.env)

        # In a thread: the command runs its own event loop with asyncio.run.
        return await asyncio.to_thread(invoke)


@pytest.fixture
def sela(auth: AuthHarness, tmp_path: Path) -> Sela:
    return Sela(auth.settings.database_url or "", tmp_path)


async def test_users_create_and_list(sela: Sela, auth: AuthHarness) -> None:
    result = await sela(
        "users create --email Admin@SELA.org --name Admin --role admin --role staff"
        " --password 'a long password'"
    )
    assert result.exit_code == 0, result.output
    assert "created user admin@sela.org" in result.output
    assert "admin, staff" in result.output
    await auth.login("admin@sela.org", "a long password")

    prompted = await sela(
        "users create --email ana@sela.org --name Ana",
        input="another password\nanother password\n",
    )
    assert prompted.exit_code == 0, prompted.output
    await auth.login("ana@sela.org", "another password")

    listing = await sela("users list")
    assert listing.exit_code == 0
    lines = listing.output.splitlines()
    assert [line.split()[0] for line in lines[1:]] == ["admin@sela.org", "ana@sela.org"]

    again = await sela(
        "users create --email admin@sela.org --name Admin --password 'a long password'"
    )
    assert again.exit_code == 1
    assert "exists" in again.output


async def test_users_create_refuses_bad_input(sela: Sela) -> None:
    result = await sela(
        "users create --email x@sela.org --name X --role emperor --password 'a long password'"
    )
    assert result.exit_code == 2
    assert "roles.0" in result.output
    assert "unknown role 'emperor'" in result.output


async def test_keys_lifecycle(sela: Sela, auth: AuthHarness) -> None:
    created = await sela(
        "keys create --name reports --owner CAF --expires-days 30"
        " --scope indices:read --scope events:read"
    )
    assert created.exit_code == 0, created.output
    key = KEY.search(created.output)
    assert key is not None
    first = key.group(0)
    identity = await auth.authenticator.authenticate(None, first)
    assert identity.scopes == {"indices:read", "events:read"}
    assert identity.roles == {"partner"}
    prefix = identity.subject
    assert prefix is not None

    listing = await sela("keys list --owner CAF")
    assert listing.exit_code == 0
    assert prefix in listing.output
    assert first not in listing.output
    assert first.rsplit("_", 1)[1] not in listing.output

    rotated = await sela(f"keys rotate {prefix} --grace-seconds 60")
    assert rotated.exit_code == 0, rotated.output
    second_match = KEY.search(rotated.output)
    assert second_match is not None
    second = second_match.group(0)
    # Another process did this: a fresh authenticator sees both keys working.
    fresh = Authenticator(auth.database, auth.settings)
    await fresh.authenticate(None, first)
    new_identity = await fresh.authenticate(None, second)
    assert new_identity.scopes == identity.scopes
    new_prefix = new_identity.subject
    assert new_prefix is not None

    key_id = re.search(r"id\s+(\S+)", rotated.output)
    assert key_id is not None
    revoked = await sela(f"keys revoke {key_id.group(1)}")
    assert revoked.exit_code == 0, revoked.output
    assert "is revoked" in revoked.output
    later = Authenticator(auth.database, auth.settings)
    with pytest.raises(UnauthorizedError) as caught:
        await later.authenticate(None, second)
    assert caught.value.code == "api_key_revoked"

    everything = await sela("keys list --all")
    statuses = {line.split()[0]: line.split()[3] for line in everything.output.splitlines()[1:]}
    assert statuses[prefix] == "rotating"
    assert statuses[new_prefix] == "revoked"
    active_only = await sela("keys list")
    assert new_prefix not in active_only.output
    for authenticator in (fresh, later):
        await authenticator.close()


async def test_keys_errors(sela: Sela) -> None:
    bad_scope = await sela("keys create --name n --owner o --scope all")
    assert bad_scope.exit_code == 2
    assert "invalid scope 'all'" in bad_scope.output
    missing = await sela("keys revoke 00000000-0000-0000-0000-000000000000")
    assert missing.exit_code == 1
    assert "No API key" in missing.output


async def test_unreachable_or_unmigrated_database(sela: Sela, sela_servers: Servers) -> None:
    sela.env["SELA_GATEWAY_DATABASE_URL"] = "postgresql://nobody@127.0.0.1:1/nowhere"
    result = await sela("users list")
    assert result.exit_code == 1
    assert "cannot reach PostgreSQL" in result.output
    sela.env["SELA_GATEWAY_DATABASE_URL"] = sela_servers.database("postgres")
    result = await sela("keys list")
    assert result.exit_code == 1
    assert "not migrated" in result.output


def test_database_of_a_running_platform(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SELA_DATABASE_URL", "SELA_GATEWAY_DATABASE_URL"):
        # Set first, so that the value the command writes is undone after the test.
        monkeypatch.setenv(name, "")
        monkeypatch.delenv(name)
    (tmp_path / "run.json").write_text(
        json.dumps({"database_url": "postgresql://sela@10.1.2.3:5433/postgres"})
    )
    settings = _settings(tmp_path)
    url = settings.sqlalchemy_url
    assert (url.host, url.port, url.database) == ("10.1.2.3", 5433, "sela_gateway")
