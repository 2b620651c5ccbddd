"""HTTP behaviour every service inherits: problem+json, request ids, identity, transactions."""

from __future__ import annotations

import contextlib
import uuid

from sqlalchemy import func, select, text

from sela_kit.errors import PROBLEM_MEDIA_TYPE
from sela_kit.identity import Identity, sign_identity
from sela_kit.messaging.tables import OUTBOX
from sela_testing import ServiceHarness, identity_headers
from sela_testing.support import TEST_SECRET, Servers, run_service, settings_for_tests
from tests.kit.support import CODES, KIT_SPEC, NOTES, count


def assert_problem(response, status: int, code: str) -> dict:  # type: ignore[no-untyped-def,type-arg]
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    body = response.json()
    assert body["status"] == status
    assert body["code"] == code
    assert body["title"]
    assert body["type"].startswith("https://")
    assert body["instance"] == response.request.url.path
    assert body["request_id"] == response.headers["x-request-id"]
    return body  # type: ignore[no-any-return]


async def test_404_unknown_path(kit_service: ServiceHarness) -> None:
    body = assert_problem(await kit_service.client.get("/nowhere"), 404, "not_found")
    assert "/nowhere" in body["detail"]


async def test_404_domain_error_has_its_own_code(kit_service: ServiceHarness) -> None:
    response = await kit_service.client.get(f"/notes/{uuid.uuid4()}")
    assert_problem(response, 404, "note_not_found")


async def test_405_wrong_method(kit_service: ServiceHarness) -> None:
    response = await kit_service.client.delete("/notes")
    body = assert_problem(response, 405, "method_not_allowed")
    assert "DELETE" in body["detail"]
    assert "GET" in response.headers["allow"]


async def test_409_conflict(kit_service: ServiceHarness) -> None:
    response = await kit_service.client.post("/notes", json={"text": "taken"})
    body = assert_problem(response, 409, "note_exists")
    assert body["detail"] == "A note with this text exists."


async def test_422_lists_every_invalid_field_with_its_path(kit_service: ServiceHarness) -> None:
    response = await kit_service.client.post("/notes", json={"text": "", "tags": ["a", ""]})
    body = assert_problem(response, 422, "validation_failed")
    by_name = {e["name"]: e for e in body["errors"]}
    assert set(by_name) == {"body.text", "body.tags.1"}
    assert by_name["body.tags.1"]["pointer"] == "/tags/1"
    assert by_name["body.tags.1"]["location"] == "body"
    assert by_name["body.text"]["type"] == "string_too_short"


