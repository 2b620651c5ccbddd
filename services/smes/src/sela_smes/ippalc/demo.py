"""Demo data: the 2019 edition and a demo round for the Pacific Alliance, ARG, ECU and URY.

Every answer is invented and says so (round ``2019-demo``, labelled "Demo answers", each answer's
evidence starting "Demo answer"): they exercise the whole workflow (both questionnaires, their
reconciliation, validation and publication) and are NOT the results of the 2019 assessment.
Idempotent: a country that already has an assessment in the demo round is left alone.
"""

from __future__ import annotations

import random

from sqlalchemy.ext.asyncio import AsyncSession

from sela_kit.identity import Identity
from sela_smes.ippalc import framework, service
from sela_smes.ippalc.models import Questionnaire, State
from sela_smes.ippalc.repository import IppalcRepository
from sela_smes.ippalc.schemas import AnswerIn, AssessmentCreate

DEMO_ROUND = "2019-demo"
DEMO_LABEL = "Demo answers: invented for demonstration, not the 2019 IPPALC results"
DEMO_COUNTRIES = ("CHL", "COL", "MEX", "PER", "ARG", "ECU", "URY")
LOADER = Identity(kind="service", subject="demo-loader", roles=frozenset({"staff"}))


def _value(question: framework.Question, level: float, rng: random.Random) -> object:
    if question.kind == framework.QuestionKind.binary:
        return rng.random() < level
    if question.kind == framework.QuestionKind.multiple_choice:
        ranked = sorted(question.options, key=lambda o: o.score)
        index = min(len(ranked) - 1, max(0, round(level * (len(ranked) - 1) + rng.gauss(0, 0.8))))
        return ranked[index].code
    return "Demo answer: no measures are described; this text is invented."


def demo_answers(
    edition: framework.Edition, country: str, questionnaire: Questionnaire
) -> list[AnswerIn]:
    """Invented, reproducible answers: a level per country, the evaluator a little stricter."""
    level = random.Random(f"ippalc-{country}").uniform(0.35, 0.8)  # noqa: S311 - demo data
    if questionnaire == Questionnaire.evaluator:
        level -= 0.05
    rng = random.Random(f"ippalc-{country}-{questionnaire.value}")  # noqa: S311
    return [
        AnswerIn(
            question=code,
            value=_value(question, level, rng),
            evidence=f"Demo answer ({questionnaire.value} questionnaire), invented.",
        )
        for code, question in edition.questions().items()
    ]


async def load_ippalc_demo(session: AsyncSession) -> str:
    """Load the 2019 edition and the demo round, published, in the caller's transaction."""
    edition = framework.shipped_edition("2019")
    await service.ensure_edition(session, edition.model_dump(mode="json"))
    repo = IppalcRepository.from_session(session)
    loaded = 0
    for country in DEMO_COUNTRIES:
        if await repo.assessment_for(country, DEMO_ROUND) is not None:
            continue
        created = await service.create_assessment(
            session,
            LOADER,
            AssessmentCreate(
                edition=edition.code, country=country, round=DEMO_ROUND, label=DEMO_LABEL
            ),
        )
        for questionnaire in (Questionnaire.government, Questionnaire.evaluator):
            answers = demo_answers(edition, country, questionnaire)
            await service.set_answers(session, LOADER, created.id, questionnaire, answers)
        await service.transition(session, LOADER, created.id, State.submitted, None)
        await service.transition(session, LOADER, created.id, State.under_review, None)
        rec = await service.accept_agreements(session, LOADER, created.id)
        # The demo workshop settles each disagreement on the evaluator's answer.
        settled = [
            AnswerIn(
                question=item.question,
                value=item.evaluator,
                evidence="Demo answer: settled on the evaluator's answer in the demo workshop.",
            )
            for item in rec.items
            if item.question in rec.unreconciled
        ]
        if settled:
            await service.set_answers(
                session, LOADER, created.id, Questionnaire.reconciled, settled
            )
        await service.transition(session, LOADER, created.id, State.validated, "Demo workshop")
        await service.transition(session, LOADER, created.id, State.published, None)
        loaded += 1
    return f"IPPALC: edition 2019, demo round {DEMO_ROUND} with {loaded} new published assessments"
