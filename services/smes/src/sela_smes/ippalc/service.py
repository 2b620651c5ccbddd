"""IPPALC use cases: editions, assessments, answers, reconciliation, states, scores, results."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

import pycountry
from sqlalchemy.ext.asyncio import AsyncSession

from sela_contracts.smes import IppalcPublished
from sela_kit.errors import ConflictError, NotFoundError
from sela_kit.identity import Identity
from sela_kit.messaging.outbox import record_event
from sela_smes.ippalc import access, framework
from sela_smes.ippalc.models import (
    Answer,
    Assessment,
    AuditEntry,
    Edition,
    Questionnaire,
    ReportedResult,
    State,
)
from sela_smes.ippalc.problems import conflict, invalid, invalid_many
from sela_smes.ippalc.repository import IppalcRepository
from sela_smes.ippalc.schemas import (
    AnswerIn,
    AssessmentCreate,
    AssessmentRead,
    AxisRead,
    CountryResult,
    EditionSummary,
    ReconciliationItem,
    ReconciliationRead,
    RegionalAverage,
    ReportedResultCreate,
    ReportedResultRead,
    ResultsRead,
)

SOURCE = "smes"

# The workflow: who may move an assessment where is checked in transition().
TRANSITIONS: dict[State, frozenset[State]] = {
    State.draft: frozenset({State.submitted}),
    State.submitted: frozenset({State.under_review, State.draft}),
    State.under_review: frozenset({State.validated, State.draft}),
    State.validated: frozenset({State.published, State.under_review}),
    State.published: frozenset(),
}
# In which state each questionnaire can still be answered.
EDITABLE_IN = {
    Questionnaire.government: State.draft,
    Questionnaire.evaluator: State.draft,
    Questionnaire.reconciled: State.under_review,
}


def _actor(identity: Identity) -> str | None:
    return identity.subject or identity.name


def _audit(
    assessment: Assessment,
    identity: Identity,
    action: str,
    detail: dict[str, Any],
    *,
    from_state: State | None = None,
    to_state: State | None = None,
) -> AuditEntry:
    return AuditEntry(
        assessment_id=assessment.id,
        at=datetime.now(UTC),
        actor=_actor(identity),
        roles=sorted(identity.roles),
        action=action,
        from_state=from_state,
        to_state=to_state,
        detail=detail,
    )


def parse_edition(data: dict[str, Any]) -> framework.Edition:
    return framework.Edition.model_validate(data)


def summary(row: Edition) -> EditionSummary:
    edition = parse_edition(row.framework)
    questions = edition.questions().values()
    return EditionSummary(
        code=row.code,
        title=row.title,
        description=edition.description,
        dimensions=[d.code for d in edition.dimensions],
        subdimensions=sum(len(d.subdimensions) for d in edition.dimensions),
        questions=len(questions),
        scored_questions=sum(1 for q in questions if q.scored),
        created_at=row.created_at,
    )


# Editions -------------------------------------------------------------------------------------


async def create_edition(
    session: AsyncSession, identity: Identity, edition: framework.Edition
) -> Edition:
    access.require_staff(identity)
    repo = IppalcRepository.from_session(session)
    if await repo.edition_by_code(edition.code) is not None:
        raise conflict("body.code", f"an edition {edition.code!r} exists; editions never change")
    row = Edition(
        code=edition.code,
        title=edition.title,
        framework=edition.model_dump(mode="json"),
        created_by=_actor(identity),
    )
    await repo.add(row)
    await session.refresh(row)
    return row


async def edition_row(session: AsyncSession, code: str) -> Edition:
    row = await IppalcRepository.from_session(session).edition_by_code(code)
    if row is None:
        raise NotFoundError(f"No IPPALC edition {code!r}.")
    return row


async def ensure_edition(session: AsyncSession, data: dict[str, Any]) -> Edition:
    """Store an edition unless one with its code exists (loaders, demo)."""
    edition = parse_edition(data)
    repo = IppalcRepository.from_session(session)
    existing = await repo.edition_by_code(edition.code)
    if existing is not None:
        return existing
    row = Edition(
        code=edition.code,
        title=edition.title,
        framework=edition.model_dump(mode="json"),
        created_by="loader",
    )
    await repo.add(row)
    return row


# Assessments ----------------------------------------------------------------------------------


def country_code(value: str, name: str = "body.country") -> str:
    code = value.strip().upper()
    if len(code) != 3 or pycountry.countries.get(alpha_3=code) is None:
        raise invalid(name, f"{value!r} is not an ISO 3166 alpha-3 country code")
    return code


async def read(session: AsyncSession, assessment: Assessment) -> AssessmentRead:
    editions = await IppalcRepository.from_session(session).editions_by_ids([assessment.edition_id])
    return _read(assessment, editions[assessment.edition_id].code)


def _read(assessment: Assessment, edition: str) -> AssessmentRead:
    return AssessmentRead(
        id=assessment.id,
        edition=edition,
        country=assessment.country,
        round=assessment.round,
        state=assessment.state,
        label=assessment.label,
        created_at=assessment.created_at,
        updated_at=assessment.updated_at,
        published_at=assessment.published_at,
    )


async def create_assessment(
    session: AsyncSession, identity: Identity, body: AssessmentCreate
) -> AssessmentRead:
    access.require_staff(identity)
    country = country_code(body.country)
    repo = IppalcRepository.from_session(session)
    edition = await repo.edition_by_code(body.edition)
    if edition is None:
        raise invalid("body.edition", f"no IPPALC edition {body.edition!r}")
    if await repo.assessment_for(country, body.round) is not None:
        raise conflict("body.round", f"{country} already has an assessment in round {body.round}")
    row = Assessment(
        edition_id=edition.id,
        country=country,
        round=body.round,
        state=State.draft,
        label=body.label,
    )
    await repo.add(row)
    await repo.add(
        _audit(row, identity, "created", {"edition": edition.code}, to_state=State.draft)
    )
    await session.refresh(row)
    return _read(row, edition.code)


async def visible_assessment(
    session: AsyncSession, identity: Identity, assessment_id: uuid.UUID, *, lock: bool = False
) -> Assessment:
    row = await IppalcRepository.from_session(session).get_assessment(assessment_id, lock=lock)
    return access.require_visible(identity, row)


async def list_assessments(
    session: AsyncSession,
    identity: Identity,
    rounds: Sequence[str],
    countries: Sequence[str],
    state: State | None,
) -> list[AssessmentRead]:
    codes = [country_code(c, f"query.country.{i}") for i, c in enumerate(countries)]
    repo = IppalcRepository.from_session(session)
    rows = await repo.list_assessments(
        staff=access.is_staff(identity),
        own_country=access.own_country(identity),
        round_=rounds,
        country=codes,
        state=state,
    )
    editions = await repo.editions_by_ids(list({r.edition_id for r in rows}))
    return [_read(r, editions[r.edition_id].code) for r in rows]


async def framework_of(session: AsyncSession, assessment: Assessment) -> framework.Edition:
    repo = IppalcRepository.from_session(session)
    row = (await repo.editions_by_ids([assessment.edition_id]))[assessment.edition_id]
    return parse_edition(row.framework)


# Answers --------------------------------------------------------------------------------------


def _locked(assessment: Assessment, questionnaire: Questionnaire) -> ConflictError:
    if assessment.state == State.published:
        return ConflictError(
            "The assessment is published; its answers can no longer change.",
            code="assessment_published",
        )
    needed = EDITABLE_IN[questionnaire]
    return ConflictError(
        f"The {questionnaire.value} questionnaire can be answered only while the assessment is "
        f"{needed.value}; it is {assessment.state.value}.",
        code="assessment_locked",
        extra={"state": assessment.state.value, "editable_in": needed.value},
    )


async def set_answers(
    session: AsyncSession,
    identity: Identity,
    assessment_id: uuid.UUID,
    questionnaire: Questionnaire,
    answers: Sequence[AnswerIn],
) -> Sequence[Answer]:
    """Record a batch of answers: all of them, or (on any invalid one) none."""
    assessment = await visible_assessment(session, identity, assessment_id, lock=True)
    access.require_editor(identity, assessment, questionnaire)
    if assessment.state != EDITABLE_IN[questionnaire]:
        raise _locked(assessment, questionnaire)
    edition = await framework_of(session, assessment)
    questions = edition.questions()
    errors: list[tuple[str, str]] = []
    seen: set[str] = set()
    rows: list[dict[str, Any]] = []
    for i, answer in enumerate(answers):
        question = questions.get(answer.question)
        if question is None:
            errors.append(
                (f"body.answers.{i}.question", f"no question {answer.question!r} in edition "
                 f"{edition.code}")
            )  # fmt: skip
            continue
        if answer.question in seen:
            errors.append((f"body.answers.{i}.question", "answered twice in this request"))
            continue
        seen.add(answer.question)
        reason = framework.check_answer(question, answer.value)
        if reason is not None:
            errors.append((f"body.answers.{i}.value", reason))
            continue
        rows.append(
            {
                "question": answer.question,
                "value": answer.value,
                "evidence": answer.evidence,
                "comments": answer.comments,
            }
        )
    if errors:
        raise invalid_many(errors, code="invalid_answer")
    repo = IppalcRepository.from_session(session)
    await repo.upsert_answers(assessment.id, questionnaire, rows, _actor(identity))
    await repo.add(
        _audit(
            assessment,
            identity,
            f"answers.{questionnaire.value}",
            {"questions": [r["question"] for r in rows]},
        )
    )
    return await repo.answers(assessment.id, questionnaire)


async def get_answers(
    session: AsyncSession,
    identity: Identity,
    assessment_id: uuid.UUID,
    questionnaire: Questionnaire,
) -> Sequence[Answer]:
    assessment = await visible_assessment(session, identity, assessment_id)
    access.require_readable(identity, assessment, questionnaire)
    return await IppalcRepository.from_session(session).answers(assessment.id, questionnaire)


# Reconciliation -------------------------------------------------------------------------------


async def reconciliation(
    session: AsyncSession, identity: Identity, assessment_id: uuid.UUID
) -> ReconciliationRead:
    assessment = await visible_assessment(session, identity, assessment_id)
    for questionnaire in (Questionnaire.government, Questionnaire.evaluator):
        access.require_readable(identity, assessment, questionnaire)
    return await _reconciliation(session, assessment)


async def _reconciliation(session: AsyncSession, assessment: Assessment) -> ReconciliationRead:
    edition = await framework_of(session, assessment)
    by_kind: dict[Questionnaire, dict[str, Any]] = {q: {} for q in Questionnaire}
    for row in await IppalcRepository.from_session(session).answers(assessment.id):
        by_kind[row.questionnaire][row.question] = row.value
    items: list[ReconciliationItem] = []
    for code, question in edition.questions().items():
        gov = by_kind[Questionnaire.government].get(code)
        ev = by_kind[Questionnaire.evaluator].get(code)
        both = (
            code in by_kind[Questionnaire.government] and code in by_kind[Questionnaire.evaluator]
        )
        items.append(
            ReconciliationItem(
                question=code,
                scored=question.scored,
                government=gov,
                evaluator=ev,
                agreed=by_kind[Questionnaire.reconciled].get(code),
                agree=(gov == ev) if both else None,
            )
        )
    return ReconciliationRead(
        assessment_id=assessment.id,
        state=assessment.state,
        items=items,
        disagreements=[i.question for i in items if i.scored and i.agree is False],
        unreconciled=[
            i.question
            for i in items
            if i.scored and i.question not in by_kind[Questionnaire.reconciled]
        ],
    )


async def accept_agreements(
    session: AsyncSession, identity: Identity, assessment_id: uuid.UUID
) -> ReconciliationRead:
    """Take as agreed every scored answer both questionnaires give alike (staff, in review)."""
    assessment = await visible_assessment(session, identity, assessment_id, lock=True)
    access.require_editor(identity, assessment, Questionnaire.reconciled)
    if assessment.state != State.under_review:
        raise _locked(assessment, Questionnaire.reconciled)
    repo = IppalcRepository.from_session(session)
    rows = {(a.questionnaire, a.question): a for a in await repo.answers(assessment.id)}
    current = await _reconciliation(session, assessment)
    agreed: list[dict[str, Any]] = []
    for item in current.items:
        if not item.scored or item.agree is not True or item.agreed is not None:
            continue
        gov = rows[(Questionnaire.government, item.question)]
        ev = rows[(Questionnaire.evaluator, item.question)]
        evidence = "\n".join(
            f"{who}: {text}"
            for who, text in (("Government", gov.evidence), ("Evaluator", ev.evidence))
            if text
        )
        agreed.append(
            {
                "question": item.question,
                "value": item.government,
                "evidence": evidence or None,
                "comments": "Both questionnaires give this answer.",
            }
        )
    await repo.upsert_answers(assessment.id, Questionnaire.reconciled, agreed, _actor(identity))
    await repo.add(
        _audit(
            assessment,
            identity,
            "answers.reconciled.agreements",
            {"questions": [r["question"] for r in agreed]},
        )
    )
    return await _reconciliation(session, assessment)


# States ---------------------------------------------------------------------------------------


def _missing(edition: framework.Edition, answered: set[str]) -> list[str]:
    return [c for c, q in edition.questions().items() if q.scored and c not in answered]


async def transition(
    session: AsyncSession,
    identity: Identity,
    assessment_id: uuid.UUID,
    to: State,
    note: str | None,
) -> AssessmentRead:
    assessment = await visible_assessment(session, identity, assessment_id, lock=True)
    if to == State.submitted and assessment.state == State.draft:
        access.require_submitter(identity, assessment)
    else:
        access.require_staff(identity)
    current = assessment.state
    if to not in TRANSITIONS[current]:
        allowed = sorted(s.value for s in TRANSITIONS[current])
        raise ConflictError(
            f"An assessment cannot go from {current.value} to {to.value}"
            + (f"; from {current.value} it can go to: {', '.join(allowed)}." if allowed else "."),
            code="illegal_transition",
            extra={"from": current.value, "to": to.value, "allowed": allowed},
        )
    edition = await framework_of(session, assessment)
    repo = IppalcRepository.from_session(session)
    answered: dict[Questionnaire, set[str]] = {q: set() for q in Questionnaire}
    for row in await repo.answers(assessment.id):
        answered[row.questionnaire].add(row.question)
    detail: dict[str, Any] = {"note": note} if note else {}
    if to == State.submitted:
        missing = {
            q.value: _missing(edition, answered[q])
            for q in (Questionnaire.government, Questionnaire.evaluator)
        }
        if any(missing.values()):
            raise ConflictError(
                "Both questionnaires must answer every scored question before submission: "
                + "; ".join(f"{k} lacks {len(v)}" for k, v in missing.items() if v),
                code="questionnaires_incomplete",
                extra={"missing": missing},
            )
    if to == State.validated:
        missing_agreed = _missing(edition, answered[Questionnaire.reconciled])
        if missing_agreed:
            raise ConflictError(
                f"{len(missing_agreed)} scored question(s) have no agreed answer yet.",
                code="reconciliation_incomplete",
                extra={"missing": missing_agreed},
            )
    assessment.state = to
    if to == State.published:
        values = (await repo.answers_of_many([assessment.id], Questionnaire.reconciled))[
            assessment.id
        ]
        scores = framework.score(edition, values)
        assessment.published_at = datetime.now(UTC)
        detail["overall"] = scores.overall
        await record_event(
            session,
            IppalcPublished(
                assessment_id=str(assessment.id),
                edition=edition.code,
                country=assessment.country,
                overall=scores.overall,
                dimensions=scores.by_dimension(),
            ),
            source=SOURCE,
        )
    await repo.add(_audit(assessment, identity, "state", detail, from_state=current, to_state=to))
    await session.refresh(assessment)
    return _read(assessment, edition.code)


async def audit(
    session: AsyncSession, identity: Identity, assessment_id: uuid.UUID
) -> Sequence[AuditEntry]:
    assessment = await visible_assessment(session, identity, assessment_id)
    if not (access.is_staff(identity) or access.of_country(identity, assessment)):
        access.require_staff(identity)
    return await IppalcRepository.from_session(session).audit(assessment.id)


# Scores and results ---------------------------------------------------------------------------


async def scores(
    session: AsyncSession,
    identity: Identity,
    assessment_id: uuid.UUID,
    questionnaire: Questionnaire,
) -> tuple[Assessment, framework.Scores]:
    assessment = await visible_assessment(session, identity, assessment_id)
    access.require_readable(identity, assessment, questionnaire)
    edition = await framework_of(session, assessment)
    values = (
        await IppalcRepository.from_session(session).answers_of_many([assessment.id], questionnaire)
    )[assessment.id]
    return assessment, framework.score(edition, values)


@dataclass
class _Published:
    assessment: Assessment
    edition: framework.Edition
    scores: framework.Scores


async def results(
    session: AsyncSession, rounds: Sequence[str], countries: Sequence[str]
) -> ResultsRead:
    """Published reconciled scores by country and round, with each round's regional average
    (the plain mean over the countries shown that have the dimension)."""
    codes = [country_code(c, f"query.country.{i}") for i, c in enumerate(countries)]
    repo = IppalcRepository.from_session(session)
    rows = await repo.list_assessments(
        staff=False, own_country=None, round_=rounds, country=codes, state=State.published
    )
    editions = {
        k: (v.code, parse_edition(v.framework))
        for k, v in (await repo.editions_by_ids(list({r.edition_id for r in rows}))).items()
    }
    answers = await repo.answers_of_many([r.id for r in rows], Questionnaire.reconciled)
    published = [
        _Published(
            r, editions[r.edition_id][1], framework.score(editions[r.edition_id][1], answers[r.id])
        )
        for r in rows
    ]
    reported = await repo.reported(rounds, codes)
    reported_editions = await repo.editions_by_ids(list({r.edition_id for r in reported}))
    frameworks = [(p.assessment.round, p.edition) for p in published] + [
        (r.round, parse_edition(reported_editions[r.edition_id].framework)) for r in reported
    ]
    dimension_axes: dict[str, str] = {}
    sub_axes: dict[str, str] = {}
    for _, edition in sorted(frameworks, key=lambda f: f[0]):
        for d in edition.dimensions:
            dimension_axes.setdefault(d.code, d.name)
            for s in d.subdimensions:
                sub_axes.setdefault(s.code, s.name)
    results_ = [
        CountryResult(
            assessment_id=p.assessment.id,
            country=p.assessment.country,
            round=p.assessment.round,
            edition=p.edition.code,
            overall=p.scores.overall,
            dimensions=p.scores.by_dimension(),
            subdimensions={s.code: s.score for d in p.scores.dimensions for s in d.subdimensions},
        )
        for p in published
    ]
    averages = [
        _average(round_, [r for r in results_ if r.round == round_])
        for round_ in sorted({r.round for r in results_})
    ]
    return ResultsRead(
        rounds=sorted({r.round for r in results_} | {r.round for r in reported}),
        dimensions=[AxisRead(code=c, name=n) for c, n in dimension_axes.items()],
        subdimensions=[AxisRead(code=c, name=n) for c, n in sub_axes.items()],
        results=results_,
        regional_averages=averages,
        reported=[_reported(r, reported_editions[r.edition_id].code) for r in reported],
    )


def _reported(row: ReportedResult, edition: str) -> ReportedResultRead:
    return ReportedResultRead(
        id=row.id,
        edition=edition,
        round=row.round,
        country=row.country,
        source=row.source,
        overall=row.overall,
        dimensions=row.dimensions,
        subdimensions=row.subdimensions,
        created_at=row.created_at,
    )


async def create_reported(
    session: AsyncSession, identity: Identity, body: ReportedResultCreate
) -> ReportedResultRead:
    """Store scores as a report published them (staff); every code and score is checked
    against the edition."""
    access.require_staff(identity)
    country = None if body.country is None else country_code(body.country)
    row = await IppalcRepository.from_session(session).edition_by_code(body.edition)
    if row is None:
        raise invalid("body.edition", f"no IPPALC edition {body.edition!r}")
    edition = parse_edition(row.framework)
    low, high = edition.scale.min, edition.scale.max
    dims = {d.code for d in edition.dimensions}
    subs = {s.code for d in edition.dimensions for s in d.subdimensions}
    errors: list[tuple[str, str]] = []
    for field_name, values, known in (
        ("dimensions", body.dimensions, dims),
        ("subdimensions", body.subdimensions, subs),
    ):
        for code, value in values.items():
            if code not in known:
                errors.append((f"body.{field_name}.{code}", f"not in edition {edition.code}"))
            elif not low <= value <= high:
                errors.append((f"body.{field_name}.{code}", f"outside the scale {low}-{high}"))
    if body.overall is not None and not low <= body.overall <= high:
        errors.append(("body.overall", f"outside the scale {low}-{high}"))
    if body.overall is None and not body.dimensions and not body.subdimensions:
        errors.append(("body.dimensions", "give at least one score"))
    if errors:
        raise invalid_many(errors)
    repo = IppalcRepository.from_session(session)
    if await repo.reported_for(body.round, country) is not None:
        who = country or "the region"
        raise conflict("body.round", f"reported results of {who} in round {body.round} exist")
    reported = ReportedResult(
        edition_id=row.id,
        round=body.round,
        country=country,
        source=body.source,
        overall=body.overall,
        dimensions=body.dimensions,
        subdimensions=body.subdimensions,
        created_by=_actor(identity),
    )
    await repo.add(reported)
    await session.refresh(reported)
    return _reported(reported, edition.code)


def _mean_by_key(maps: Sequence[dict[str, float]]) -> dict[str, float]:
    sums: dict[str, list[float]] = {}
    for m in maps:
        for k, v in m.items():
            sums.setdefault(k, []).append(v)
    return {k: sum(v) / len(v) for k, v in sums.items()}


def _average(round_: str, rows: Sequence[CountryResult]) -> RegionalAverage:
    return RegionalAverage(
        round=round_,
        countries=sorted(r.country for r in rows),
        overall=sum(r.overall for r in rows) / len(rows),
        dimensions=_mean_by_key([r.dimensions for r in rows]),
        subdimensions=_mean_by_key([r.subdimensions for r in rows]),
    )


def scores_dict(s: framework.Scores) -> dict[str, Any]:
    return asdict(s)
