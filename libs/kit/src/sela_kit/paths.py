"""Where the shared public data sets live: ``SELA_SHARED_DIR``, else ``../shared`` beside
the repository (a development checkout). Services read demo and test data from there and
never copy it."""

from __future__ import annotations

import os
from pathlib import Path

REPOSITORY_ROOT = Path(__file__).resolve().parents[4]


def shared_dir() -> Path:
    configured = os.environ.get("SELA_SHARED_DIR")
    if configured:
        return Path(configured)
    return REPOSITORY_ROOT.parent / "shared"


def shared_data(*parts: str) -> Path | None:
    """The path of a shared data file or folder, or None when it is not on this machine."""
    path = shared_dir().joinpath("data", *parts)
    return path if path.exists() else None
