"""Content negotiation and the bytes of SDMX messages.

SDMX-ML 2.1 (structure, generic data, structure-specific data, error) is written with lxml;
SDMX-CSV 2.0 and SDMX-JSON 1.0 with the standard library. Every format here is one that the
``sdmx1`` client reads back (the tests check it).
"""

from __future__ import annotations

import csv
import io
import json
import math
import uuid
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from enum import Enum
from typing import Any, Final, Literal

import polars as pl
from lxml import etree

from sela_indices.sdmx.model import (
    AGENCY,
    AGENCY_NAMES,
    CODELIST_NAMES,
    CODELIST_OF,
    CONCEPT_SCHEME_ID,
    CONCEPT_SCHEME_NAMES,
    CONCEPTS,
    DIMENSIONS,
    DSD_ID,
    DSD_NAMES,
    FRAME_COLUMNS,
    LANGUAGES,
    OBS_STATUS,
    PRIMARY_MEASURE,
    TIME_DIMENSION,
    UNIT_MEASURE,
    VERSION,
    Catalogue,
    Flow,
    LocalisedCode,
)
from sela_indices.sdmx.query import (
    ALL_DIMENSIONS,
    NO_RESULTS,
    SYNTAX_ERROR,
    NotAcceptableError,
    SdmxError,
    StructureQuery,
)
from sela_indices.sdmx.structures import Artefact, constraint_id, resolve


class Format(Enum):
    """A representation the entry point offers; the value is its media type."""

    GENERIC = "application/vnd.sdmx.genericdata+xml; version=2.1"
    STRUCTURE_SPECIFIC = "application/vnd.sdmx.structurespecificdata+xml; version=2.1"
    STRUCTURE = "application/vnd.sdmx.structure+xml; version=2.1"
    CSV = "application/vnd.sdmx.data+csv; version=2.0.0"
    JSON = "application/vnd.sdmx.data+json; version=1.0.0"

    @property
    def media_type(self) -> str:
        return self.value

    @property
    def error_media_type(self) -> str:
        """Media type of `render_error` output for a request negotiated to this format."""
        return "application/json" if self is Format.JSON else "application/xml"


Kind = Literal["data", "structure"]

# media type -> (format, versions accepted in the version parameter; empty = no parameter)
_DATA_TYPES: Final[dict[str, tuple[Format, frozenset[str]]]] = {
    "application/vnd.sdmx.genericdata+xml": (Format.GENERIC, frozenset({"2.1"})),
    "application/vnd.sdmx.structurespecificdata+xml": (
        Format.STRUCTURE_SPECIFIC,
        frozenset({"2.1"}),
    ),
    "application/vnd.sdmx.data+csv": (Format.CSV, frozenset({"2.0.0", "2.0"})),
    "application/vnd.sdmx.data+json": (Format.JSON, frozenset({"1.0.0", "1.0"})),
    "application/xml": (Format.GENERIC, frozenset()),
    "text/xml": (Format.GENERIC, frozenset()),
    "text/csv": (Format.CSV, frozenset()),
    "application/json": (Format.JSON, frozenset()),
    "application/*": (Format.GENERIC, frozenset()),
    "text/*": (Format.CSV, frozenset()),
    "*/*": (Format.GENERIC, frozenset()),
}
_STRUCTURE_TYPES: Final[dict[str, tuple[Format, frozenset[str]]]] = {
    "application/vnd.sdmx.structure+xml": (Format.STRUCTURE, frozenset({"2.1"})),
    "application/xml": (Format.STRUCTURE, frozenset()),
    "text/xml": (Format.STRUCTURE, frozenset()),
    "application/*": (Format.STRUCTURE, frozenset()),
    "*/*": (Format.STRUCTURE, frozenset()),
}
_FORMAT_PARAMETER: Final[dict[Kind, dict[str, Format]]] = {
    "data": {
        "genericdata": Format.GENERIC,
        "structurespecificdata": Format.STRUCTURE_SPECIFIC,
        "csvdata": Format.CSV,
        "csv": Format.CSV,
        "jsondata": Format.JSON,
        "json": Format.JSON,
        "xml": Format.GENERIC,
    },
    "structure": {"structure": Format.STRUCTURE, "xml": Format.STRUCTURE},
}


