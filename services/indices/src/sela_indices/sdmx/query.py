"""Parsing and checking of SDMX REST v1.5 paths and query parameters.

Paths are taken relative to the SDMX entry point (``dataflow/SELA/all/latest``,
``data/DF_MACRO/A.ARG+BRA./all``), with or without a leading slash, already URL-decoded.
Bad input raises `SdmxError` with the SDMX error code; `SdmxError.http_status` is the HTTP
status the SDMX REST v1.5 guidelines map it to.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Final, Literal

from sela_indices.sdmx.model import (
    AGENCY,
    DIMENSIONS,
    TIME_DIMENSION,
    VERSION,
    Catalogue,
)

#: SDMX error code -> HTTP status, from the "SDMX to HTTP Error Mapping" table of the SDMX REST
#: v1.5 guidelines (v2_1/ws/rest/docs/4_7_errors.md). Codes of 1000 and up are 500.
HTTP_STATUS_FOR_CODE: Final = {
    100: 404,  # No results found
    110: 401,  # Unauthorized
    130: 413,  # Response too large due to client request
    140: 400,  # Syntax error
    150: 403,  # Semantic error
    500: 500,  # Internal server error
    501: 501,  # Not implemented
    503: 503,  # Service unavailable
    510: 413,  # Response size exceeds service limit
}

NO_RESULTS: Final = 100
SYNTAX_ERROR: Final = 140
SEMANTIC_ERROR: Final = 150
NOT_IMPLEMENTED: Final = 501
#: Custom code (the standard leaves 1000+ to services) for a representation not offered;
#: answered with HTTP 406 as the guidelines say for that case.
NOT_ACCEPTABLE: Final = 1406


class SdmxError(Exception):
    """An SDMX error: `code` from the standard's list, `message` for people."""

    def __init__(self, code: int, message: str, *, http_status: int | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self._http_status = http_status

    @property
    def http_status(self) -> int:
        if self._http_status is not None:
            return self._http_status
        return HTTP_STATUS_FOR_CODE.get(self.code, 500)


class NotAcceptableError(SdmxError):
    """The client accepts none of the representations offered (HTTP 406)."""

    def __init__(self, message: str) -> None:
        super().__init__(NOT_ACCEPTABLE, message, http_status=406)


_ID = re.compile(r"[A-Za-z0-9_@$\-]+")
_VERSION = re.compile(r"[0-9]+(\.[0-9]+)*")

# --------------------------------------------------------------------------------------------
# Structure queries
# --------------------------------------------------------------------------------------------

#: Structure resources this service holds artefacts of.
HELD_RESOURCES: Final = frozenset(
    {"dataflow", "datastructure", "codelist", "conceptscheme", "contentconstraint", "structure"}
)
#: Other structure resources of SDMX REST v1.5: valid to ask for, the answer is "no results".
OTHER_RESOURCES: Final = frozenset(
    {
        "actualconstraint",
        "agencyscheme",
        "allowedconstraint",
        "attachmentconstraint",
        "categorisation",
        "categoryscheme",
        "dataconsumerscheme",
        "dataproviderscheme",
        "hierarchicalcodelist",
        "metadataflow",
        "metadatastructure",
        "organisationscheme",
        "organisationunitscheme",
        "process",
        "provisionagreement",
        "reportingtaxonomy",
        "structureset",
    }
)
REFERENCE_KEYWORDS: Final = frozenset(
    {"none", "parents", "parentsandsiblings", "children", "descendants", "all"}
)
DETAILS: Final = frozenset(
    {
        "full",
        "allstubs",
        "referencestubs",
        "allcompletestubs",
        "referencecompletestubs",
        "referencepartial",
    }
)

StructureDetail = Literal[
    "full",
    "allstubs",
    "referencestubs",
    "allcompletestubs",
    "referencecompletestubs",
    "referencepartial",
]


@dataclass(frozen=True)
class StructureQuery:
    """A structure query; None in agencies/ids/versions means ``all``."""

    resource: str
    agencies: frozenset[str] | None
    ids: frozenset[str] | None
    versions: frozenset[str] | None
    references: str = "none"
    detail: StructureDetail = "full"

    def matches(self, agency: str, artefact_id: str, version: str) -> bool:
        return (
            (self.agencies is None or agency in self.agencies)
            and (self.ids is None or artefact_id in self.ids)
            and (self.versions is None or version in self.versions)
        )


def _split_path(path: str) -> list[str]:
    parts = path.strip("/").split("/")
    return [] if parts == [""] else parts


def _alternatives(value: str, what: str, pattern: re.Pattern[str]) -> frozenset[str] | None:
    if value == "all":
        return None
    values = value.split("+")
    for v in values:
        if not pattern.fullmatch(v):
            raise SdmxError(SYNTAX_ERROR, f"Invalid {what} {v!r}")
    return frozenset(values)


def parse_structure_path(path: str, params: Mapping[str, str] | None = None) -> StructureQuery:
    """Parse ``{resource}[/{agencyID}[/{resourceID}[/{version}]]]`` and its parameters.

    ``latest`` stands for the one version each artefact has (1.0); ``all`` is a wildcard in
    any of the three positions, and ``+`` separates alternatives.
    """
    params = params or {}
    parts = _split_path(path)
    if not parts:
        raise SdmxError(SYNTAX_ERROR, "Missing structure resource")
    if len(parts) > 4:
        raise SdmxError(SYNTAX_ERROR, f"Too many path segments in {path!r}")
    resource = parts[0]
    if resource not in HELD_RESOURCES | OTHER_RESOURCES:
        raise SdmxError(SYNTAX_ERROR, f"Unknown structure resource {resource!r}")
    agency, resource_id, version = (parts[1:] + ["all", "all", "latest"][len(parts) - 1 :])[:3]
    versions: frozenset[str] | None
    if version == "latest":
        versions = frozenset({VERSION})
    else:
        versions = _alternatives(version, "version", _VERSION)
        if versions is not None and "latest" in versions:
            versions = versions - {"latest"} | {VERSION}

    references = params.get("references", "none")
    if references not in REFERENCE_KEYWORDS and references not in HELD_RESOURCES | OTHER_RESOURCES:
        raise SdmxError(SYNTAX_ERROR, f"Invalid references value {references!r}")
    detail = params.get("detail", "full")
    if detail not in DETAILS:
        raise SdmxError(SYNTAX_ERROR, f"Invalid detail value {detail!r}")
    return StructureQuery(
        resource=resource,
        agencies=_alternatives(agency, "agency", _ID),
        ids=_alternatives(resource_id, "resource id", _ID),
        versions=versions,
        references=references,
        detail=detail,  # type: ignore[arg-type]  # checked against DETAILS above
    )


# --------------------------------------------------------------------------------------------
# Periods
# --------------------------------------------------------------------------------------------

_PERIOD = re.compile(
    r"(?P<year>\d{4})"
    r"(?:-(?:S(?P<half>[12])|Q(?P<quarter>[1-4])|A1|(?P<month>0[1-9]|1[0-2])"
    r"(?:-(?P<day>0[1-9]|[12]\d|3[01]))?))?"
)


def period_bounds(period: str) -> tuple[date, date]:
    """First and last day of an SDMX time period: 2020, 2020-S1, 2020-Q3, 2020-07, 2020-07-14.

    Raises SdmxError 140 for anything else.
    """
    match = _PERIOD.fullmatch(period)
    if not match:
        raise SdmxError(SYNTAX_ERROR, f"Invalid period {period!r}")
    year = int(match["year"])
    if match["half"]:
        first_month, months = 6 * (int(match["half"]) - 1) + 1, 6
    elif match["quarter"]:
        first_month, months = 3 * (int(match["quarter"]) - 1) + 1, 3
    elif match["month"]:
        first_month, months = int(match["month"]), 1
        if match["day"]:
            try:
                day = date(year, first_month, int(match["day"]))
            except ValueError:
                raise SdmxError(SYNTAX_ERROR, f"Invalid period {period!r}") from None
            return day, day
    else:
        first_month, months = 1, 12
    last_month = first_month + months - 1
    return (
        date(year, first_month, 1),
        date(year, last_month, calendar.monthrange(year, last_month)[1]),
    )


# --------------------------------------------------------------------------------------------
# Data queries
# --------------------------------------------------------------------------------------------

ALL_DIMENSIONS: Final = "AllDimensions"
DATA_DETAILS: Final = frozenset({"full", "dataonly"})


@dataclass(frozen=True)
class DataSelection:
    """What a data query asks for, checked against the catalogue.

    `dimensions` maps each key dimension to the codes asked for, or None for any code;
    INDICATOR is already narrowed to the flow's indicators. An observation is selected when its
    period overlaps [start, end] (either bound may be None). `first_n`/`last_n` apply per
    series, after the other filters.
    """

    flow_id: str
    dimensions: Mapping[str, frozenset[str] | None]
    start: date | None = None
    end: date | None = None
    dimension_at_observation: str = TIME_DIMENSION
    first_n: int | None = None
    last_n: int | None = None
    detail: str = "full"

    def codes(self, dimension: str) -> frozenset[str] | None:
        return self.dimensions.get(dimension)


def _parse_flow_ref(flow_ref: str) -> str:
    parts = flow_ref.split(",")
    if len(parts) == 1:
        agency, flow_id, version = AGENCY, parts[0], "latest"
    elif len(parts) == 2:
        agency, flow_id, version = parts[0], parts[1], "latest"
    elif len(parts) == 3:
        agency, flow_id, version = parts
    else:
        raise SdmxError(SYNTAX_ERROR, f"Invalid flow reference {flow_ref!r}")
    for value, what in ((agency, "agency"), (flow_id, "flow id")):
        if not _ID.fullmatch(value):
            raise SdmxError(SYNTAX_ERROR, f"Invalid {what} {value!r}")
    if version not in ("latest", "all") and not _VERSION.fullmatch(version):
        raise SdmxError(SYNTAX_ERROR, f"Invalid version {version!r}")
    if agency not in (AGENCY, "all") or version not in ("latest", "all", VERSION):
        raise SdmxError(NO_RESULTS, f"No dataflow {flow_ref!r}")
    return flow_id


def parse_key(key: str) -> dict[str, frozenset[str] | None]:
    """``all`` or one dot-separated part per dimension; ``+`` between alternatives, empty = any."""
    if key in ("all", ""):
        return dict.fromkeys(DIMENSIONS)
    parts = key.split(".")
    if len(parts) != len(DIMENSIONS):
        raise SdmxError(
            SYNTAX_ERROR,
            f"Key {key!r} has {len(parts)} parts; expected {len(DIMENSIONS)}: "
            + ".".join(DIMENSIONS),
        )
    result: dict[str, frozenset[str] | None] = {}
    for dimension, part in zip(DIMENSIONS, parts, strict=True):
        if part == "":
            result[dimension] = None
            continue
        codes = part.split("+")
        for code in codes:
            if not _ID.fullmatch(code):
                raise SdmxError(SYNTAX_ERROR, f"Invalid code {code!r} for {dimension}")
        result[dimension] = frozenset(codes)
    return result


def _check_provider(provider_ref: str) -> None:
    """``all``, ``SELA`` or ``{agency},SELA``: SELA is the only data provider."""
    parts = provider_ref.split(",")
    if len(parts) > 2 or not all(_ID.fullmatch(p) for p in parts):
        raise SdmxError(SYNTAX_ERROR, f"Invalid provider reference {provider_ref!r}")
    if parts[-1] not in ("all", AGENCY) or (len(parts) == 2 and parts[0] not in ("all", AGENCY)):
        raise SdmxError(NO_RESULTS, f"No data from provider {provider_ref!r}")


def _count(params: Mapping[str, str], name: str) -> int | None:
    value = params.get(name)
    if value is None:
        return None
    if not value.isdigit() or int(value) < 1:
        raise SdmxError(SYNTAX_ERROR, f"{name} must be a positive integer, not {value!r}")
    return int(value)


def parse_data_path(
    path: str, params: Mapping[str, str] | None, catalogue: Catalogue
) -> DataSelection:
    """Parse ``data/{flowRef}[/{key}[/{providerRef}]]`` and its parameters.

    Unknown flows, and keys that can match nothing the catalogue knows, raise SdmxError 100.
    Parameters not listed in SDMX REST v1.5 (such as ``format``) are left to the caller.
    """
    params = params or {}
    parts = _split_path(path)
    if parts and parts[0] == "data":
        parts = parts[1:]
    if not parts or not parts[0]:
        raise SdmxError(SYNTAX_ERROR, "Missing flow reference")
    if len(parts) > 3:
        raise SdmxError(SYNTAX_ERROR, f"Too many path segments in {path!r}")
    flow_id = _parse_flow_ref(parts[0])
    key = parts[1] if len(parts) > 1 else "all"
    provider = parts[2] if len(parts) > 2 else "all"
    dimensions = parse_key(key)
    _check_provider(provider)

    start = end = None
    if (start_period := params.get("startPeriod")) is not None:
        start = period_bounds(start_period)[0]
    if (end_period := params.get("endPeriod")) is not None:
        end = period_bounds(end_period)[1]
    if start is not None and end is not None and start > end:
        raise SdmxError(SEMANTIC_ERROR, "startPeriod is after endPeriod")

    at_observation = params.get("dimensionAtObservation", TIME_DIMENSION)
    if at_observation not in (*DIMENSIONS, TIME_DIMENSION, ALL_DIMENSIONS):
        raise SdmxError(SYNTAX_ERROR, f"Unknown dimensionAtObservation {at_observation!r}")
    detail = params.get("detail", "full")
    if detail in ("serieskeysonly", "nodata"):
        raise SdmxError(NOT_IMPLEMENTED, f"detail={detail} is not implemented")
    if detail not in DATA_DETAILS:
        raise SdmxError(SYNTAX_ERROR, f"Invalid detail value {detail!r}")
    if "updatedAfter" in params:
        raise SdmxError(NOT_IMPLEMENTED, "updatedAfter is not implemented")
    if params.get("includeHistory", "false") != "false":
        raise SdmxError(NOT_IMPLEMENTED, "includeHistory is not implemented")
    first_n = _count(params, "firstNObservations")
    last_n = _count(params, "lastNObservations")

    flow = catalogue.flow(flow_id)
    if flow is None:
        raise SdmxError(NO_RESULTS, f"No dataflow {flow_id!r}")
    known = {
        "FREQ": {c.id for c in catalogue.frequencies},
        "REF_AREA": {c.id for c in catalogue.areas},
        "INDICATOR": set(flow.indicators),
    }
    narrowed: dict[str, frozenset[str] | None] = {}
    for dimension, codes in dimensions.items():
        if dimension == "INDICATOR" and codes is None and flow.group is not None:
            codes = flow.indicators
        if codes is not None:
            codes = codes & known[dimension]
            if not codes:
                raise SdmxError(NO_RESULTS, f"No {dimension} in {flow_id} matches the key")
        narrowed[dimension] = codes
    return DataSelection(
        flow_id=flow_id,
        dimensions=narrowed,
        start=start,
        end=end,
        dimension_at_observation=at_observation,
        first_n=first_n,
        last_n=last_n,
        detail=detail,
    )
