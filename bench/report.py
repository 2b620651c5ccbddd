"""Results of a benchmark run and their rendering: a console table, JSON and Markdown."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

RESULTS_DIR = Path(__file__).parent / "results"


class BenchmarkError(RuntimeError):
    """A benchmark found its own run invalid (lost or duplicated events): no numbers count."""


@dataclass(frozen=True)
class Measurement:
    """A value and the reference measured beside it in the same run."""

    name: str
    unit: str
    value: float
    reference_name: str | None = None
    reference_value: float | None = None
    reading: str = ""

    @property
    def ratio(self) -> float | None:
        if self.reference_value is None or self.reference_value == 0:
            return None
        return self.value / self.reference_value

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "unit": self.unit,
            "value": self.value,
            "reference_name": self.reference_name,
            "reference_value": self.reference_value,
            "ratio": self.ratio,
            "reading": self.reading,
        }


@dataclass
class BenchmarkResult:
    name: str
    measurements: list[Measurement]
    details: dict[str, Any] = field(default_factory=dict)


def environment(started_at: datetime, events: int) -> dict[str, Any]:
    """What a reader needs to compare two reports: when, which code, which machine."""
    return {
        "started_at": started_at.isoformat(),
        "events": events,
        "commit": _git("rev-parse", "--short", "HEAD"),
        "uncommitted_changes": bool(_git("status", "--porcelain")),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
    }


def _git(*args: str) -> str | None:
    try:
        done = subprocess.run(
            ["git", *args],
            cwd=Path(__file__).parent,
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip()


def as_json(result: BenchmarkResult, env: dict[str, Any]) -> dict[str, Any]:
    return {
        "benchmark": result.name,
        "environment": env,
        "measurements": [m.as_dict() for m in result.measurements],
        "details": result.details,
    }


def _number(value: float, unit: str) -> str:
    if unit == "s":
        return f"{value:.2f} s"
    return f"{value:,.0f} {unit}"


def _ratio(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def _rows(results: list[BenchmarkResult]) -> list[tuple[str, str, str, str, str]]:
    rows = []
    for result in results:
        for m in result.measurements:
            reference = (
                "—"
                if m.reference_value is None
                else f"{m.reference_name}: {_number(m.reference_value, m.unit)}"
            )
            rows.append((result.name, m.name, _number(m.value, m.unit), reference, _ratio(m.ratio)))
    return rows


def console_table(results: list[BenchmarkResult]) -> str:
    header = ("benchmark", "measurement", "value", "reference", "ratio")
    rows = [header, *_rows(results)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(line.rstrip() for line in lines)


def markdown(results: list[BenchmarkResult], env: dict[str, Any]) -> str:
    commit = env["commit"] or "unknown"
    if env["uncommitted_changes"]:
        commit += " (with uncommitted changes)"
    lines = [
        "# Benchmark report",
        "",
        f"- Started: {env['started_at']}",
        f"- Events: {env['events']:,}",
        f"- Commit: {commit}",
        f"- Machine: {env['platform']}, {env['cpus']} CPUs, Python {env['python']}",
        "",
        "Ratios compare each value with a reference measured in the same run on the same",
        "servers; see `bench/README.md` for how to read them.",
    ]
    for result in results:
        lines += [
            "",
            f"## {result.name}",
            "",
            "| Measurement | Value | Reference | Ratio | Reading |",
            "|---|---:|---|---:|---|",
        ]
        for _, name, value, reference, ratio in _rows([result]):
            reading = next(m.reading for m in result.measurements if m.name == name)
            lines.append(f"| {name} | {value} | {reference} | {ratio} | {reading} |")
        if result.details:
            lines += ["", "Details:", ""]
            lines += [f"- {key}: {_detail(value)}" for key, value in result.details.items()]
    return "\n".join(lines) + "\n"


def _detail(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.3f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)
