"""SDMX REST v1.5 paths, keys, periods and parameters, and content negotiation."""

from __future__ import annotations

from datetime import date

import pytest

from sela_indices.sdmx.frames import apply_selection
from sela_indices.sdmx.query import (
    HTTP_STATUS_FOR_CODE,
    NotAcceptableError,
    SdmxError,
    parse_data_path,
    parse_key,
    parse_structure_path,
    period_bounds,
)
from sela_indices.sdmx.render import Format, negotiate
from tests.indices.sdmx.support import CATALOGUE, frame_rows, quarterly_frame, small_frame


def error_of(call: object, *args: object) -> tuple[int, int]:
    with pytest.raises(SdmxError) as raised:
        call(*args)  # type: ignore[operator]
    return raised.value.code, raised.value.http_status


def test_the_standard_error_mapping() -> None:
    assert HTTP_STATUS_FOR_CODE == {
        100: 404,
        110: 401,
        130: 413,
        140: 400,
        150: 403,
        500: 500,
        501: 501,
        503: 503,
        510: 413,
    }
    assert SdmxError(1001, "custom").http_status == 500
    assert NotAcceptableError("no").http_status == 406


@pytest.mark.parametrize(
    ("path", "resource", "agencies", "ids", "versions"),
    [
        ("dataflow", "dataflow", None, None, {"1.0"}),
        ("/dataflow/SELA/all/latest", "dataflow", {"SELA"}, None, {"1.0"}),
        ("dataflow/SELA/DF_MACRO", "dataflow", {"SELA"}, {"DF_MACRO"}, {"1.0"}),
        ("codelist/all/CL_AREA+CL_UNIT/1.0/", "codelist", None, {"CL_AREA", "CL_UNIT"}, {"1.0"}),
        (
            "datastructure/SELA/DSD_SELA_INDICATORS/all",
            "datastructure",
            {"SELA"},
            {"DSD_SELA_INDICATORS"},
            None,
        ),
        ("structure/SELA", "structure", {"SELA"}, None, {"1.0"}),
    ],
)
def test_structure_paths(
    path: str,
    resource: str,
    agencies: set[str] | None,
    ids: set[str] | None,
    versions: set[str] | None,
) -> None:
    query = parse_structure_path(path)
    assert (query.resource, query.agencies, query.ids, query.versions) == (
        resource,
        agencies,
        ids,
        versions,
    )
    assert (query.references, query.detail) == ("none", "full")


def test_structure_parameters() -> None:
    query = parse_structure_path("dataflow", {"references": "all", "detail": "allstubs"})
    assert (query.references, query.detail) == ("all", "allstubs")
    assert parse_structure_path("dataflow", {"references": "codelist"}).references == "codelist"


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("", {}),
        ("widgets/SELA", {}),
        ("dataflow/SELA/DF_MACRO/1.0/extra", {}),
        ("dataflow/SE LA", {}),
        ("dataflow/SELA/DF_MACRO/v1", {}),
        ("dataflow", {"references": "cousins"}),
        ("dataflow", {"detail": "everything"}),
    ],
)
def test_bad_structure_queries_are_syntax_errors(path: str, params: dict[str, str]) -> None:
    assert error_of(parse_structure_path, path, params) == (140, 400)


def test_keys() -> None:
    assert parse_key("all") == {"FREQ": None, "REF_AREA": None, "INDICATOR": None}
    assert parse_key("A.ARG+BRA.") == {
        "FREQ": frozenset({"A"}),
        "REF_AREA": frozenset({"ARG", "BRA"}),
        "INDICATOR": None,
    }
    assert parse_key("..") == {"FREQ": None, "REF_AREA": None, "INDICATOR": None}
    for bad in ("A.ARG", "A.ARG.GDP.X", "A.AR G.", "A.ARG+.", "A.ARG;DROP."):
        assert error_of(parse_key, bad) == (140, 400), bad


