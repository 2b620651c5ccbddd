"""IPPALC: framework editions, assessments, questionnaires, reconciliation, scores, results."""

from __future__ import annotations

import uuid
from dataclasses import asdict
from functools import partial
from typing import Annotated, Any

import anyio.to_thread
from fastapi import APIRouter, Depends, Query, Response

from sela_kit.db import DbSession
from sela_kit.errors import InvalidInputError, problem_responses
from sela_kit.identity import CurrentIdentity
from sela_smes.ippalc import charts, framework, service
from sela_smes.ippalc.access import writers_only
from sela_smes.ippalc.models import Questionnaire, State
from sela_smes.ippalc.repository import IppalcRepository
from sela_smes.ippalc.schemas import (
    AnswerRead,
    AnswersIn,
    AssessmentCreate,
    AssessmentRead,
    AuditRead,
    EditionSummary,
    ReconciliationRead,
    ReportedResultCreate,
    ReportedResultRead,
    ResultsRead,
    ScoresRead,
    TransitionIn,
)

router = APIRouter(prefix="/ippalc", tags=["ippalc"], dependencies=[Depends(writers_only)])
WRITE_ERRORS = problem_responses(401, 403, 404, 409, 422)
READ_ERRORS = problem_responses(404, 422)
# Reading one questionnaire, or both side by side, may meet the seal of a draft (403).
SEALED_READ_ERRORS = problem_responses(403, 404, 422)
Rounds = Annotated[list[str], Query(alias="round", description="Assessment rounds, e.g. 2019")]
Countries = Annotated[list[str], Query(alias="country", description="ISO3 country codes")]


@router.get("/editions", response_model=list[EditionSummary])
async def list_ippalc_editions(session: DbSession) -> list[EditionSummary]:
    """The editions of the framework (2019: seven dimensions; later ones are new data)."""
    rows = await IppalcRepository.from_session(session).list_editions()
    return [service.summary(r) for r in rows]


@router.get("/editions/{code}", response_model=framework.Edition, responses=READ_ERRORS)
async def get_ippalc_edition(code: str, session: DbSession) -> framework.Edition:
    """One edition whole: blocks and weights, dimensions, sub-dimensions, questions, scale."""
    return service.parse_edition((await service.edition_row(session, code)).framework)


@router.post("/editions", status_code=201, response_model=EditionSummary, responses=WRITE_ERRORS)
async def create_ippalc_edition(
    body: framework.Edition, session: DbSession, identity: CurrentIdentity
) -> EditionSummary:
    """Add an edition of the framework (staff). Editions never change once stored."""
    return service.summary(await service.create_edition(session, identity, body))


@router.post("/assessments", status_code=201, response_model=AssessmentRead, responses=WRITE_ERRORS)
async def create_ippalc_assessment(
    body: AssessmentCreate, session: DbSession, identity: CurrentIdentity
) -> AssessmentRead:
    """Open the assessment of a country in a round against an edition (staff)."""
    return await service.create_assessment(session, identity, body)


@router.get("/assessments", response_model=list[AssessmentRead], responses=READ_ERRORS)
async def list_ippalc_assessments(
    session: DbSession,
    identity: CurrentIdentity,
    rounds: Rounds = [],  # noqa: B006 - FastAPI copies query defaults
    countries: Countries = [],  # noqa: B006
    state: State | None = None,
) -> list[AssessmentRead]:
    """Assessments the caller may see: published ones; their own country's for evaluators and
    focal points; all for staff."""
    return await service.list_assessments(session, identity, rounds, countries, state)


@router.get("/assessments/{assessment_id}", response_model=AssessmentRead, responses=READ_ERRORS)
async def get_ippalc_assessment(
    assessment_id: uuid.UUID, session: DbSession, identity: CurrentIdentity
) -> AssessmentRead:
    assessment = await service.visible_assessment(session, identity, assessment_id)
    return await service.read(session, assessment)


@router.get(
    "/assessments/{assessment_id}/answers/{questionnaire}",
    response_model=list[AnswerRead],
    responses=SEALED_READ_ERRORS,
)
async def get_ippalc_answers(
    assessment_id: uuid.UUID,
    questionnaire: Questionnaire,
    session: DbSession,
    identity: CurrentIdentity,
) -> list[AnswerRead]:
    """The answers of one questionnaire with their evidence and comments."""
    rows = await service.get_answers(session, identity, assessment_id, questionnaire)
    return [AnswerRead.model_validate(r) for r in rows]


@router.put(
    "/assessments/{assessment_id}/answers/{questionnaire}",
    response_model=list[AnswerRead],
    responses=WRITE_ERRORS,
)
async def set_ippalc_answers(
    assessment_id: uuid.UUID,
    questionnaire: Questionnaire,
    body: AnswersIn,
    session: DbSession,
    identity: CurrentIdentity,
) -> list[AnswerRead]:
    """Record or replace answers; all or none. The focal point answers the government's
    questionnaire, the evaluator the evaluator's (both in draft); staff the reconciled one (in
    review). Returns the questionnaire's answers."""
    rows = await service.set_answers(session, identity, assessment_id, questionnaire, body.answers)
    return [AnswerRead.model_validate(r) for r in rows]


@router.get(
    "/assessments/{assessment_id}/reconciliation",
    response_model=ReconciliationRead,
    responses=SEALED_READ_ERRORS,
)
async def get_ippalc_reconciliation(
    assessment_id: uuid.UUID, session: DbSession, identity: CurrentIdentity
) -> ReconciliationRead:
    """Both questionnaires side by side with the agreed answer; disagreements listed."""
    return await service.reconciliation(session, identity, assessment_id)


