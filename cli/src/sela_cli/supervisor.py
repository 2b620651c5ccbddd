"""Child processes of ``sela up``: started together, logs interleaved, stopped together."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field

from sela_devservers.process import die_with_parent

COLOURS = ("36", "33", "35", "32", "34", "31", "96", "93")


@dataclass
class Child:
    name: str
    argv: Sequence[str]
    env: dict[str, str]
    colour: str
    process: asyncio.subprocess.Process | None = None
    pump: asyncio.Task[None] | None = None
    expected_exit: bool = False
    extra: dict[str, str] = field(default_factory=dict)


def render_line(raw: str) -> str:
    """A JSON log record as one short human line; anything else unchanged."""
    try:
        record = json.loads(raw)
    except ValueError:
        return raw
    if not isinstance(record, dict) or "message" not in record:
        return raw
    time = str(record.get("time", ""))[11:19]
    level = str(record.get("level", "")).ljust(7)
    rid = record.get("request_id")
    suffix = f"  [{rid[:8]}]" if rid else ""
    exc = record.get("exc_info")
    text = f"{time} {level} {record['message']}{suffix}"
    return f"{text}\n{exc}" if exc else text


class Supervisor:
    def __init__(self, *, colour: bool | None = None) -> None:
        self.children: list[Child] = []
        self.colour = sys.stdout.isatty() if colour is None else colour
        self.width = 10
        self.failed = asyncio.Event()
        self.failure: str | None = None

    def add(self, name: str, argv: Sequence[str], env: dict[str, str]) -> Child:
        child = Child(name, argv, env, COLOURS[len(self.children) % len(COLOURS)])
        self.children.append(child)
        self.width = max(self.width, len(name))
        return child

    def say(self, who: str, line: str, colour: str = "1") -> None:
        prefix = who.ljust(self.width)
        if self.colour:
            prefix = f"\033[{colour}m{prefix}\033[0m"
        sys.stdout.write(f"{prefix} | {line}\n")
        sys.stdout.flush()

    async def start(self, child: Child) -> None:
        child.process = await asyncio.create_subprocess_exec(
            *child.argv,
            env=child.env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=die_with_parent(signal.SIGTERM),
        )
        child.pump = asyncio.create_task(self._pump(child))

    async def _pump(self, child: Child) -> None:
        assert child.process is not None
        assert child.process.stdout is not None
        while True:
            raw = await child.process.stdout.readline()
            if not raw:
                break
            self.say(child.name, render_line(raw.decode(errors="replace").rstrip()), child.colour)
        code = await child.process.wait()
        if not child.expected_exit:
            self.failure = f"{child.name} exited with code {code}"
            self.failed.set()

    async def stop_all(self, timeout: float = 15.0) -> None:
        running = [c for c in self.children if c.process and c.process.returncode is None]
        for child in running:
            child.expected_exit = True
            assert child.process is not None
            with contextlib.suppress(ProcessLookupError):
                child.process.send_signal(signal.SIGTERM)
        for child in running:
            assert child.process is not None
            try:
                await asyncio.wait_for(child.process.wait(), timeout)
            except TimeoutError:
                self.say(child.name, f"did not stop in {timeout:.0f}s; killing it")
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(child.process.pid, signal.SIGKILL)
                await child.process.wait()
        for child in self.children:
            if child.pump is not None:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await asyncio.wait_for(child.pump, 2)
