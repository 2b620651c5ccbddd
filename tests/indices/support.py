"""Small files written by the tests themselves (the shared data sets are read in place)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import httpx
import polars as pl
import pytest

from sela_kit.paths import shared_data


def csv_bytes(rows: list[dict[str, Any]]) -> bytes:
    return pl.DataFrame(rows).write_csv().encode()


def xlsx_bytes(rows: list[dict[str, Any]]) -> bytes:
    buffer = io.BytesIO()
    pl.DataFrame(rows).write_excel(buffer)
    return buffer.getvalue()


def macro_file(name: str) -> Path:
    folder = shared_data("macro")
    if folder is None or not (folder / name).exists():
        pytest.skip(f"../shared/data/macro/{name} is not on this machine (shared data absent)")
    return folder / name


async def upload(
    client: httpx.AsyncClient,
    content: bytes,
    headers: dict[str, str],
    *,
    name: str = "data.csv",
    **params: Any,
) -> httpx.Response:
    return await client.post(
        "/loads", files={"file": (name, content)}, params=params, headers=headers
    )


def problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    return body
