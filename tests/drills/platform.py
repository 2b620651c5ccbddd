"""The whole platform as `sela up` runs it, on PostgreSQL and NATS the drills can stop.

The drills start embedded PostgreSQL and NATS themselves and hand their URLs to `sela up`
(which then starts no servers of its own), so a drill can stop and restart either server
under the running services and the gateway. Everything else is the real thing: five service
processes, the gateway process, their databases migrated by `sela up`, people and API keys
created through the gateway's own administration endpoints.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from sela_cli.registry import SERVICES
from sela_devservers import EmbeddedNats, EmbeddedPostgres, free_port
from sela_devservers.process import tail
from sela_kit.settings import asyncpg_url

SELA = Path(sys.executable).parent / "sela"
PASSWORD = "drill-password-of-enough-length"
# Far above anything the drills send: the drills measure the platform, not its rate limits.
GENEROUS_RATE = "1000000"
SERVICE_NAMES = tuple(spec.name for spec in SERVICES)


@dataclass
class Platform:
    """The running platform and the credentials the drills use."""

    state_dir: Path
    postgres: EmbeddedPostgres
    nats: EmbeddedNats
    ports: dict[str, int]
    process: subprocess.Popen[bytes] | None = None
    log_path: Path = field(init=False)
    headers: dict[str, dict[str, str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.log_path = self.state_dir / "sela-up.log"

    @property
    def gateway(self) -> str:
        return f"http://127.0.0.1:{self.ports['gateway']}"

    def service_url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.ports[name]}"

    @property
    def mail_dir(self) -> Path:
        return self.state_dir / "mail"

    def dsn(self, service: str) -> str:
        """A plain asyncpg DSN of ``service``'s database (``sela_<service>``)."""
        url = asyncpg_url(self.postgres.url, f"sela_{service}").set(drivername="postgresql")
        return url.render_as_string(hide_password=False)

    def env(self) -> dict[str, str]:
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("SELA_TEST_", "SELA_GATEWAY_UPSTREAMS"))
            and not key.endswith("_DATABASE_URL")
        }
        env.update(
            {
                "SELA_DATABASE_URL": self.postgres.url,
                "SELA_NATS_URL": self.nats.url,
                "SELA_DEMO": "0",
                "SELA_ENVIRONMENT": "development",
                "SELA_EVENTS_MAIL_DIR": str(self.mail_dir),
                "SELA_EVENTS_JOBS_ENABLED": "false",
                "SELA_GATEWAY_RATE_LIMIT_ANONYMOUS_PER_MINUTE": GENEROUS_RATE,
                "SELA_GATEWAY_RATE_LIMIT_USER_PER_MINUTE": GENEROUS_RATE,
                "SELA_GATEWAY_RATE_LIMIT_API_KEY_PER_MINUTE": GENEROUS_RATE,
                "SELA_GATEWAY_ACCESS_TOKEN_SECONDS": "3600",
                "PYTHONUNBUFFERED": "1",
            }
        )
        for name, port in self.ports.items():
            env[f"SELA_{name.upper()}_PORT"] = str(port)
            env[f"SELA_{name.upper()}_LOG_LEVEL"] = "WARNING"
        return env

    # -- lifecycle -----------------------------------------------------------------------

    def start(self, ready_within: float = 180.0) -> None:
        self.postgres.start()
        self.nats.start()
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [str(SELA), "up", "--state-dir", str(self.state_dir), "--ready-timeout", "120"],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=self.env(),
                start_new_session=True,
            )
        deadline = time.monotonic() + ready_within
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"sela up exited:\n{tail(self.log_path, 80)}")
            if "services ready in" in self.log_path.read_text(errors="replace"):
                return
            time.sleep(0.3)
        raise RuntimeError(f"sela up not ready in {ready_within:.0f}s:\n{tail(self.log_path, 80)}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)
        self.nats.stop()
        self.postgres.stop()

    def alive(self) -> None:
        """Fail with the platform's log if `sela up` stopped (a service process died)."""
        assert self.process is not None
        if self.process.poll() is not None:
            raise AssertionError(f"the platform stopped:\n{tail(self.log_path, 80)}")

    # -- people and keys -----------------------------------------------------------------

    async def sign_in(self, client: httpx.AsyncClient) -> None:
        """Tokens for an administrator, staff, a user with no role and a partner; an API key
        with read scopes only. Created through the gateway like an administrator would."""
        admin_password = (self.state_dir / "admin-password").read_text().strip()
        admin = await _login(client, "admin@sela.local", admin_password)
        self.headers["admin"] = admin
        for role in ("staff", "partner", None):
            label = role or "nobody"
            email = f"drill-{label}-{uuid.uuid4().hex[:6]}@sela.org"
            created = await client.post(
                "/admin/users",
                json={
                    "email": email,
                    "name": f"Drill {label}",
                    "password": PASSWORD,
                    "roles": [role] if role else [],
                },
                headers=admin,
            )
            assert created.status_code == 201, created.text
            self.headers[label] = await _login(client, email, PASSWORD)
        key = await client.post(
            "/admin/api-keys",
            json={
                "name": "drills",
                "owner": "Drills",
                "scopes": [f"{name}:read" for name in SERVICE_NAMES],
            },
            headers=admin,
        )
        assert key.status_code == 201, key.text
        self.headers["reader_key"] = {"X-API-Key": key.json()["key"]}

    # -- observation -----------------------------------------------------------------------

    async def readiness(self, client: httpx.AsyncClient) -> dict[str, int]:
        """Each service's own /readyz status (0 when it does not answer), and the gateway's."""
        targets = {name: self.service_url(name) for name in SERVICE_NAMES}
        targets["gateway"] = self.gateway

        async def probe(url: str) -> int:
            try:
                return (await client.get(f"{url}/readyz", timeout=5)).status_code
            except httpx.HTTPError:
                return 0

        codes = await asyncio.gather(*(probe(url) for url in targets.values()))
        return dict(zip(targets, codes, strict=True))

    async def metrics(self, client: httpx.AsyncClient, service: str) -> dict[str, float]:
        """The service's Prometheus samples, keyed by name and labels as exposed."""
        text = (await client.get(f"{self.service_url(service)}/metrics", timeout=10)).text
        samples: dict[str, float] = {}
        for line in text.splitlines():
            if line.startswith("#") or not line.strip():
                continue
            match = re.match(r"^(\S+)\s+(\S+)$", line)
            if match:
                samples[match.group(1)] = float(match.group(2))
        return samples

    async def fetch(self, service: str, sql: str, *args: Any) -> list[asyncpg.Record]:
        conn = await asyncpg.connect(self.dsn(service), timeout=10)
        try:
            rows: list[asyncpg.Record] = await conn.fetch(sql, *args)
            return rows
        finally:
            await conn.close()


async def _login(client: httpx.AsyncClient, email: str, password: str) -> dict[str, str]:
    response = await client.post("/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def new_platform(state_dir: Path) -> Platform:
    ports = {name: free_port() for name in (*SERVICE_NAMES, "gateway")}
    return Platform(
        state_dir=state_dir,
        postgres=EmbeddedPostgres(state_dir / "postgres", fast=True),
        nats=EmbeddedNats(state_dir / "nats"),
        ports=ports,
    )


def subject_matches(pattern: str, subject: str) -> bool:
    """NATS subject matching: ``*`` is one token, a final ``>`` one or more."""
    want = pattern.split(".")
    have = subject.split(".")
    for i, token in enumerate(want):
        if token == ">":
            return len(have) > i
        if i >= len(have) or (token != "*" and token != have[i]):
            return False
    return len(want) == len(have)


def count_by(values: Iterable[int]) -> dict[str, int]:
    """``{"201": 812, "409": 3}``: response statuses counted, as JSON-friendly keys."""
    counts: dict[str, int] = {}
    for value in values:
        counts[str(value)] = counts.get(str(value), 0) + 1
    return dict(sorted(counts.items()))


def server_errors(counts: dict[str, int]) -> int:
    return sum(n for status, n in counts.items() if status.startswith("5") or status == "0")


def dumps(figures: dict[str, Any]) -> str:
    return json.dumps(figures, indent=2, sort_keys=True, default=str)
