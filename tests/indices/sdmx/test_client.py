"""The standard client sdmx1 against a small HTTP app wired like the service's SDMX endpoints.

The app is only the thinnest wiring of the pure module (negotiate, parse, select, render); it
also records the URLs and Accept headers sdmx1 sends, which the package docstring lists.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import polars as pl
import pytest
import requests
import sdmx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sela_indices.sdmx.frames import apply_selection
from sela_indices.sdmx.query import SdmxError, parse_data_path, parse_structure_path
from sela_indices.sdmx.render import (
    Format,
    Kind,
    negotiate,
    render_data,
    render_error,
    render_structures,
)
from tests.indices.sdmx.support import (
    CATALOGUE,
    frame_rows,
    pandas_rows,
    quarterly_frame,
    small_frame,
)

PREFIX = "/api/v1/indices/sdmx"
LOADED = pl.concat([small_frame(), quarterly_frame()])


@dataclass
class Seen:
    requests: list[tuple[str, str]] = field(default_factory=list)


def make_app(seen: Seen) -> Starlette:
    async def entry_point(request: Request) -> Response:
        path = request.path_params["path"]
        query = request.url.query
        seen.requests.append(
            (f"{path}?{query}" if query else path, request.headers.get("accept", ""))
        )
        params = dict(request.query_params)
        kind: Kind = "data" if path.startswith("data/") or path == "data" else "structure"
        fmt = Format.GENERIC if kind == "data" else Format.STRUCTURE
        try:
            fmt = negotiate(request.headers.get("accept"), kind, params.pop("format", None))
            if kind == "data":
                selection = parse_data_path(path, params, CATALOGUE)
                frame = apply_selection(LOADED, selection)
                body = render_data(
                    frame, CATALOGUE, selection.flow_id, fmt, selection.dimension_at_observation
                )
            else:
                body = render_structures(CATALOGUE, parse_structure_path(path, params))
        except SdmxError as error:
            return Response(
                render_error(error, fmt),
                status_code=error.http_status,
                media_type=fmt.error_media_type,
            )
        return Response(body, media_type=fmt.media_type)

    return Starlette(routes=[Route(PREFIX + "/{path:path}", entry_point)])


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[str, Seen]]:
    seen = Seen()
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(make_app(seen), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("The test SDMX app did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}{PREFIX}", seen
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def client(served: tuple[str, Seen]) -> Any:
    url, seen = served
    seen.requests.clear()
    sdmx.add_source({"id": "SELA", "url": url, "name": "SELA regional indicators"}, override=True)
    return sdmx.Client("SELA")


def test_dataflows_through_the_client(client: Any, served: tuple[str, Seen]) -> None:
    message = client.dataflow()
    assert list(message.dataflow) == ["DF_MACRO", "DF_EXTERNAL_SECTOR", "DF_ALL"]
    assert served[1].requests == [("dataflow/SELA/all/latest", "*/*")]


def test_data_with_a_validated_key(client: Any, served: tuple[str, Seen]) -> None:
    message = client.data(
        "DF_MACRO",
        key={"REF_AREA": ["ARG", "BRA"], "INDICATOR": "GDP_GROWTH"},
        params={"startPeriod": "2020", "endPeriod": "2021"},
    )
    expected = LOADED.filter(
        pl.col("REF_AREA").is_in(["ARG", "BRA"])
        & (pl.col("INDICATOR") == "GDP_GROWTH")
        & pl.col("TIME_PERIOD").is_in(["2020", "2021"])
    )
    assert pandas_rows(sdmx.to_pandas(message, attributes="os")) == frame_rows(expected)
    # A dict key makes sdmx1 fetch the flow with its structure first (to check the key and
    # read the data with it); the data request itself accepts anything.
    assert served[1].requests == [
        ("dataflow/SELA/DF_MACRO/latest?references=all", "*/*"),
        ("data/DF_MACRO/.ARG+BRA.GDP_GROWTH?startPeriod=2020&endPeriod=2021", "*/*"),
    ]


def test_data_with_a_key_string(client: Any, served: tuple[str, Seen]) -> None:
    message = client.data("DF_MACRO", key="A.ARG+MERCOSUR.", params={"lastNObservations": 2})
    frame = LOADED.filter(pl.col("REF_AREA").is_in(["ARG", "MERCOSUR"]))
    expected = frame.filter(
        (pl.col("REF_AREA") == "MERCOSUR") | pl.col("TIME_PERIOD").is_in(["2021", "2022"])
    )
    assert pandas_rows(sdmx.to_pandas(message, attributes="os")) == frame_rows(expected)
    assert served[1].requests == [("data/DF_MACRO/A.ARG+MERCOSUR.?lastNObservations=2", "*/*")]


def test_data_as_sdmx_json(client: Any) -> None:
    message = client.data(
        "DF_EXTERNAL_SECTOR",
        headers={"Accept": "application/vnd.sdmx.data+json;version=1.0.0"},
    )
    assert pandas_rows(sdmx.to_pandas(message, attributes="os")) == frame_rows(quarterly_frame())


def test_a_flow_serves_only_its_group(client: Any) -> None:
    with pytest.raises(requests.HTTPError) as raised:
        client.data("DF_EXTERNAL_SECTOR", key="..GDP_GROWTH")
    response = raised.value.response
    assert response is not None
    assert response.status_code == 404
    assert b'code="100"' in response.content


def test_errors_carry_the_standard_status(served: tuple[str, Seen]) -> None:
    url = served[0]
    assert requests.get(f"{url}/data/DF_MACRO/A.ARG", timeout=10).status_code == 400
    assert requests.get(f"{url}/dataflow/SELA/DF_NOPE", timeout=10).status_code == 404
    assert (
        requests.get(
            f"{url}/data/DF_MACRO", params={"startPeriod": "2021", "endPeriod": "2020"}, timeout=10
        ).status_code
        == 403
    )
    refused = requests.get(
        f"{url}/data/DF_MACRO",
        headers={"Accept": "application/vnd.sdmx.data+json;version=2.0.0"},
        timeout=10,
    )
    assert refused.status_code == 406
    csv = requests.get(
        f"{url}/data/DF_MACRO/A.BRA.INFLATION", params={"format": "csvdata"}, timeout=10
    )
    assert csv.headers["content-type"].startswith("application/vnd.sdmx.data+csv")
    assert (
        csv.text.splitlines()[1] == "dataflow,SELA:DF_MACRO(1.0),I,A,BRA,INFLATION,2020,4.5,A,PCT"
    )


def test_structures_through_the_client(client: Any, served: tuple[str, Seen]) -> None:
    structure = client.datastructure("DSD_SELA_INDICATORS")
    dsd = structure.structure["DSD_SELA_INDICATORS"]
    assert [d.id for d in dsd.dimensions] == ["FREQ", "REF_AREA", "INDICATOR", "TIME_PERIOD"]
    areas = client.codelist("CL_AREA").codelist["CL_AREA"]
    assert areas["MERCOSUR"].name.localizations["es"] == "Mercado Común del Sur"
    assert [url for url, _ in served[1].requests] == [
        "datastructure/SELA/DSD_SELA_INDICATORS/latest?references=all",
        "codelist/SELA/CL_AREA/latest",
    ]


def test_data_as_sdmx_csv(client: Any) -> None:
    message = client.data(
        "DF_MACRO",
        key={"REF_AREA": ["BRA"]},
        headers={"Accept": "application/vnd.sdmx.data+csv;version=2.0.0"},
    )
    # sdmx1 hands its CSV reader the structure but not the flow, and to_pandas needs the flow:
    # give it the one the client fetched to check the key.
    message.dataflow = client.dataflow("DF_MACRO", use_cache=True).dataflow["DF_MACRO"]
    expected = LOADED.filter(pl.col("REF_AREA") == "BRA")
    assert pandas_rows(sdmx.to_pandas(message, attributes="os")) == frame_rows(expected)
