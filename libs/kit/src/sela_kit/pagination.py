"""Cursor (keyset) pagination: stable under inserts, cheap at any depth.

A cursor is an opaque, URL-safe token holding the sort-key values of the last row served.
Repositories order by a unique key (ending with the primary key) and call :func:`paginate`.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Generic, TypeVar
from uuid import UUID

from fastapi import Depends, Query
from pydantic import BaseModel, Field
from sqlalchemy import Select, and_, or_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from sela_kit.errors import InvalidInputError

T = TypeVar("T")
MAX_LIMIT = 500


class CursorPage(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = Field(
        default=None, description="Pass as `cursor` to get the next page; absent on the last page"
    )


@dataclass(frozen=True)
class PageParams:
    limit: int
    cursor: str | None


def page_params(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Items per page")] = 50,
    cursor: Annotated[str | None, Query(max_length=2048, description="From `next_cursor`")] = None,
) -> PageParams:
    return PageParams(limit=limit, cursor=cursor)


Page = Annotated[PageParams, Depends(page_params)]


def _encode_value(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return {"t": "dt" if isinstance(value, datetime) else "d", "v": value.isoformat()}
    if isinstance(value, UUID):
        return {"t": "u", "v": str(value)}
    if isinstance(value, Decimal):
        return {"t": "n", "v": str(value)}
    return value


def _decode_value(value: Any) -> Any:
    if isinstance(value, dict):
        kind, raw = value.get("t"), str(value.get("v"))
        if kind == "dt":
            return datetime.fromisoformat(raw)
        if kind == "d":
            return date.fromisoformat(raw)
        if kind == "u":
            return UUID(raw)
        if kind == "n":
            return Decimal(raw)
        raise ValueError("unknown value tag")
    return value


def encode_cursor(values: Sequence[Any]) -> str:
    raw = json.dumps([_encode_value(v) for v in values], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def decode_cursor(cursor: str, width: int) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if not isinstance(values, list) or len(values) != width:
            raise ValueError("wrong shape")
        return [_decode_value(v) for v in values]
    except (ValueError, binascii.Error, TypeError) as exc:
        raise InvalidInputError(
            "The cursor is not one this endpoint issued; start again without it.",
            code="invalid_cursor",
            extra={
                "errors": [
                    {
                        "name": "query.cursor",
                        "pointer": "",
                        "location": "query",
                        "reason": str(exc),
                        "type": "invalid_cursor",
                    }
                ]
            },
        ) from exc


async def paginate(
    session: AsyncSession,
    stmt: Select[Any],
    order_by: Sequence[InstrumentedAttribute[Any]],
    params: PageParams,
    *,
    descending: bool = False,
) -> tuple[list[Any], str | None]:
    """Run ``stmt`` ordered by ``order_by`` from ``params.cursor``; return rows and next cursor.

    ``order_by`` must be unique together (end it with the primary key). The statement must
    select one ORM entity whose attributes include those columns.
    """
    if params.cursor is not None:
        values = decode_cursor(params.cursor, len(order_by))
        stmt = stmt.where(_after(order_by, values, descending))
    ordering = [c.desc() if descending else c.asc() for c in order_by]
    rows = list((await session.scalars(stmt.order_by(*ordering).limit(params.limit + 1))).all())
    if len(rows) <= params.limit:
        return rows, None
    rows = rows[: params.limit]
    last = rows[-1]
    return rows, encode_cursor([getattr(last, c.key) for c in order_by])


def _after(
    columns: Sequence[InstrumentedAttribute[Any]], values: Sequence[Any], descending: bool
) -> Any:
    # (a, b, c) > (x, y, z) written out, so each column may use its own index.
    clauses = []
    for i, column in enumerate(columns):
        equal = [columns[j] == values[j] for j in range(i)]
        beyond = column < values[i] if descending else column > values[i]
        clauses.append(and_(*equal, beyond))
    return or_(*clauses)
