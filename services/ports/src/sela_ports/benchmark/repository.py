"""All SQL of the benchmark."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from sela_ports.benchmark.models import (
    BenchmarkRound,
    CallRecord,
    Census,
    KpiDefinition,
    KpiValue,
    RoundStatus,
    Survey,
    SurveyAnswer,
    SurveyQuestion,
    SurveyResponse,
    TruckVisit,
)
from sela_ports.registry.models import PortSystem


class BenchmarkRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @classmethod
    def from_session(cls, session: AsyncSession) -> BenchmarkRepository:
        return cls(session)

    async def add(self, row: Any) -> None:
        self.session.add(row)
        await self.session.flush()

    async def add_all(self, rows: Sequence[Any]) -> None:
        self.session.add_all(rows)
        await self.session.flush()

    # catalogue
    async def kpis(self) -> dict[str, KpiDefinition]:
        rows = await self.session.scalars(select(KpiDefinition).order_by(KpiDefinition.code))
        return {k.code: k for k in rows}

    # values
    async def lock_port(self, port_system_id: uuid.UUID) -> None:
        # Submissions for one port are serialised, so two concurrent ones cannot both pass
        # the duplicate and overlap checks.
        await self.session.execute(
            select(PortSystem.id).where(PortSystem.id == port_system_id).with_for_update()
        )

    async def periods(
        self, port_system_id: uuid.UUID, kpi_codes: Sequence[str]
    ) -> dict[str, list[tuple[date, date, int]]]:
        stmt = (
            select(
                KpiValue.kpi_code,
                KpiValue.period_start,
                KpiValue.period_end,
                func.max(KpiValue.vintage),
            )
            .where(KpiValue.port_system_id == port_system_id, KpiValue.kpi_code.in_(kpi_codes))
            .group_by(KpiValue.kpi_code, KpiValue.period_start, KpiValue.period_end)
        )
        out: dict[str, list[tuple[date, date, int]]] = {}
        for code, start, end, vintage in (await self.session.execute(stmt)).all():
            out.setdefault(code, []).append((start, end, int(vintage)))
        return out

    async def latest_value(
        self, port_system_id: uuid.UUID, kpi_code: str, start: date, end: date
    ) -> KpiValue | None:
        stmt = (
            select(KpiValue)
            .where(
                KpiValue.port_system_id == port_system_id,
                KpiValue.kpi_code == kpi_code,
                KpiValue.period_start == start,
                KpiValue.period_end == end,
            )
            .order_by(KpiValue.vintage.desc())
            .limit(1)
        )
        return await self.session.scalar(stmt)

    async def values(
        self,
        *,
        port_system_id: uuid.UUID | None,
        kpi_code: str | None,
        all_vintages: bool,
        within: tuple[date, date] | None = None,
    ) -> Sequence[tuple[KpiValue, str]]:
        stmt = select(KpiValue, PortSystem.locode).join(
            PortSystem, PortSystem.id == KpiValue.port_system_id
        )
        if port_system_id is not None:
            stmt = stmt.where(KpiValue.port_system_id == port_system_id)
        if kpi_code is not None:
            stmt = stmt.where(KpiValue.kpi_code == kpi_code)
        if within is not None:
            stmt = stmt.where(KpiValue.period_start >= within[0], KpiValue.period_end <= within[1])
        if not all_vintages:
            newest = (
                select(
                    KpiValue.port_system_id,
                    KpiValue.kpi_code,
                    KpiValue.period_start,
                    KpiValue.period_end,
                    func.max(KpiValue.vintage).label("vintage"),
                )
                .group_by(
                    KpiValue.port_system_id,
                    KpiValue.kpi_code,
                    KpiValue.period_start,
                    KpiValue.period_end,
                )
                .subquery()
            )
            stmt = stmt.join(
                newest,
                and_(
                    newest.c.port_system_id == KpiValue.port_system_id,
                    newest.c.kpi_code == KpiValue.kpi_code,
                    newest.c.period_start == KpiValue.period_start,
                    newest.c.period_end == KpiValue.period_end,
                    newest.c.vintage == KpiValue.vintage,
                ),
            )
        stmt = stmt.order_by(
            PortSystem.locode, KpiValue.kpi_code, KpiValue.period_start, KpiValue.vintage
        ).limit(20000)
        return [(v, locode) for v, locode in (await self.session.execute(stmt)).all()]

    # calls
    async def existing_calls(
        self, port_system_id: uuid.UUID, keys: Sequence[tuple[str, datetime]]
    ) -> set[tuple[str, datetime]]:
        if not keys:
            return set()
        stmt = select(CallRecord.vessel_id, CallRecord.arrival).where(
            CallRecord.port_system_id == port_system_id,
            CallRecord.vessel_id.in_({k[0] for k in keys}),
        )
        return {(v, a) for v, a in (await self.session.execute(stmt)).all()}

    async def calls(
        self, port_system_id: uuid.UUID | None, start: datetime, end: datetime
    ) -> Sequence[tuple[CallRecord, str]]:
        stmt = (
            select(CallRecord, PortSystem.locode)
            .join(PortSystem, PortSystem.id == CallRecord.port_system_id)
            .where(CallRecord.arrival >= start, CallRecord.arrival < end)
        )
        if port_system_id is not None:
            stmt = stmt.where(CallRecord.port_system_id == port_system_id)
        return [(c, locode) for c, locode in (await self.session.execute(stmt)).all()]

    # rounds
    async def round_by_code(self, code: str) -> BenchmarkRound | None:
        return await self.session.scalar(select(BenchmarkRound).where(BenchmarkRound.code == code))

    async def lock_round(self, round_id: uuid.UUID) -> BenchmarkRound | None:
        return await self.session.scalar(
            select(BenchmarkRound).where(BenchmarkRound.id == round_id).with_for_update()
        )

    async def rounds(self) -> Sequence[BenchmarkRound]:
        stmt = select(BenchmarkRound).order_by(
            BenchmarkRound.period_end.desc(), BenchmarkRound.code
        )
        return (await self.session.scalars(stmt)).all()

    async def previous_published(self, before: date) -> BenchmarkRound | None:
        stmt = (
            select(BenchmarkRound)
            .where(
                BenchmarkRound.status == RoundStatus.published,
                BenchmarkRound.period_end < before,
            )
            .order_by(BenchmarkRound.period_end.desc())
            .limit(1)
        )
        return await self.session.scalar(stmt)

    # surveys
    async def survey_by_code(self, code: str) -> Survey | None:
        return await self.session.scalar(select(Survey).where(Survey.code == code))

    async def questions(self, survey_id: uuid.UUID) -> Sequence[SurveyQuestion]:
        stmt = (
            select(SurveyQuestion)
            .where(SurveyQuestion.survey_id == survey_id)
            .order_by(SurveyQuestion.code)
        )
        return (await self.session.scalars(stmt)).all()

    async def answers(
        self, survey_id: uuid.UUID
    ) -> Sequence[tuple[str, str | None, uuid.UUID, int]]:
        """(pillar, port locode, response id, value) of every answer."""
        stmt = (
            select(SurveyQuestion.pillar, PortSystem.locode, SurveyResponse.id, SurveyAnswer.value)
            .join(SurveyResponse, SurveyResponse.id == SurveyAnswer.response_id)
            .join(SurveyQuestion, SurveyQuestion.id == SurveyAnswer.question_id)
            .outerjoin(PortSystem, PortSystem.id == SurveyResponse.port_system_id)
            .where(SurveyResponse.survey_id == survey_id)
        )
        return [
            (p, loc, rid, int(v)) for p, loc, rid, v in (await self.session.execute(stmt)).all()
        ]

    # censuses
    async def census(self, census_id: uuid.UUID) -> tuple[Census, str] | None:
        stmt = (
            select(Census, PortSystem.locode)
            .join(PortSystem, PortSystem.id == Census.port_system_id)
            .where(Census.id == census_id)
        )
        row = (await self.session.execute(stmt)).first()
        return (row[0], row[1]) if row else None

    async def visits(self, census_id: uuid.UUID) -> Sequence[TruckVisit]:
        stmt = select(TruckVisit).where(TruckVisit.census_id == census_id)
        return (await self.session.scalars(stmt)).all()
