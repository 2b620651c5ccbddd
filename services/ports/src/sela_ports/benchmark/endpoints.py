"""The quantitative port benchmark (I.3.1 objective 2) and the land-interface census."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from sela_kit.db import DbSession
from sela_kit.errors import problem_responses
from sela_ports.access import CurrentViewer, writers_only
from sela_ports.benchmark import service
from sela_ports.benchmark.models import KpiValue
from sela_ports.benchmark.repository import BenchmarkRepository
from sela_ports.benchmark.schemas import (
    CallBatch,
    CallBatchRead,
    CensusCreate,
    CensusRead,
    CensusSummary,
    CppiRead,
    DeaRead,
    DeaRequest,
    DerivedKpis,
    KpiRead,
    KpiRevision,
    KpiSubmission,
    KpiValueRead,
    QuestionIn,
    ResponseIn,
    ResponseRead,
    RoundCreate,
    RoundDeaRequest,
    RoundRead,
    SurveyCreate,
    SurveyRead,
    SurveyResults,
    TrendRead,
    TruckVisitBatch,
)
from sela_ports.registry.repository import RegistryRepository

router = APIRouter(prefix="/benchmark", tags=["benchmark"], dependencies=[Depends(writers_only)])
# Computations any signed-in caller may ask for (they write nothing): no writing role.
analysis_router = APIRouter(prefix="/benchmark", tags=["benchmark"])
WRITE_ERRORS = problem_responses(401, 403, 404, 409, 422)


def _value(row: KpiValue, locode: str) -> KpiValueRead:
    return KpiValueRead.model_validate({**row.__dict__, "port": locode})


@router.get("/kpis", response_model=list[KpiRead])
async def list_kpis(session: DbSession) -> list[KpiRead]:
    """The KPI catalogue: definitions, formulas, units, scorecard groups, plausible ranges."""
    rows = await BenchmarkRepository.from_session(session).kpis()
    return [KpiRead.model_validate(r) for r in rows.values()]


@router.post(
    "/kpi-values", status_code=201, response_model=list[KpiValueRead], responses=WRITE_ERRORS
)
async def submit_kpi_values(
    body: KpiSubmission, session: DbSession, viewer: CurrentViewer
) -> list[KpiValueRead]:
    """Submit KPI values of one port (all or nothing): units, plausible ranges, duplicates
    and overlapping periods are checked before anything is written."""
    rows = await service.submit_values(session, viewer, body)
    return [_value(r, locode) for r, locode in rows]


@router.post(
    "/kpi-values/revisions", status_code=201, response_model=KpiValueRead, responses=WRITE_ERRORS
)
async def revise_kpi_value(
    body: KpiRevision, session: DbSession, viewer: CurrentViewer
) -> KpiValueRead:
    """Revise a stored value: a new vintage; earlier vintages are kept."""
    row, locode = await service.revise_value(session, viewer, body)
    return _value(row, locode)


@router.get("/kpi-values", response_model=list[KpiValueRead], responses=problem_responses(422))
async def list_kpi_values(
    session: DbSession,
    port: Annotated[str | None, Query(pattern=r"^[A-Z]{2}[A-Z2-9]{3}$")] = None,
    kpi: str | None = None,
    all_vintages: bool = False,
) -> list[KpiValueRead]:
    """KPI values, latest vintage only unless ``all_vintages``."""
    port_id = None
    if port is not None:
        found = await RegistryRepository.from_session(session).port_system_by_locode(port)
        if found is None:
            return []
        port_id = found.id
    rows = await BenchmarkRepository.from_session(session).values(
        port_system_id=port_id, kpi_code=kpi, all_vintages=all_vintages
    )
    return [_value(r, locode) for r, locode in rows]


@router.post("/calls", status_code=201, response_model=CallBatchRead, responses=WRITE_ERRORS)
async def store_calls(body: CallBatch, session: DbSession, viewer: CurrentViewer) -> CallBatchRead:
    """Store vessel call records of one port (arrival ≤ all fast ≤ last line ≤ departure)."""
    return CallBatchRead(port=body.port, stored=await service.store_calls(session, viewer, body))


@router.get(
    "/ports/{locode}/derived-kpis",
    response_model=DerivedKpis,
    responses=problem_responses(422),
)
async def derived_kpis(locode: str, session: DbSession, start: date, end: date) -> DerivedKpis:
    """KPIs computed from the port's call records with arrival in [start, end]."""
    return await service.derived_kpis(session, locode, start, end)


@router.get("/ports/{locode}/trend", response_model=TrendRead, responses=problem_responses(422))
async def kpi_trend(locode: str, kpi: str, session: DbSession) -> TrendRead:
    """A KPI's series for one port (latest vintages) with its least-squares slope per year."""
    return await service.trend(session, locode, kpi)


@router.get("/cppi", response_model=CppiRead, responses=problem_responses(422))
async def port_hours_index(session: DbSession, start: date, end: date) -> CppiRead:
    """Port hours per call in the manner of the CPPI, with its factor-analysis variant."""
    return await service.port_hours_index(session, start, end)


