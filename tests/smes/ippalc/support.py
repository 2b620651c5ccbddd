"""Helpers of the IPPALC tests: callers, a small hand-computed edition, the workflow."""

from __future__ import annotations

from typing import Any

import httpx

from sela_testing.support import error_names as error_names
from sela_testing.support import identity_headers
from sela_testing.support import problem as problem

BASE = "/ippalc"


# Made per request: identity tokens live a minute.
def staff() -> dict[str, str]:
    return identity_headers("staff", subject="staff-1")


def focal_point(country: str) -> dict[str, str]:
    return identity_headers("focal_point", subject=f"fp-{country}", country=country)


def evaluator(country: str) -> dict[str, str]:
    return identity_headers("evaluator", subject=f"ev-{country}", country=country)


def anonymous() -> dict[str, str]:
    return identity_headers(kind="anonymous")


def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def small_edition(code: str = "T1") -> dict[str, Any]:
    """Two dimensions, three sub-dimensions, every kind of question: scored by hand in
    test_scoring.py."""
    mc3 = [
        {"code": "none", "label": "None", "score": 0},
        {"code": "some", "label": "Some", "score": 0.5},
        {"code": "full", "label": "Full", "score": 1},
    ]
    return {
        "code": code,
        "title": f"Hand-computed edition {code}",
        "scale": {"min": 1, "max": 5},
        "question_weights": {"standard": 1, "core": 2},
        "blocks": [
            {"code": "P", "name": "Planning and design", "weight": 40},
            {"code": "I", "name": "Implementation", "weight": 40},
            {"code": "M", "name": "Monitoring and evaluation", "weight": 20},
        ],
        "dimensions": [
            {
                "code": "A",
                "name": "Dimension A",
                "subdimensions": [
                    {
                        "code": "A1",
                        "name": "Sub-dimension A1",
                        "questions": [
                            {"code": "a1p1", "block": "P", "kind": "binary", "core": True,
                             "text": "Core yes/no"},
                            {"code": "a1p2", "block": "P", "kind": "multiple_choice",
                             "text": "Three options", "options": mc3},
                            {"code": "a1i1", "block": "I", "kind": "binary", "text": "Yes/no"},
                            {"code": "a1m1", "block": "M", "kind": "binary", "core": True,
                             "text": "Core yes/no"},
                            {"code": "a1o", "block": "P", "kind": "open", "text": "Describe"},
                        ],
                    },
                    {
                        "code": "A2",
                        "name": "Sub-dimension A2",
                        "weight": 3,
                        "questions": [
                            {"code": "a2p1", "block": "P", "kind": "binary", "text": "Yes/no"},
                            {"code": "a2i1", "block": "I", "kind": "multiple_choice",
                             "core": True, "text": "Core choice", "options": [
                                 {"code": "x", "label": "x", "score": 0},
                                 {"code": "y", "label": "y", "score": 0.25},
                                 {"code": "z", "label": "z", "score": 1}]},
                        ],
                    },
                ],
            },
            {
                "code": "B",
                "name": "Dimension B",
                "subdimensions": [
                    {
                        "code": "B1",
                        "name": "Sub-dimension B1",
                        "block_weights": {"M": 60},
                        "questions": [
                            {"code": "b1p1", "block": "P", "kind": "binary", "text": "Yes/no"},
                            {"code": "b1m1", "block": "M", "kind": "binary", "text": "Yes/no"},
                            {"code": "b1m2", "block": "M", "kind": "multiple_choice",
                             "text": "At most half", "options": [
                                 {"code": "lo", "label": "lo", "score": 0},
                                 {"code": "mid", "label": "mid", "score": 0.5}]},
                        ],
                    }
                ],
            },
        ],
    }  # fmt: skip


# The answer set scored by hand in test_scoring.py.
SMALL_ANSWERS: dict[str, Any] = {
    "a1p1": True,
    "a1p2": "some",
    "a1i1": False,
    "a1m1": True,
    "a1o": "An open answer: not scored.",
    "a2p1": False,
    "a2i1": "y",
    "b1p1": True,
    "b1m1": False,
    "b1m2": "mid",
}


def answers_body(values: dict[str, Any], note: str = "") -> dict[str, Any]:
    return {
        "answers": [
            {"question": q, "value": v, "evidence": f"evidence {q}{note}"}
            for q, v in values.items()
        ]
    }


async def create_assessment(
    client: httpx.AsyncClient, edition: str, country: str, round_: str
) -> str:
    body = {"edition": edition, "country": country, "round": round_}
    created = ok(await client.post(f"{BASE}/assessments", json=body, headers=staff()), 201)
    assert created["state"] == "draft"
    return str(created["id"])


async def move(client: httpx.AsyncClient, assessment: str, to: str) -> dict[str, Any]:
    url = f"{BASE}/assessments/{assessment}/transitions"
    result: dict[str, Any] = ok(await client.post(url, json={"to": to}, headers=staff()))
    assert result["state"] == to
    return result


async def publish_with(
    client: httpx.AsyncClient, assessment: str, country: str, values: dict[str, Any]
) -> None:
    """Both questionnaires give ``values``; the reconciliation takes them; then published."""
    url = f"{BASE}/assessments/{assessment}"
    body = answers_body(values)
    ok(await client.put(f"{url}/answers/government", json=body, headers=focal_point(country)))
    ok(await client.put(f"{url}/answers/evaluator", json=body, headers=evaluator(country)))
    await move(client, assessment, "submitted")
    await move(client, assessment, "under_review")
    ok(await client.post(f"{url}/reconciliation/accept-agreements", headers=staff()))
    await move(client, assessment, "validated")
    await move(client, assessment, "published")
