"""Domain errors that name the offending input, in the shape of request validation errors."""

from __future__ import annotations

from typing import Any

from sela_kit.errors import ConflictError, InvalidInputError


def _param(name: str, reason: str, type_: str) -> dict[str, Any]:
    parts = name.split(".")
    location = parts[0] if parts[0] in ("body", "query", "path", "header") else "body"
    rest = parts[1:] if parts[0] == location else parts
    return {
        "name": name,
        "pointer": "/" + "/".join(rest) if rest else "",
        "location": location,
        "reason": reason,
        "type": type_,
    }


def invalid(name: str, reason: str, *, code: str = "invalid_input") -> InvalidInputError:
    """A 422 naming one field, e.g. ``invalid("body.unit", "expected h")``."""
    return InvalidInputError(
        f"{name}: {reason}", code=code, extra={"errors": [_param(name, reason, code)]}
    )


def invalid_many(
    errors: list[tuple[str, str]], *, code: str = "invalid_input"
) -> InvalidInputError:
    shown = "; ".join(f"{name}: {reason}" for name, reason in errors[:5])
    more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
    return InvalidInputError(
        f"{len(errors)} invalid value(s): {shown}{more}",
        code=code,
        extra={"errors": [_param(name, reason, code) for name, reason in errors]},
    )


def conflict(name: str, reason: str, *, code: str = "conflict") -> ConflictError:
    return ConflictError(
        f"{name}: {reason}", code=code, extra={"errors": [_param(name, reason, code)]}
    )