def _accept_entries(header: str) -> Iterator[tuple[str, dict[str, str], float]]:
    for entry in header.split(","):
        media, *raw_params = (p.strip() for p in entry.split(";"))
        if not media:
            continue
        params: dict[str, str] = {}
        for raw in raw_params:
            name, _, value = raw.partition("=")
            params[name.strip().lower()] = value.strip().strip('"')
        try:
            quality = float(params.pop("q", "1"))
        except ValueError:
            quality = 0.0
        yield media.lower(), params, quality


def negotiate(accept_header: str | None, kind: Kind, format_parameter: str | None = None) -> Format:
    """The format to answer in: the ``format`` query parameter wins, then the Accept header.

    A missing or empty Accept header gets the default (SDMX-ML 2.1: generic data, structure).
    Raises NotAcceptableError (HTTP 406) when nothing acceptable is offered, and SdmxError 140
    for an unknown ``format`` value.
    """
    if format_parameter:
        chosen = _FORMAT_PARAMETER[kind].get(format_parameter.lower())
        if chosen is None:
            raise SdmxError(SYNTAX_ERROR, f"Unknown format {format_parameter!r} for {kind}")
        return chosen
    default = Format.GENERIC if kind == "data" else Format.STRUCTURE
    if not accept_header or not accept_header.strip():
        return default
    table = _DATA_TYPES if kind == "data" else _STRUCTURE_TYPES
    # sorted() is stable: equal qualities keep the header's order.
    entries = sorted(_accept_entries(accept_header), key=lambda e: -e[2])
    for media, params, quality in entries:
        if quality <= 0 or media not in table:
            continue
        fmt, versions = table[media]
        version = params.get("version")
        if version is None or version in versions:
            return fmt
    raise NotAcceptableError(
        f"None of {accept_header!r} is offered for {kind}; offered: "
        + ", ".join(f.media_type for f in Format if (f is Format.STRUCTURE) == (kind != "data"))
    )


# --------------------------------------------------------------------------------------------
# SDMX-ML basics
# --------------------------------------------------------------------------------------------

_V21 = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1"
MES: Final = f"{_V21}/message"
STR: Final = f"{_V21}/structure"
COM: Final = f"{_V21}/common"
GEN: Final = f"{_V21}/data/generic"
SS: Final = f"{_V21}/data/structurespecific"
XSI: Final = "http://www.w3.org/2001/XMLSchema-instance"
XML_LANG: Final = "{http://www.w3.org/XML/1998/namespace}lang"

_Element = etree._Element


def _q(namespace: str, tag: str) -> str:
    return f"{{{namespace}}}{tag}"


def _sub(parent: _Element, ns: str | None, tag: str, **attrib: str) -> _Element:
    name = _q(ns, tag) if ns else tag
    return etree.SubElement(parent, name, attrib)


def _localised(parent: _Element, tag: str, texts: Mapping[str, str]) -> None:
    for language in (*LANGUAGES, *sorted(set(texts) - set(LANGUAGES))):
        if text := texts.get(language):
            element = etree.SubElement(parent, _q(COM, tag), {XML_LANG: language})
            element.text = text


def _message_id() -> str:
    return f"IREF{uuid.uuid4().hex[:20].upper()}"


