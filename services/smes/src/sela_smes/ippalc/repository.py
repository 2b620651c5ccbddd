"""All SQL of the IPPALC."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, func, or_, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from sela_smes.ippalc.models import (
    Answer,
    Assessment,
    AuditEntry,
    Edition,
    Questionnaire,
    ReportedResult,
    State,
)


class IppalcRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @classmethod
    def from_session(cls, session: AsyncSession) -> IppalcRepository:
        return cls(session)

    async def add(self, row: Any) -> None:
        self.session.add(row)
        await self.session.flush()

    # Editions
    async def list_editions(self) -> Sequence[Edition]:
        return (await self.session.scalars(select(Edition).order_by(Edition.code))).all()

    async def edition_by_code(self, code: str) -> Edition | None:
        return await self.session.scalar(select(Edition).where(Edition.code == code))

    async def editions_by_ids(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Edition]:
        rows = await self.session.scalars(select(Edition).where(Edition.id.in_(ids)))
        return {r.id: r for r in rows}

    # Assessments
    async def get_assessment(
        self, assessment_id: uuid.UUID, *, lock: bool = False
    ) -> Assessment | None:
        stmt = select(Assessment).where(Assessment.id == assessment_id)
        if lock:
            stmt = stmt.with_for_update()
        return await self.session.scalar(stmt)

    async def assessment_for(self, country: str, round_: str) -> Assessment | None:
        return await self.session.scalar(
            select(Assessment).where(Assessment.country == country, Assessment.round == round_)
        )

    async def list_assessments(
        self,
        *,
        staff: bool,
        own_country: str | None,
        round_: Sequence[str] = (),
        country: Sequence[str] = (),
        state: State | None = None,
    ) -> Sequence[Assessment]:
        """Assessments the caller may see: published ones, their own country's, or all (staff)."""
        stmt = select(Assessment)
        if not staff:
            visible: list[ColumnElement[bool]] = [Assessment.state == State.published]
            if own_country is not None:
                visible.append(Assessment.country == own_country)
            stmt = stmt.where(or_(*visible))
        if round_:
            stmt = stmt.where(Assessment.round.in_(round_))
        if country:
            stmt = stmt.where(Assessment.country.in_(country))
        if state is not None:
            stmt = stmt.where(Assessment.state == state)
        stmt = stmt.order_by(Assessment.round, Assessment.country)
        return (await self.session.scalars(stmt)).all()

    # Answers
    async def answers(
        self, assessment_id: uuid.UUID, questionnaire: Questionnaire | None = None
    ) -> Sequence[Answer]:
        stmt = select(Answer).where(Answer.assessment_id == assessment_id)
        if questionnaire is not None:
            stmt = stmt.where(Answer.questionnaire == questionnaire)
        # Rows upserted in Core earlier in this session must not come back stale.
        stmt = stmt.order_by(Answer.question).execution_options(populate_existing=True)
        return (await self.session.scalars(stmt)).all()

    async def answers_of_many(
        self, assessment_ids: Sequence[uuid.UUID], questionnaire: Questionnaire
    ) -> dict[uuid.UUID, dict[str, Any]]:
        stmt = select(Answer.assessment_id, Answer.question, Answer.value).where(
            Answer.assessment_id.in_(assessment_ids), Answer.questionnaire == questionnaire
        )
        out: dict[uuid.UUID, dict[str, Any]] = {i: {} for i in assessment_ids}
        for assessment_id, question, value in (await self.session.execute(stmt)).all():
            out[assessment_id][question] = value
        return out

    async def upsert_answers(
        self,
        assessment_id: uuid.UUID,
        questionnaire: Questionnaire,
        rows: Sequence[dict[str, Any]],
        answered_by: str | None,
    ) -> None:
        """Insert or replace answers (``question``, ``value``, ``evidence``, ``comments``)."""
        if not rows:
            return
        stmt = insert(Answer.__table__)  # type: ignore[arg-type]  # Core: no ORM bulk overhead
        stmt = stmt.on_conflict_do_update(
            index_elements=["assessment_id", "questionnaire", "question"],
            set_={
                "value": stmt.excluded.value,
                "evidence": stmt.excluded.evidence,
                "comments": stmt.excluded.comments,
                "answered_by": stmt.excluded.answered_by,
                "updated_at": func.now(),
            },
        )
        # One cached statement, many parameter sets (executemany, sent in batches).
        params = [
            {
                "id": uuid.uuid4(),
                "assessment_id": assessment_id,
                "questionnaire": questionnaire.value,
                "answered_by": answered_by,
                **row,
            }
            for row in rows
        ]
        await self.session.execute(stmt, params)

    async def delete_answers(self, assessment_id: uuid.UUID) -> None:
        await self.session.execute(delete(Answer).where(Answer.assessment_id == assessment_id))

    # Audit
    async def audit(self, assessment_id: uuid.UUID) -> Sequence[AuditEntry]:
        stmt = (
            select(AuditEntry)
            .where(AuditEntry.assessment_id == assessment_id)
            .order_by(AuditEntry.at, AuditEntry.id)
        )
        return (await self.session.scalars(stmt)).all()

    # Reported results
    async def reported(
        self, rounds: Sequence[str] = (), countries: Sequence[str] = ()
    ) -> Sequence[ReportedResult]:
        """Reported results of ``rounds``; of ``countries`` and the regional rows, if given."""
        stmt = select(ReportedResult)
        if rounds:
            stmt = stmt.where(ReportedResult.round.in_(rounds))
        if countries:
            stmt = stmt.where(
                or_(ReportedResult.country.in_(countries), ReportedResult.country.is_(None))
            )
        stmt = stmt.order_by(ReportedResult.round, ReportedResult.country.nulls_first())
        return (await self.session.scalars(stmt)).all()

    async def reported_for(self, round_: str, country: str | None) -> ReportedResult | None:
        match = (
            ReportedResult.country.is_(None)
            if country is None
            else ReportedResult.country == country
        )
        stmt = select(ReportedResult).where(ReportedResult.round == round_, match)
        return await self.session.scalar(stmt)
