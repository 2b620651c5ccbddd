"""Loading files as vintages and reading observations as of any time."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Set
from datetime import datetime
from typing import Any

import polars as pl
from sqlalchemy.ext.asyncio import AsyncSession

from sela_contracts.indices import IndicatorUpdated, LoadCompleted
from sela_indices.catalogue.repository import CatalogueRepository
from sela_indices.loaders.parse import FileFormatError, Layout, ParsedFile, parse_file
from sela_indices.loaders.validate import IndicatorRef, Reference, Validated, validate
from sela_indices.observations.repository import (
    ObservationQuery,
    ObservationRepository,
    Progress,
)
from sela_indices.observations.schemas import IndicatorLoaded, LoadReport
from sela_indices.reference.countries import aggregate_codes
from sela_indices.reference.repository import ReferenceRepository
from sela_kit.errors import DomainError, InvalidInputError
from sela_kit.messaging.outbox import record_event

SOURCE = "indices"
MAX_LISTED = 1000


class FileRejected(InvalidInputError):
    code = "file_rejected"
    title = "File rejected"


async def reference(session: AsyncSession) -> Reference:
    refs = await CatalogueRepository.from_session(session).references()
    areas = await ReferenceRepository.from_session(session).area_codes()
    return Reference(
        indicators={code: IndicatorRef(id_, unit, freq) for code, id_, unit, freq in refs},
        areas=frozenset(areas),
        aggregates=aggregate_codes(),
    )


def _read(
    content: bytes,
    filename: str | None,
    layout: Layout | None,
    ref: Reference,
    only_areas: Set[str] | None,
) -> tuple[ParsedFile, Validated]:
    try:
        parsed = parse_file(content, filename=filename, layout=layout)
    except FileFormatError as exc:
        raise InvalidInputError(
            f"The file cannot be read: {exc}.", code="unreadable_file", extra={"file": filename}
        ) from exc
    if only_areas is not None:
        parsed.cells = parsed.cells.filter(pl.col("area").is_in(list(only_areas)))
    return parsed, validate(parsed, ref)


def _rejection(validated: Validated, filename: str | None) -> DomainError:
    rejected = validated.rejected
    listed = rejected.head(MAX_LISTED).to_dicts()
    first = listed[0]
    errors = [
        {
            "name": f"file.row{r['row']}.{r['column']}",
            "pointer": f"/rows/{r['row']}/{r['column']}",
            "location": "body",
            "reason": r["reason"],
            "type": "rejected_cell",
        }
        for r in listed
    ]
    return FileRejected(
        f"{rejected.height} cell(s) rejected, nothing was stored; first at row {first['row']}, "
        f"column {first['column']}: {first['reason']}.",
        extra={
            "file": filename,
            "rejected_total": rejected.height,
            "rejected": listed,
            "errors": errors,
        },
    )


async def load(
    session: AsyncSession,
    content: bytes,
    *,
    filename: str | None = None,
    layout: Layout | None = None,
    submitted_by: str | None = None,
    note: str | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
    only_areas: Set[str] | None = None,
) -> LoadReport:
    """Validate the whole file, then store it as one vintage, or store nothing."""
    ref = await reference(session)
    if progress:
        progress("validate", 0, 1)
    # Parsing and validating hundreds of thousands of cells is CPU work: off the event loop.
    parsed, validated = await asyncio.to_thread(_read, content, filename, layout, ref, only_areas)
    if progress:
        progress("validate", 1, 1)
    if validated.rejected.height:
        raise _rejection(validated, filename)
    if validated.observations.height == 0:
        raise InvalidInputError(
            "The file holds no observations to load"
            + (
                f" ({', '.join(f'{n} {r}' for r, n in validated.skipped_reasons.items())})."
                if validated.skipped_reasons
                else "."
            ),
            code="empty_file",
        )
    base: dict[str, Any] = {
        "layout": parsed.layout,
        "container": parsed.container,
        "file_name": filename,
        "cells": validated.cells,
        "accepted": validated.observations.height,
        "skipped": validated.skipped,
        "skipped_reasons": validated.skipped_reasons,
        "ignored_columns": validated.ignored_columns,
    }
    if dry_run:
        per = validated.observations.group_by("indicator_id").agg(pl.len().alias("n"))
        codes = {ref.id: code for code, ref in ref.indicators.items()}
        return LoadReport(
            vintage_id=None,
            vintage=None,
            new=0,
            revised=0,
            unchanged=0,
            indicators=[
                IndicatorLoaded(
                    indicator=codes[r["indicator_id"]], areas=[], periods=[], observations=r["n"]
                )
                for r in per.sort("indicator_id").to_dicts()
            ],
            dry_run=True,
            **base,
        )
    repo = ObservationRepository.from_session(session)
    vintage = await repo.create_vintage(
        layout=parsed.layout,
        file_name=filename,
        sha256=hashlib.sha256(content).hexdigest(),
        submitted_by=submitted_by,
        note=note,
        summary={},
    )
    counts = await repo.merge(vintage, validated.observations, progress)
    contents = counts.contents
    for item in contents:
        await record_indicator_updated(session, item, vintage.created_at)
    report = LoadReport(
        vintage_id=vintage.id,
        vintage=vintage.created_at,
        new=counts.new,
        revised=counts.revised,
        unchanged=counts.unchanged,
        indicators=[IndicatorLoaded(**item) for item in contents],
        **base,
    )
    vintage.summary = report.model_dump(mode="json", exclude={"indicators"}) | {
        "indicators": [item["indicator"] for item in contents]
    }
    await session.flush()
    await record_event(
        session,
        LoadCompleted(
            vintage_id=vintage.id,
            vintage=vintage.created_at,
            layout=parsed.layout,
            file_name=filename,
            indicators=[item["indicator"] for item in contents],
            new=counts.new,
            revised=counts.revised,
            unchanged=counts.unchanged,
        ),
        source=SOURCE,
    )
    return report


async def record_indicator_updated(
    session: AsyncSession, item: dict[str, Any], vintage: datetime
) -> None:
    await record_event(
        session,
        IndicatorUpdated(
            indicator_code=item["indicator"],
            vintage=vintage,
            areas=item["areas"],
            periods=item["periods"],
            observations=item["observations"],
        ),
        source=SOURCE,
    )


async def query(
    session: AsyncSession, q: ObservationQuery, limit: int | None = None
) -> pl.DataFrame:
    return await ObservationRepository.from_session(session).query(q, limit)
