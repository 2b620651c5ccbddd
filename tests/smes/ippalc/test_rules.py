"""Bad input and access: problem+json naming what was wrong, and nothing written."""

from __future__ import annotations

from typing import Any

from sela_testing.support import ServiceHarness, identity_headers
from tests.smes.ippalc.support import (
    BASE,
    SMALL_ANSWERS,
    anonymous,
    answers_body,
    create_assessment,
    error_names,
    evaluator,
    focal_point,
    move,
    ok,
    problem,
    small_edition,
    staff,
)


async def _setup(smes: ServiceHarness, country: str = "COL") -> str:
    ok(await smes.client.post(f"{BASE}/editions", json=small_edition(), headers=staff()), 201)
    return await create_assessment(smes.client, "T1", country, "2030")


async def _audit_size(smes: ServiceHarness, assessment: str) -> int:
    return len(ok(await smes.client.get(f"{BASE}/assessments/{assessment}/audit", headers=staff())))


async def test_invalid_answers_are_named_and_nothing_is_written(smes: ServiceHarness) -> None:
    client = smes.client
    assessment = await _setup(smes)
    url = f"{BASE}/assessments/{assessment}/answers/government"
    before = await _audit_size(smes, assessment)
    body: dict[str, Any] = {
        "answers": [
            {"question": "a1p1", "value": True},
            {"question": "zz9", "value": True},
            {"question": "a1i1", "value": "yes"},
            {"question": "a1p2", "value": "most"},
            {"question": "a1o", "value": "x" * 20001},
            {"question": "a1p1", "value": False},
            {"question": "a2p1", "value": None},
        ]
    }
    bad = problem(await client.put(url, json=body, headers=focal_point("COL")), 422)
    assert bad["code"] == "invalid_answer"
    assert error_names(bad) == [
        "body.answers.1.question",
        "body.answers.2.value",
        "body.answers.3.value",
        "body.answers.4.value",
        "body.answers.5.question",
        "body.answers.6.value",
    ]
    assert "at most 20000 characters" in bad["errors"][3]["reason"]
    assert "true or false" in bad["errors"][5]["reason"]
    empty = problem(await client.put(url, json=answers_body({"a1o": " "}), headers=staff()), 422)
    assert empty["errors"][0]["reason"] == "an open question takes a non-empty text"
    assert "no question 'zz9' in edition T1" in bad["errors"][0]["reason"]
    assert "['none', 'some', 'full']" in bad["errors"][2]["reason"]
    assert ok(await client.get(url, headers=staff())) == []
    assert await _audit_size(smes, assessment) == before
    shape = problem(await client.put(url, json={"answers": []}, headers=staff()), 422)
    assert error_names(shape) == ["body.answers"]


async def test_bad_assessments_and_editions(smes: ServiceHarness) -> None:
    client = smes.client
    await _setup(smes)
    url = f"{BASE}/assessments"
    for country in ("XXX", "CL", "CHILE"):
        bad = problem(
            await client.post(
                url, json={"edition": "T1", "country": country, "round": "2030"}, headers=staff()
            ),
            422,
        )
        assert error_names(bad) == ["body.country"], country
    unknown = problem(
        await client.post(
            url, json={"edition": "T9", "country": "MEX", "round": "2030"}, headers=staff()
        ),
        422,
    )
    assert error_names(unknown) == ["body.edition"]
    twice = problem(
        await client.post(
            url, json={"edition": "T1", "country": "col", "round": "2030"}, headers=staff()
        ),
        409,
    )
    assert error_names(twice) == ["body.round"]
    listed = ok(await client.get(f"{url}?country=COL", headers=staff()))
    assert len(listed) == 1
    assert error_names(problem(await client.get(f"{url}?country=ZZZ"), 422)) == ["query.country.0"]

    broken = small_edition("T2")
    broken["dimensions"][0]["subdimensions"][0]["questions"][0]["block"] = "Q"
    broken["dimensions"][1]["subdimensions"][0]["questions"][2]["options"] = []
    bad = problem(await client.post(f"{BASE}/editions", json=broken, headers=staff()), 422)
    names = error_names(bad)
    assert "body.dimensions.1.subdimensions.0.questions.2" in names
    problem(await client.get(f"{BASE}/editions/T2"), 404)
    broken = small_edition("T3")
    broken["dimensions"][0]["subdimensions"][0]["questions"][0]["block"] = "Q"
    bad = problem(await client.post(f"{BASE}/editions", json=broken, headers=staff()), 422)
    assert "unknown block 'Q'" in bad["errors"][0]["reason"]
    problem(await client.get(f"{BASE}/editions/T3"), 404)


