from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import polars as pl
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from sela_indices.loaders.validate import OBSERVATION_SCHEMA
from sela_indices.observations.models import Vintage
from sela_indices.sql import driver_connection, frame_from_rows

Progress = Callable[[str, int, int], None]

# Columns of a query result, in order; the frame built from them has this schema.
RESULT_SCHEMA = pl.Schema(
    {
        "indicator": pl.String(),
        "area": pl.String(),
        "period": pl.String(),
        "freq": pl.String(),
        "period_start": pl.Date(),
        "value": pl.Float64(),
        "status": pl.String(),
        "unit": pl.String(),
        "source": pl.String(),
        "vintage": pl.Datetime("us", "UTC"),
        "vintage_id": pl.Int64(),
    }
)


@dataclass(frozen=True)
class ObservationQuery:
    indicators: Sequence[str] | None = None
    areas: Sequence[str] | None = None
    groups: Sequence[str] | None = None
    freq: str | None = None
    start: date | None = None
    end: date | None = None
    as_of: datetime | None = None


@dataclass(frozen=True)
class MergeCounts:
    inserted: int
    revised: int
    total: int
    contents: list[dict[str, Any]]

    @property
    def new(self) -> int:
        return self.inserted - self.revised

    @property
    def unchanged(self) -> int:
        return self.total - self.inserted


_COPY_CHUNK = 100_000


