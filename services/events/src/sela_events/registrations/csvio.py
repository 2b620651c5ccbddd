"""CSV export and import of registrations (pure: rows in, rows out)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from typing import Any

from pydantic import ValidationError

from sela_events.registrations.models import Registration
from sela_events.registrations.schemas import RegistrationCreate

COLUMNS = (
    "id",
    "state",
    "category",
    "country",
    "seats",
    "first_name",
    "last_name",
    "email",
    "organisation",
    "position",
    "language",
    "consent_publish",
    "companions",
    "answers",
    "created_at",
)
IMPORT_COLUMNS = (
    "first_name",
    "last_name",
    "email",
    "category",
    "country",
    "organisation",
    "position",
    "language",
    "seats",
    "consent_publish",
    "companions",
    "answers",
)
REQUIRED = ("first_name", "last_name", "email", "category")


def export_csv(rows: Iterable[Registration]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for r in rows:
        writer.writerow(
            [
                r.id,
                r.state,
                r.category,
                r.country or "",
                r.seats,
                r.first_name or "",
                r.last_name or "",
                r.email or "",
                r.organisation or "",
                r.position or "",
                r.language,
                "yes" if r.consent_publish else "no",
                "; ".join(r.companions),
                json.dumps(r.answers, ensure_ascii=False) if r.answers else "",
                r.created_at.isoformat() if r.created_at else "",
            ]
        )
    return out.getvalue()


def parse_import(text: str) -> tuple[list[RegistrationCreate], list[tuple[str, str]]]:
    """Parsed rows and errors named ``row N.column`` (N counts data rows from 1)."""
    reader = csv.DictReader(io.StringIO(text))
    header = reader.fieldnames or []
    errors: list[tuple[str, str]] = []
    missing = [c for c in REQUIRED if c not in header]
    unknown = [c for c in header if c not in IMPORT_COLUMNS]
    if missing:
        errors.append(("header", f"lacks the column(s) {', '.join(missing)}"))
    if unknown:
        errors.append(("header", f"has unknown column(s) {', '.join(unknown)}"))
    if errors:
        return [], errors
    parsed = []
    for number, row in enumerate(reader, start=1):
        values: dict[str, Any] = {k: v.strip() for k, v in row.items() if k and v and v.strip()}
        try:
            if "seats" in values:
                values["seats"] = int(values["seats"])
            if "consent_publish" in values:
                values["consent_publish"] = values["consent_publish"].lower() in (
                    "1",
                    "yes",
                    "true",
                    "si",
                    "sí",
                    "y",
                )
            if "companions" in values:
                values["companions"] = [
                    c.strip() for c in values["companions"].split(";") if c.strip()
                ]
            if "answers" in values:
                values["answers"] = json.loads(values["answers"])
        except (ValueError, json.JSONDecodeError) as exc:
            errors.append((f"row {number}", str(exc)))
            continue
        try:
            parsed.append(RegistrationCreate.model_validate(values))
        except ValidationError as exc:
            for error in exc.errors():
                column = ".".join(str(p) for p in error["loc"]) or "row"
                errors.append((f"row {number}.{column}", error["msg"]))
    if not parsed and not errors:
        errors.append(("body", "has no data rows"))
    return parsed, errors
