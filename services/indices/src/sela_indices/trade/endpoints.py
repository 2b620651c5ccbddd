from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, status

from sela_indices.catalogue.endpoints import split_codes
from sela_indices.observations import formats
from sela_indices.observations.endpoints import read_upload, settings_of
from sela_indices.trade import service
from sela_indices.trade.repository import TradeRepository
from sela_indices.trade.schemas import (
    BilateralResult,
    IntroversionResult,
    TradeDatasetRead,
)
from sela_kit.db import DbSession
from sela_kit.errors import NotFoundError, problem_responses
from sela_kit.identity import Identity, require_roles

router = APIRouter(tags=["trade"])
Staff = Annotated[Identity, Depends(require_roles("staff"))]
Format = Annotated[Literal["json", "csv"] | None, Query(description="Overrides Accept")]


@router.post(
    "/trade/datasets",
    response_model=TradeDatasetRead,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(401, 403, 413, 422),
)
async def create_trade_dataset(
    request: Request,
    session: DbSession,
    identity: Staff,
    name: Annotated[str, Query(min_length=1, max_length=120, description="e.g. agtpa, baci-hs92")],
    layout: Annotated[
        Literal["sela", "agtpa", "hmr", "baci", "comtrade"] | None,
        Query(description="Detected from the header when absent"),
    ] = None,
    year: Annotated[
        int | None, Query(ge=1900, le=2100, description="Year of a cross-section")
    ] = None,
    unit: Annotated[str, Query(max_length=60)] = "US$ million",
    note: Annotated[str | None, Query(max_length=500)] = None,
) -> TradeDatasetRead:
    """Load a file of bilateral flows (the project's layout, the AGTPA panel, the gravity
    cross-section, BACI or UN Comtrade) as a dataset: all rows or, if any is wrong, none
    (422 listing every rejected row and column). Staff only."""
    content, file_name = await read_upload(request, settings_of(request).max_upload_bytes)
    dataset = await service.load(
        session,
        content,
        name=name,
        filename=file_name,
        layout=layout,
        year=year,
        unit=unit,
        note=note,
        submitted_by=identity.subject,
    )
    return TradeDatasetRead.model_validate(dataset)


@router.get("/trade/datasets", response_model=list[TradeDatasetRead])
async def list_trade_datasets(session: DbSession) -> list[TradeDatasetRead]:
    """Loaded datasets, newest first."""
    return [
        TradeDatasetRead.model_validate(d)
        for d in await TradeRepository.from_session(session).datasets()
    ]


@router.get(
    "/trade/datasets/{dataset_id}",
    response_model=TradeDatasetRead,
    responses=problem_responses(404),
)
async def get_trade_dataset(session: DbSession, dataset_id: int) -> TradeDatasetRead:
    """One dataset."""
    dataset = await TradeRepository.from_session(session).get(dataset_id)
    if dataset is None:
        raise NotFoundError(f"Trade dataset {dataset_id} does not exist.")
    return TradeDatasetRead.model_validate(dataset)


@router.get(
    "/trade/introversion",
    response_model=IntroversionResult,
    responses={
        **problem_responses(404, 422),
        200: {"content": {"text/csv": {}}, "description": "JSON or CSV"},
    },
)
async def trade_introversion(
    request: Request,
    session: DbSession,
    mechanism: Annotated[
        str, Query(description="Mechanism codes, comma-separated, e.g. PA,MERCOSUR")
    ],
    flow: Literal["exports", "imports", "total"] = "exports",
    by: Annotated[
        Literal["product", "heading", "chapter", "section"] | None,
        Query(description="Per product group, when the dataset has products"),
    ] = None,
    start: Annotated[int | None, Query(ge=1900, le=2100)] = None,
    end: Annotated[int | None, Query(ge=1900, le=2100)] = None,
    dataset: Annotated[int | None, Query(description="Dataset id; the latest when absent")] = None,
    name: Annotated[str | None, Query(description="Latest dataset of this name")] = None,
    format: Format = None,
) -> Any:
    """Intra-regional share, intensity, homogeneous introversion and extraversion and the
    regional trade introversion index (Iapadre) per mechanism and year, with the members of
    each year; null where a denominator is zero."""
    chosen = await service.dataset_for(session, dataset, name)
    codes = split_codes(mechanism) or []
    frame, mirrored = await service.introversion(session, chosen, codes, flow, by, start, end)
    if formats.wants_csv(request.headers.get("accept"), format):
        return formats.download(frame.write_csv().encode(), f"introversion-{flow}", "csv")
    return IntroversionResult(
        dataset=TradeDatasetRead.model_validate(chosen),
        mirrored=mirrored,
        items=service.records(frame),
    )


@router.get(
    "/trade/bilateral-intensity",
    response_model=BilateralResult,
    responses={
        **problem_responses(404, 422),
        200: {"content": {"text/csv": {}}, "description": "JSON or CSV"},
    },
)
async def trade_bilateral_intensity(
    request: Request,
    session: DbSession,
    reporter: Annotated[str | None, Query(description="ISO3 codes, comma-separated")] = None,
    partner: Annotated[str | None, Query(description="ISO3 codes, comma-separated")] = None,
    flow: Literal["exports", "imports", "total"] = "exports",
    start: Annotated[int | None, Query(ge=1900, le=2100)] = None,
    end: Annotated[int | None, Query(ge=1900, le=2100)] = None,
    dataset: int | None = None,
    name: str | None = None,
    format: Format = None,
) -> Any:
    """Bilateral trade intensity TI_ab = (f_ab / F_a) / (F_.b / F_..)."""
    chosen = await service.dataset_for(session, dataset, name)
    frame, mirrored = await service.bilateral(
        session, chosen, flow, split_codes(reporter), split_codes(partner), start, end
    )
    if formats.wants_csv(request.headers.get("accept"), format):
        return formats.download(frame.write_csv().encode(), f"bilateral-intensity-{flow}", "csv")
    return BilateralResult(
        dataset=TradeDatasetRead.model_validate(chosen),
        mirrored=mirrored,
        items=service.records(frame),
    )