async def test_422_malformed_json_and_bad_path_parameter(kit_service: ServiceHarness) -> None:
    response = await kit_service.client.post(
        "/notes", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert_problem(response, 422, "validation_failed")
    body = assert_problem(
        await kit_service.client.get("/notes/not-a-uuid"), 422, "validation_failed"
    )
    assert body["errors"][0]["name"] == "path.note_id"


async def test_500_hides_internals_and_keeps_request_id(kit_service: ServiceHarness) -> None:
    response = await kit_service.client.get("/notes/boom", headers={"X-Request-ID": "req-42"})
    body = assert_problem(response, 500, "internal_error")
    assert body["request_id"] == "req-42"
    assert "hunter2" not in response.text
    assert "RuntimeError" not in response.text
    assert "Traceback" not in response.text


async def test_request_id_generated_when_absent_or_unsafe(kit_service: ServiceHarness) -> None:
    response = await kit_service.client.get("/notes", headers={"X-Request-ID": "bad id\n"})
    assert response.status_code == 200
    assert response.headers["x-request-id"] != "bad id\n"
    assert len(response.headers["x-request-id"]) == 32
    assert response.headers["traceparent"].startswith("00-")


async def test_traceparent_continues_the_callers_trace(kit_service: ServiceHarness) -> None:
    parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    response = await kit_service.client.get("/notes", headers={"traceparent": parent})
    trace = response.headers["traceparent"].split("-")
    assert trace[1] == "4bf92f3577b34da6a3ce929d0e0e4736"
    assert trace[2] != "00f067aa0ba902b7"


async def test_request_without_gateway_identity_is_refused(kit_service: ServiceHarness) -> None:
    client = kit_service.client
    response = await client.get("/notes", headers={"X-Sela-Identity": ""})
    assert_problem(response, 401, "invalid_internal_identity")
    del client.headers["X-Sela-Identity"]
    assert_problem(await client.get("/notes"), 401, "missing_internal_identity")
    forged = sign_identity(
        Identity(kind="user", subject="eve", roles=frozenset({"admin"})),
        "not-the-secret-but-long-enough-to-be-accepted",
    )
    assert_problem(
        await client.get("/notes", headers={"X-Sela-Identity": forged}),
        401,
        "invalid_internal_identity",
    )
    expired = sign_identity(Identity(kind="user", subject="x"), TEST_SECRET, ttl=-60)
    assert_problem(
        await client.get("/notes", headers={"X-Sela-Identity": expired}),
        401,
        "invalid_internal_identity",
    )
    for open_path in ("/healthz", "/readyz", "/metrics"):
        assert (await client.get(open_path)).status_code == 200


async def test_require_roles(kit_service: ServiceHarness) -> None:
    client = kit_service.client
    anonymous = identity_headers(kind="anonymous")
    assert_problem(await client.get("/notes/staff-only", headers=anonymous), 401, "unauthorized")
    partner = identity_headers("partner", kind="api_key", subject="caf")
    body = assert_problem(await client.get("/notes/staff-only", headers=partner), 403, "forbidden")
    assert body["required_roles"] == ["staff"]
    for roles in (("staff",), ("admin",), ("focal_point", "staff")):
        response = await client.get(
            "/notes/staff-only", headers=identity_headers(*roles, subject="ana")
        )
        assert response.status_code == 200
        assert response.json() == {"subject": "ana"}


async def test_request_owns_the_transaction(kit_service: ServiceHarness) -> None:
    created = await kit_service.client.post("/notes", json={"text": "kept"})
    assert created.status_code == 201
    failed = await kit_service.client.post("/notes/then-fail", json={"text": "dropped"})
    assert_problem(failed, 409, "refused_after_write")
    async with kit_service.database.transaction() as session:
        texts = set((await session.scalars(select(NOTES.c.text))).all())
        outbox = await session.scalar(select(func.count()).select_from(OUTBOX))
    assert texts == {"kept"}
    assert outbox == 1  # the failed request's event was rolled back with its note


async def test_cursor_pagination_walks_every_row_once(kit_service: ServiceHarness) -> None:
    texts = [f"n{i:03d}" for i in range(23)]
    for note in reversed(texts):
        assert (await kit_service.client.post("/notes", json={"text": note})).status_code == 201
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params: dict[str, str | int] = {"limit": 10}
        if cursor:
            params["cursor"] = cursor
        body = (await kit_service.client.get("/notes", params=params)).json()
        seen += [item["text"] for item in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == texts
    assert pages == 3
    bad = await kit_service.client.get("/notes", params={"cursor": "garbage!"})
    assert_problem(bad, 422, "invalid_cursor")
    too_many = await kit_service.client.get("/notes", params={"limit": 100000})
    body = assert_problem(too_many, 422, "validation_failed")
    assert body["errors"][0]["name"] == "query.limit"


async def test_metrics_count_requests_by_route(kit_service: ServiceHarness) -> None:
    await kit_service.client.get(f"/notes/{uuid.uuid4()}")
    text = (await kit_service.client.get("/metrics")).text
    assert (
        'sela_http_requests_total{method="GET",route="/notes/{note_id}",'
        'service="kittest",status="404"}' in text
    )
    assert "sela_http_request_duration_seconds_bucket" in text


async def test_commit_failure_reaches_the_client(
    kit_database_url: str, sela_servers: Servers
) -> None:
    settings = settings_for_tests(KIT_SPEC, sela_servers, database_url=kit_database_url)
    async with run_service(KIT_SPEC, settings, isolated=False) as service:
        async with service.database.engine.begin() as conn:
            await conn.execute(text("TRUNCATE kittest_codes"))
        first = await service.client.post("/notes/codes/A-1")
        assert first.status_code == 201
        second = await service.client.post("/notes/codes/A-1")
        body = assert_problem(second, 409, "unique_violation")
        assert body["constraint"] == "uq_kittest_codes_code"
        async with service.database.transaction() as session:
            assert await count(session, CODES) == 1


async def test_values_the_database_cannot_store_are_422_not_500(
    kit_service: ServiceHarness,
) -> None:
    # JSON may carry a NUL character, which PostgreSQL text cannot hold.
    response = await kit_service.client.post(
        "/notes", content=b'{"text": "a\\u0000b"}', headers={"content-type": "application/json"}
    )
    body = assert_problem(response, 422, "invalid_value")
    assert "cannot be stored" in body["detail"]
    assert "0x00" in body["detail"]
    # An unpaired surrogate is refused as well (by validation, before the database).
    response = await kit_service.client.post(
        "/notes", content=b'{"text": "a\\ud800b"}', headers={"content-type": "application/json"}
    )
    assert response.status_code == 422, response.text
    assert (await kit_service.client.get("/notes")).status_code == 200


NEW_SECRET = "the-next-internal-secret-long-enough-for-hs256"


async def test_the_internal_secret_rotates_without_a_refused_request(
    kit_database_url: str, sela_servers: Servers
) -> None:
    # The three steps of docs/operations.md, from (signs with, also accepts) = (old, -) to
    # (new, -). In a rolling restart, pods of two neighbouring steps run side by side: each
    # must accept what the other signs.
    steps: list[tuple[str, str | None]] = [
        (TEST_SECRET, None),
        (TEST_SECRET, NEW_SECRET),
        (NEW_SECRET, TEST_SECRET),
        (NEW_SECRET, None),
    ]
    async with contextlib.AsyncExitStack() as stack:
        pods = []
        for signing, accepted in steps:
            settings = settings_for_tests(
                KIT_SPEC,
                sela_servers,
                database_url=kit_database_url,
                internal_secret=signing,
                internal_secret_accepted=accepted,
            )
            pods.append(await stack.enter_async_context(run_service(KIT_SPEC, settings)))
        for step in range(len(steps) - 1):
            for signer in (step, step + 1):
                headers = identity_headers("staff", secret=steps[signer][0])
                for verifier in (step, step + 1):
                    response = await pods[verifier].client.get("/notes", headers=headers)
                    assert response.status_code == 200, (signer, verifier, response.text)
        # Skipping the middle step would refuse requests between old and new pods.
        new_token = identity_headers("staff", secret=NEW_SECRET)
        assert_problem(
            await pods[0].client.get("/notes", headers=new_token), 401, "invalid_internal_identity"
        )
        old_token = identity_headers("staff", secret=TEST_SECRET)
        assert_problem(
            await pods[3].client.get("/notes", headers=old_token), 401, "invalid_internal_identity"
        )