@dataclass
class ObservationRepository:
    session: AsyncSession

    @classmethod
    def from_session(cls, session: AsyncSession) -> ObservationRepository:
        return cls(session)

    async def create_vintage(self, **values: Any) -> Vintage:
        vintage = Vintage(**values)
        self.session.add(vintage)
        await self.session.flush()
        await self.session.refresh(vintage)
        return vintage

    async def vintages(self, limit: int, before: int | None) -> Sequence[Vintage]:
        stmt = select(Vintage).order_by(Vintage.id.desc()).limit(limit)
        if before is not None:
            stmt = stmt.where(Vintage.id < before)
        return (await self.session.scalars(stmt)).all()

    async def get_vintage(self, vintage_id: int) -> Vintage | None:
        return await self.session.get(Vintage, vintage_id)

    async def merge(
        self, vintage: Vintage, frame: pl.DataFrame, progress: Progress | None = None
    ) -> MergeCounts:
        """Store ``frame`` as ``vintage``: rows whose value, status or source changed close the
        current row and add a new one; identical rows add nothing; nothing is deleted."""
        driver = await driver_connection(self.session)
        # Only an integer id goes into the staging table's name; values travel as parameters.
        staging = f"incoming_{int(vintage.id)}"
        await driver.execute(
            f"CREATE TEMP TABLE {staging} (indicator_id integer, area text, period text, "
            "freq text, period_start date, value double precision, status text, source text) "
            "ON COMMIT DROP"
        )
        columns = list(OBSERVATION_SCHEMA)
        total = frame.height
        for offset in range(0, total, _COPY_CHUNK):
            chunk = frame.slice(offset, _COPY_CHUNK)
            await driver.copy_records_to_table(staging, records=chunk.iter_rows(), columns=columns)
            if progress:
                progress("copy", min(offset + _COPY_CHUNK, total), total)
        await driver.execute(f"ANALYZE {staging}")
        if progress:
            progress("merge", 0, 2)
        revised = await driver.fetchval(
            f"""
            WITH changed AS (
                UPDATE observation o SET valid_to = $1
                FROM {staging} i
                WHERE o.indicator_id = i.indicator_id AND o.area = i.area
                  AND o.period = i.period AND o.valid_to IS NULL
                  AND (o.value IS DISTINCT FROM i.value OR o.status <> i.status
                       OR o.source IS DISTINCT FROM i.source)
                RETURNING 1
            )
            SELECT count(*) FROM changed
            """,  # noqa: S608
            vintage.created_at,
        )
        if progress:
            progress("merge", 1, 2)
        # What the vintage stored, summarised by the server as the rows go in (one pass).
        rows = await driver.fetch(
            f"""
            WITH inserted AS (
                INSERT INTO observation (indicator_id, area, period, freq, period_start, value,
                                         status, source, vintage_id, valid_from)
                SELECT i.indicator_id, i.area, i.period, i.freq, i.period_start, i.value,
                       i.status, i.source, $1, $2
                FROM {staging} i
                WHERE NOT EXISTS (
                    SELECT 1 FROM observation o
                    WHERE o.indicator_id = i.indicator_id AND o.area = i.area
                      AND o.period = i.period AND o.valid_to IS NULL)
                RETURNING indicator_id, area, period
            )
            SELECT ind.code, array_agg(DISTINCT n.area ORDER BY n.area),
                   array_agg(DISTINCT n.period ORDER BY n.period), count(*)
            FROM inserted n JOIN indicator ind ON ind.id = n.indicator_id
            GROUP BY ind.code ORDER BY ind.code
            """,  # noqa: S608
            vintage.id,
            vintage.created_at,
        )
        await driver.execute(f"DROP TABLE {staging}")
        if progress:
            progress("merge", 2, 2)
        contents = [
            {"indicator": r[0], "areas": list(r[1]), "periods": list(r[2]), "observations": r[3]}
            for r in rows
        ]
        inserted = sum(int(c["observations"]) for c in contents)
        return MergeCounts(inserted=inserted, revised=int(revised), total=total, contents=contents)

    async def query(self, q: ObservationQuery, limit: int | None = None) -> pl.DataFrame:
        conditions = []
        params: dict[str, Any] = {}
        if q.as_of is None:
            conditions.append("o.valid_to IS NULL")
        else:
            conditions.append(
                "o.valid_from <= :as_of AND (o.valid_to IS NULL OR o.valid_to > :as_of)"
            )
            params["as_of"] = q.as_of
        if q.indicators is not None:
            conditions.append("i.code = ANY(:indicators)")
            params["indicators"] = list(q.indicators)
        if q.areas is not None:
            conditions.append("o.area = ANY(:areas)")
            params["areas"] = list(q.areas)
        if q.groups is not None:
            conditions.append('i."group" = ANY(:groups)')
            params["groups"] = list(q.groups)
        if q.freq is not None:
            conditions.append("o.freq = :freq")
            params["freq"] = q.freq
        if q.start is not None:
            conditions.append("o.period_start >= :start")
            params["start"] = q.start
        if q.end is not None:
            conditions.append("o.period_start <= :end")
            params["end"] = q.end
        # The conditions are fixed fragments chosen above; every value is a bound parameter.
        sql = f"""
            SELECT i.code, o.area, o.period, o.freq, o.period_start, o.value, o.status,
                   i.unit, coalesce(o.source, i.source), o.valid_from, o.vintage_id
            FROM observation o JOIN indicator i ON i.id = o.indicator_id
            WHERE {" AND ".join(conditions)}
            ORDER BY i.code, o.area, o.period_start
            {"LIMIT :limit" if limit is not None else ""}
        """  # noqa: S608
        if limit is not None:
            params["limit"] = limit
        rows = (await self.session.execute(text(sql), params)).all()
        return frame_from_rows(rows, RESULT_SCHEMA)

    async def history(self, indicator: str, area: str, period: str) -> list[dict[str, Any]]:
        rows = await self.session.execute(
            text(
                """
                SELECT o.value, o.status, coalesce(o.source, i.source), o.vintage_id,
                       o.valid_from, o.valid_to
                FROM observation o JOIN indicator i ON i.id = o.indicator_id
                WHERE i.code = :indicator AND o.area = :area AND o.period = :period
                ORDER BY o.valid_from
                """
            ),
            {"indicator": indicator, "area": area, "period": period},
        )
        keys = ("value", "status", "source", "vintage_id", "valid_from", "valid_to")
        return [dict(zip(keys, r, strict=True)) for r in rows.all()]

    async def count_current(self) -> int:
        return int(
            await self.session.scalar(
                text("SELECT count(*) FROM observation WHERE valid_to IS NULL")
            )
            or 0
        )
