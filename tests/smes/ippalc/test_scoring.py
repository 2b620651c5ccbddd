"""Questionnaires worked by hand: every block, sub-dimension and dimension score asserted."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import pytest
from sqlalchemy import text

from sela_smes.ippalc import framework
from sela_testing.support import ServiceHarness
from tests.smes.ippalc.support import (
    BASE,
    SMALL_ANSWERS,
    anonymous,
    answers_body,
    create_assessment,
    evaluator,
    focal_point,
    move,
    ok,
    problem,
    small_edition,
    staff,
)

# Hand computation of SMALL_ANSWERS on small_edition() (scale 1-5, core questions weigh 2):
# A1 planning: a1p1 yes (core) 2 + a1p2 "some" 0.5 of 1 = 2.5 of 3 -> 1 + 4*2.5/3 = 13/3
# A1 implementation: a1i1 no = 0 of 1 -> 1;  A1 monitoring: a1m1 yes (core) 2 of 2 -> 5
# A1 = (40*13/3 + 40*1 + 20*5) / 100 = 47/15;  the open question a1o is not scored
# A2 planning: a2p1 no 0 of 1 -> 1;  A2 implementation: a2i1 "y" (core) 2*0.25 of 2 -> 2
# A2 = (40*1 + 40*2) / 80 = 3/2 (no monitoring block: the weights renormalise)
# A = (1 * 47/15 + 3 * 3/2) / 4 = 229/120
# B1 planning: b1p1 yes 1 of 1 -> 5;  B1 monitoring (weight 60 here): b1m1 no 0 + b1m2 "mid"
#    0.5, of 1 + 0.5 (the best option earns half) -> 1 + 4*0.5/1.5 = 7/3
# B1 = (40*5 + 60*7/3) / 100 = 17/5;  B = 17/5
# overall = (229/120 + 17/5) / 2 = 637/240
EXPECTED_BLOCKS = {
    ("A1", "P"): (2.5, 3, 13 / 3),
    ("A1", "I"): (0, 1, 1.0),
    ("A1", "M"): (2, 2, 5.0),
    ("A2", "P"): (0, 1, 1.0),
    ("A2", "I"): (0.5, 2, 2.0),
    ("B1", "P"): (1, 1, 5.0),
    ("B1", "M"): (0.5, 1.5, 7 / 3),
}
EXPECTED_SUBS = {"A1": 47 / 15, "A2": 1.5, "B1": 17 / 5}
EXPECTED_DIMS = {"A": 229 / 120, "B": 17 / 5}
EXPECTED_OVERALL = 637 / 240


def _check(scores: dict[str, Any]) -> None:
    assert scores["overall"] == pytest.approx(EXPECTED_OVERALL)
    assert scores["scored_questions"] == 9
    assert scores["answered"] == 9
    assert scores["complete"]
    dims = {d["code"]: d for d in scores["dimensions"]}
    assert {c: d["score"] for c, d in dims.items()} == pytest.approx(EXPECTED_DIMS)
    subs = {s["code"]: s for d in scores["dimensions"] for s in d["subdimensions"]}
    assert {c: s["score"] for c, s in subs.items()} == pytest.approx(EXPECTED_SUBS)
    blocks = {
        (s["code"], b["code"]): (b["points"], b["max_points"], b["score"])
        for s in subs.values()
        for b in s["blocks"]
    }
    assert blocks.keys() == EXPECTED_BLOCKS.keys()
    for key, expected in EXPECTED_BLOCKS.items():
        assert blocks[key] == pytest.approx(expected), key
    assert [b["weight"] for b in subs["B1"]["blocks"]] == [40, 60]


def test_the_formula_by_hand() -> None:
    edition = framework.Edition.model_validate(small_edition())
    result = framework.score(edition, SMALL_ANSWERS)
    _check({**asdict(result), "complete": result.complete})


def test_unanswered_questions_earn_nothing_but_count_in_the_maximum() -> None:
    edition = framework.Edition.model_validate(small_edition())
    result = framework.score(edition, {"a1p1": True})
    a1_planning = result.dimensions[0].subdimensions[0].blocks[0]
    assert (a1_planning.points, a1_planning.max_points) == (2, 3)
    assert a1_planning.score == pytest.approx(1 + 4 * 2 / 3)
    assert result.answered == 1
    assert not result.complete
    assert framework.score(edition, {}).overall == 1.0


async def test_a_full_questionnaire_through_the_workflow(smes: ServiceHarness) -> None:
    client = smes.client
    ok(await client.post(f"{BASE}/editions", json=small_edition(), headers=staff()), 201)
    assessment = await create_assessment(client, "T1", "chl", "2030")
    url = f"{BASE}/assessments/{assessment}"
    assert ok(await client.get(url, headers=staff()))["country"] == "CHL"

    # The government's self-assessment is more generous than the evaluator's on two questions.
    government = {**SMALL_ANSWERS, "a1i1": True, "b1m2": "lo"}
    ok(
        await client.put(
            f"{url}/answers/government", json=answers_body(government), headers=focal_point("CHL")
        )
    )
    ok(
        await client.put(
            f"{url}/answers/evaluator", json=answers_body(SMALL_ANSWERS), headers=evaluator("CHL")
        )
    )
    # Each questionnaire scores on its own: the evaluator's equals the hand computation.
    evaluator_scores = ok(
        await client.get(f"{url}/scores?questionnaire=evaluator", headers=staff())
    )
    _check(evaluator_scores)
    gov_scores = ok(await client.get(f"{url}/scores?questionnaire=government", headers=staff()))
    gov_a1 = gov_scores["dimensions"][0]["subdimensions"][0]
    assert gov_a1["blocks"][1]["score"] == 5.0  # a1i1 yes: 1 of 1

    await move(client, assessment, "submitted")
    await move(client, assessment, "under_review")
    rec = ok(await client.get(f"{url}/reconciliation", headers=staff()))
    assert rec["disagreements"] == ["a1i1", "b1m2"]
    assert len(rec["unreconciled"]) == 9
    rec = ok(await client.post(f"{url}/reconciliation/accept-agreements", headers=staff()))
    assert rec["unreconciled"] == ["a1i1", "b1m2"]
    # Validation waits for the two open questions to be settled.
    blocked = problem(await client.post(f"{url}/transitions", json={"to": "validated"},
                                         headers=staff()), 409)  # fmt: skip
    assert blocked["code"] == "reconciliation_incomplete"
    assert blocked["missing"] == ["a1i1", "b1m2"]
    settled = {"answers": [
        {"question": "a1i1", "value": False, "comments": "Workshop: no programme yet"},
        {"question": "b1m2", "value": "mid", "evidence": "Annual report 2029"},
    ]}  # fmt: skip
    ok(await client.put(f"{url}/answers/reconciled", json=settled, headers=staff()))
    agreed = ok(await client.get(f"{url}/answers/reconciled", headers=staff()))
    by_question = {a["question"]: a for a in agreed}
    assert by_question["a1p1"]["evidence"] == (
        "Government: evidence a1p1\nEvaluator: evidence a1p1"
    )
    assert by_question["a1i1"]["comments"] == "Workshop: no programme yet"
    await move(client, assessment, "validated")

    # Not public before publication.
    problem(await client.get(f"{url}/scores", headers=anonymous()), 404)
    await move(client, assessment, "published")
    _check(ok(await client.get(f"{url}/scores", headers=anonymous())))

    assert smes.connection is not None
    events = (
        await smes.connection.execute(
            text("SELECT payload FROM outbox WHERE subject = 'smes.ippalc.published'")
        )
    ).all()
    payload = next(p for (p,) in events if p["assessment_id"] == assessment)
    assert payload["country"] == "CHL"
    assert payload["edition"] == "T1"
    assert payload["overall"] == pytest.approx(EXPECTED_OVERALL)
    assert payload["dimensions"] == pytest.approx(EXPECTED_DIMS)

    audit = ok(await client.get(f"{url}/audit", headers=staff()))
    states = [(e["from_state"], e["to_state"]) for e in audit if e["action"] == "state"]
    assert states == [
        ("draft", "submitted"),
        ("submitted", "under_review"),
        ("under_review", "validated"),
        ("validated", "published"),
    ]
    actions = [(e["action"], e["actor"]) for e in audit]
    assert actions[0] == ("created", "staff-1")
    assert ("answers.government", "fp-CHL") in actions
    assert ("answers.evaluator", "ev-CHL") in actions
    assert ("answers.reconciled", "staff-1") in actions
    assert all(e["at"] for e in audit)

    # Published: nothing can change any more.
    for questionnaire in ("government", "evaluator", "reconciled"):
        locked = problem(
            await client.put(
                f"{url}/answers/{questionnaire}",
                json=answers_body({"a1p1": False}),
                headers=staff(),
            ),
            409,
        )
        assert locked["code"] == "assessment_published"
    problem(await client.post(f"{url}/transitions", json={"to": "draft"}, headers=staff()), 409)
    assert len(ok(await client.get(f"{url}/audit", headers=staff()))) == len(audit)
