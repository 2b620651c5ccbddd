"""Bulk import of listings from CSV or XLSX with a per-row report.

Every row is checked first (codes, size class, required fields); duplicates by (country, tax
id) — against the directory and earlier rows of the same file — are skipped and reported;
names similar to a listing of the same country (pg_trgm) or to an earlier row of the file
(rapidfuzz) are flagged, not refused.
``all_or_nothing`` writes nothing when any row is invalid; ``per_row`` writes the valid rows.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any, Literal

from pydantic import ValidationError
from rapidfuzz import fuzz, process, utils
from sqlalchemy.ext.asyncio import AsyncSession

from sela_contracts.smes import ListingsImported
from sela_kit.errors import InvalidInputError
from sela_kit.messaging import record_event
from sela_smes.directory.problems import invalid
from sela_smes.directory.repository import DirectoryRepository
from sela_smes.directory.schemas import (
    EnterpriseCreate,
    ImportReport,
    RowProblem,
    RowReport,
    SimilarName,
)
from sela_smes.directory.service import SIMILARITY_THRESHOLD, derive, insert

Mode = Literal["all_or_nothing", "per_row"]
# Rows of one file whose names score at least this (rapidfuzz token-sort ratio) are flagged.
FILE_SIMILARITY = 85.0
Progress = Callable[[int, int], None]
MAX_ROWS = 50_000
LIST_COLUMNS = (
    "products",
    "export_markets",
    "import_markets",
    "target_markets",
    "certifications",
)
BOOL_COLUMNS = ("consent_listed", "consent_contact")
CONTACT_COLUMNS = ("contact_name", "contact_role", "contact_email", "contact_phone")
COLUMNS = (
    "legal_name",
    "trade_name",
    "description",
    "country",
    "city",
    "tax_id",
    "isic",
    *LIST_COLUMNS,
    "founded_year",
    "employees",
    "annual_sales_usd",
    "size_class",
    "website",
    *CONTACT_COLUMNS,
    *BOOL_COLUMNS,
)
_TRUE = {"1", "true", "yes", "y", "si", "sí", "sim", "x"}
_FALSE = {"0", "false", "no", "n", "nao", "não", ""}


def read_table(data: bytes, filename: str) -> list[dict[str, str]]:
    """Rows of a CSV (comma or semicolon, UTF-8) or XLSX file as text, keys lower-cased."""
    if filename.lower().endswith((".xlsx", ".xlsm")):
        import polars as pl

        try:
            frame = pl.read_excel(io.BytesIO(data), engine="calamine", infer_schema_length=0)
        except Exception as exc:  # calamine's errors are many and untyped
            raise invalid("body.file", f"not a readable XLSX workbook: {exc}") from exc
        rows = [
            {str(k).strip().lower(): "" if v is None else str(v).strip() for k, v in r.items()}
            for r in frame.to_dicts()
        ]
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise invalid("body.file", f"not UTF-8 text: {exc}") from exc
        sample = text[:4096]
        delimiter = ";" if sample.count(";") > sample.count(",") else ","
        reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
        rows = [
            {
                (k or "").strip().lower(): (v or "").strip() if isinstance(v, str) else ""
                for k, v in r.items()
            }
            for r in reader
        ]
        if reader.fieldnames is None:
            raise invalid("body.file", "the file is empty")
    if not rows:
        raise invalid("body.file", "the file has a header but no rows")
    missing = [c for c in ("legal_name", "country", "tax_id", "isic") if c not in rows[0]]
    if missing:
        raise invalid("body.file", f"missing column(s): {', '.join(missing)}")
    if len(rows) > MAX_ROWS:
        raise invalid("body.file", f"{len(rows)} rows; at most {MAX_ROWS} per file")
    return rows


def _split(value: str) -> list[str]:
    for sep in ("|", ";"):
        value = value.replace(sep, ",")
    return [v.strip() for v in value.split(",") if v.strip()]


def to_body(raw: dict[str, str]) -> tuple[EnterpriseCreate | None, list[RowProblem]]:
    """One row as a create body, or the problems found (named by column)."""
    problems: list[RowProblem] = []
    values: dict[str, Any] = {}
    for column in COLUMNS:
        if column in CONTACT_COLUMNS:
            continue
        value = raw.get(column, "")
        if column in LIST_COLUMNS:
            values[column] = _split(value)
        elif column in BOOL_COLUMNS:
            lowered = value.lower()
            if lowered not in _TRUE | _FALSE:
                problems.append(RowProblem(column=column, reason=f"{value!r} is not yes or no"))
            values[column] = lowered in _TRUE
        elif value != "":
            values[column] = value
    if raw.get("contact_name"):
        contact = {k.removeprefix("contact_"): raw.get(k) or None for k in CONTACT_COLUMNS}
        values["contacts"] = [contact]
    elif raw.get("contact_email") or raw.get("contact_phone"):
        problems.append(RowProblem(column="contact_name", reason="a contact needs a name"))
    try:
        body = EnterpriseCreate.model_validate(values)
    except ValidationError as exc:
        for error in exc.errors():
            loc = [str(p) for p in error["loc"]]
            column = loc[0] if loc else "row"
            if column == "contacts":
                column = "contact_" + loc[-1]
            reason = error["msg"].removeprefix("Value error, ")
            where = f" (item {int(loc[1]) + 1})" if len(loc) > 1 and loc[1].isdigit() else ""
            problems.append(RowProblem(column=column, reason=reason + where))
        return None, problems
    if problems:
        return None, problems
    _, derived = derive(body.model_dump())
    problems.extend(RowProblem(column=c, reason=r) for c, r in derived)
    return (None, problems) if problems else (body, [])


async def run_import(
    session: AsyncSession,
    who: str,
    data: bytes,
    filename: str,
    mode: Mode,
    *,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportReport:
    rows = read_table(data, filename)
    repo = DirectoryRepository.from_session(session)
    total = len(rows)
    reports: list[RowReport] = []
    bodies: list[tuple[RowReport, EnterpriseCreate]] = []
    seen: dict[tuple[str, str], int] = {}
    names: dict[str, tuple[list[str], list[int]]] = {}  # country -> earlier names, rows
    for index, raw in enumerate(rows):
        line = index + 2
        body, problems = to_body(raw)
        report = RowReport(row=line, status="valid", legal_name=raw.get("legal_name") or None)
        reports.append(report)
        if body is None:
            report.status, report.errors = "invalid", problems
        else:
            key = (body.country, body.tax_id.upper())
            existing = await repo.by_tax_id(body.country, body.tax_id)
            if existing is not None:
                report.status, report.enterprise_id = "duplicate", existing.id
                report.errors = [
                    RowProblem(column="tax_id", reason=f"already listed as {existing.id}")
                ]
            elif key in seen:
                report.status = "duplicate"
                report.errors = [
                    RowProblem(
                        column="tax_id", reason=f"same country and tax id as row {seen[key]}"
                    )
                ]
            else:
                seen[key] = line
                bodies.append((report, body))
                report.similar = [
                    SimilarName(enterprise_id=i, legal_name=n, similarity=round(s, 3))
                    for i, n, s in await repo.similar_names(
                        body.country, body.legal_name, SIMILARITY_THRESHOLD
                    )
                ]
                earlier, lines = names.setdefault(body.country, ([], []))
                for name, score, position in process.extract(
                    body.legal_name,
                    earlier,
                    scorer=fuzz.token_sort_ratio,
                    processor=utils.default_process,
                    score_cutoff=FILE_SIMILARITY,
                    limit=3,
                ):
                    report.similar.append(
                        SimilarName(row=lines[position], legal_name=name, similarity=score / 100)
                    )
                earlier.append(body.legal_name)
                lines.append(line)
        if progress is not None and (index % 100 == 0 or index == total - 1):
            progress(index + 1, total * 2)
    invalid_rows = sum(r.status == "invalid" for r in reports)
    write = not dry_run and not (mode == "all_or_nothing" and invalid_rows)
    if write:
        for done, (report, body) in enumerate(bodies, start=1):
            async with session.begin_nested():
                enterprise = await insert(
                    session, who, body, source="import", prefix=f"row {report.row}: "
                )
            report.status, report.enterprise_id = "created", enterprise.id
            if progress is not None and (done % 100 == 0 or done == len(bodies)):
                progress(total + done * total // max(len(bodies), 1), total * 2)
    if write and bodies:
        await record_event(
            session,
            ListingsImported(
                created=len(bodies), countries=sorted({body.country for _, body in bodies})
            ),
            source="smes",
        )
    result = ImportReport(
        mode=mode,
        rows=total,
        created=sum(r.status == "created" for r in reports),
        duplicates=sum(r.status == "duplicate" for r in reports),
        invalid=invalid_rows,
        flagged_similar=sum(bool(r.similar) for r in reports),
        committed=write,
        report=reports,
    )
    if mode == "all_or_nothing" and invalid_rows:
        raise InvalidInputError(
            f"{invalid_rows} of {total} rows are invalid; nothing was imported",
            code="import_rejected",
            extra={
                "errors": [
                    {
                        "name": f"body.file.row{r.row}.{e.column}",
                        "pointer": f"/file/{r.row}/{e.column}",
                        "location": "body",
                        "reason": e.reason,
                        "type": "invalid_row",
                    }
                    for r in reports
                    for e in r.errors
                    if r.status == "invalid"
                ][:500],
                "report": result.model_dump(mode="json"),
            },
        )
    return result
