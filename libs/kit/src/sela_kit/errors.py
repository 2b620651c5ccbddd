"""Typed domain errors and their rendering as RFC 9457 ``application/problem+json``."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from http import HTTPStatus
from typing import Any

from asyncpg.exceptions import OperatorInterventionError, PostgresConnectionError
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.exc import DBAPIError, IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "https://sela.org/problems/"

logger = logging.getLogger("sela.errors")


class InvalidParam(BaseModel):
    """One input that failed validation."""

    name: str = Field(description="Dotted path of the field, e.g. body.participants.0.email")
    pointer: str = Field(description="JSON pointer (RFC 6901) into the request part")
    location: str = Field(description="body, query, path, header or cookie")
    reason: str
    type: str


class Problem(BaseModel):
    """RFC 9457 problem details, with the request id and a stable machine-readable code."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    code: str = Field(description="Stable error code, e.g. not_found, validation_failed")
    request_id: str | None = None
    errors: list[InvalidParam] | None = None


class DomainError(Exception):
    """An error the domain raises on purpose; the handler renders it as problem+json."""

    status: int = 400
    code: str = "bad_request"
    title: str = "Bad request"

    def __init__(
        self,
        detail: str,
        *,
        code: str | None = None,
        status: int | None = None,
        title: str | None = None,
        extra: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        if title is not None:
            self.title = title
        self.extra = extra or {}
        self.headers = headers or {}


class NotFoundError(DomainError):
    status, code, title = 404, "not_found", "Not found"


class ConflictError(DomainError):
    status, code, title = 409, "conflict", "Conflict"


class UnauthorizedError(DomainError):
    status, code, title = 401, "unauthorized", "Unauthorized"


class ForbiddenError(DomainError):
    status, code, title = 403, "forbidden", "Forbidden"


class InvalidInputError(DomainError):
    status, code, title = 422, "invalid_input", "Invalid input"


class UnavailableError(DomainError):
    status, code, title = 503, "unavailable", "Service unavailable"


def _field_param(name: str, reason: str, type_: str) -> dict[str, Any]:
    """One entry of ``errors`` in the shape of request validation errors (``body.x.0``)."""
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
    """A 422 naming one field found wrong by the domain, e.g. ``invalid("body.unit", "…")``."""
    return InvalidInputError(
        f"{name}: {reason}", code=code, extra={"errors": [_field_param(name, reason, code)]}
    )


def invalid_many(
    errors: list[tuple[str, str]], *, code: str = "invalid_input"
) -> InvalidInputError:
    """A 422 naming every field found wrong, so the caller mends them in one go."""
    if len(errors) == 1:
        return invalid(*errors[0], code=code)
    shown = "; ".join(f"{name}: {reason}" for name, reason in errors[:5])
    more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
    return InvalidInputError(
        f"{len(errors)} invalid value(s): {shown}{more}",
        code=code,
        extra={"errors": [_field_param(name, reason, code) for name, reason in errors]},
    )


def conflict(name: str, reason: str, *, code: str = "conflict") -> ConflictError:
    """A 409 naming the field whose value clashes with what is stored."""
    return ConflictError(
        f"{name}: {reason}", code=code, extra={"errors": [_field_param(name, reason, code)]}
    )


_STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_failed",
    429: "too_many_requests",
    500: "internal_error",
    503: "unavailable",
}


def code_for_status(status: int) -> str:
    return _STATUS_CODES.get(status, f"http_{status}")


def problem_response(
    request: Request,
    status: int,
    *,
    title: str | None = None,
    detail: str | None = None,
    code: str | None = None,
    errors: Sequence[InvalidParam] | None = None,
    extra: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    request_id = _request_id(request)
    code = code or code_for_status(status)
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + code.replace("_", "-"),
        "title": title or HTTPStatus(status).phrase,
        "status": status,
        "code": code,
        "instance": request.url.path,
        "request_id": request_id,
    }
    if detail is not None:
        body["detail"] = detail
    if errors:
        body["errors"] = [e.model_dump() for e in errors]
    if extra:
        body.update({k: v for k, v in extra.items() if k not in body})
    all_headers = dict(headers or {})
    if request_id:
        all_headers["X-Request-ID"] = request_id
    return JSONResponse(
        body, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=all_headers
    )


def _request_id(request: Request) -> str | None:
    state = request.scope.get("state") or {}
    value = state.get("request_id")
    return value if isinstance(value, str) else None


def _pointer(parts: Sequence[str | int]) -> str:
    escaped = (str(p).replace("~", "~0").replace("/", "~1") for p in parts)
    return "/" + "/".join(escaped) if parts else ""


def invalid_params(exc: RequestValidationError) -> list[InvalidParam]:
    params = []
    for error in exc.errors():
        loc = list(error.get("loc", ()))
        location = str(loc[0]) if loc else "body"
        rest = loc[1:]
        params.append(
            InvalidParam(
                name=".".join(str(p) for p in loc),
                pointer=_pointer(rest),
                location=location,
                reason=str(error.get("msg", "invalid")),
                type=str(error.get("type", "value_error")),
            )
        )
    return params


