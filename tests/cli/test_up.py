"""`sela up` end to end: a real process tree, started, probed, interrupted, gone."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import psutil
import pytest

from sela_cli.registry import SERVICES
from sela_devservers import free_port
from sela_devservers.process import port_open
from sela_kit.settings import asyncpg_url
from sela_testing.support import Servers

SELA = Path(sys.executable).parent / "sela"


def start_up(
    tmp_path: Path, env: dict[str, str]
) -> tuple[subprocess.Popen[str], queue.Queue[str], dict[str, int]]:
    ports = {spec.name: free_port() for spec in SERVICES}
    ports["gateway"] = free_port()
    for name, port in ports.items():
        env[f"SELA_{name.upper()}_PORT"] = str(port)
    proc = subprocess.Popen(
        [str(SELA), "up", "--state-dir", str(tmp_path / "state")],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.put(line.rstrip())

    threading.Thread(target=pump, daemon=True).start()
    return proc, lines, ports


def wait_for_line(
    proc: subprocess.Popen[str], lines: queue.Queue[str], needle: str, timeout: float
) -> list[str]:
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=0.5)
        except queue.Empty:
            if proc.poll() is not None:
                break
            continue
        seen.append(line)
        if needle in line:
            return seen
    raise AssertionError(f"no {needle!r} within {timeout}s; output:\n" + "\n".join(seen[-60:]))


def descendants(pid: int) -> list[psutil.Process]:
    return psutil.Process(pid).children(recursive=True)


def run_and_interrupt(tmp_path: Path, env: dict[str, str], ready_within: float = 90) -> list[str]:
    proc, lines, ports = start_up(tmp_path, env)
    try:
        output = wait_for_line(proc, lines, "services ready in", ready_within)
        tree = descendants(proc.pid)
        assert len(tree) >= len(SERVICES) + 1
        with httpx.Client(timeout=5) as client:
            for name, port in ports.items():
                ready = client.get(f"http://127.0.0.1:{port}/readyz")
                assert ready.status_code == 200, (name, ready.text)
                metrics = client.get(f"http://127.0.0.1:{port}/metrics")
                assert f'service="{name}"' in metrics.text
        status = subprocess.run(
            [str(SELA), "status", "--state-dir", str(tmp_path / "state")],
            capture_output=True,
            text=True,
            env=env,
            timeout=30,
            check=False,
        )
        assert status.returncode == 0, status.stdout
        assert status.stdout.count(" ready") == len(SERVICES) + 1
        with httpx.Client(timeout=5) as client:
            gateway = f"http://127.0.0.1:{ports['gateway']}"
            assert client.get(f"{gateway}/docs").status_code == 200
            routed = client.get(f"{gateway}/api/v1/indices/healthz")
            assert routed.json()["service"] == "indices"
        proc.send_signal(signal.SIGINT)
        assert proc.wait(60) == 0
        output += wait_for_line(proc, lines, "stopped", 5)
        _, alive = psutil.wait_procs(tree, timeout=10)
        assert not alive, f"left behind: {alive}"
        assert not any(port_open("127.0.0.1", port) for port in ports.values())
        assert not (tmp_path / "state" / "run.json").exists()
        return output
    finally:
        if proc.poll() is None:
            proc.kill()


@pytest.mark.slow
def test_up_embedded_then_ctrl_c_leaves_nothing(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("SELA_DATABASE_URL", "SELA_NATS_URL")}
    # The whole `make run` path, demo data of every service included.
    env.pop("SELA_DEMO", None)
    output = run_and_interrupt(tmp_path, env, ready_within=300)
    assert any(
        line.startswith("sela") and "indices:" in line and "loaded" in line for line in output
    )
    assert any("starting embedded PostgreSQL" in line for line in output)
    assert any("starting embedded NATS" in line for line in output)
    # The embedded data survives for the next run.
    assert (tmp_path / "state" / "postgres" / "PG_VERSION").exists()


@pytest.mark.slow
def test_up_uses_running_servers_when_given(tmp_path: Path, sela_servers: Servers) -> None:
    env = dict(os.environ)
    env["SELA_DATABASE_URL"] = sela_servers.database_url
    env["SELA_NATS_URL"] = sela_servers.nats_url
    # The demo data are the other test's business; this one is about the servers.
    env["SELA_DEMO"] = "0"
    for spec in SERVICES:
        env[f"SELA_{spec.name.upper()}_DATABASE_URL"] = asyncpg_url(
            sela_servers.database_url, f"test_up_sela_{spec.name}"
        ).render_as_string(hide_password=False)
    output = run_and_interrupt(tmp_path, env)
    assert not any("starting embedded" in line for line in output)
    assert not (tmp_path / "state" / "postgres").exists()
