from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import polars as pl
from sqlalchemy import Select, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from sela_migration.stocks.models import Dataset, Stock


class StockRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @classmethod
    def from_session(cls, session: AsyncSession) -> StockRepository:
        return cls(session)

    async def get_dataset(self, slug: str) -> Dataset | None:
        result: Dataset | None = await self.session.scalar(
            select(Dataset).where(Dataset.slug == slug)
        )
        return result

    async def list_datasets(self) -> Sequence[Dataset]:
        return (await self.session.scalars(select(Dataset).order_by(Dataset.slug))).all()

    async def add_dataset(self, dataset: Dataset) -> Dataset:
        self.session.add(dataset)
        await self.session.flush()
        return dataset

    async def delete_dataset(self, dataset: Dataset) -> None:
        await self.session.execute(delete(Dataset).where(Dataset.id == dataset.id))

    async def insert_stocks(self, dataset_id: uuid.UUID, frame: pl.DataFrame) -> int:
        """Bulk-load the stocks with PostgreSQL's COPY, inside the session's transaction."""
        records = [
            (dataset_id, *row)
            for row in frame.select(
                "year", "origin", "destination", "total", "female", "male"
            ).iter_rows()
        ]
        connection = await self.session.connection()
        raw = await connection.get_raw_connection()
        driver: Any = raw.driver_connection
        await driver.copy_records_to_table(
            Stock.__tablename__,
            records=records,
            columns=["dataset_id", "year", "origin", "destination", "total", "female", "male"],
        )
        return len(records)

    def stocks_query(
        self,
        dataset_id: uuid.UUID,
        *,
        year: int | None = None,
        origin: str | None = None,
        destination: str | None = None,
    ) -> Select[Stock]:
        stmt = select(Stock).where(Stock.dataset_id == dataset_id)
        if year is not None:
            stmt = stmt.where(Stock.year == year)
        if origin is not None:
            stmt = stmt.where(Stock.origin == origin)
        if destination is not None:
            stmt = stmt.where(Stock.destination == destination)
        return stmt

    async def edges(self, dataset_id: uuid.UUID, year: int, measure: str = "total") -> pl.DataFrame:
        """The network of one year: origin, destination, weight (the chosen stock)."""
        column = {"total": Stock.total, "female": Stock.female, "male": Stock.male}[measure]
        result = await self.session.execute(
            select(Stock.origin, Stock.destination, column).where(
                Stock.dataset_id == dataset_id, Stock.year == year, column.is_not(None)
            )
        )
        rows = result.all()
        return pl.DataFrame(
            {
                "origin": [r[0] for r in rows],
                "destination": [r[1] for r in rows],
                "weight": [float(r[2] or 0.0) for r in rows],
            },
            schema={"origin": pl.String, "destination": pl.String, "weight": pl.Float64},
        )

    async def years_with(self, dataset_id: uuid.UUID, measure: str) -> set[int]:
        """The years having at least one stock of ``measure`` (total, female or male)."""
        column = {"total": Stock.total, "female": Stock.female, "male": Stock.male}[measure]
        result = await self.session.scalars(
            select(Stock.year)
            .where(Stock.dataset_id == dataset_id, column.is_not(None))
            .group_by(Stock.year)
        )
        return set(result.all())

    async def all_stocks(self, dataset_id: uuid.UUID, measure: str = "total") -> pl.DataFrame:
        """Every stock of the dataset: year, origin, destination, ``total`` (the measure's
        value; rows without it are left out)."""
        column = {"total": Stock.total, "female": Stock.female, "male": Stock.male}[measure]
        result = await self.session.execute(
            select(Stock.year, Stock.origin, Stock.destination, column).where(
                Stock.dataset_id == dataset_id, column.is_not(None)
            )
        )
        rows = result.all()
        return pl.DataFrame(
            [tuple(r) for r in rows],
            schema={
                "year": pl.Int32,
                "origin": pl.String,
                "destination": pl.String,
                "total": pl.Float64,
            },
            orient="row",
        )

    async def flows(self, dataset_id: uuid.UUID, year: int | None) -> list[dict[str, Any]]:
        out = (
            select(Stock.year, Stock.origin.label("iso3"), func.sum(Stock.total).label("v"))
            .where(Stock.dataset_id == dataset_id)
            .group_by(Stock.year, Stock.origin)
        )
        inn = (
            select(Stock.year, Stock.destination.label("iso3"), func.sum(Stock.total).label("v"))
            .where(Stock.dataset_id == dataset_id)
            .group_by(Stock.year, Stock.destination)
        )
        if year is not None:
            out = out.where(Stock.year == year)
            inn = inn.where(Stock.year == year)
        emigrants = {(r.year, r.iso3): float(r.v) for r in await self.session.execute(out)}
        immigrants = {(r.year, r.iso3): float(r.v) for r in await self.session.execute(inn)}
        keys = sorted(set(emigrants) | set(immigrants))
        return [
            {
                "year": y,
                "iso3": c,
                "emigrants": emigrants.get((y, c), 0.0),
                "immigrants": immigrants.get((y, c), 0.0),
            }
            for y, c in keys
        ]
