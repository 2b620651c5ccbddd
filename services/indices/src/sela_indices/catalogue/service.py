"""The indicator catalogue: search in four languages, filters, staff edits."""

from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from sela_indices.catalogue.models import GROUPS
from sela_indices.catalogue.repository import CatalogueFilter, CatalogueRepository
from sela_indices.catalogue.schemas import (
    Coverage,
    GroupRead,
    IndicatorCreate,
    IndicatorRead,
    IndicatorUpdate,
)
from sela_indices.reference.repository import ReferenceRepository
from sela_indices.reference.service import mechanism_area, membership_table
from sela_kit.errors import ConflictError, NotFoundError
from sela_kit.pagination import PageParams


async def areas_filter(
    session: AsyncSession,
    countries: list[str] | None,
    mechanism: str | None,
    start: date | None,
    end: date | None,
) -> list[str] | None:
    """Countries asked for, plus the members of ``mechanism`` at any time in [start, end]
    and the mechanism itself (its own series)."""
    if not countries and not mechanism:
        return None
    areas = set(countries or [])
    if mechanism:
        code = await mechanism_area(session, mechanism)
        table = await membership_table(session)
        areas |= set(
            await ReferenceRepository.from_session(session).members_between(
                table.edition, code, start, end
            )
        )
        areas.add(code)
    return sorted(areas)


async def search(
    session: AsyncSession, f: CatalogueFilter, params: PageParams, lang: str
) -> tuple[list[IndicatorRead], str | None]:
    repo = CatalogueRepository.from_session(session)
    if f.q:
        found = await repo.search(f, params.limit)
        return [IndicatorRead.build(i, lang, rank=r) for i, r in found], None
    rows, cursor = await repo.page(f, params)
    return [IndicatorRead.build(i, lang) for i in rows], cursor


async def get(session: AsyncSession, code: str, lang: str) -> IndicatorRead:
    repo = CatalogueRepository.from_session(session)
    indicator = await repo.get(code)
    if indicator is None:
        raise NotFoundError(f"Indicator {code!r} does not exist.", extra={"indicator": code})
    coverage = Coverage(**await repo.coverage(indicator.id))
    return IndicatorRead.build(indicator, lang, coverage=coverage)


async def create(session: AsyncSession, data: IndicatorCreate, lang: str) -> IndicatorRead:
    repo = CatalogueRepository.from_session(session)
    if await repo.get(data.code) is not None:
        raise ConflictError(f"Indicator {data.code!r} exists.", extra={"indicator": data.code})
    indicator = await repo.add(data.model_dump(mode="json"))
    await repo.refresh(indicator)
    return IndicatorRead.build(indicator, lang)


async def update(
    session: AsyncSession, code: str, data: IndicatorUpdate, lang: str
) -> IndicatorRead:
    repo = CatalogueRepository.from_session(session)
    indicator = await repo.get(code)
    if indicator is None:
        raise NotFoundError(f"Indicator {code!r} does not exist.", extra={"indicator": code})
    changes = data.model_dump(mode="json", exclude_unset=True)
    new_frequency = changes.get("frequency", indicator.frequency)
    if new_frequency != indicator.frequency and await repo.has_observations(indicator.id):
        raise ConflictError(
            f"{code} has observations at frequency {indicator.frequency}; "
            "create another indicator for another frequency."
        )
    for key, value in changes.items():
        setattr(indicator, key, value)
    await repo.refresh(indicator)
    return IndicatorRead.build(indicator, lang)


async def delete(session: AsyncSession, code: str) -> None:
    repo = CatalogueRepository.from_session(session)
    indicator = await repo.get(code)
    if indicator is None:
        raise NotFoundError(f"Indicator {code!r} does not exist.", extra={"indicator": code})
    if await repo.has_observations(indicator.id):
        raise ConflictError(
            f"{code} has observations; observations are never destroyed, so it stays."
        )
    await repo.delete(indicator)


async def groups(session: AsyncSession) -> list[GroupRead]:
    counts = await CatalogueRepository.from_session(session).group_counts()
    return [
        GroupRead(code=code, name=name, indicators=counts.get(code, 0))
        for code, name in GROUPS.items()
    ]