def _timestamp(moment: datetime | None) -> str:
    moment = moment or datetime.now(UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.isoformat(timespec="seconds")


def _header(
    root: _Element, message_id: str | None, prepared: datetime | None, language: str = "en"
) -> _Element:
    header = _sub(root, MES, "Header")
    _sub(header, MES, "ID").text = message_id or _message_id()
    _sub(header, MES, "Test").text = "false"
    _sub(header, MES, "Prepared").text = _timestamp(prepared)
    sender = _sub(header, MES, "Sender", id=AGENCY)
    name = etree.SubElement(sender, _q(COM, "Name"), {XML_LANG: language})
    name.text = AGENCY_NAMES.get(language, AGENCY_NAMES["en"])
    return header


def _bytes(root: _Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _urn(package_class: str, artefact_id: str) -> str:
    return f"urn:sdmx:org.sdmx.infomodel.{package_class}={AGENCY}:{artefact_id}({VERSION})"


# --------------------------------------------------------------------------------------------
# Structure messages
# --------------------------------------------------------------------------------------------

_SECTION_ORDER: Final = (
    ("dataflow", "Dataflows"),
    ("codelist", "Codelists"),
    ("conceptscheme", "Concepts"),
    ("datastructure", "DataStructures"),
    ("contentconstraint", "Constraints"),
)


def _maintainable(
    parent: _Element,
    tag: str,
    artefact_id: str,
    package_class: str,
    names: Mapping[str, str],
    full: bool,
) -> _Element:
    attrib = {
        "id": artefact_id,
        "urn": _urn(package_class, artefact_id),
        "agencyID": AGENCY,
        "version": VERSION,
        "isFinal": "true",
    }
    if not full:
        attrib["isExternalReference"] = "true"
    element = _sub(parent, STR, tag, **attrib)
    _localised(element, "Name", names)
    return element


def _ref(parent: _Element, **attrib: str) -> None:
    _sub(parent, None, "Ref", **attrib)


def _items(parent: _Element, tag: str, codes: Sequence[LocalisedCode]) -> None:
    for code in codes:
        item = _sub(parent, STR, tag, id=code.id)
        _localised(item, "Name", code.names)
        _localised(item, "Description", code.descriptions)


def _concept_ref(parent: _Element, concept: str) -> None:
    identity = _sub(parent, STR, "ConceptIdentity")
    _ref(
        identity,
        id=concept,
        maintainableParentID=CONCEPT_SCHEME_ID,
        maintainableParentVersion=VERSION,
        agencyID=AGENCY,
        package="conceptscheme",
        **{"class": "Concept"},
    )


def _enumeration(parent: _Element, component: str) -> None:
    representation = _sub(parent, STR, "LocalRepresentation")
    enumeration = _sub(representation, STR, "Enumeration")
    _ref(
        enumeration,
        id=CODELIST_OF[component],
        version=VERSION,
        agencyID=AGENCY,
        package="codelist",
        **{"class": "Codelist"},
    )


def _text_format(parent: _Element, text_type: str) -> None:
    representation = _sub(parent, STR, "LocalRepresentation")
    _sub(representation, STR, "TextFormat", textType=text_type)


def _data_structure(parent: _Element, full: bool) -> None:
    dsd = _maintainable(
        parent, "DataStructure", DSD_ID, "datastructure.DataStructure", DSD_NAMES, full
    )
    if not full:
        return
    components = _sub(dsd, STR, "DataStructureComponents")
    dimensions = _sub(components, STR, "DimensionList", id="DimensionDescriptor")
    for position, dimension_id in enumerate(DIMENSIONS, start=1):
        dimension = _sub(dimensions, STR, "Dimension", id=dimension_id, position=str(position))
        _concept_ref(dimension, dimension_id)
        _enumeration(dimension, dimension_id)
    time = _sub(
        dimensions, STR, "TimeDimension", id=TIME_DIMENSION, position=str(len(DIMENSIONS) + 1)
    )
    _concept_ref(time, TIME_DIMENSION)
    _text_format(time, "ObservationalTimePeriod")

    attributes = _sub(components, STR, "AttributeList", id="AttributeDescriptor")
    status = _sub(attributes, STR, "Attribute", id=OBS_STATUS, assignmentStatus="Conditional")
    _concept_ref(status, OBS_STATUS)
    _enumeration(status, OBS_STATUS)
    relationship = _sub(status, STR, "AttributeRelationship")
    _ref(_sub(relationship, STR, "PrimaryMeasure"), id=PRIMARY_MEASURE)
    unit = _sub(attributes, STR, "Attribute", id=UNIT_MEASURE, assignmentStatus="Mandatory")
    _concept_ref(unit, UNIT_MEASURE)
    _enumeration(unit, UNIT_MEASURE)
    relationship = _sub(unit, STR, "AttributeRelationship")
    for dimension_id in DIMENSIONS:
        _ref(_sub(relationship, STR, "Dimension"), id=dimension_id)

    measures = _sub(components, STR, "MeasureList", id="MeasureDescriptor")
    measure = _sub(measures, STR, "PrimaryMeasure", id=PRIMARY_MEASURE)
    _concept_ref(measure, PRIMARY_MEASURE)
    _text_format(measure, "Double")


def _dataflow(parent: _Element, flow: Flow, full: bool) -> None:
    element = _maintainable(parent, "Dataflow", flow.id, "datastructure.Dataflow", flow.names, full)
    if full:
        structure = _sub(element, STR, "Structure")
        _ref(
            structure,
            id=DSD_ID,
            version=VERSION,
            agencyID=AGENCY,
            package="datastructure",
            **{"class": "DataStructure"},
        )


_INDICATORS_WORD: Final = {
    "es": "indicadores",
    "en": "indicators",
    "pt": "indicadores",
    "fr": "indicateurs",
}


def _constraint(parent: _Element, flow: Flow, full: bool) -> None:
    names = {
        language: f"{name}: {_INDICATORS_WORD.get(language, 'indicators')}"
        for language, name in flow.names.items()
    }
    element = _maintainable(
        parent,
        "ContentConstraint",
        constraint_id(flow.id),
        "registry.ContentConstraint",
        names,
        full,
    )
    element.set("type", "Allowed")
    if not full:
        return
    attachment = _sub(element, STR, "ConstraintAttachment")
    _ref(
        _sub(attachment, STR, "Dataflow"),
        id=flow.id,
        version=VERSION,
        agencyID=AGENCY,
        package="datastructure",
        **{"class": "Dataflow"},
    )
    region = _sub(element, STR, "CubeRegion", include="true")
    key_value = _sub(region, COM, "KeyValue", id="INDICATOR")
    for indicator in sorted(flow.indicators):
        _sub(key_value, COM, "Value").text = indicator


def _write_artefact(
    section: _Element, catalogue: Catalogue, artefact: Artefact, full: bool
) -> None:
    kind, artefact_id = artefact
    if kind == "dataflow":
        flow = catalogue.flow(artefact_id)
        assert flow is not None
        _dataflow(section, flow, full)
    elif kind == "contentconstraint":
        flow = catalogue.flow(artefact_id.removeprefix("CC_"))
        assert flow is not None
        _constraint(section, flow, full)
    elif kind == "codelist":
        codelist = _maintainable(
            section,
            "Codelist",
            artefact_id,
            "codelist.Codelist",
            CODELIST_NAMES[artefact_id],
            full,
        )
        if full:
            _items(codelist, "Code", catalogue.codelists()[artefact_id])
    elif kind == "conceptscheme":
        scheme = _maintainable(
            section,
            "ConceptScheme",
            artefact_id,
            "conceptscheme.ConceptScheme",
            CONCEPT_SCHEME_NAMES,
            full,
        )
        if full:
            _items(scheme, "Concept", CONCEPTS)
    else:
        _data_structure(section, full)


def render_structures(
    catalogue: Catalogue,
    query: StructureQuery,
    *,
    message_id: str | None = None,
    prepared: datetime | None = None,
) -> bytes:
    """An SDMX-ML 2.1 Structure message answering `query` (SdmxError 100 if nothing matches)."""
    resolved = resolve(catalogue, query).artefacts
    root = etree.Element(
        _q(MES, "Structure"), nsmap={"mes": MES, "str": STR, "com": COM, "xsi": XSI}
    )
    _header(root, message_id, prepared or catalogue.prepared)
    structures = _sub(root, MES, "Structures")
    order = {artefact: i for i, artefact in enumerate(_artefact_order(catalogue))}
    for kind, section_tag in _SECTION_ORDER:
        chosen = sorted((a for a in resolved if a[0] == kind), key=lambda a: order[a])
        if not chosen:
            continue
        section = _sub(structures, STR, section_tag)
        for artefact in chosen:
            _write_artefact(section, catalogue, artefact, resolved[artefact])
    return _bytes(root)


def _artefact_order(catalogue: Catalogue) -> list[Artefact]:
    flows = catalogue.flows()
    return [
        *(("dataflow", f.id) for f in flows),
        *(("codelist", c) for c in catalogue.codelists()),
        ("conceptscheme", CONCEPT_SCHEME_ID),
        ("datastructure", DSD_ID),
        *(("contentconstraint", constraint_id(f.id)) for f in flows if f.group is not None),
    ]


# --------------------------------------------------------------------------------------------
# Data messages
# --------------------------------------------------------------------------------------------

Row = dict[str, Any]


def _check_frame(frame: pl.DataFrame) -> None:
    missing = [c for c in FRAME_COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"Frame lacks columns {missing}")


def _number(value: float | None) -> str | None:
    """Shortest text that reads back as the same double; None for a missing value."""
    if value is None or math.isnan(value):
        return None
    return repr(float(value))


def _layout(at_observation: str) -> tuple[list[str], list[str]]:
    """(series dimensions, observation dimensions) for a dimensionAtObservation value."""
    every = [*DIMENSIONS, TIME_DIMENSION]
    if at_observation == ALL_DIMENSIONS:
        return [], every
    return [d for d in every if d != at_observation], [at_observation]


def _series(rows: list[Row], series_dims: list[str]) -> Iterator[tuple[tuple[str, ...], list[Row]]]:
    """Consecutive runs of rows with the same series key (rows come sorted)."""
    current: tuple[str, ...] | None = None
    run: list[Row] = []
    for row in rows:
        key = tuple(row[d] for d in series_dims)
        if key != current and run:
            assert current is not None
            yield current, run
            run = []
        current = key
        run.append(row)
    if run and current is not None:
        yield current, run


def _sorted_rows(frame: pl.DataFrame, series_dims: list[str], obs_dims: list[str]) -> list[Row]:
    return frame.select(FRAME_COLUMNS).sort([*series_dims, *obs_dims]).to_dicts()


def _series_unit(run: list[Row]) -> str | None:
    """The unit when one unit covers the whole series, so it can be given once."""
    units = {row[UNIT_MEASURE] for row in run}
    if len(units) == 1:
        (unit,) = units
        return unit if isinstance(unit, str) else None
    return None


def _structure_header(
    header: _Element, flow_id: str, at_observation: str, namespace: str | None
) -> None:
    attrib = {"structureID": _structure_id(flow_id), "dimensionAtObservation": at_observation}
    if namespace:
        attrib["namespace"] = namespace
    structure = _sub(header, MES, "Structure", **attrib)
    usage = _sub(structure, COM, "StructureUsage")
    _ref(usage, agencyID=AGENCY, id=flow_id, version=VERSION)


def _structure_id(flow_id: str) -> str:
    return f"{AGENCY}_{flow_id}_{VERSION.replace('.', '_')}"


def _generic(
    rows: list[Row],
    flow_id: str,
    at_observation: str,
    message_id: str | None,
    prepared: datetime | None,
) -> bytes:
    series_dims, obs_dims = _layout(at_observation)
    root = etree.Element(_q(MES, "GenericData"), nsmap={"mes": MES, "gen": GEN, "com": COM})
    _structure_header(_header(root, message_id, prepared), flow_id, at_observation, None)
    dataset = _sub(root, MES, "DataSet", structureRef=_structure_id(flow_id), action="Information")
    value_tag, obs_tag = _q(GEN, "Value"), _q(GEN, "Obs")

    def observation(parent: _Element, row: Row, unit_on_obs: bool) -> None:
        obs = etree.SubElement(parent, obs_tag)
        if series_dims:
            etree.SubElement(obs, _q(GEN, "ObsDimension"), value=row[obs_dims[0]])
        else:
            obs_key = etree.SubElement(obs, _q(GEN, "ObsKey"))
            for dimension in obs_dims:
                etree.SubElement(obs_key, value_tag, id=dimension, value=row[dimension])
        number = _number(row[PRIMARY_MEASURE])
        etree.SubElement(obs, _q(GEN, "ObsValue"), value="NaN" if number is None else number)
        status, unit = row[OBS_STATUS], row[UNIT_MEASURE] if unit_on_obs else None
        if status or unit:
            attributes = etree.SubElement(obs, _q(GEN, "Attributes"))
            if status:
                etree.SubElement(attributes, value_tag, id=OBS_STATUS, value=status)
            if unit:
                etree.SubElement(attributes, value_tag, id=UNIT_MEASURE, value=unit)

    if not series_dims:
        for row in rows:
            observation(dataset, row, unit_on_obs=True)
        return _bytes(root)
    for key, run in _series(rows, series_dims):
        series = etree.SubElement(dataset, _q(GEN, "Series"))
        series_key = etree.SubElement(series, _q(GEN, "SeriesKey"))
        for dimension, value in zip(series_dims, key, strict=True):
            etree.SubElement(series_key, value_tag, id=dimension, value=value)
        unit = _series_unit(run)
        if unit:
            attributes = etree.SubElement(series, _q(GEN, "Attributes"))
            etree.SubElement(attributes, value_tag, id=UNIT_MEASURE, value=unit)
        for row in run:
            observation(series, row, unit_on_obs=unit is None)
    return _bytes(root)


def _structure_specific(
    rows: list[Row],
    flow_id: str,
    at_observation: str,
    message_id: str | None,
    prepared: datetime | None,
) -> bytes:
    series_dims, obs_dims = _layout(at_observation)
    namespace = f"{_urn('datastructure.Dataflow', flow_id)}:ObsLevelDim:{at_observation}"
    root = etree.Element(
        _q(MES, "StructureSpecificData"),
        nsmap={"mes": MES, "ss": SS, "com": COM, "xsi": XSI, "ns1": namespace},
    )
    _structure_header(_header(root, message_id, prepared), flow_id, at_observation, namespace)
    xsi_type = _q(XSI, "type")
    dataset = _sub(
        root,
        MES,
        "DataSet",
        **{
            _q(SS, "structureRef"): _structure_id(flow_id),
            _q(SS, "dataScope"): "DataStructure",
            xsi_type: "ns1:DataSetType",
            "action": "Information",
        },
    )

    def observation(parent: _Element, row: Row, unit_on_obs: bool) -> None:
        attrib: dict[str, str] = {}
        for dimension in obs_dims:
            attrib[dimension] = row[dimension]
        number = _number(row[PRIMARY_MEASURE])
        attrib[PRIMARY_MEASURE] = "NaN" if number is None else number
        if row[OBS_STATUS]:
            attrib[OBS_STATUS] = row[OBS_STATUS]
        if unit_on_obs and row[UNIT_MEASURE]:
            attrib[UNIT_MEASURE] = row[UNIT_MEASURE]
        etree.SubElement(parent, "Obs", attrib)

    if not series_dims:
        for row in rows:
            observation(dataset, row, unit_on_obs=True)
        return _bytes(root)
    for key, run in _series(rows, series_dims):
        # No xsi:type on Series and Obs: the data set's type fixes theirs, and sdmx1 would
        # read the attribute as a key value.
        attrib = dict(zip(series_dims, key, strict=True))
        unit = _series_unit(run)
        if unit:
            attrib[UNIT_MEASURE] = unit
        series = etree.SubElement(dataset, "Series", attrib)
        for row in run:
            observation(series, row, unit_on_obs=unit is None)
    return _bytes(root)


def _csv(rows: list[Row], flow_id: str) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["STRUCTURE", "STRUCTURE_ID", "ACTION", *FRAME_COLUMNS])
    structure_id = f"{AGENCY}:{flow_id}({VERSION})"
    for row in rows:
        values = [row[c] for c in FRAME_COLUMNS]
        # "NaN" as in SDMX-ML: sdmx1 cannot turn an empty OBS_VALUE field into a number.
        values[FRAME_COLUMNS.index(PRIMARY_MEASURE)] = _number(row[PRIMARY_MEASURE]) or "NaN"
        writer.writerow(["dataflow", structure_id, "I", *("" if v is None else v for v in values)])
    return buffer.getvalue().encode()


def _json(
    rows: list[Row],
    catalogue: Catalogue,
    flow: Flow,
    at_observation: str,
    message_id: str | None,
    prepared: datetime | None,
    language: str,
) -> bytes:
    series_dims, obs_dims = _layout(at_observation)
    names: dict[str, dict[str, LocalisedCode]] = {
        "FREQ": {c.id: c for c in catalogue.frequencies},
        "REF_AREA": {c.id: c for c in catalogue.areas},
        "INDICATOR": {c.id: c for c in catalogue.indicators},
        OBS_STATUS: {c.id: c for c in catalogue.statuses},
        UNIT_MEASURE: {c.id: c for c in catalogue.units},
    }
    concept_names = {c.id: c.names for c in CONCEPTS}

    def name(names_by_language: Mapping[str, str], fallback: str) -> str:
        return names_by_language.get(language) or names_by_language.get("en") or fallback

    def value_name(component: str, code: str) -> str:
        known = names.get(component, {}).get(code)
        return name(known.names, code) if known else code

    # Value lists in order of first appearance; positions index into them.
    index: dict[str, dict[str, int]] = {c: {} for c in (*DIMENSIONS, TIME_DIMENSION)}
    index[OBS_STATUS], index[UNIT_MEASURE] = {}, {}
    for row in rows:
        for component_id, positions in index.items():
            value = row[component_id]
            if value is not None and value not in positions:
                positions[value] = len(positions)

    def component(component_id: str, key_position: int | None = None) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "id": component_id,
            "name": name(concept_names[component_id], component_id),
        }
        if key_position is not None:
            entry["keyPosition"] = key_position
        if component_id == TIME_DIMENSION:
            entry["role"] = "time"
        entry["values"] = [
            {"id": code, "name": value_name(component_id, code)} for code in index[component_id]
        ]
        return entry

    key_positions = {d: i for i, d in enumerate((*DIMENSIONS, TIME_DIMENSION))}

    def observation(row: Row) -> list[Any]:
        value = _number(row[PRIMARY_MEASURE])
        status, unit = row[OBS_STATUS], row[UNIT_MEASURE]
        return [
            None if value is None else float(value),
            None if status is None else index[OBS_STATUS][status],
            None if unit is None else index[UNIT_MEASURE][unit],
        ]

    dataset: dict[str, Any] = {"action": "Information"}
    if series_dims:
        series: dict[str, Any] = {}
        for key, run in _series(rows, series_dims):
            series_index = ":".join(str(index[d][v]) for d, v in zip(series_dims, key, strict=True))
            series[series_index] = {
                "observations": {
                    ":".join(str(index[d][row[d]]) for d in obs_dims): observation(row)
                    for row in run
                }
            }
        dataset["series"] = series
    else:
        dataset["observations"] = {
            ":".join(str(index[d][row[d]]) for d in obs_dims): observation(row) for row in rows
        }
    message = {
        "header": {
            "id": message_id or _message_id(),
            "test": False,
            "prepared": _timestamp(prepared),
            "sender": {"id": AGENCY, "name": name(AGENCY_NAMES, AGENCY)},
        },
        "dataSets": [dataset],
        "structure": {
            "name": name(flow.names, flow.id),
            "dimensions": {
                "dataSet": [],
                "series": [component(d, key_positions[d]) for d in series_dims],
                "observation": [component(d, key_positions[d]) for d in obs_dims],
            },
            # UNIT_MEASURE is given with each observation: sdmx1 reads series-level
            # attributes of SDMX-JSON 1.0 from the data set's list, so they would be lost.
            "attributes": {
                "dataSet": [],
                "series": [],
                "observation": [component(OBS_STATUS), component(UNIT_MEASURE)],
            },
        },
    }
    return json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode()