async def test_illegal_transitions_change_nothing(smes: ServiceHarness) -> None:
    client = smes.client
    assessment = await _setup(smes)
    url = f"{BASE}/assessments/{assessment}"
    before = await _audit_size(smes, assessment)
    for target in ("published", "validated", "under_review", "draft"):
        bad = problem(await client.post(f"{url}/transitions", json={"to": target},
                                        headers=staff()), 409)  # fmt: skip
        assert bad["code"] == "illegal_transition"
        assert bad["allowed"] == ["submitted"]
    incomplete = problem(
        await client.post(f"{url}/transitions", json={"to": "submitted"}, headers=staff()), 409
    )
    assert incomplete["code"] == "questionnaires_incomplete"
    assert len(incomplete["missing"]["government"]) == 9
    bad_state = problem(
        await client.post(f"{url}/transitions", json={"to": "archived"}, headers=staff()), 422
    )
    assert error_names(bad_state) == ["body.to"]
    assert ok(await client.get(url, headers=staff()))["state"] == "draft"
    assert await _audit_size(smes, assessment) == before

    # Reconciled answers wait for the review; the questionnaires close at submission.
    locked = problem(
        await client.put(f"{url}/answers/reconciled", json=answers_body({"a1p1": True}),
                         headers=staff()), 409
    )  # fmt: skip
    assert locked["code"] == "assessment_locked"
    for questionnaire, who in (("government", focal_point), ("evaluator", evaluator)):
        ok(await client.put(f"{url}/answers/{questionnaire}", json=answers_body(SMALL_ANSWERS),
                            headers=who("COL")))  # fmt: skip
    await move(client, assessment, "submitted")
    late = problem(
        await client.put(f"{url}/answers/government", json=answers_body({"a1p1": False}),
                         headers=focal_point("COL")), 409
    )  # fmt: skip
    assert late["code"] == "assessment_locked"
    # Sent back to draft by staff, the questionnaires open again.
    await move(client, assessment, "draft")
    changed = ok(await client.put(f"{url}/answers/government",
                                  json=answers_body({"a1p1": False}, " (revised)"),
                                  headers=focal_point("COL")))  # fmt: skip
    revised = {a["question"]: a for a in changed}
    assert len(revised) == 10
    assert revised["a1p1"]["value"] is False
    assert revised["a1p1"]["evidence"] == "evidence a1p1 (revised)"
    assert revised["a1p2"]["value"] == "some"


