"""What the renderer writes, read back with the standard client sdmx1."""

from __future__ import annotations

import json
from io import BytesIO
from typing import Any

import polars as pl
import pytest
import sdmx
from lxml import etree

from sela_indices.sdmx.model import ALL_FLOW_ID
from sela_indices.sdmx.query import SdmxError, parse_structure_path
from sela_indices.sdmx.render import Format, render_data, render_error, render_structures
from tests.indices.sdmx.support import (
    CATALOGUE,
    big_frame,
    frame_rows,
    pandas_rows,
    quarterly_frame,
    small_frame,
)


def structures(path: str, **params: str) -> Any:
    body = render_structures(CATALOGUE, parse_structure_path(path, params))
    return sdmx.read_sdmx(BytesIO(body))


@pytest.fixture(scope="module")
def full_structures() -> Any:
    return structures("dataflow/SELA/all/latest", references="all")


def test_every_flow_is_listed() -> None:
    message = structures("dataflow/SELA/all/latest")
    assert list(message.dataflow) == ["DF_MACRO", "DF_EXTERNAL_SECTOR", ALL_FLOW_ID]
    assert str(message.dataflow["DF_MACRO"].name.localizations["pt"]) == "Macroeconomia"
    # Without references only the flows come.
    assert not message.codelist
    # sdmx1 files the referenced structure as an external reference.
    assert message.dataflow["DF_MACRO"].structure.is_external_reference


def test_a_flow_with_references_all_carries_the_whole_structure(full_structures: Any) -> None:
    flow = full_structures.dataflow["DF_MACRO"]
    dsd = flow.structure
    assert dsd.id == "DSD_SELA_INDICATORS"
    assert not dsd.is_external_reference
    assert [d.id for d in dsd.dimensions] == ["FREQ", "REF_AREA", "INDICATOR", "TIME_PERIOD"]
    assert [a.id for a in dsd.attributes] == ["OBS_STATUS", "UNIT_MEASURE"]
    assert [m.id for m in dsd.measures] == ["OBS_VALUE"]
    area = dsd.dimensions.get("REF_AREA").local_representation.enumerated
    assert area.id == "CL_AREA"
    assert {"ARG", "BRA", "MERCOSUR"} <= set(area.items)
    assert len(area.items) == 34


def test_code_lists_carry_every_language(full_structures: Any) -> None:
    codelists = full_structures.codelist
    assert set(codelists) == {"CL_AREA", "CL_FREQ", "CL_INDICATOR", "CL_OBS_STATUS", "CL_UNIT"}
    gdp = codelists["CL_INDICATOR"]["GDP_GROWTH"]
    assert gdp.name.localizations == {
        "es": "Crecimiento del PIB",
        "en": "GDP growth",
        "pt": "Crescimento do PIB",
        "fr": "Croissance du PIB",
    }
    assert gdp.description.localizations["en"] == "Annual change of real GDP"
    assert list(codelists["CL_OBS_STATUS"].items) == ["A", "E", "P", "F", "M", "B"]
    assert list(codelists["CL_FREQ"].items) == ["A", "S", "Q", "M"]
    scheme = full_structures.concept_scheme["CS_SELA"]
    assert str(scheme["OBS_STATUS"].name.localizations["fr"]) == "Statut de l'observation"


def test_group_flows_are_constrained_to_their_indicators(full_structures: Any) -> None:
    constraint = full_structures.constraint["CC_DF_MACRO"]
    (region,) = constraint.data_content_region
    assert {v.value for v in region.member["INDICATOR"].values} == {"GDP_GROWTH", "INFLATION"}
    assert "CC_DF_ALL" not in full_structures.constraint


def test_the_structure_alone_and_its_parents() -> None:
    message = structures("datastructure/SELA/DSD_SELA_INDICATORS/1.0", references="parents")
    assert list(message.structure) == ["DSD_SELA_INDICATORS"]
    assert set(message.dataflow) == {"DF_MACRO", "DF_EXTERNAL_SECTOR", ALL_FLOW_ID}
    # Code lists are only referenced (sdmx1 files them empty, as external references).
    assert all(len(cl) == 0 for cl in message.codelist.values())


def test_a_code_list_alone() -> None:
    message = structures("codelist/SELA/CL_UNIT")
    assert list(message.codelist) == ["CL_UNIT"]
    assert message.codelist["CL_UNIT"]["USD_M"].name.localizations["es"] == "Millones de dólares"


def test_stubs_name_the_artefacts_without_their_content() -> None:
    message = structures("dataflow/SELA/DF_MACRO", references="all", detail="referencestubs")
    assert message.dataflow["DF_MACRO"].structure.id == "DSD_SELA_INDICATORS"
    assert all(cl.is_external_reference for cl in message.codelist.values())
    assert all(len(cl) == 0 for cl in message.codelist.values())