def render_data(
    frame: pl.DataFrame,
    catalogue: Catalogue,
    flow_id: str,
    fmt: Format,
    dimension_at_observation: str = TIME_DIMENSION,
    *,
    message_id: str | None = None,
    prepared: datetime | None = None,
    language: str = "en",
) -> bytes:
    """A data message for `frame` (columns `model.FRAME_COLUMNS`) of flow `flow_id`.

    An empty frame is SdmxError 100 (no results), as the standard wants.
    """
    _check_frame(frame)
    if frame.is_empty():
        raise SdmxError(NO_RESULTS, "No data match the query")
    flow = catalogue.flow(flow_id)
    if flow is None:
        raise SdmxError(NO_RESULTS, f"No dataflow {flow_id!r}")
    series_dims, obs_dims = _layout(dimension_at_observation)
    rows = _sorted_rows(frame, series_dims, obs_dims)
    if fmt is Format.GENERIC:
        return _generic(rows, flow_id, dimension_at_observation, message_id, prepared)
    if fmt is Format.STRUCTURE_SPECIFIC:
        return _structure_specific(rows, flow_id, dimension_at_observation, message_id, prepared)
    if fmt is Format.CSV:
        return _csv(rows, flow_id)
    if fmt is Format.JSON:
        return _json(
            rows, catalogue, flow, dimension_at_observation, message_id, prepared, language
        )
    raise SdmxError(SYNTAX_ERROR, f"{fmt.media_type} is not a data format")


# --------------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------------


def render_error(error: SdmxError, fmt: Format | None = None) -> bytes:
    """An SDMX-ML 2.1 Error message; for SDMX-JSON requests, the SDMX-JSON ``errors`` list.

    The media type to send it with is `Format.error_media_type`.
    """
    if fmt is Format.JSON:
        body = {"errors": [{"code": error.code, "title": error.message}]}
        return json.dumps(body, ensure_ascii=False).encode()
    root = etree.Element(_q(MES, "Error"), nsmap={"mes": MES, "com": COM})
    message = _sub(root, MES, "ErrorMessage", code=str(error.code))
    text = etree.SubElement(message, _q(COM, "Text"), {XML_LANG: "en"})
    text.text = error.message
    return _bytes(root)
