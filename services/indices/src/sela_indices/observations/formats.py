"""Writing query results as CSV, XLSX and JSON. Pure."""

from __future__ import annotations

import io
from typing import Any, Literal

import polars as pl
from starlette.responses import Response

Format = Literal["json", "csv", "xlsx"]
MEDIA_TYPES: dict[str, str] = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
_EXPORT_COLUMNS = ["indicator", "area", "period", "value", "status", "unit", "source", "vintage"]


def negotiate(accept: str | None) -> Format:
    accept = (accept or "").lower()
    if "text/csv" in accept:
        return "csv"
    if "spreadsheetml" in accept:
        return "xlsx"
    return "json"


def _export(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.select(
        *[c for c in _EXPORT_COLUMNS if c != "vintage"],
        pl.col("vintage").dt.to_string("%Y-%m-%dT%H:%M:%S%.6fZ").alias("vintage"),
    )


def to_csv(frame: pl.DataFrame) -> bytes:
    return _export(frame).write_csv().encode("utf-8")


def to_xlsx(frame: pl.DataFrame, title: str = "observations") -> bytes:
    buffer = io.BytesIO()
    _export(frame).write_excel(buffer, worksheet=title[:31], autofit=True)
    return buffer.getvalue()


def to_records(frame: pl.DataFrame) -> list[dict[str, Any]]:
    return _export(frame).to_dicts()


def wants_csv(accept: str | None, fmt: str | None) -> bool:
    """An explicit `format` wins; otherwise the Accept header decides."""
    return fmt == "csv" or (fmt is None and "text/csv" in (accept or ""))


def download(body: bytes, stem: str, fmt: Format) -> Response:
    """A file download: the format's media type and an attachment name."""
    return Response(
        body,
        media_type=MEDIA_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{filename(stem, fmt)}"'},
    )


def filename(stem: str, fmt: Format) -> str:
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in stem)[:80] or "observations"
    return f"{safe}.{fmt}"
