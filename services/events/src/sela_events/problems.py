"""Domain errors naming the offending input, in the kit's problem+json ``errors`` shape."""

from __future__ import annotations

from collections.abc import Sequence

from sela_kit.errors import ConflictError, InvalidInputError


def _param(name: str, reason: str, kind: str, location: str) -> dict[str, str]:
    parts = name.split(".")
    return {
        "name": f"{location}.{name}",
        "pointer": "/" + "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts),
        "location": location,
        "reason": reason,
        "type": kind,
    }


def invalid(
    detail: str,
    fields: Sequence[tuple[str, str]],
    *,
    code: str = "validation_failed",
    location: str = "body",
) -> InvalidInputError:
    """A 422 naming each ``(field, reason)``; dotted field names become JSON pointers."""
    return InvalidInputError(
        detail,
        code=code,
        extra={"errors": [_param(name, reason, code, location) for name, reason in fields]},
    )


def conflict(detail: str, code: str, *, field: str | None = None) -> ConflictError:
    extra = {"errors": [_param(field, detail, code, "body")]} if field else None
    return ConflictError(detail, code=code, extra=extra)
