"""IPPALC answer batches: one cached statement with many parameter sets against one
multi-row VALUES statement.

A questionnaire of the 2019 edition is 182 answers, stored in one upsert
(``INSERT … ON CONFLICT (assessment, questionnaire, question) DO UPDATE``). The service sends
one statement with a list of parameter sets (``IppalcRepository.upsert_answers``: SQLAlchemy
caches the compiled statement and batches the rows). The reference, measured in the same run
on the same database and rows, builds the single multi-row ``VALUES`` statement instead, which
SQLAlchemy compiles anew for every batch (182 × 7 bound parameters). Each side stores a fresh
questionnaire per round and then replaces it (the upsert's update path); the stored answers
must be equal on both sides, or the run is invalid.
"""

from __future__ import annotations

import asyncio
import logging
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert

from bench.report import BenchmarkError, BenchmarkResult, Measurement
from sela_devservers import EmbeddedPostgres
from sela_kit.db import Database
from sela_kit.identity import Identity
from sela_kit.migrations import ensure_database, upgrade
from sela_kit.settings import asyncpg_url
from sela_smes.app import SPEC
from sela_smes.ippalc import framework, service
from sela_smes.ippalc.demo import demo_answers
from sela_smes.ippalc.models import Answer, Questionnaire
from sela_smes.ippalc.repository import IppalcRepository
from sela_smes.ippalc.schemas import AssessmentCreate

logger = logging.getLogger("sela.bench.ippalc")

NAME = "ippalc"
ROUNDS = 40
STAFF = Identity(kind="service", subject="bench", roles=frozenset({"staff"}))


def run() -> BenchmarkResult:
    with tempfile.TemporaryDirectory(prefix="sela-bench-") as folder:
        postgres = EmbeddedPostgres(Path(folder) / "postgres", fast=True)
        try:
            logger.info("starting embedded PostgreSQL in %s", folder)
            postgres.start()
            return asyncio.run(_measure(postgres.url))
        finally:
            postgres.stop()


def _rows(edition: framework.Edition, country: str, q: Questionnaire) -> list[dict[str, Any]]:
    return [
        {"question": a.question, "value": a.value, "evidence": a.evidence, "comments": None}
        for a in demo_answers(edition, country, q)
    ]


async def _reference_upsert(
    repo: IppalcRepository, assessment: uuid.UUID, q: Questionnaire, rows: list[dict[str, Any]]
) -> None:
    """The same upsert as one multi-row VALUES statement, compiled for each batch."""
    stmt = insert(Answer).values(
        [
            {"id": uuid.uuid4(), "assessment_id": assessment, "questionnaire": q,
             "answered_by": "bench", **row}
            for row in rows
        ]
    )  # fmt: skip
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
    await repo.session.execute(stmt)


async def _stored(database: Database, assessments: list[uuid.UUID]) -> list[tuple[Any, ...]]:
    async with database.transaction() as session:
        stmt = (
            select(Answer.questionnaire, Answer.question, Answer.value, Answer.evidence)
            .where(Answer.assessment_id.in_(assessments))
            .order_by(Answer.assessment_id, Answer.questionnaire, Answer.question)
        )
        return [tuple(r) for r in (await session.execute(stmt)).all()]


async def _side(
    database: Database, edition: framework.Edition, round_: str, reference: bool
) -> tuple[float, list[uuid.UUID]]:
    """Seconds to store ROUNDS questionnaires and replace each once."""
    fresh = _rows(edition, "CHL", Questionnaire.government)
    revised = _rows(edition, "CHL", Questionnaire.evaluator)
    ids: list[uuid.UUID] = []
    async with database.transaction() as session:
        for i in range(ROUNDS):
            created = await service.create_assessment(
                session,
                STAFF,
                AssessmentCreate(edition="2019", country="CHL", round=f"{round_}-{i}"),
            )
            ids.append(created.id)
    elapsed = 0.0
    for assessment in ids:
        for rows in (fresh, revised):
            async with database.transaction() as session:
                repo = IppalcRepository.from_session(session)
                started = time.perf_counter()
                if reference:
                    await _reference_upsert(repo, assessment, Questionnaire.government, rows)
                else:
                    await repo.upsert_answers(assessment, Questionnaire.government, rows, "bench")
                elapsed += time.perf_counter() - started
    return elapsed, ids


async def _measure(postgres_url: str) -> BenchmarkResult:
    url = asyncpg_url(postgres_url, "sela_bench_smes")
    await ensure_database(url)
    await upgrade(url, SPEC.migrations)
    database = Database(url, pool_size=2, application_name="sela-bench")
    edition = framework.shipped_edition("2019")
    try:
        # Warm both paths once (connection, statement caches) before timing.
        await _side(database, edition, "warm-service", reference=False)
        await _side(database, edition, "warm-reference", reference=True)
        logger.info("%d questionnaires stored and replaced, each way", ROUNDS)
        reference_s, reference_ids = await _side(database, edition, "reference", reference=True)
        service_s, service_ids = await _side(database, edition, "service", reference=False)
        ours = await _stored(database, service_ids)
        theirs = await _stored(database, reference_ids)
    finally:
        await database.dispose()
    if len(ours) != ROUNDS * len(edition.questions()):
        raise BenchmarkError(
            f"expected {ROUNDS * len(edition.questions())} answers, got {len(ours)}"
        )
    if sorted(ours) != sorted(theirs):
        raise BenchmarkError("the two upserts stored different answers")
    batches = 2 * ROUNDS
    return BenchmarkResult(
        name=NAME,
        measurements=[
            Measurement(
                name="questionnaire upsert (182 answers)",
                unit="batches/s",
                value=batches / service_s,
                reference_name="multi-row VALUES statement",
                reference_value=batches / reference_s,
                reading="how many times more questionnaires per second the cached statement stores",
            )
        ],
        details={
            "answers_per_batch": len(edition.questions()),
            "batches_each": batches,
            "service_seconds": service_s,
            "reference_seconds": reference_s,
        },
    )