@pytest.mark.parametrize(
    ("period", "first", "last"),
    [
        ("2020", date(2020, 1, 1), date(2020, 12, 31)),
        ("2020-S2", date(2020, 7, 1), date(2020, 12, 31)),
        ("2020-Q1", date(2020, 1, 1), date(2020, 3, 31)),
        ("2024-02", date(2024, 2, 1), date(2024, 2, 29)),
        ("2023-02-28", date(2023, 2, 28), date(2023, 2, 28)),
        ("2020-A1", date(2020, 1, 1), date(2020, 12, 31)),
    ],
)
def test_periods(period: str, first: date, last: date) -> None:
    assert period_bounds(period) == (first, last)


@pytest.mark.parametrize(
    "period", ["20", "2020-Q5", "2020-S3", "2020-13", "2023-02-29", "2020-1", "2020Q1", "x"]
)
def test_bad_periods(period: str) -> None:
    assert error_of(period_bounds, period) == (140, 400)


def test_a_data_query_narrows_to_the_flow_and_the_catalogue() -> None:
    selection = parse_data_path(
        "data/SELA,DF_MACRO,latest/A.ARG+BRA+XXX./all",
        {
            "startPeriod": "2020-Q2",
            "endPeriod": "2021",
            "dimensionAtObservation": "AllDimensions",
            "firstNObservations": "3",
        },
        CATALOGUE,
    )
    assert selection.flow_id == "DF_MACRO"
    assert selection.codes("REF_AREA") == frozenset({"ARG", "BRA"})
    # The flow's group decides which indicators an unrestricted key means.
    assert selection.codes("INDICATOR") == frozenset({"GDP_GROWTH", "INFLATION"})
    assert selection.codes("FREQ") == frozenset({"A"})
    assert (selection.start, selection.end) == (date(2020, 4, 1), date(2021, 12, 31))
    assert selection.dimension_at_observation == "AllDimensions"
    assert selection.first_n == 3
    everything = parse_data_path("data/DF_ALL", {}, CATALOGUE)
    assert everything.codes("INDICATOR") is None
    assert everything.dimension_at_observation == "TIME_PERIOD"
    assert parse_data_path("DF_MACRO/all", {}, CATALOGUE).flow_id == "DF_MACRO"
    assert parse_data_path("data/SELA,DF_MACRO,1.0", {}, CATALOGUE).flow_id == "DF_MACRO"
    assert parse_data_path("data/DF_MACRO/all/SELA,SELA", {}, CATALOGUE).flow_id == "DF_MACRO"


@pytest.mark.parametrize(
    ("path", "params", "expected"),
    [
        ("data/DF_NOPE/all", {}, (100, 404)),
        ("data/ECB,DF_MACRO,latest/all", {}, (100, 404)),
        ("data/SELA,DF_MACRO,2.0/all", {}, (100, 404)),
        ("data/DF_EXTERNAL_SECTOR/..GDP_GROWTH", {}, (100, 404)),
        ("data/DF_MACRO/.XXX.", {}, (100, 404)),
        ("data/DF_MACRO/all/OTHER", {}, (100, 404)),
        ("data/DF_MACRO/all/ECB,OTHER", {}, (100, 404)),
        ("data/DF_MACRO/all/a,b,c", {}, (140, 400)),
        ("data", {}, (140, 400)),
        ("data/a,b,c,d/all", {}, (140, 400)),
        ("data/DF_MACRO/A.ARG", {}, (140, 400)),
        ("data/DF_MACRO/all/all/extra", {}, (140, 400)),
        ("data/DF_MACRO", {"startPeriod": "2020-13"}, (140, 400)),
        ("data/DF_MACRO", {"endPeriod": "soon"}, (140, 400)),
        ("data/DF_MACRO", {"dimensionAtObservation": "COLOUR"}, (140, 400)),
        ("data/DF_MACRO", {"lastNObservations": "0"}, (140, 400)),
        ("data/DF_MACRO", {"firstNObservations": "-1"}, (140, 400)),
        ("data/DF_MACRO", {"detail": "most"}, (140, 400)),
        ("data/DF_MACRO", {"startPeriod": "2021", "endPeriod": "2020"}, (150, 403)),
        ("data/DF_MACRO", {"detail": "serieskeysonly"}, (501, 501)),
        ("data/DF_MACRO", {"updatedAfter": "2020-01-01T00:00:00Z"}, (501, 501)),
    ],
)
def test_bad_data_queries(path: str, params: dict[str, str], expected: tuple[int, int]) -> None:
    assert error_of(parse_data_path, path, params, CATALOGUE) == expected