def test_nothing_matching_is_no_results() -> None:
    with pytest.raises(SdmxError) as raised:
        render_structures(CATALOGUE, parse_structure_path("dataflow/SELA/DF_NOPE"))
    assert (raised.value.code, raised.value.http_status) == (100, 404)
    with pytest.raises(SdmxError):
        render_structures(CATALOGUE, parse_structure_path("dataflow/ECB/all/latest"))
    with pytest.raises(SdmxError):
        render_structures(CATALOGUE, parse_structure_path("categoryscheme"))


def read_data(body: bytes, fmt: Format, full_structures: Any, flow_id: str) -> Any:
    flow = full_structures.dataflow[flow_id]
    if fmt is Format.CSV:
        # The CSV reader needs the flow (its structure names the columns).
        message = sdmx.read_sdmx(BytesIO(body), format="CSV", structure=flow)
    elif fmt is Format.STRUCTURE_SPECIFIC:
        message = sdmx.read_sdmx(BytesIO(body), structure=flow.structure)
    else:
        message = sdmx.read_sdmx(BytesIO(body))
    return sdmx.to_pandas(message, attributes="os")


DATA_FORMATS = [Format.GENERIC, Format.STRUCTURE_SPECIFIC, Format.CSV, Format.JSON]


@pytest.mark.parametrize("fmt", DATA_FORMATS, ids=lambda f: f.name)
@pytest.mark.parametrize("frame_name", ["small", "quarterly"])
def test_data_read_back_equals_what_was_rendered(
    fmt: Format, frame_name: str, full_structures: Any
) -> None:
    frame, flow_id = {
        "small": (small_frame(), "DF_MACRO"),
        "quarterly": (quarterly_frame(), "DF_EXTERNAL_SECTOR"),
    }[frame_name]
    body = render_data(frame, CATALOGUE, flow_id, fmt)
    assert pandas_rows(read_data(body, fmt, full_structures, flow_id)) == frame_rows(frame)


@pytest.mark.parametrize(
    ("fmt", "at_observation"),
    [
        (Format.GENERIC, "AllDimensions"),
        (Format.GENERIC, "REF_AREA"),
        (Format.STRUCTURE_SPECIFIC, "AllDimensions"),
        (Format.JSON, "AllDimensions"),
        (Format.JSON, "INDICATOR"),
    ],
)
def test_other_dimensions_at_observation_read_back_the_same(
    fmt: Format, at_observation: str, full_structures: Any
) -> None:
    frame = small_frame()
    body = render_data(frame, CATALOGUE, "DF_MACRO", fmt, at_observation)
    if fmt is Format.STRUCTURE_SPECIFIC:
        message = sdmx.read_sdmx(
            BytesIO(body), structure=full_structures.dataflow["DF_MACRO"].structure
        )
    else:
        message = sdmx.read_sdmx(BytesIO(body))
    assert isinstance(message, sdmx.message.DataMessage)
    assert message.observation_dimension is not None
    assert pandas_rows(sdmx.to_pandas(message, attributes="os")) == frame_rows(frame)


def test_units_that_vary_within_a_series_go_with_each_observation() -> None:
    frame = small_frame().with_columns(
        pl.when(pl.col("TIME_PERIOD") == "2019")
        .then(pl.lit("USD_M"))
        .otherwise(pl.col("UNIT_MEASURE"))
        .alias("UNIT_MEASURE")
    )
    for fmt in (Format.GENERIC, Format.STRUCTURE_SPECIFIC):
        body = render_data(frame, CATALOGUE, "DF_MACRO", fmt)
        message = sdmx.read_sdmx(
            BytesIO(body),
            structure=structures("datastructure/SELA/DSD_SELA_INDICATORS").structure[
                "DSD_SELA_INDICATORS"
            ],
        )
        assert pandas_rows(sdmx.to_pandas(message, attributes="os")) == frame_rows(frame)


def test_an_empty_frame_is_no_results() -> None:
    with pytest.raises(SdmxError) as raised:
        render_data(small_frame().clear(), CATALOGUE, "DF_MACRO", Format.GENERIC)
    assert raised.value.code == 100


def test_error_messages() -> None:
    error = SdmxError(140, "Invalid key")
    root = etree.fromstring(render_error(error, Format.GENERIC))
    assert etree.QName(root).localname == "Error"
    (message,) = root
    assert message.get("code") == "140"
    assert message[0].text == "Invalid key"
    assert json.loads(render_error(error, Format.JSON)) == {
        "errors": [{"code": 140, "title": "Invalid key"}]
    }
    assert Format.JSON.error_media_type == "application/json"


def test_a_full_indicator_reads_back_the_same() -> None:
    frame = big_frame()
    body = render_data(frame, CATALOGUE, "DF_MACRO", Format.GENERIC)
    message = sdmx.read_sdmx(BytesIO(body))
    assert pandas_rows(sdmx.to_pandas(message, attributes="os")) == frame_rows(frame)