@router.get("/rounds", response_model=list[str])
async def list_rounds(session: DbSession) -> list[str]:
    """Codes of the benchmark rounds, newest period first."""
    return [r.code for r in await BenchmarkRepository.from_session(session).rounds()]


@router.post("/rounds", status_code=201, response_model=RoundRead, responses=WRITE_ERRORS)
async def create_round(body: RoundCreate, session: DbSession, viewer: CurrentViewer) -> RoundRead:
    """Define a benchmark round: period, normalisation and KPI weights (staff)."""
    row = await service.create_round(session, viewer, body)
    return await service.round_view(session, row.code)


@router.get("/rounds/{code}", response_model=RoundRead, responses=problem_responses(404))
async def get_round(code: str, session: DbSession) -> RoundRead:
    """Composite scores, ranks with ties, peer groups and changes against the previous round
    (computed live for a draft, frozen once published)."""
    return await service.round_view(session, code)


@router.post("/rounds/{code}/publish", response_model=RoundRead, responses=WRITE_ERRORS)
async def publish_round(code: str, session: DbSession, viewer: CurrentViewer) -> RoundRead:
    """Freeze and publish a round; announces ``ports.benchmark.published`` (staff)."""
    return await service.publish_round(session, viewer, code)


@analysis_router.post("/dea", response_model=DeaRead, responses=problem_responses(422))
async def run_dea(body: DeaRequest) -> DeaRead:
    """Data Envelopment Analysis of the DMUs given: CCR or BCC, input or output orientation,
    two-phase slacks, targets, peers with λ, scale efficiency and super-efficiency."""
    return await service.run_dea(body)


@analysis_router.post(
    "/rounds/{code}/dea", response_model=DeaRead, responses=problem_responses(404, 422)
)
async def round_dea(code: str, body: RoundDeaRequest, session: DbSession) -> DeaRead:
    """DEA of the round's ports, with the chosen KPIs (means over its period) as inputs and
    outputs; ports missing any of them are left out."""
    return await service.round_dea(session, code, body)


@router.post("/surveys", status_code=201, response_model=SurveyRead, responses=WRITE_ERRORS)
async def create_survey(
    body: SurveyCreate, session: DbSession, viewer: CurrentViewer
) -> SurveyRead:
    """Create a Likert questionnaire with questions per competitiveness pillar (staff)."""
    row = await service.create_survey(session, viewer, body)
    return await get_survey(row.code, session)


@router.get("/surveys/{code}", response_model=SurveyRead, responses=problem_responses(404))
async def get_survey(code: str, session: DbSession) -> SurveyRead:
    """A questionnaire and its questions."""
    row, questions = await service.survey(session, code)
    return SurveyRead(
        id=row.id,
        code=row.code,
        title=row.title,
        scale_min=row.scale_min,
        scale_max=row.scale_max,
        open=row.open,
        questions=[QuestionIn(code=q.code, pillar=q.pillar, text=q.text) for q in questions],
    )


@router.post(
    "/surveys/{code}/responses",
    status_code=201,
    response_model=ResponseRead,
    responses=WRITE_ERRORS,
)
async def respond(
    code: str, body: ResponseIn, session: DbSession, viewer: CurrentViewer
) -> ResponseRead:
    """Record one respondent's answers (port members and staff)."""
    row = await service.respond(session, viewer, code, body)
    return ResponseRead(id=row.id, answers=len(body.answers))


@router.get(
    "/surveys/{code}/results", response_model=SurveyResults, responses=problem_responses(404)
)
async def survey_results(
    code: str,
    session: DbSession,
    by_port: bool = False,
    level: Annotated[float, Query(gt=0.5, lt=1)] = 0.95,
) -> SurveyResults:
    """Per pillar (and port): respondents, answers, mean, SD and the t confidence interval."""
    return await service.survey_results(session, code, by_port, level)


@router.post("/censuses", status_code=201, response_model=CensusRead, responses=WRITE_ERRORS)
async def create_census(
    body: CensusCreate, session: DbSession, viewer: CurrentViewer
) -> CensusRead:
    """Open a land-interface productivity census of one port over a period."""
    row = await service.create_census(session, viewer, body)
    return CensusRead(
        id=row.id, port=body.port, title=row.title, starts_at=row.starts_at, ends_at=row.ends_at
    )


@router.post(
    "/censuses/{census_id}/visits",
    status_code=201,
    response_model=CallBatchRead,
    responses=WRITE_ERRORS,
)
async def add_truck_visits(
    census_id: uuid.UUID, body: TruckVisitBatch, session: DbSession, viewer: CurrentViewer
) -> CallBatchRead:
    """Record truck visits of a census (all or nothing)."""
    stored = await service.add_visits(session, viewer, census_id, body)
    _, locode = await service.census(session, census_id)
    return CallBatchRead(port=locode, stored=stored)


@router.get(
    "/censuses/{census_id}/summary",
    response_model=CensusSummary,
    responses=problem_responses(404),
)
async def census_summary(census_id: uuid.UUID, session: DbSession) -> CensusSummary:
    """Truck visits, container movements, median and p90 of turnaround and queue time."""
    return await service.census_summary(session, census_id)
