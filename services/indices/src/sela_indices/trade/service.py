"""Bilateral trade datasets and the trade introversion indices (I.1.8) on them."""

from __future__ import annotations

import asyncio
import hashlib
from typing import Any, Literal

import polars as pl
from sqlalchemy.ext.asyncio import AsyncSession

from sela_indices.methods import trade as method
from sela_indices.reference.service import mechanism_area, membership_table
from sela_indices.trade.models import TradeDataset
from sela_indices.trade.repository import TradeRepository
from sela_kit.errors import InvalidInputError, NotFoundError

Flow = Literal["exports", "imports", "total"]
Level = Literal["product", "heading", "chapter", "section"]
MAX_LISTED = 1000


async def load(
    session: AsyncSession,
    content: bytes,
    *,
    name: str,
    filename: str | None,
    layout: method.Layout | None,
    year: int | None,
    unit: str,
    note: str | None,
    submitted_by: str | None,
) -> TradeDataset:
    try:
        read = await asyncio.to_thread(
            method.read_flows,
            content,
            layout,
            year=year,
        )
    except method.TradeDataError as exc:
        listed = exc.rejected.head(MAX_LISTED).to_dicts()
        raise InvalidInputError(
            f"{exc.rejected.height} row(s) rejected, nothing was stored; first at row "
            f"{listed[0]['row']}, column {listed[0]['column']}: {listed[0]['reason']}.",
            code="file_rejected",
            extra={
                "rejected_total": exc.rejected.height,
                "rejected": listed,
                "errors": [
                    {
                        "name": f"file.row{r['row']}.{r['column']}",
                        "pointer": f"/rows/{r['row']}/{r['column']}",
                        "location": "body",
                        "reason": r["reason"],
                        "type": "rejected_row",
                    }
                    for r in listed
                ],
            },
        ) from exc
    except method.TradeLayoutError as exc:
        raise InvalidInputError(f"The file cannot be read: {exc}.", code="unreadable_file") from exc
    flows = read.flows
    if flows.height == 0:
        raise InvalidInputError("The file holds no flows.", code="empty_file")
    kinds = "".join(sorted(set(flows["flow"].unique().to_list()), reverse=True))
    repo = TradeRepository.from_session(session)
    dataset = await repo.add_dataset(
        name=name,
        layout=read.layout,
        file_name=filename,
        sha256=hashlib.sha256(content).hexdigest(),
        rows=flows.height,
        domestic=read.domestic,
        first_year=int(flows["year"].min()),  # type: ignore[arg-type]
        last_year=int(flows["year"].max()),  # type: ignore[arg-type]
        flows=kinds,
        products=flows.filter(pl.col("product").is_not_null()).height > 0,
        unit=unit,
        skipped=dict(read.skipped),
        note=note,
        submitted_by=submitted_by,
    )
    await repo.copy_flows(dataset.id, flows)
    return dataset


async def dataset_for(
    session: AsyncSession, dataset_id: int | None, name: str | None
) -> TradeDataset:
    repo = TradeRepository.from_session(session)
    dataset = await (repo.get(dataset_id) if dataset_id is not None else repo.latest(name))
    if dataset is None:
        what = f"{dataset_id}" if dataset_id is not None else (name or "any")
        raise NotFoundError(f"No trade dataset {what!r}; load one with POST /trade/datasets.")
    return dataset


def _needs_mirror(dataset: TradeDataset, flow: Flow) -> bool:
    return flow != "exports" and "M" not in dataset.flows


async def introversion(
    session: AsyncSession,
    dataset: TradeDataset,
    mechanisms: list[str],
    flow: Flow,
    by: Level | None,
    first_year: int | None,
    last_year: int | None,
) -> tuple[pl.DataFrame, bool]:
    codes = [await mechanism_area(session, m) for m in mechanisms]
    table = await membership_table(session)
    if by is not None and not dataset.products:
        raise InvalidInputError(
            f"Dataset {dataset.id} ({dataset.name}) has no products; leave `by` out.",
            code="no_products",
        )
    flows = await TradeRepository.from_session(session).flows(dataset.id, first_year, last_year)
    if flows.height == 0:
        raise NotFoundError("No flows in that range of years.")
    mirrored = _needs_mirror(dataset, flow)
    years = sorted(flows["year"].unique().to_list())

    def compute() -> pl.DataFrame:
        blocs = method.bloc_frame(table.members_at, codes, years)
        source: pl.DataFrame | pl.LazyFrame = method.mirror_flows(flows) if mirrored else flows
        return method.introversion(source, blocs, flow=flow, by=by)

    try:
        result = await asyncio.to_thread(compute)
    except method.IntroversionError as exc:
        raise InvalidInputError(str(exc), code="invalid_request") from exc
    return result, mirrored


async def bilateral(
    session: AsyncSession,
    dataset: TradeDataset,
    flow: Flow,
    reporters: list[str] | None,
    partners: list[str] | None,
    first_year: int | None,
    last_year: int | None,
) -> tuple[pl.DataFrame, bool]:
    flows = await TradeRepository.from_session(session).flows(dataset.id, first_year, last_year)
    mirrored = _needs_mirror(dataset, flow)

    def compute() -> pl.DataFrame:
        source: pl.DataFrame | pl.LazyFrame = method.mirror_flows(flows) if mirrored else flows
        result = method.bilateral_intensity(source, flow=flow)
        if reporters:
            result = result.filter(pl.col("reporter").is_in(reporters))
        if partners:
            result = result.filter(pl.col("partner").is_in(partners))
        return result

    try:
        return await asyncio.to_thread(compute), mirrored
    except method.IntroversionError as exc:
        raise InvalidInputError(str(exc), code="invalid_request") from exc


def records(frame: pl.DataFrame) -> list[dict[str, Any]]:
    return frame.to_dicts()
