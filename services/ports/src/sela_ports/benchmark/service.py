"""Benchmark rules: validation of submissions (units, ranges, duplicates, overlaps) as a whole
before anything is written, derived KPIs, CPPI, composite rounds, DEA, surveys, censuses."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta

import anyio
import numpy as np
from sqlalchemy.ext.asyncio import AsyncSession

from sela_contracts.ports import BenchmarkPublished
from sela_kit.errors import NotFoundError
from sela_kit.messaging import record_event
from sela_ports.access import Viewer, require_community, require_staff, require_writer
from sela_ports.benchmark import cppi, dea, stats
from sela_ports.benchmark.catalogue import accepted_units, conversion_factor
from sela_ports.benchmark.models import (
    BenchmarkRound,
    CallRecord,
    Census,
    KpiValue,
    RoundStatus,
    Survey,
    SurveyAnswer,
    SurveyQuestion,
    SurveyResponse,
    TruckVisit,
    ValueSource,
)
from sela_ports.benchmark.repository import BenchmarkRepository
from sela_ports.benchmark.schemas import (
    CallBatch,
    CensusCreate,
    CensusSummary,
    CppiPort,
    CppiRead,
    DeaRead,
    DeaRequest,
    DerivedKpi,
    DerivedKpis,
    DmuIn,
    DmuRead,
    KpiRevision,
    KpiSubmission,
    KpiValueIn,
    PillarResult,
    ResponseIn,
    RoundCreate,
    RoundDeaRequest,
    RoundPort,
    RoundRead,
    SurveyCreate,
    SurveyResults,
    TrendPoint,
    TrendRead,
    TruckVisitBatch,
)
from sela_ports.problems import conflict, invalid, invalid_many
from sela_ports.registry.models import PortSystem
from sela_ports.registry.repository import RegistryRepository

SOURCE = "ports"
# Peer groups by annual container throughput (TEU).
SIZE_BANDS: tuple[tuple[str, float], ...] = (
    ("<0.5M TEU", 500_000),
    ("0.5-1M TEU", 1_000_000),
    ("1-2.5M TEU", 2_500_000),
    (">2.5M TEU", float("inf")),
)


async def _port(session: AsyncSession, locode: str, field: str = "body.port") -> PortSystem:
    port = await RegistryRepository.from_session(session).port_system_by_locode(locode)
    if port is None:
        raise invalid(field, f"no port system {locode} is registered")
    return port


async def _port_writer(
    session: AsyncSession, viewer: Viewer, locode: str, field: str = "body.port"
) -> PortSystem:
    require_writer(viewer.identity)
    port = await _port(session, locode, field)
    communities = await RegistryRepository.from_session(session).community_ids_of_port(port.id)
    require_community(viewer, communities)
    return port


# -- KPI values ----------------------------------------------------------------------------


def _overlaps(a: tuple[date, date], b: tuple[date, date]) -> bool:
    return a[0] <= b[1] and b[0] <= a[1]


async def _validated(
    session: AsyncSession, port: PortSystem, items: list[KpiValueIn], prefix: str, revision: bool
) -> list[tuple[KpiValueIn, float, int]]:
    """Each item with its value in catalogue units and its vintage; all errors at once."""
    repo = BenchmarkRepository.from_session(session)
    catalogue = await repo.kpis()
    await repo.lock_port(port.id)
    existing = await repo.periods(port.id, [i.kpi_code for i in items])
    errors: list[tuple[str, str]] = []
    conflicts: list[tuple[str, str]] = []
    out: list[tuple[KpiValueIn, float, int]] = []
    seen: dict[str, list[tuple[date, date]]] = defaultdict(list)
    for n, item in enumerate(items):
        where = f"{prefix}{n}." if prefix else "body."
        kpi = catalogue.get(item.kpi_code)
        if kpi is None:
            errors.append((f"{where}kpi_code", f"no KPI {item.kpi_code!r} in the catalogue"))
            continue
        factor = conversion_factor(item.unit, kpi.unit)
        if factor is None:
            errors.append(
                (
                    f"{where}unit",
                    f"{item.kpi_code} is measured in {kpi.unit}; accepted units: "
                    + ", ".join(accepted_units(kpi.unit)),
                )
            )
            continue
        value = item.value * factor
        if not kpi.plausible_min <= value <= kpi.plausible_max:
            errors.append(
                (
                    f"{where}value",
                    f"{value:g} {kpi.unit} is outside the plausible range "
                    f"{kpi.plausible_min:g}–{kpi.plausible_max:g} {kpi.unit}",
                )
            )
            continue
        period = (item.period_start, item.period_end)
        if any(_overlaps(period, p) for p in seen[item.kpi_code]):
            errors.append((f"{where}period_start", "overlaps another item of this request"))
            continue
        seen[item.kpi_code].append(period)
        same = [v for s, e, v in existing.get(item.kpi_code, []) if (s, e) == period]
        other = [(s, e) for s, e, _ in existing.get(item.kpi_code, []) if (s, e) != period]
        if any(_overlaps(period, p) for p in other):
            errors.append(
                (
                    f"{where}period_start",
                    f"the period overlaps a stored period of {item.kpi_code} for {port.locode}",
                )
            )
            continue
        if revision:
            if not same:
                errors.append((f"{where}period_start", "no earlier value to revise"))
                continue
            out.append((item, value, same[0] + 1))
        else:
            if same:
                conflicts.append(
                    (
                        f"{where}period_start",
                        f"{item.kpi_code} for {port.locode} {period[0]}–{period[1]} exists; "
                        "submit a revision instead",
                    )
                )
                continue
            out.append((item, value, 1))
    if errors:
        raise invalid_many(errors, code="invalid_kpi_value")
    if conflicts:
        name, reason = conflicts[0]
        raise conflict(name, reason, code="duplicate_kpi_value")
    return out


async def submit_values(
    session: AsyncSession, viewer: Viewer, body: KpiSubmission
) -> list[tuple[KpiValue, str]]:
    port = await _port_writer(session, viewer, body.port)
    checked = await _validated(session, port, body.items, "body.items.", revision=False)
    return await _store(session, viewer, port, checked)


async def revise_value(
    session: AsyncSession, viewer: Viewer, body: KpiRevision
) -> tuple[KpiValue, str]:
    port = await _port_writer(session, viewer, body.port)
    checked = await _validated(session, port, [body], "", revision=True)
    return (await _store(session, viewer, port, checked))[0]


async def _store(
    session: AsyncSession,
    viewer: Viewer,
    port: PortSystem,
    checked: list[tuple[KpiValueIn, float, int]],
) -> list[tuple[KpiValue, str]]:
    catalogue = await BenchmarkRepository.from_session(session).kpis()
    rows = [
        KpiValue(
            port_system_id=port.id,
            kpi_code=item.kpi_code,
            period_start=item.period_start,
            period_end=item.period_end,
            value=value,
            unit=catalogue[item.kpi_code].unit,
            vintage=vintage,
            source=ValueSource.submitted,
            note=item.note,
            recorded_by=viewer.identity.subject or "unknown",
        )
        for item, value, vintage in checked
    ]
    await BenchmarkRepository.from_session(session).add_all(rows)
    return [(r, port.locode) for r in rows]


# -- call records, derived KPIs, CPPI ------------------------------------------------------


async def store_calls(session: AsyncSession, viewer: Viewer, body: CallBatch) -> int:
    port = await _port_writer(session, viewer, body.port)
    errors: list[tuple[str, str]] = []
    keys: set[tuple[str, datetime]] = set()
    order = ("arrival", "all_fast", "last_line", "departure")
    for n, call in enumerate(body.calls):
        times = [getattr(call, f) for f in order]
        for earlier, later, name in zip(times, times[1:], order[1:], strict=False):
            if later < earlier:
                previous = order[order.index(name) - 1]
                errors.append((f"body.calls.{n}.{name}", f"{name} is before {previous}"))
                break
        key = (call.vessel_id, call.arrival)
        if key in keys:
            errors.append((f"body.calls.{n}.arrival", "the same call appears twice in the batch"))
        keys.add(key)
    if errors:
        raise invalid_many(errors, code="invalid_call_record")
    repo = BenchmarkRepository.from_session(session)
    await repo.lock_port(port.id)
    existing = await repo.existing_calls(port.id, list(keys))
    for n, call in enumerate(body.calls):
        if (call.vessel_id, call.arrival) in existing:
            raise conflict(
                f"body.calls.{n}.arrival",
                f"a call of {call.vessel_id} arriving {call.arrival.isoformat()} is stored",
                code="duplicate_call_record",
            )
    await repo.add_all(
        [
            CallRecord(
                port_system_id=port.id,
                recorded_by=viewer.identity.subject or "unknown",
                **call.model_dump(),
            )
            for call in body.calls
        ]
    )
    return len(body.calls)


def _window(start: date, end: date) -> tuple[datetime, datetime]:
    if end < start:
        raise invalid("query.end", "end must not be before start")
    return (
        datetime.combine(start, time.min, UTC),
        datetime.combine(end + timedelta(days=1), time.min, UTC),
    )


def _hours(delta: timedelta) -> float:
    return delta.total_seconds() / 3600


def derive(calls: list[CallRecord]) -> list[DerivedKpi]:
    """The KPIs the catalogue defines on call records, from the records themselves."""
    n = len(calls)

    def mean(values: list[float]) -> float | None:
        return float(np.mean(values)) if values else None

    berth = [_hours(c.last_line - c.all_fast) for c in calls]
    moves = sum(c.moves for c in calls)
    with_cranes = [c for c in calls if c.crane_hours]
    crane_hours = sum(c.crane_hours or 0.0 for c in with_cranes)
    return [
        DerivedKpi(
            kpi_code="ship_turnaround",
            unit="h",
            value=mean([_hours(c.departure - c.arrival) for c in calls]),
            calls=n,
        ),
        DerivedKpi(
            kpi_code="waiting_time",
            unit="h",
            value=mean([_hours(c.all_fast - c.arrival) for c in calls]),
            calls=n,
        ),
        DerivedKpi(kpi_code="berth_time", unit="h", value=mean(berth), calls=n),
        DerivedKpi(
            kpi_code="berth_productivity",
            unit="moves/h",
            value=moves / sum(berth) if sum(berth) > 0 else None,
            calls=n,
        ),
        DerivedKpi(
            kpi_code="gross_crane_productivity",
            unit="moves/h",
            value=sum(c.moves for c in with_cranes) / crane_hours if crane_hours else None,
            calls=len(with_cranes),
        ),
    ]


async def derived_kpis(session: AsyncSession, locode: str, start: date, end: date) -> DerivedKpis:
    port = await _port(session, locode, "path.locode")
    low, high = _window(start, end)
    rows = await BenchmarkRepository.from_session(session).calls(port.id, low, high)
    calls = [c for c, _ in rows]
    return DerivedKpis(
        port=port.locode, period_start=start, period_end=end, calls=len(calls), kpis=derive(calls)
    )


async def port_hours_index(session: AsyncSession, start: date, end: date) -> CppiRead:
    low, high = _window(start, end)
    rows = await BenchmarkRepository.from_session(session).calls(None, low, high)
    calls = [
        cppi.Call(locode, c.vessel_teu, c.moves, _hours(c.departure - c.arrival))
        for c, locode in rows
    ]
    result = await anyio.to_thread.run_sync(cppi.compute, calls)
    ranks = stats.competition_ranks([p.index for p in result.ports])
    factor = [p.factor_score for p in result.ports]
    factor_ranks: list[int | None] = [None] * len(factor)
    if all(f is not None for f in factor) and factor:
        factor_ranks = list(stats.competition_ranks([float(f or 0.0) for f in factor]))
    return CppiRead(
        period_start=start,
        period_end=end,
        ports=[
            CppiPort(
                port=str(p.port),
                calls=p.calls,
                index=p.index,
                rank=rank,
                factor_score=p.factor_score,
                factor_rank=frank,
                mean_port_hours=p.mean_port_hours,
                by_size_group=p.by_size_group,
            )
            for p, rank, frank in zip(result.ports, ranks, factor_ranks, strict=True)
        ],
        cell_averages=result.cell_averages,
        factor_cells=result.factor_cells,
        factor_loadings=result.factor_loadings,
    )


# -- composite rounds ----------------------------------------------------------------------


async def create_round(session: AsyncSession, viewer: Viewer, body: RoundCreate) -> BenchmarkRound:
    require_staff(viewer.identity)
    repo = BenchmarkRepository.from_session(session)
    catalogue = await repo.kpis()
    unknown = [code for code in body.weights if code not in catalogue]
    if unknown:
        raise invalid_many([(f"body.weights.{c}", "no such KPI in the catalogue") for c in unknown])
    if await repo.round_by_code(body.code) is not None:
        raise conflict("body.code", f"a round {body.code!r} exists")
    row = BenchmarkRound(**body.model_dump(), status=RoundStatus.draft)
    await repo.add(row)
    return row


def _size_band(teu: float | None) -> str:
    if teu is None:
        return "unknown size"
    return next(label for label, upper in SIZE_BANDS if teu < upper)


async def _compute_round(session: AsyncSession, row: BenchmarkRound) -> list[RoundPort]:
    repo = BenchmarkRepository.from_session(session)
    catalogue = await repo.kpis()
    weights: dict[str, float] = {k: float(v) for k, v in row.weights.items()}
    codes = set(weights) | {"container_throughput"}
    per_port: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for value, locode in await repo.values(
        port_system_id=None,
        kpi_code=None,
        all_vintages=False,
        within=(row.period_start, row.period_end),
    ):
        if value.kpi_code in codes:
            per_port[locode][value.kpi_code].append(value.value)
    components = {
        port: {code: float(np.mean(v)) for code, v in kpis.items() if code in weights}
        for port, kpis in per_port.items()
    }
    ports = sorted(p for p, c in components.items() if c)
    if not ports:
        return []
    normalised: dict[str, dict[str, float]] = {p: {} for p in ports}
    for code in weights:
        having = [p for p in ports if code in components[p]]
        if not having:
            continue
        scores = stats.normalise(
            [components[p][code] for p in having],
            row.normalisation,
            higher_is_better=catalogue[code].higher_is_better,
        )
        for p, score in zip(having, scores, strict=True):
            normalised[p][code] = float(score)
    total = sum(weights.values())
    composite = {
        p: sum(weights[c] * v for c, v in normalised[p].items())
        / sum(weights[c] for c in normalised[p])
        for p in ports
    }
    years = max(1.0, ((row.period_end - row.period_start).days + 1) / 365.25)
    bands = {}
    for p in ports:
        teu = per_port[p].get("container_throughput")
        bands[p] = _size_band(sum(teu) / years if teu else None)
    ranks = stats.competition_ranks([composite[p] for p in ports])
    peer_ranks: dict[str, int] = {}
    for band in set(bands.values()):
        members = [p for p in ports if bands[p] == band]
        for p, r in zip(
            members, stats.competition_ranks([composite[p] for p in members]), strict=True
        ):
            peer_ranks[p] = r
    results = [
        RoundPort(
            port=p,
            composite=composite[p],
            rank=rank,
            peer_group=bands[p],
            peer_rank=peer_ranks[p],
            coverage=sum(weights[c] for c in normalised[p]) / total,
            components=components[p],
            normalised=normalised[p],
        )
        for p, rank in zip(ports, ranks, strict=True)
    ]
    return sorted(results, key=lambda r: (r.rank, r.port))


async def round_view(session: AsyncSession, code: str) -> RoundRead:
    repo = BenchmarkRepository.from_session(session)
    row = await repo.round_by_code(code)
    if row is None:
        raise NotFoundError(f"No benchmark round {code!r}.")
    if row.status == RoundStatus.published and row.results is not None:
        results = [RoundPort.model_validate(r) for r in row.results]
    else:
        results = await _compute_round(session, row)
    previous = await repo.previous_published(row.period_start)
    if previous is not None and previous.results:
        before = {r["port"]: r for r in previous.results}
        for result in results:
            if result.port in before:
                result.previous_composite = float(before[result.port]["composite"])
                result.rank_change = int(before[result.port]["rank"]) - result.rank
    return RoundRead(
        id=row.id,
        code=row.code,
        title=row.title,
        year=row.year,
        period_start=row.period_start,
        period_end=row.period_end,
        normalisation=row.normalisation,
        weights={k: float(v) for k, v in row.weights.items()},
        status=row.status,
        published_at=row.published_at,
        previous_round=previous.code if previous else None,
        results=results,
    )


async def publish_round(session: AsyncSession, viewer: Viewer, code: str) -> RoundRead:
    require_staff(viewer.identity)
    repo = BenchmarkRepository.from_session(session)
    found = await repo.round_by_code(code)
    if found is None:
        raise NotFoundError(f"No benchmark round {code!r}.")
    row = await repo.lock_round(found.id)
    assert row is not None
    if row.status == RoundStatus.published:
        raise conflict("path.code", "the round is already published", code="round_published")
    results = await _compute_round(session, row)
    if not results:
        raise invalid("path.code", "no KPI values fall in the round's period; nothing to publish")
    row.results = [r.model_dump(mode="json") for r in results]
    row.status = RoundStatus.published
    row.published_at = datetime.now(UTC)
    await session.flush()
    await record_event(
        session,
        BenchmarkPublished(
            benchmark_id=str(row.id),
            year=row.year,
            port_systems=[r.port for r in results],
            indicators=sorted(row.weights),
        ),
        source=SOURCE,
    )
    return await round_view(session, code)


async def trend(session: AsyncSession, locode: str, kpi_code: str) -> TrendRead:
    port = await _port(session, locode, "path.locode")
    repo = BenchmarkRepository.from_session(session)
    catalogue = await repo.kpis()
    if kpi_code not in catalogue:
        raise invalid("query.kpi", f"no KPI {kpi_code!r} in the catalogue")
    rows = await repo.values(port_system_id=port.id, kpi_code=kpi_code, all_vintages=False)
    points = [
        TrendPoint(
            period_start=v.period_start, period_end=v.period_end, value=v.value, vintage=v.vintage
        )
        for v, _ in rows
    ]
    xy = [(p.period_start.toordinal() / 365.25, p.value) for p in points]
    change = None
    if len(points) >= 2 and points[-2].value != 0:
        change = (points[-1].value - points[-2].value) / abs(points[-2].value)
    return TrendRead(
        port=port.locode,
        kpi_code=kpi_code,
        unit=catalogue[kpi_code].unit,
        points=points,
        slope_per_year=stats.slope_per_year(xy),
        change_last=change,
    )


# -- DEA -----------------------------------------------------------------------------------


async def run_dea(body: DeaRequest) -> DeaRead:
    m, s = len(body.dmus[0].inputs), len(body.dmus[0].outputs)
    errors = []
    for n, dmu in enumerate(body.dmus):
        if len(dmu.inputs) != m:
            errors.append((f"body.dmus.{n}.inputs", f"expected {m} inputs like the first DMU"))
        if len(dmu.outputs) != s:
            errors.append((f"body.dmus.{n}.outputs", f"expected {s} outputs like the first DMU"))
        if any(v <= 0 for v in dmu.inputs):
            errors.append((f"body.dmus.{n}.inputs", "inputs must be positive"))
        if any(v < 0 for v in dmu.outputs):
            errors.append((f"body.dmus.{n}.outputs", "outputs must not be negative"))
    names = [d.name for d in body.dmus]
    if len(set(names)) != len(names):
        errors.append(("body.dmus", "DMU names must be unique"))
    if errors:
        raise invalid_many(errors, code="invalid_dea_data")

    def solve() -> dea.DeaResult:
        return dea.dea(
            [d.inputs for d in body.dmus],
            [d.outputs for d in body.dmus],
            rts=body.rts,
            orientation=body.orientation,
            super_efficiency=body.super_efficiency,
            scale_efficiency=body.scale_efficiency,
        )

    try:
        result = await anyio.to_thread.run_sync(solve)
    except dea.DeaInputError as exc:
        raise invalid(f"body.dmus.{exc.field}", exc.reason, code="invalid_dea_data") from exc
    return DeaRead(
        rts=result.rts,
        orientation=result.orientation,
        dmus=[
            DmuRead(
                name=names[r.index],
                efficiency=r.efficiency,
                score=r.score,
                efficient=r.efficient,
                slacks_input=r.slacks_input,
                slacks_output=r.slacks_output,
                target_input=r.target_input,
                target_output=r.target_output,
                peers={names[j]: w for j, w in sorted(r.lambdas.items())},
                super_efficiency=r.super_efficiency,
                scale_efficiency=r.scale_efficiency,
            )
            for r in result.dmus
        ],
    )


async def round_dea(session: AsyncSession, code: str, body: RoundDeaRequest) -> DeaRead:
    """DEA of the ports of a round, with KPI means over the round period as inputs/outputs."""
    repo = BenchmarkRepository.from_session(session)
    row = await repo.round_by_code(code)
    if row is None:
        raise NotFoundError(f"No benchmark round {code!r}.")
    catalogue = await repo.kpis()
    for part, codes in (("inputs", body.inputs), ("outputs", body.outputs)):
        for n, kpi in enumerate(codes):
            if kpi not in catalogue:
                raise invalid(f"body.{part}.{n}", f"no KPI {kpi!r} in the catalogue")
    wanted = set(body.inputs) | set(body.outputs)
    per_port: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for value, locode in await repo.values(
        port_system_id=None,
        kpi_code=None,
        all_vintages=False,
        within=(row.period_start, row.period_end),
    ):
        if value.kpi_code in wanted:
            per_port[locode][value.kpi_code].append(value.value)
    complete = sorted(p for p, kpis in per_port.items() if wanted <= kpis.keys())
    if len(complete) < 2:
        raise invalid(
            "body.inputs",
            f"{len(complete)} port(s) have all of these KPIs in the round's period; DEA needs two",
        )

    def means(port: str, codes: list[str]) -> list[float]:
        return [float(np.mean(per_port[port][c])) for c in codes]

    return await run_dea(
        DeaRequest(
            dmus=[
                DmuIn(name=p, inputs=means(p, body.inputs), outputs=means(p, body.outputs))
                for p in complete
            ],
            rts=body.rts,
            orientation=body.orientation,
            super_efficiency=body.super_efficiency,
            scale_efficiency=body.scale_efficiency,
        )
    )


# -- surveys -------------------------------------------------------------------------------


async def create_survey(session: AsyncSession, viewer: Viewer, body: SurveyCreate) -> Survey:
    require_staff(viewer.identity)
    repo = BenchmarkRepository.from_session(session)
    if await repo.survey_by_code(body.code) is not None:
        raise conflict("body.code", f"a survey {body.code!r} exists")
    codes = [q.code for q in body.questions]
    duplicates = sorted({c for c in codes if codes.count(c) > 1})
    if duplicates:
        raise invalid("body.questions", "question codes repeat: " + ", ".join(duplicates))
    survey = Survey(
        code=body.code, title=body.title, scale_min=body.scale_min, scale_max=body.scale_max
    )
    await repo.add(survey)
    await repo.add_all(
        [SurveyQuestion(survey_id=survey.id, **q.model_dump()) for q in body.questions]
    )
    return survey


async def survey(session: AsyncSession, code: str) -> tuple[Survey, list[SurveyQuestion]]:
    repo = BenchmarkRepository.from_session(session)
    row = await repo.survey_by_code(code)
    if row is None:
        raise NotFoundError(f"No survey {code!r}.")
    return row, list(await repo.questions(row.id))


async def respond(
    session: AsyncSession, viewer: Viewer, code: str, body: ResponseIn
) -> SurveyResponse:
    require_writer(viewer.identity)
    row, questions = await survey(session, code)
    if not row.open:
        raise conflict("path.code", "the survey is closed", code="survey_closed")
    by_code = {q.code: q for q in questions}
    errors = []
    for key, value in body.answers.items():
        if key not in by_code:
            errors.append((f"body.answers.{key}", "no such question in this survey"))
        elif not row.scale_min <= value <= row.scale_max:
            errors.append(
                (f"body.answers.{key}", f"answers range from {row.scale_min} to {row.scale_max}")
            )
    if errors:
        raise invalid_many(errors, code="invalid_answer")
    port_id = (await _port(session, body.port)).id if body.port else None
    response = SurveyResponse(
        survey_id=row.id,
        port_system_id=port_id,
        respondent_kind=body.respondent_kind,
        submitted_by=viewer.identity.subject or "unknown",
    )
    repo = BenchmarkRepository.from_session(session)
    await repo.add(response)
    await repo.add_all(
        [
            SurveyAnswer(response_id=response.id, question_id=by_code[k].id, value=v)
            for k, v in body.answers.items()
        ]
    )
    return response


async def survey_results(
    session: AsyncSession, code: str, by_port: bool, level: float
) -> SurveyResults:
    row, _ = await survey(session, code)
    groups: dict[tuple[str, str | None], list[tuple[uuid.UUID, int]]] = defaultdict(list)
    for pillar, locode, response_id, value in await BenchmarkRepository.from_session(
        session
    ).answers(row.id):
        groups[(pillar, locode if by_port else None)].append((response_id, value))
    pillars = []
    for (pillar, port), answers in sorted(
        groups.items(), key=lambda kv: (kv[0][0], kv[0][1] or "")
    ):
        # A respondent's pillar score is the mean of their answers in that pillar; the
        # interval is over respondents, not answers, which are not independent.
        per_response: dict[uuid.UUID, list[int]] = defaultdict(list)
        for response_id, value in answers:
            per_response[response_id].append(value)
        scores = [float(np.mean(v)) for v in per_response.values()]
        mean, sd, low, high = stats.mean_ci(scores, level)
        pillars.append(
            PillarResult(
                pillar=pillar,
                port=port,
                responses=len(scores),
                answers=len(answers),
                mean=mean,
                sd=sd,
                ci_low=low,
                ci_high=high,
            )
        )
    return SurveyResults(survey=row.code, level=level, pillars=pillars)


# -- land-interface census -----------------------------------------------------------------


async def create_census(session: AsyncSession, viewer: Viewer, body: CensusCreate) -> Census:
    port = await _port_writer(session, viewer, body.port)
    row = Census(
        port_system_id=port.id, title=body.title, starts_at=body.starts_at, ends_at=body.ends_at
    )
    await BenchmarkRepository.from_session(session).add(row)
    return row


async def census(session: AsyncSession, census_id: uuid.UUID) -> tuple[Census, str]:
    found = await BenchmarkRepository.from_session(session).census(census_id)
    if found is None:
        raise NotFoundError(f"No census {census_id}.")
    return found


async def add_visits(
    session: AsyncSession, viewer: Viewer, census_id: uuid.UUID, body: TruckVisitBatch
) -> int:
    row, locode = await census(session, census_id)
    await _port_writer(session, viewer, locode, "path.census_id")
    errors: list[tuple[str, str]] = []
    for n, visit in enumerate(body.visits):
        if visit.gate_out < visit.gate_in:
            errors.append((f"body.visits.{n}.gate_out", "gate_out is before gate_in"))
        elif visit.queue_arrival is not None and visit.queue_arrival > visit.gate_in:
            errors.append((f"body.visits.{n}.queue_arrival", "queue_arrival is after gate_in"))
        elif not row.starts_at <= visit.gate_in <= row.ends_at:
            errors.append((f"body.visits.{n}.gate_in", "gate_in is outside the census period"))
    if errors:
        raise invalid_many(errors, code="invalid_truck_visit")
    await BenchmarkRepository.from_session(session).add_all(
        [TruckVisit(census_id=row.id, **v.model_dump()) for v in body.visits]
    )
    return len(body.visits)


async def census_summary(session: AsyncSession, census_id: uuid.UUID) -> CensusSummary:
    row, locode = await census(session, census_id)
    visits = await BenchmarkRepository.from_session(session).visits(row.id)
    turnaround = [(v.gate_out - v.gate_in).total_seconds() / 60 for v in visits]
    queue = [
        (v.gate_in - v.queue_arrival).total_seconds() / 60
        for v in visits
        if v.queue_arrival is not None
    ]
    return CensusSummary(
        census_id=row.id,
        port=locode,
        truck_visits=len(visits),
        container_movements=sum(v.containers_in + v.containers_out for v in visits),
        turnaround_minutes_median=stats.percentile(turnaround, 50),
        turnaround_minutes_p90=stats.percentile(turnaround, 90),
        queue_minutes_median=stats.percentile(queue, 50),
        queue_minutes_p90=stats.percentile(queue, 90),
        visits_with_queue_time=len(queue),
    )
