from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from sela_indices.sql import driver_connection, frame_from_rows
from sela_indices.trade.models import TradeDataset

FLOW_COLUMNS = ("reporter", "partner", "year", "classification", "product", "value", "flow")
FLOW_SCHEMA = pl.Schema(
    {
        "reporter": pl.String,
        "partner": pl.String,
        "year": pl.Int32,
        "classification": pl.String,
        "product": pl.String,
        "value": pl.Float64,
        "flow": pl.String,
    }
)


@dataclass
class TradeRepository:
    session: AsyncSession

    @classmethod
    def from_session(cls, session: AsyncSession) -> TradeRepository:
        return cls(session)

    async def add_dataset(self, **values: Any) -> TradeDataset:
        dataset = TradeDataset(**values)
        self.session.add(dataset)
        await self.session.flush()
        await self.session.refresh(dataset)
        return dataset

    async def copy_flows(self, dataset_id: int, flows: pl.DataFrame) -> None:
        driver = await driver_connection(self.session)
        frame = flows.select(pl.lit(dataset_id).alias("dataset_id"), *FLOW_COLUMNS)
        await driver.copy_records_to_table(
            "trade_flow", records=frame.iter_rows(), columns=["dataset_id", *FLOW_COLUMNS]
        )

    async def datasets(self) -> Sequence[TradeDataset]:
        stmt = select(TradeDataset).order_by(TradeDataset.created_at.desc())
        return (await self.session.scalars(stmt)).all()

    async def get(self, dataset_id: int) -> TradeDataset | None:
        return await self.session.get(TradeDataset, dataset_id)

    async def latest(self, name: str | None) -> TradeDataset | None:
        stmt = select(TradeDataset).order_by(TradeDataset.created_at.desc()).limit(1)
        if name is not None:
            stmt = stmt.where(TradeDataset.name == name)
        return (await self.session.scalars(stmt)).first()

    async def flows(
        self, dataset_id: int, first_year: int | None, last_year: int | None
    ) -> pl.DataFrame:
        conditions = ["dataset_id = :dataset"]
        params: dict[str, Any] = {"dataset": dataset_id}
        if first_year is not None:
            conditions.append("year >= :first")
            params["first"] = first_year
        if last_year is not None:
            conditions.append("year <= :last")
            params["last"] = last_year
        rows = (
            await self.session.execute(
                text(
                    f"SELECT {', '.join(FLOW_COLUMNS)} FROM trade_flow "  # noqa: S608
                    f"WHERE {' AND '.join(conditions)}"
                ),
                params,
            )
        ).all()
        return frame_from_rows(rows, FLOW_SCHEMA)