@router.post(
    "/assessments/{assessment_id}/reconciliation/accept-agreements",
    response_model=ReconciliationRead,
    responses=WRITE_ERRORS,
)
async def accept_ippalc_agreements(
    assessment_id: uuid.UUID, session: DbSession, identity: CurrentIdentity
) -> ReconciliationRead:
    """Take every answer both questionnaires share as agreed (staff, under review)."""
    return await service.accept_agreements(session, identity, assessment_id)


@router.post(
    "/assessments/{assessment_id}/transitions",
    response_model=AssessmentRead,
    responses=WRITE_ERRORS,
)
async def transition_ippalc_assessment(
    assessment_id: uuid.UUID, body: TransitionIn, session: DbSession, identity: CurrentIdentity
) -> AssessmentRead:
    """Move the assessment: draft → submitted → under_review → validated → published (and
    back to draft or to review before publication). Publishing announces
    ``smes.ippalc.published``."""
    return await service.transition(session, identity, assessment_id, body.to, body.note)


@router.get(
    "/assessments/{assessment_id}/audit",
    response_model=list[AuditRead],
    responses=problem_responses(401, 403, 404),
)
async def get_ippalc_audit(
    assessment_id: uuid.UUID, session: DbSession, identity: CurrentIdentity
) -> list[AuditRead]:
    """Every change of answers and of state: who, when, what (staff and the country)."""
    rows = await service.audit(session, identity, assessment_id)
    return [AuditRead.model_validate(r) for r in rows]


@router.get(
    "/assessments/{assessment_id}/scores", response_model=ScoresRead, responses=SEALED_READ_ERRORS
)
async def get_ippalc_scores(
    assessment_id: uuid.UUID,
    session: DbSession,
    identity: CurrentIdentity,
    questionnaire: Questionnaire = Questionnaire.reconciled,
) -> ScoresRead:
    """Scores by block, sub-dimension and dimension of one questionnaire (the reconciled one by
    default). Unanswered scored questions earn no points; ``complete`` says whether any are."""
    assessment, scores = await service.scores(session, identity, assessment_id, questionnaire)
    data: dict[str, Any] = asdict(scores)
    return ScoresRead.model_validate(
        {
            **data,
            "assessment_id": assessment.id,
            "questionnaire": questionnaire,
            "country": assessment.country,
            "round": assessment.round,
            "complete": scores.complete,
        }
    )


@router.get("/results", response_model=ResultsRead, responses=READ_ERRORS)
async def get_ippalc_results(
    session: DbSession,
    rounds: Rounds = [],  # noqa: B006
    countries: Countries = [],  # noqa: B006
) -> ResultsRead:
    """Published scores: countries side by side within a round and one country across rounds,
    with each round's regional average."""
    return await service.results(session, rounds, countries)


@router.post(
    "/reported-results",
    status_code=201,
    response_model=ReportedResultRead,
    responses=WRITE_ERRORS,
)
async def create_ippalc_reported_result(
    body: ReportedResultCreate, session: DbSession, identity: CurrentIdentity
) -> ReportedResultRead:
    """Load scores as a published report gives them, when the questionnaires are not available
    (staff); without a country, a regional figure. Shown apart in ``GET /ippalc/results``."""
    return await service.create_reported(session, identity, body)


@router.get(
    "/results/radar",
    responses={
        200: {"content": {"image/png": {}, "image/svg+xml": {}}},
        **READ_ERRORS,
    },
    response_class=Response,
)
async def ippalc_radar_chart(
    session: DbSession,
    rounds: Rounds = [],  # noqa: B006
    countries: Countries = [],  # noqa: B006
    average: Annotated[bool, Query(description="Add each round's regional average")] = True,
    format: charts.ChartFormat = "png",
) -> Response:
    """A radar chart of the dimension scores of the published results selected."""
    data = await service.results(session, rounds, countries)
    if not data.results and not data.reported:
        raise InvalidInputError(
            "No published IPPALC results match round and country.", code="no_results"
        )
    codes = [d.code for d in data.dimensions]
    many_rounds = len(data.rounds) > 1
    series: dict[str, list[float | None]] = {}
    for r in data.results:
        label = f"{r.country} {r.round}" if many_rounds else r.country
        series[label] = [r.dimensions.get(c) for c in codes]
    if average:
        for a in data.regional_averages:
            series[f"Average {a.round}"] = [a.dimensions.get(c) for c in codes]
    for reported in data.reported:
        if reported.dimensions:
            who = reported.country or "Region"
            series[f"{who} {reported.round} (reported)"] = [
                reported.dimensions.get(c) for c in codes
            ]
    labels = [f"{d.code}. {d.name}" if len(d.name) < 28 else f"{d.code}. {d.name[:26]}…"
              for d in data.dimensions]  # fmt: skip
    # Drawing takes a few hundred milliseconds of CPU: off the event loop.
    body = await anyio.to_thread.run_sync(
        partial(
            charts.radar_chart,
            f"IPPALC {', '.join(data.rounds)}: scores by dimension (1–5)",
            labels,
            series,
            (1, 5),
            format,
            "Source: SELA, IPPALC published results",
        )
    )
    return Response(content=body, media_type=charts.MEDIA_TYPES[format])