async def test_who_sees_and_edits_what(smes: ServiceHarness) -> None:
    client = smes.client
    assessment = await _setup(smes, "COL")
    url = f"{BASE}/assessments/{assessment}"
    body = answers_body({"a1p1": True})

    # Unpublished: hidden from the public and from other countries' focal points and evaluators.
    # A write from a caller with no IPPALC role is refused before the assessment is looked up
    # (401/403 whatever the id, so nothing leaks); other countries' people get 404.
    outsiders = {
        "anonymous": (anonymous(), 401),
        "MEX focal point": (focal_point("MEX"), 404),
        "MEX evaluator": (evaluator("MEX"), 404),
        "SME owner": (identity_headers("sme_owner", subject="o"), 403),
    }
    for headers, write_status in outsiders.values():
        problem(await client.get(url, headers=headers), 404)
        put = await client.put(f"{url}/answers/government", json=body, headers=headers)
        problem(put, write_status)
        assert ok(await client.get(f"{BASE}/assessments", headers=headers)) == []
    # The country's own people see it; each edits only their questionnaire.
    for headers in (focal_point("COL"), evaluator("COL")):
        assert ok(await client.get(url, headers=headers))["country"] == "COL"
        assert len(ok(await client.get(f"{BASE}/assessments", headers=headers))) == 1
    wrong = problem(
        await client.put(f"{url}/answers/evaluator", json=body, headers=focal_point("COL")), 403
    )
    assert wrong["code"] == "not_questionnaire_editor"
    problem(await client.put(f"{url}/answers/government", json=body, headers=evaluator("COL")), 403)
    problem(await client.put(f"{url}/answers/reconciled", json=body, headers=evaluator("COL")), 403)
    ok(await client.put(f"{url}/answers/government", json=body, headers=focal_point("COL")))
    ok(await client.put(f"{url}/answers/evaluator", json=body, headers=evaluator("COL")))
    # In draft the two questionnaires are sealed from each other; staff read both.
    for reader, own, other in (
        (focal_point("COL"), "government", "evaluator"),
        (evaluator("COL"), "evaluator", "government"),
    ):
        assert len(ok(await client.get(f"{url}/answers/{own}", headers=reader))) == 1
        sealed = problem(await client.get(f"{url}/answers/{other}", headers=reader), 403)
        assert sealed["code"] == "questionnaire_sealed"
        assert sealed["questionnaire"] == other
        scores = await client.get(f"{url}/scores", params={"questionnaire": other}, headers=reader)
        assert problem(scores, 403)["code"] == "questionnaire_sealed"
        ok(await client.get(f"{url}/scores", params={"questionnaire": own}, headers=reader))
        problem(await client.get(f"{url}/reconciliation", headers=reader), 403)
    assert ok(await client.get(f"{url}/reconciliation", headers=staff()))["items"]
    # A focal point without a country sees nothing unpublished.
    no_country = identity_headers("focal_point", subject="fp-none")
    problem(await client.get(url, headers=no_country), 404)

    # Staff only: editions, assessments, review and later steps.
    problem(await client.post(f"{BASE}/editions", json=small_edition("T5"),
                              headers=focal_point("COL")), 403)  # fmt: skip
    problem(await client.post(f"{BASE}/editions", json=small_edition("T5"),
                              headers=anonymous()), 401)  # fmt: skip
    problem(
        await client.post(
            f"{BASE}/assessments",
            json={"edition": "T1", "country": "COL", "round": "2031"},
            headers=focal_point("COL"),
        ),
        403,
    )
    for questionnaire, who in (("government", focal_point), ("evaluator", evaluator)):
        ok(await client.put(f"{url}/answers/{questionnaire}", json=answers_body(SMALL_ANSWERS),
                            headers=who("COL")))  # fmt: skip
    # The focal point submits the country's questionnaires; the review is staff's.
    submitted = ok(await client.post(f"{url}/transitions", json={"to": "submitted"},
                                     headers=focal_point("COL")))  # fmt: skip
    assert submitted["state"] == "submitted"
    # Submitted: the country's people compare both questionnaires.
    for reader in (focal_point("COL"), evaluator("COL")):
        for questionnaire in ("government", "evaluator"):
            assert ok(await client.get(f"{url}/answers/{questionnaire}", headers=reader))
        assert ok(await client.get(f"{url}/reconciliation", headers=reader))["items"]
    problem(await client.post(f"{url}/transitions", json={"to": "under_review"},
                              headers=focal_point("COL")), 403)  # fmt: skip
    audit = ok(await client.get(f"{url}/audit", headers=focal_point("COL")))
    assert audit[-1]["actor"] == "fp-COL"
    assert audit[-1]["roles"] == ["focal_point"]
    problem(await client.get(f"{url}/audit", headers=focal_point("MEX")), 404)

    await move(client, assessment, "under_review")
    ok(await client.post(f"{url}/reconciliation/accept-agreements", headers=staff()))
    await move(client, assessment, "validated")
    await move(client, assessment, "published")
    # Published results are public.
    for headers in (anonymous(), focal_point("MEX")):
        assert ok(await client.get(url, headers=headers))["state"] == "published"
        assert len(ok(await client.get(f"{url}/answers/reconciled", headers=headers))) == 9
        assert len(ok(await client.get(f"{BASE}/assessments", headers=headers))) == 1
    problem(await client.get(f"{url}/audit", headers=anonymous()), 401)


async def test_a_write_without_an_ippalc_role_is_refused_before_its_body_is_read(
    smes: ServiceHarness,
) -> None:
    # Whatever the body, a caller who may not write learns only that: 403 (401 anonymous).
    client = smes.client
    nobody = identity_headers(subject="no-role")
    partner = identity_headers("partner", subject="partner-1")
    for path in ("/ippalc/assessments", "/ippalc/reported-results"):
        for body in ({}, {"unexpected": True}):
            for headers in (nobody, partner):
                problem(await client.post(path, json=body, headers=headers), 403)
            problem(await client.post(path, json=body, headers=anonymous()), 401)
    assert (await client.get("/ippalc/editions", headers=nobody)).is_success
