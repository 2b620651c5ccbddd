"""The SDMX information model of the indices service: one data structure, its codes, flows.

Everything the structure messages say is derived from a `Catalogue` (indicators, areas, units,
groups, observation statuses), so the SDMX view can never disagree with what the service holds.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Final

AGENCY: Final = "SELA"
VERSION: Final = "1.0"
DSD_ID: Final = "DSD_SELA_INDICATORS"
CONCEPT_SCHEME_ID: Final = "CS_SELA"
ALL_FLOW_ID: Final = "DF_ALL"

#: Key order of the data structure (the time dimension comes last, outside the series key).
DIMENSIONS: Final = ("FREQ", "REF_AREA", "INDICATOR")
TIME_DIMENSION: Final = "TIME_PERIOD"
PRIMARY_MEASURE: Final = "OBS_VALUE"
OBS_STATUS: Final = "OBS_STATUS"
UNIT_MEASURE: Final = "UNIT_MEASURE"

#: Columns of the frames `render.render_data` accepts, in this order.
FRAME_COLUMNS: Final = (*DIMENSIONS, TIME_DIMENSION, PRIMARY_MEASURE, OBS_STATUS, UNIT_MEASURE)

#: Languages the structures are labelled in, in the order they are written.
LANGUAGES: Final = ("es", "en", "pt", "fr")


@dataclass(frozen=True)
class LocalisedCode:
    """A code with names (and optional descriptions) by language: es, en, pt, fr."""

    id: str
    names: Mapping[str, str]
    descriptions: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class IndicatorCode(LocalisedCode):
    """An indicator: its unit code, its group (one dataflow per group) and its frequency."""

    unit: str
    group: str
    frequency: str


def _names(es: str, en: str, pt: str, fr: str) -> dict[str, str]:
    return {"es": es, "en": en, "pt": pt, "fr": fr}


#: CL_FREQ: the frequencies the platform publishes (SDMX CL_FREQ subset).
FREQUENCIES: Final = (
    LocalisedCode("A", _names("Anual", "Annual", "Anual", "Annuel")),
    LocalisedCode("S", _names("Semestral", "Half-yearly", "Semestral", "Semestriel")),
    LocalisedCode("Q", _names("Trimestral", "Quarterly", "Trimestral", "Trimestriel")),
    LocalisedCode("M", _names("Mensual", "Monthly", "Mensal", "Mensuel")),
)

#: CL_OBS_STATUS: the subset of the SDMX cross-domain code list the platform uses.
OBSERVATION_STATUSES: Final = (
    LocalisedCode("A", _names("Valor normal", "Normal value", "Valor normal", "Valeur normale")),
    LocalisedCode("E", _names("Valor estimado", "Estimated value", "Valor estimado", "Estimation")),
    LocalisedCode(
        "P", _names("Valor provisional", "Provisional value", "Valor provisório", "Provisoire")
    ),
    LocalisedCode("F", _names("Pronóstico", "Forecast value", "Previsão", "Prévision")),
    LocalisedCode(
        "M", _names("Valor faltante", "Missing value", "Valor ausente", "Valeur manquante")
    ),
    LocalisedCode(
        "B", _names("Ruptura de serie", "Time series break", "Quebra de série", "Rupture de série")
    ),
)

#: CS_SELA: names of the concepts the components stand for.
CONCEPTS: Final = (
    LocalisedCode("FREQ", _names("Frecuencia", "Frequency", "Frequência", "Fréquence")),
    LocalisedCode(
        "REF_AREA",
        _names("Área de referencia", "Reference area", "Área de referência", "Zone de référence"),
    ),
    LocalisedCode("INDICATOR", _names("Indicador", "Indicator", "Indicador", "Indicateur")),
    LocalisedCode("TIME_PERIOD", _names("Período", "Time period", "Período", "Période")),
    LocalisedCode(
        "OBS_VALUE",
        _names("Valor de la observación", "Observation value", "Valor da observação", "Valeur"),
    ),
    LocalisedCode(
        "OBS_STATUS",
        _names(
            "Estado de la observación",
            "Observation status",
            "Estado da observação",
            "Statut de l'observation",
        ),
    ),
    LocalisedCode(
        "UNIT_MEASURE", _names("Unidad de medida", "Unit of measure", "Unidade", "Unité de mesure")
    ),
)

#: Code list of each coded component.
CODELIST_OF: Final = {
    "FREQ": "CL_FREQ",
    "REF_AREA": "CL_AREA",
    "INDICATOR": "CL_INDICATOR",
    "OBS_STATUS": "CL_OBS_STATUS",
    "UNIT_MEASURE": "CL_UNIT",
}

CODELIST_NAMES: Final = {
    "CL_FREQ": _names("Frecuencia", "Frequency", "Frequência", "Fréquence"),
    "CL_AREA": _names(
        "Áreas: países y mecanismos de integración",
        "Areas: countries and integration mechanisms",
        "Áreas: países e mecanismos de integração",
        "Zones : pays et mécanismes d'intégration",
    ),
    "CL_INDICATOR": _names("Indicadores", "Indicators", "Indicadores", "Indicateurs"),
    "CL_UNIT": _names("Unidades de medida", "Units of measure", "Unidades", "Unités de mesure"),
    "CL_OBS_STATUS": _names(
        "Estado de la observación",
        "Observation status",
        "Estado da observação",
        "Statut de l'observation",
    ),
}

CONCEPT_SCHEME_NAMES: Final = _names(
    "Conceptos del SELA", "SELA concepts", "Conceitos do SELA", "Concepts du SELA"
)
DSD_NAMES: Final = _names(
    "Indicadores regionales del SELA",
    "SELA regional indicators",
    "Indicadores regionais do SELA",
    "Indicateurs régionaux du SELA",
)
ALL_FLOW_NAMES: Final = _names(
    "Todos los indicadores", "All indicators", "Todos os indicadores", "Tous les indicateurs"
)
AGENCY_NAMES: Final = _names(
    "Sistema Económico Latinoamericano y del Caribe",
    "Latin American and Caribbean Economic System",
    "Sistema Econômico Latino-Americano e do Caribe",
    "Système économique latino-américain et caribéen",
)


@dataclass(frozen=True)
class Flow:
    """A dataflow: DF_ALL (every indicator) or DF_<GROUP> (the indicators of one group)."""

    id: str
    names: Mapping[str, str]
    indicators: frozenset[str]
    group: str | None


def flow_id_for_group(group: str) -> str:
    """DF_<GROUP>: the group id upper-cased, anything but letters, digits and _ made _."""
    cleaned = "".join(c if c.isalnum() else "_" for c in group.upper())
    return f"DF_{cleaned}"


@dataclass(frozen=True)
class Catalogue:
    """What the structures are built from; `prepared` stamps the structure messages."""

    indicators: tuple[IndicatorCode, ...]
    areas: tuple[LocalisedCode, ...]
    units: tuple[LocalisedCode, ...]
    groups: tuple[LocalisedCode, ...]
    prepared: datetime
    statuses: tuple[LocalisedCode, ...] = OBSERVATION_STATUSES
    frequencies: tuple[LocalisedCode, ...] = FREQUENCIES

    @cached_property
    def _flows(self) -> tuple[Flow, ...]:
        by_group: dict[str, set[str]] = {}
        for indicator in self.indicators:
            by_group.setdefault(indicator.group, set()).add(indicator.id)
        flows = [
            Flow(flow_id_for_group(g.id), g.names, frozenset(by_group[g.id]), g.id)
            for g in self.groups
            if g.id in by_group
        ]
        every = frozenset(i.id for i in self.indicators)
        flows.append(Flow(ALL_FLOW_ID, ALL_FLOW_NAMES, every, None))
        return tuple(flows)

    def flows(self) -> tuple[Flow, ...]:
        """One flow per group that has indicators, in catalogue order, then DF_ALL."""
        return self._flows

    def flow(self, flow_id: str) -> Flow | None:
        return next((f for f in self._flows if f.id == flow_id), None)

    def codelists(self) -> dict[str, tuple[LocalisedCode, ...]]:
        """The code lists by id, in the order a structure message lists them."""
        return {
            "CL_AREA": self.areas,
            "CL_FREQ": self.frequencies,
            "CL_INDICATOR": self.indicators,
            "CL_OBS_STATUS": self.statuses,
            "CL_UNIT": self.units,
        }
