"""docker-compose.yml (the platform from images) and deploy/compose/servers.yml (PostgreSQL and
NATS alone, for `make run`): the Compose specification, and what the specification cannot see."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy.engine import make_url

from tests.deploy.support import APPS, ROOT, WORKER_SERVICES, documented_variables, settings_classes

PLATFORM = ROOT / "docker-compose.yml"
SERVERS = ROOT / "deploy" / "compose" / "servers.yml"
REQUIRED_SECRETS = {"SELA_POSTGRES_PASSWORD", "SELA_INTERNAL_SECRET", "SELA_GATEWAY_TOKEN_SECRET"}
VARIABLE = re.compile(r"\$\{([A-Z0-9_]+)(?:(:?[-?])([^}]*))?\}")


def load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(path.read_text())
    return data


def interpolate(value: str, env: dict[str, str]) -> str:
    """Compose's ${VAR}, ${VAR:-default} and ${VAR:?message}, failing as Compose would."""

    def one(match: re.Match[str]) -> str:
        name, operator, argument = match.groups()
        if env.get(name):
            return env[name]
        if operator in (":?", "?"):
            raise ValueError(f"required variable {name} is missing a value: {argument}")
        return argument if operator in (":-", "-") else ""

    return VARIABLE.sub(one, value)


def check_compose_schema(*paths: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "check_jsonschema",
            "--builtin-schema",
            "vendor.compose-spec",
            *map(str, paths),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_both_files_follow_the_compose_specification() -> None:
    result = check_compose_schema(PLATFORM, SERVERS)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_schema_check_rejects_a_mistake(tmp_path: Path) -> None:
    data = load(PLATFORM)
    data["services"]["gateway"]["depends_on"]["nats"]["condition"] = "service_started_ok"
    data["services"]["gateway"]["healthcheck"]["intervall"] = "10s"
    broken = tmp_path / "compose.yml"
    broken.write_text(yaml.safe_dump(data))
    result = check_compose_schema(broken)
    assert result.returncode == 1
    assert "service_started_ok" in result.stdout


@pytest.mark.parametrize("path", [PLATFORM, SERVERS], ids=["platform", "servers"])
def test_dependencies_exist_and_health_gated_ones_have_a_health_check(path: Path) -> None:
    services = load(path)["services"]
    for name, service in services.items():
        for target, condition in service.get("depends_on", {}).items():
            assert target in services, f"{name} depends on unknown {target}"
            if condition["condition"] == "service_healthy":
                assert "healthcheck" in services[target], f"{target} has no health check"
            elif condition["condition"] == "service_completed_successfully":
                assert services[target].get("restart") == "no", f"{target} is not one-shot"
            else:
                pytest.fail(f"{name} -> {target}: start order without a condition")


@pytest.mark.parametrize("path", [PLATFORM, SERVERS], ids=["platform", "servers"])
def test_host_ports_are_unique_and_on_loopback_by_default(path: Path) -> None:
    env = dict.fromkeys(REQUIRED_SECRETS, "x" * 40)
    published: list[str] = []
    for service in load(path)["services"].values():
        for port in service.get("ports", []):
            address, host_port, _ = interpolate(port, env).rsplit(":", 2)
            assert address == "127.0.0.1"
            published.append(host_port)
    assert published
    assert len(published) == len(set(published))


@pytest.mark.parametrize("path", [PLATFORM, SERVERS], ids=["platform", "servers"])
def test_every_variable_is_documented(path: Path) -> None:
    used = {m[0] for m in VARIABLE.findall(path.read_text())}
    assert used
    missing = used - documented_variables()
    assert not missing, f"not documented in docs/operations.md or README.md: {missing}"


def test_secrets_are_required_not_defaulted() -> None:
    text = PLATFORM.read_text()
    for match in VARIABLE.finditer(text):
        name, operator, _ = match.groups()
        if name in REQUIRED_SECRETS:
            assert operator == ":?", f"{match.group(0)} must fail when unset"
    used = {m[0] for m in VARIABLE.findall(text)}
    assert used >= REQUIRED_SECRETS
    with pytest.raises(ValueError, match="SELA_INTERNAL_SECRET"):
        interpolate(load(PLATFORM)["x-env"]["SELA_INTERNAL_SECRET"], {})


def test_every_application_runs_hardened_after_its_migration() -> None:
    services = load(PLATFORM)["services"]
    for app in APPS:
        migrate, serve = services[f"{app}-migrate"], services[app]
        assert migrate["command"] == ["migrate"]
        assert migrate["image"] == serve["image"]
        assert migrate["build"]["dockerfile"] == str(
            (APPS[app][1] / "Dockerfile").relative_to(ROOT)
        )
        assert serve["command"] == ["serve"]
        assert serve["depends_on"][f"{app}-migrate"] == {
            "condition": "service_completed_successfully"
        }
        assert migrate["depends_on"]["postgres"] == {"condition": "service_healthy"}
        assert serve["depends_on"]["nats"] == {"condition": "service_healthy"}
        assert f":{APPS[app][0]}/" in " ".join(serve["healthcheck"]["test"])
        for service in (migrate, serve):
            assert service["read_only"] is True
            assert service["cap_drop"] == ["ALL"]
            assert any(t.startswith("/tmp:") for t in service["tmpfs"])
    for app in WORKER_SERVICES:
        command = services[f"{app}-worker"]["command"]
        assert command[0] == "worker"
        port = command[command.index("--health-port") + 1]
        assert f":{port}/healthz" in " ".join(services[f"{app}-worker"]["healthcheck"]["test"])
    # the events mail sender runs in its own container, not in the events API
    assert services["events"]["environment"]["SELA_EVENTS_CONSUMERS_IN_PROCESS"] == "false"
    assert services["events-consumers"]["command"][0] == "consumers"
    # every long-running container has a health check
    for name, service in services.items():
        if service.get("restart") != "no":
            assert "healthcheck" in service, name
    # the gateway waits for every service it routes to
    assert set(services["gateway"]["depends_on"]) >= set(APPS) - {"gateway"}


def test_third_party_images_are_pinned() -> None:
    for path in (PLATFORM, SERVERS):
        for name, service in load(path)["services"].items():
            image = interpolate(service["image"], {})
            if service["image"].startswith("${SELA_IMAGE_REGISTRY"):
                assert re.fullmatch(r"sela/[a-z]+:\d+\.\d+\.\d+", image), (name, image)
            else:
                assert re.fullmatch(r"[a-z]+:\d+\.\d+(\.\d+)?-alpine", image), (name, image)


@pytest.mark.parametrize("app", sorted(APPS))
def test_compose_environment_gives_valid_production_settings(
    app: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    services = load(PLATFORM)["services"]
    secrets = {name: f"{name.lower()}-0123456789-0123456789-0123" for name in REQUIRED_SECRETS}
    for name in list(os.environ):
        if name.startswith("SELA_"):
            monkeypatch.delenv(name)
    for name, value in services[app]["environment"].items():
        monkeypatch.setenv(name, interpolate(str(value), secrets))
    settings = settings_classes()[app]()
    assert settings.environment == "production"
    url = make_url(settings.database_url or "")
    assert (url.host, url.database, url.password) == (
        "postgres",
        f"sela_{app}",
        secrets["SELA_POSTGRES_PASSWORD"],
    )
    assert settings.nats_url == "nats://nats:4222"
    if app == "gateway":
        upstreams = json.loads(services["gateway"]["environment"]["SELA_GATEWAY_UPSTREAMS"])
        assert {name: u["url"] for name, u in upstreams.items()} == {
            name: f"http://{name}:{port}" for name, (port, _) in APPS.items() if name != "gateway"
        }
    if app == "migration":
        assert services[app]["environment"]["SELA_MIGRATION_INDICES_URL"] == "http://indices:8001"
