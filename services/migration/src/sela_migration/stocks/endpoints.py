"""Datasets of bilateral migrant stocks: import, list, read, delete."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, File, Form, Query, Request, Response, UploadFile, status

from sela_kit.db import DbSession
from sela_kit.errors import InvalidInputError, problem_responses
from sela_kit.identity import require_roles
from sela_kit.pagination import CursorPage, Page, paginate
from sela_migration.settings import MigrationSettings
from sela_migration.stocks import service
from sela_migration.stocks.models import Stock
from sela_migration.stocks.repository import StockRepository
from sela_migration.stocks.schemas import SLUG, DatasetRead, FlowsRead, StockRead

router = APIRouter(prefix="/datasets", tags=["datasets"])
Staff = Depends(require_roles("staff"))
ISO3 = r"^[A-Z]{3}$"


@router.get("", response_model=list[DatasetRead])
async def list_datasets(session: DbSession) -> list[DatasetRead]:
    """Every imported dataset of bilateral migrant stocks."""
    datasets = await StockRepository.from_session(session).list_datasets()
    return [DatasetRead.model_validate(d) for d in datasets]


@router.post(
    "",
    response_model=DatasetRead,
    status_code=status.HTTP_201_CREATED,
    dependencies=[Staff],
    responses=problem_responses(401, 403, 409, 413, 422),
)
async def import_dataset(
    request: Request,
    response: Response,
    session: DbSession,
    file: Annotated[
        UploadFile, File(description="CSV (optionally gzipped) or xlsx, in the layout given")
    ],
    slug: Annotated[str, Form(pattern=SLUG, description="Name of the dataset, e.g. undesa-2020")],
    layout: Annotated[Literal["long", "wide"], Form(description="long (2020/2024) or wide")],
    title: Annotated[str | None, Form(max_length=300)] = None,
) -> DatasetRead:
    """Import a UN DESA bilateral migrant stock file, all rows or none.

    Regions and groups (M49 ≥ 900, or names that are no country or area) are dropped and
    listed in ``dropped``; areas are stored as ISO3 codes.
    """
    settings: MigrationSettings = request.app.state.settings
    data = await file.read(settings.max_upload_bytes + 1)
    if len(data) > settings.max_upload_bytes:
        raise InvalidInputError(
            f"The file is larger than {settings.max_upload_bytes} bytes.",
            code="payload_too_large",
            status=413,
        )
    dataset = await service.import_dataset(
        session,
        slug=slug,
        title=title or slug,
        layout=layout,
        data=data,
        source_file=file.filename,
    )
    response.headers["Location"] = f"/datasets/{dataset.slug}"
    return DatasetRead.model_validate(dataset)


@router.get("/{slug}", response_model=DatasetRead, responses=problem_responses(404))
async def get_dataset(slug: str, session: DbSession) -> DatasetRead:
    """One dataset: its years, areas and what was dropped on import."""
    return DatasetRead.model_validate(await service.get_dataset(session, slug))


@router.delete(
    "/{slug}",
    status_code=status.HTTP_204_NO_CONTENT,
    dependencies=[Staff],
    responses=problem_responses(401, 403, 404),
)
async def delete_dataset(slug: str, session: DbSession) -> Response:
    """Delete a dataset with its stocks and network measures."""
    dataset = await service.get_dataset(session, slug)
    await StockRepository.from_session(session).delete_dataset(dataset)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/{slug}/stocks",
    response_model=CursorPage[StockRead],
    responses=problem_responses(404, 422),
)
async def list_stocks(
    slug: str,
    session: DbSession,
    page: Page,
    year: Annotated[int | None, Query(ge=1900, le=2100)] = None,
    origin: Annotated[str | None, Query(pattern=ISO3)] = None,
    destination: Annotated[str | None, Query(pattern=ISO3)] = None,
) -> CursorPage[StockRead]:
    """Bilateral stocks, by year, origin and destination (keyset pages)."""
    dataset = await service.get_dataset(session, slug)
    stmt = StockRepository.from_session(session).stocks_query(
        dataset.id, year=year, origin=origin, destination=destination
    )
    rows, cursor = await paginate(
        session, stmt, [Stock.year, Stock.origin, Stock.destination], page
    )
    return CursorPage[StockRead](
        items=[StockRead.model_validate(r) for r in rows], next_cursor=cursor
    )


@router.get("/{slug}/flows", response_model=list[FlowsRead], responses=problem_responses(404))
async def list_flows(
    slug: str,
    session: DbSession,
    year: Annotated[int | None, Query(ge=1900, le=2100)] = None,
) -> list[FlowsRead]:
    """Immigrants (stock living in the area), emigrants (born there, living abroad) and net."""
    dataset = await service.get_dataset(session, slug)
    return [FlowsRead.model_validate(r) for r in await service.flows(session, dataset, year)]