def test_a_selection_applied_to_a_frame() -> None:
    frame = small_frame()
    selection = parse_data_path(
        "data/DF_MACRO/A.ARG+BRA.GDP_GROWTH",
        {"startPeriod": "2020", "endPeriod": "2021"},
        CATALOGUE,
    )
    chosen = apply_selection(frame, selection)
    assert {(r[1], r[3]) for r in frame_rows(chosen)} == {
        ("ARG", "2020"),
        ("ARG", "2021"),
        ("BRA", "2020"),
        ("BRA", "2021"),
    }
    # Periods overlap the bounds: a quarter inside the year bound is selected, one outside not.
    quarters = apply_selection(
        quarterly_frame(),
        parse_data_path("data/DF_EXTERNAL_SECTOR", {"startPeriod": "2020-05"}, CATALOGUE),
    )
    assert {r[3] for r in frame_rows(quarters)} == {"2020-Q2"}
    first = apply_selection(
        frame, parse_data_path("data/DF_MACRO", {"firstNObservations": "1"}, CATALOGUE)
    )
    assert {(r[1], r[2], r[3]) for r in frame_rows(first)} == {
        ("ARG", "GDP_GROWTH", "2019"),
        ("BRA", "GDP_GROWTH", "2020"),
        ("BRA", "INFLATION", "2020"),
        ("MERCOSUR", "INFLATION", "2020"),
    }


@pytest.mark.parametrize(
    ("accept", "kind", "expected"),
    [
        (None, "data", Format.GENERIC),
        ("", "data", Format.GENERIC),
        ("*/*", "data", Format.GENERIC),
        ("application/vnd.sdmx.genericdata+xml;version=2.1", "data", Format.GENERIC),
        (
            "application/vnd.sdmx.structurespecificdata+xml; version=2.1",
            "data",
            Format.STRUCTURE_SPECIFIC,
        ),
        ("application/vnd.sdmx.data+csv;version=2.0.0", "data", Format.CSV),
        ("application/vnd.sdmx.data+csv", "data", Format.CSV),
        ("text/csv", "data", Format.CSV),
        ("application/vnd.sdmx.data+json;version=1.0.0", "data", Format.JSON),
        ("application/json", "data", Format.JSON),
        ("application/xml", "data", Format.GENERIC),
        ("text/csv;q=0.5, application/json", "data", Format.JSON),
        ("application/vnd.sdmx.data+json;version=2.0.0, text/csv;q=0.1", "data", Format.CSV),
        ("image/png, */*;q=0.1", "data", Format.GENERIC),
        (None, "structure", Format.STRUCTURE),
        ("application/vnd.sdmx.structure+xml;version=2.1", "structure", Format.STRUCTURE),
        ("application/xml", "structure", Format.STRUCTURE),
        ("*/*", "structure", Format.STRUCTURE),
    ],
)
def test_negotiation(accept: str | None, kind: str, expected: Format) -> None:
    assert negotiate(accept, kind) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("accept", "kind"),
    [
        ("application/vnd.sdmx.data+csv;version=1.0.0", "data"),
        ("application/vnd.sdmx.data+json;version=2.0.0", "data"),
        ("image/png", "data"),
        ("*/*;q=0", "data"),
        ("application/vnd.sdmx.structure+json;version=1.0.0", "structure"),
        ("text/csv", "structure"),
    ],
)
def test_nothing_acceptable(accept: str, kind: str) -> None:
    with pytest.raises(NotAcceptableError):
        negotiate(accept, kind)  # type: ignore[arg-type]


def test_the_format_parameter_wins() -> None:
    assert negotiate("application/json", "data", "csvdata") == Format.CSV
    assert negotiate(None, "data", "structurespecificdata") == Format.STRUCTURE_SPECIFIC
    assert negotiate(None, "data", "jsondata") == Format.JSON
    assert negotiate(None, "data", "genericdata") == Format.GENERIC
    assert negotiate("text/csv", "structure", "structure") == Format.STRUCTURE
    assert error_of(negotiate, None, "data", "excel") == (140, 400)
