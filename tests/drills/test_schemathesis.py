"""Drill 4: schemathesis over the gateway's merged OpenAPI document.

Every operation of every service, and the gateway's own, is called with generated data
(a few generated cases per operation, valid and invalid),
signed in as an administrator so the calls reach the services' handlers. Two checks: no
response is a server error, and every response matches the schema the document declares for
its status. The run is bounded (``MAX_EXAMPLES`` per operation, a fixed seed so a failure
can be replayed with the same command; ``SELA_DRILLS_SEED`` picks another).
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.drills.platform import Platform
from tests.drills.report import record

pytestmark = pytest.mark.drill

ST = Path(sys.executable).parent / "st"
MAX_EXAMPLES = 5
# One worker: with several, hypothesis describes its strategies in threads at once, and
# CPython 3.11's ast.parse is not safe for that ("AST constructor recursion depth mismatch").
WORKERS = 1
CHECKS = "not_a_server_error,response_schema_conformance"


def command(platform: Platform, report: Path, seed: str) -> list[str]:
    token = platform.headers["admin"]["Authorization"]
    return [
        str(ST),
        "run",
        f"{platform.gateway}/openapi.json",
        "--url",
        platform.gateway,
        "--phases",
        "fuzzing",
        "--max-examples",
        str(MAX_EXAMPLES),
        "--seed",
        seed,
        "--checks",
        CHECKS,
        "--workers",
        str(WORKERS),
        "--request-timeout",
        "60",
        "--header",
        f"Authorization: {token}",
        "--report",
        "json",
        "--report-json-path",
        str(report),
        "--output-truncate",
        "false",
    ]


def summarise(report: dict[str, Any]) -> dict[str, Any]:
    return {key: report[key] for key in report if not isinstance(report[key], (list, dict))}


async def test_schemathesis_finds_no_server_error_and_no_schema_violation(
    platform: Platform, gateway: httpx.AsyncClient
) -> None:
    spec = (await gateway.get("/openapi.json")).json()
    operations = sum(
        1
        for item in spec["paths"].values()
        for method in item
        if method in ("get", "put", "post", "patch", "delete", "head")
    )
    seed = os.environ.get("SELA_DRILLS_SEED", "20190101")
    report = platform.state_dir / "schemathesis.json"
    started = time.monotonic()
    result = await asyncio.to_thread(
        subprocess.run,
        command(platform, report, seed),
        capture_output=True,
        text=True,
        timeout=280,
        check=False,
        env={**os.environ, "SCHEMATHESIS_HOOKS": ""},
    )
    seconds = time.monotonic() - started
    output = result.stdout + result.stderr
    summary = summarise(json.loads(report.read_text())) if report.exists() else {}
    record(
        "schemathesis",
        {
            "operations_in_merged_openapi": operations,
            "max_examples": MAX_EXAMPLES,
            "seed": seed,
            "checks": CHECKS,
            "exit_code": result.returncode,
            "seconds": round(seconds, 1),
            "summary": summary,
            "last_lines": output.strip().splitlines()[-12:],
        },
    )
    platform.alive()
    assert result.returncode == 0, output[-20000:]
