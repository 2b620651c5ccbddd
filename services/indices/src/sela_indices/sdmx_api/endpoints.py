"""SDMX REST v1.5 entry point: ``/sdmx/{resource}/...`` (behind the gateway,
``/api/v1/indices/sdmx/``). Structures and data from the pure `sela_indices.sdmx` package."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request, Response

from sela_indices.sdmx import query, render
from sela_indices.sdmx.query import SdmxError
from sela_indices.sdmx_api import service
from sela_kit.db import DbSession

router = APIRouter(tags=["sdmx"])

_DESCRIPTION = """SDMX REST v1.5. Structures: `dataflow`, `datastructure`, `codelist`,
`conceptscheme`, `contentconstraint` as `{resource}/{agency}/{id}/{version}` (agency SELA;
`all`, `latest`; `references`, `detail`). Data: `data/{flowRef}/{key}` with `startPeriod`,
`endPeriod`, `dimensionAtObservation`, `firstNObservations`, `lastNObservations`. Formats by
`Accept` (or `format=`): SDMX-ML 2.1 generic (default) or structure-specific data, SDMX-CSV
2.0, SDMX-JSON 1.0. Errors are SDMX error messages with the standard's HTTP statuses."""

_LANGUAGES = ("es", "en", "pt", "fr")


def _language(request: Request) -> str:
    header = request.headers.get("accept-language", "")
    for part in header.split(","):
        tag = part.split(";")[0].strip().lower()[:2]
        if tag in _LANGUAGES:
            return tag
    return "en"


@router.get(
    "/sdmx/{path:path}",
    response_class=Response,
    description=_DESCRIPTION,
    responses={
        200: {
            "description": "An SDMX message",
            "content": {
                "application/vnd.sdmx.genericdata+xml;version=2.1": {},
                "application/vnd.sdmx.structure+xml;version=2.1": {},
                "application/vnd.sdmx.data+csv;version=2.0.0": {},
                "application/vnd.sdmx.data+json;version=1.0.0": {},
            },
        },
        400: {"description": "SDMX error 140 (syntax)"},
        404: {"description": "SDMX error 100 (no results)"},
        406: {"description": "No acceptable format"},
        501: {"description": "SDMX error 501 (not implemented)"},
    },
)
async def sdmx(request: Request, session: DbSession, path: str) -> Response:
    """SDMX REST v1.5 structures and data."""
    params = dict(request.query_params)
    accept = request.headers.get("accept")
    kind: Literal["data", "structure"] = (
        "data" if path.strip("/").split("/")[0] == "data" else "structure"
    )
    fmt = render.Format.STRUCTURE if kind == "structure" else render.Format.GENERIC
    try:
        fmt = render.negotiate(accept, kind, params.pop("format", None))
        sdmx = await service.view(session)
        if kind == "structure":
            structure = query.parse_structure_path(path, params)
            body = render.render_structures(sdmx.catalogue, structure)
        else:
            selection = query.parse_data_path(path, params, sdmx.catalogue)
            frame = await service.data_frame(session, sdmx, selection)
            body = render.render_data(
                frame,
                sdmx.catalogue,
                selection.flow_id,
                fmt,
                selection.dimension_at_observation,
                language=_language(request),
            )
    except SdmxError as error:
        return Response(
            render.render_error(error, fmt),
            status_code=error.http_status,
            media_type=fmt.error_media_type,
        )
    return Response(body, media_type=fmt.media_type)
