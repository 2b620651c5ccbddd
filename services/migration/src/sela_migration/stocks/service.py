"""Importing and reading migrant stock datasets."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from sela_kit.errors import ConflictError, InvalidInputError, NotFoundError
from sela_migration.countries import name_of
from sela_migration.stocks.models import Dataset
from sela_migration.stocks.parsing import Layout, ParsedStocks, StockFileError, parse
from sela_migration.stocks.repository import StockRepository


def file_error(exc: StockFileError, field: str = "file") -> InvalidInputError:
    where = []
    if exc.row is not None:
        where.append(f"row {exc.row}")
    if exc.column is not None:
        where.append(f"column {exc.column!r}")
    detail = f"{exc} ({', '.join(where)})" if where else str(exc)
    return InvalidInputError(
        detail,
        code="invalid_stock_file",
        extra={
            "errors": [
                {
                    "name": f"body.{field}",
                    "pointer": f"/{exc.row}" + (f"/{exc.column}" if exc.column else "")
                    if exc.row is not None
                    else "",
                    "location": "body",
                    "reason": detail,
                    "type": "invalid_stock_file",
                    "row": exc.row,
                    "column": exc.column,
                }
            ]
        },
    )


async def parse_file(data: bytes, layout: Layout) -> ParsedStocks:
    try:
        parsed = await asyncio.to_thread(parse, data, layout)
    except StockFileError as exc:
        raise file_error(exc) from exc
    if parsed.frame.is_empty():
        raise InvalidInputError(
            "The file holds no bilateral stock between known countries or areas.",
            code="empty_stock_file",
        )
    return parsed


async def import_dataset(
    session: AsyncSession,
    *,
    slug: str,
    title: str,
    layout: Layout,
    data: bytes,
    source_file: str | None,
) -> Dataset:
    """Parse and store a whole file, or nothing (the request's transaction)."""
    repo = StockRepository.from_session(session)
    if await repo.get_dataset(slug) is not None:
        raise ConflictError(f"A dataset named {slug!r} exists; delete it first or pick another.")
    parsed = await parse_file(data, layout)
    dataset = await repo.add_dataset(
        Dataset(
            slug=slug,
            title=title,
            layout=layout,
            source_file=source_file,
            years=parsed.years,
            areas=parsed.areas,
            rows=parsed.frame.height,
            dropped=parsed.dropped,
            extra={},
        )
    )
    await repo.insert_stocks(dataset.id, parsed.frame)
    await session.flush()
    return dataset


async def get_dataset(session: AsyncSession, slug: str) -> Dataset:
    dataset = await StockRepository.from_session(session).get_dataset(slug)
    if dataset is None:
        raise NotFoundError(f"No dataset {slug!r}.", code="dataset_not_found")
    return dataset


def check_year(dataset: Dataset, year: int) -> None:
    if year not in dataset.years:
        raise NotFoundError(
            f"Dataset {dataset.slug!r} has no year {year}; it has {dataset.years}.",
            code="year_not_found",
        )


async def flows(session: AsyncSession, dataset: Dataset, year: int | None) -> list[dict[str, Any]]:
    if year is not None:
        check_year(dataset, year)
    rows = await StockRepository.from_session(session).flows(dataset.id, year)
    return [
        {
            **row,
            "name": name_of(row["iso3"]),
            "net": row["immigrants"] - row["emigrants"],
        }
        for row in rows
    ]
