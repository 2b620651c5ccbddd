"""The drills' figures: collected per drill, written to one JSON file, echoed at the end."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

DEFAULT_PATH = Path(".sela") / "drills-report.json"
_figures: dict[str, dict[str, Any]] = {}


def report_path() -> Path:
    return Path(os.environ.get("SELA_DRILLS_REPORT", str(DEFAULT_PATH)))


def record(drill: str, figures: dict[str, Any]) -> None:
    """Keep ``figures`` under ``drill`` and rewrite the report file at once (so a later
    failure still leaves the earlier drills' figures behind)."""
    _figures[drill] = figures
    path = report_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(_figures, indent=2, sort_keys=True, default=str) + "\n")


def recorded() -> dict[str, dict[str, Any]]:
    return dict(_figures)
