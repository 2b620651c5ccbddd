"""Validation of answers to a meeting's registration form (pure).

A field with a condition is asked only when the condition holds on the other answers; a
hidden field is neither required nor kept. Conditions refer to other fields by key and may
chain (a field shown only if a shown field has some value).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pycountry
from email_validator import EmailNotValidError, validate_email

from sela_events.vocab import FieldKind


@dataclass(frozen=True)
class FieldSpec:
    key: str
    kind: str
    required: bool = False
    options: Sequence[str] = ()
    condition: Mapping[str, Any] | None = None


@dataclass
class FormResult:
    answers: dict[str, Any] = field(default_factory=dict)
    errors: list[tuple[str, str]] = field(default_factory=list)


def country_code(value: str) -> str | None:
    """ISO 3166-1 alpha-3 for an alpha-2, alpha-3 or numeric code; None if unknown."""
    text = value.strip().upper()
    if not text:
        return None
    record = None
    if len(text) == 2:
        record = pycountry.countries.get(alpha_2=text)
    elif len(text) == 3 and text.isdigit():
        record = pycountry.countries.get(numeric=text)
    elif len(text) == 3:
        record = pycountry.countries.get(alpha_3=text)
    return None if record is None else str(record.alpha_3)


def normalise_email(value: str) -> str:
    """The address in canonical form; ValueError with the reason if it is not one."""
    try:
        return str(validate_email(value, check_deliverability=False).normalized)
    except EmailNotValidError as exc:
        raise ValueError(str(exc)) from exc


def _condition_holds(condition: Mapping[str, Any], answers: Mapping[str, Any]) -> bool:
    value = answers.get(str(condition.get("field")))
    if "equals" in condition:
        expected = condition["equals"]
        if isinstance(value, list):
            return expected in value
        return bool(value == expected)
    if "in" in condition:
        options = condition["in"]
        if isinstance(value, list):
            return any(v in options for v in value)
        return value in options
    return value not in (None, "", [], False)


def _check(spec: FieldSpec, value: Any) -> Any:
    kind = FieldKind(spec.kind)
    if kind in (FieldKind.TEXT, FieldKind.FILE):
        if not isinstance(value, str):
            raise ValueError("must be text")
        if len(value) > 5000:
            raise ValueError("is longer than 5000 characters")
        return value.strip()
    if kind is FieldKind.NUMBER:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError("must be a number")
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError("must be a finite number")
        return value
    if kind is FieldKind.CHOICE:
        if value not in spec.options:
            raise ValueError(f"must be one of {', '.join(spec.options)}")
        return value
    if kind is FieldKind.MULTI_CHOICE:
        if not isinstance(value, list) or any(v not in spec.options for v in value):
            raise ValueError(f"must be a list of values among {', '.join(spec.options)}")
        return list(dict.fromkeys(value))
    if kind is FieldKind.COUNTRY:
        code = country_code(value) if isinstance(value, str) else None
        if code is None:
            raise ValueError("must be an ISO 3166 country code")
        return code
    if kind is FieldKind.DATE:
        try:
            return date.fromisoformat(value).isoformat()
        except (TypeError, ValueError):
            raise ValueError("must be a date as YYYY-MM-DD") from None
    if kind is FieldKind.EMAIL:
        if not isinstance(value, str):
            raise ValueError("must be an email address")
        return normalise_email(value)
    if kind is FieldKind.CONSENT:
        if not isinstance(value, bool):
            raise ValueError("must be true or false")
        if spec.required and not value:
            raise ValueError("must be given")
        return value
    raise ValueError(f"unsupported kind {spec.kind}")  # pragma: no cover


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == []


def validate_answers(fields: Sequence[FieldSpec], answers: Mapping[str, Any]) -> FormResult:
    result = FormResult()
    known = {f.key for f in fields}
    for key in answers:
        if key not in known:
            result.errors.append((key, "is not a field of this form"))
    # Fields are checked in form order; a condition sees the cleaned answers of the fields
    # before it, so a field hidden by its own condition hides the ones that depend on it.
    for spec in fields:
        if spec.condition is not None and not _condition_holds(spec.condition, result.answers):
            continue
        value = answers.get(spec.key)
        if _empty(value):
            if spec.required:
                reason = "is required"
                if spec.condition is not None:
                    reason += f" when {spec.condition.get('field')} is answered as it is"
                result.errors.append((spec.key, reason))
            continue
        try:
            result.answers[spec.key] = _check(spec, value)
        except ValueError as exc:
            result.errors.append((spec.key, str(exc)))
    return result