def domain_problem(request: Request, exc: DomainError) -> JSONResponse:
    """``exc`` as a problem+json response (also for pure-ASGI middleware)."""
    return problem_response(
        request,
        exc.status,
        title=exc.title,
        detail=exc.detail,
        code=exc.code,
        extra=exc.extra,
        headers=exc.headers,
    )


async def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    return domain_problem(request, exc)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    params = invalid_params(exc)
    where = ", ".join(p.name for p in params[:5])
    return problem_response(
        request,
        422,
        title="Validation failed",
        detail=f"The request has {len(params)} invalid value(s): {where}",
        code="validation_failed",
        errors=params,
    )


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    detail: str | None = exc.detail if isinstance(exc.detail, str) else None
    if detail == HTTPStatus(exc.status_code).phrase:
        detail = None
    if exc.status_code == 404 and detail is None:
        detail = f"No resource at {request.url.path}"
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        allowed = _allowed_methods(request)
        if allowed:
            headers["Allow"] = ", ".join(allowed)
        if detail is None:
            detail = f"{request.method} is not allowed on {request.url.path}; allowed: " + (
                ", ".join(allowed) or "none"
            )
    return problem_response(request, exc.status_code, detail=detail, headers=headers)


def _allowed_methods(request: Request) -> list[str]:
    # Starlette names only the first route that matched the path, though several routes may
    # share it; the OpenAPI document knows them all.
    table: list[tuple[re.Pattern[str], set[str]]] | None = getattr(
        request.app.state, "allowed_methods", None
    )
    if table is None:
        table = []
        for template, operations in request.app.openapi().get("paths", {}).items():
            regex = re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template))
            table.append((re.compile(f"^{regex}$"), {m.upper() for m in operations}))
        request.app.state.allowed_methods = table
    methods: set[str] = set()
    for pattern, verbs in table:
        if pattern.match(request.url.path):
            methods |= verbs
    if "GET" in methods:
        methods.add("HEAD")
    return sorted(methods)


def database_unreachable(exc: BaseException) -> bool:
    """Whether ``exc`` (or what caused it) is the database being out of reach: refused or
    dropped connections, a server shutting down or starting up. Not a fault of the request."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(
            current, ConnectionError | PostgresConnectionError | OperatorInterventionError
        ):
            return True
        if isinstance(current, DBAPIError) and current.connection_invalidated:
            return True
        current = current.__cause__ or current.__context__
    return False


def _sqlstate(exc: BaseException) -> str | None:
    orig = getattr(exc, "orig", None)
    value = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    return value if isinstance(value, str) else None


def unstorable_value(exc: BaseException) -> str | None:
    """Why the database refused a value the request carried, if that is what ``exc`` is:
    PostgreSQL's class 22 (a number out of range, a NUL character in text...) or text that
    is not valid Unicode (an unpaired surrogate, which JSON can carry)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, UnicodeEncodeError):
            return "The request contains text that is not valid Unicode (an unpaired surrogate)."
        if isinstance(current, DBAPIError) and (_sqlstate(current) or "").startswith("22"):
            message = str(getattr(current.orig, "args", [""])[0] or current.orig)
            reason = message.split("\n", 1)[0].split(": ", 1)[-1]
            return f"A value of the request cannot be stored: {reason}."
        current = current.__cause__ or current.__context__
    return None


async def _unhandled_error(request: Request, exc: Exception) -> JSONResponse:
    unstorable = unstorable_value(exc)
    if unstorable is not None:
        return problem_response(request, 422, code="invalid_value", detail=unstorable)
    if database_unreachable(exc):
        # The database is away (restarting, failing over): the caller may retry shortly.
        logger.warning("database unreachable on %s %s: %s", request.method, request.url.path, exc)
        return problem_response(
            request,
            503,
            code="database_unavailable",
            detail="The service's database is unreachable; retry shortly.",
            headers={"Retry-After": "1"},
        )
    logger.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem_response(
        request, 500, detail="An unexpected error occurred; quote the request id when reporting it."
    )


_INTEGRITY = {
    "23505": ("unique_violation", "A record with the same unique values already exists."),
    "23503": ("reference_violation", "The change refers to, or is referred to by, another record."),
}


async def _integrity_error(request: Request, exc: Exception) -> JSONResponse:
    # A constraint the domain did not check first (a race, a deferred constraint at commit):
    # still the caller's conflict, not a server fault.
    assert isinstance(exc, IntegrityError)
    sqlstate = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
    if sqlstate not in _INTEGRITY:
        return await _unhandled_error(request, exc)
    code, detail = _INTEGRITY[sqlstate]
    constraint = getattr(getattr(exc.orig, "__cause__", None), "constraint_name", None)
    extra = {"constraint": constraint} if constraint else None
    return problem_response(request, 409, detail=detail, code=code, extra=extra)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(IntegrityError, _integrity_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    # Database failures are answered where the other errors are (not re-raised to the server
    # as a catch-all ``Exception`` handler's are), so an outage logs one line per request.
    for kind in (DBAPIError, ConnectionError, PostgresConnectionError, OperatorInterventionError):
        app.add_exception_handler(kind, _unhandled_error)
    app.add_exception_handler(Exception, _unhandled_error)


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses=`` entries declaring problem+json bodies for the given statuses."""
    return {
        status: {
            "description": HTTPStatus(status).phrase,
            "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for status in statuses
    }
