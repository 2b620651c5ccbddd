"""The SDMX view built from what the service holds: catalogue, areas, observations.

SDMX identifiers allow only letters, digits and ``_@$-`` (a key is dot-separated), so an
indicator code such as ``SP.POP.TOTL`` is published as ``SP_POP_TOTL`` and units get short
ids (``% of GDP`` -> ``PCT_OF_GDP``); the mapping is computed from the catalogue on every
request, so it always matches it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import polars as pl
from sqlalchemy.ext.asyncio import AsyncSession

from sela_indices.catalogue.models import GROUPS
from sela_indices.catalogue.repository import CatalogueRepository
from sela_indices.observations.repository import ObservationQuery, ObservationRepository
from sela_indices.reference.repository import ReferenceRepository
from sela_indices.sdmx import frames
from sela_indices.sdmx.model import FRAME_COLUMNS, Catalogue, IndicatorCode, LocalisedCode
from sela_indices.sdmx.query import DataSelection

_GROUP_NAMES = {
    "environment": ("Medio ambiente", "Environment", "Meio ambiente", "Environnement"),
    "development": (
        "Desarrollo y bienestar",
        "Development and well-being",
        "Desenvolvimento e bem-estar",
        "Développement et bien-être",
    ),
    "institutions": (
        "Libertad, democracia e instituciones",
        "Freedom, democracy and institutions",
        "Liberdade, democracia e instituições",
        "Liberté, démocratie et institutions",
    ),
    "innovation": (
        "Innovación, ciencia y tecnología",
        "Innovation, science and technology",
        "Inovação, ciência e tecnologia",
        "Innovation, science et technologie",
    ),
    "demographics": ("Demografía", "Demographics", "Demografia", "Démographie"),
    "macro": ("Macroeconomía", "Macroeconomy", "Macroeconomia", "Macroéconomie"),
    "external_sector": ("Sector externo", "External sector", "Setor externo", "Secteur extérieur"),
    "trade": ("Comercio", "Trade", "Comércio", "Commerce"),
}
assert set(_GROUP_NAMES) == set(GROUPS)


def sdmx_id(text: str) -> str:
    cleaned = text.replace("%", "PCT").replace("=", "_")
    cleaned = re.sub(r"[^A-Za-z0-9_@$\-]+", "_", cleaned).strip("_")
    return cleaned or "X"


def unit_id(unit: str) -> str:
    return sdmx_id(unit).upper()


def _unique(ids: dict[str, str]) -> dict[str, str]:
    """code -> id with collisions resolved deterministically (a suffix in code order)."""
    seen: dict[str, int] = {}
    result = {}
    for code in sorted(ids):
        base = ids[code]
        n = seen.get(base, 0)
        seen[base] = n + 1
        result[code] = base if n == 0 else f"{base}_{n + 1}"
    return result


@dataclass(frozen=True)
class SdmxView:
    catalogue: Catalogue
    indicator_ids: dict[str, str]  # catalogue code -> SDMX id
    unit_ids: dict[str, str]  # unit text -> SDMX id

    @property
    def codes_by_id(self) -> dict[str, str]:
        return {v: k for k, v in self.indicator_ids.items()}


async def view(session: AsyncSession) -> SdmxView:
    indicators = await CatalogueRepository.from_session(session).all()
    areas = await ReferenceRepository.from_session(session).areas()
    ids = _unique({i.code: sdmx_id(i.code) for i in indicators})
    units = _unique({i.unit: unit_id(i.unit) for i in indicators})
    prepared = max((i.updated_at for i in indicators), default=datetime.now(UTC))
    catalogue = Catalogue(
        indicators=tuple(
            IndicatorCode(
                ids[i.code],
                dict(i.names),
                dict(i.descriptions),
                unit=units[i.unit],
                group=i.group,
                frequency=i.frequency,
            )
            for i in sorted(indicators, key=lambda i: ids[i.code])
        ),
        areas=tuple(LocalisedCode(a.code, dict(a.names)) for a in areas),
        units=tuple(
            LocalisedCode(uid, {"en": unit})
            for unit, uid in sorted(units.items(), key=lambda x: x[1])
        ),
        groups=tuple(
            LocalisedCode(g, dict(zip(("es", "en", "pt", "fr"), _GROUP_NAMES[g], strict=True)))
            for g in GROUPS
        ),
        prepared=prepared,
    )
    return SdmxView(catalogue, ids, units)


async def data_frame(
    session: AsyncSession, sdmx: SdmxView, selection: DataSelection
) -> pl.DataFrame:
    """The observations a data query selects, as the frame the SDMX renderers take."""
    by_id = sdmx.codes_by_id
    indicator_ids = selection.codes("INDICATOR")
    areas = selection.codes("REF_AREA")
    freqs = selection.codes("FREQ")
    query = ObservationQuery(
        indicators=None if indicator_ids is None else sorted(by_id[i] for i in indicator_ids),
        areas=None if areas is None else sorted(areas),
        freq=next(iter(freqs)) if freqs is not None and len(freqs) == 1 else None,
        # A period overlapping startPeriod starts at most a year before it; the exact overlap
        # test is apply_selection's.
        start=None if selection.start is None else selection.start - timedelta(days=366),
        end=selection.end,
    )
    result = await ObservationRepository.from_session(session).query(query)
    frame = result.select(
        pl.col("freq").alias("FREQ"),
        pl.col("area").alias("REF_AREA"),
        pl.col("indicator")
        .replace_strict(sdmx.indicator_ids, return_dtype=pl.String)
        .alias("INDICATOR"),
        pl.col("period").alias("TIME_PERIOD"),
        pl.col("value").alias("OBS_VALUE"),
        pl.col("status").alias("OBS_STATUS"),
        pl.col("unit").replace_strict(sdmx.unit_ids, return_dtype=pl.String).alias("UNIT_MEASURE"),
    ).select(list(FRAME_COLUMNS))
    # Period overlap with startPeriod (a year overlaps a later quarter bound) and first/last N
    # follow the module's reference semantics.
    return frames.apply_selection(frame, selection)
