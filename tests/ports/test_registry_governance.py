"""Registry, governance and the live I.3.1 formalisation rule, on the real database."""

from __future__ import annotations

from typing import Any

from sela_testing.support import ServiceHarness, identity_headers
from tests.ports.support import (
    anonymous,
    country,
    error_names,
    member,
    ok,
    person,
    port_with_community,
    problem,
    small_network,
    staff,
)


async def test_registry_writes_reads_and_bad_input(ports: ServiceHarness) -> None:
    client = ports.client
    net = await small_network(client)
    page = await ok(await client.get("/port-systems", params={"country": "ZZA"}))
    assert [p["locode"] for p in page["items"]] == ["ZAAAA", "ZABBB"]
    assert (await ok(await client.get("/port-systems/ZBCCC")))["name"] == "Beta Harbour"
    problem(await client.get("/port-systems/ZZZZZ"), 404)

    # References that do not exist are 422s naming the field; duplicates are 409s.
    bad = problem(
        await client.post(
            "/port-systems",
            json={"locode": "ZCDDD", "name": "X", "country_iso3": "QQQ"},
            headers=staff(),
        ),
        422,
    )
    assert error_names(bad) == ["body.country_iso3"]
    malformed = problem(
        await client.post(
            "/port-systems",
            json={"locode": "zz", "name": "X", "country_iso3": "ZZA"},
            headers=staff(),
        ),
        422,
    )
    assert "body.locode" in error_names(malformed)
    dup = problem(
        await client.post(
            "/port-systems",
            json={"locode": "ZAAAA", "name": "Again", "country_iso3": "ZZA"},
            headers=staff(),
        ),
        409,
    )
    assert error_names(dup) == ["body.locode"]

    # Writes: staff, or port members within their own community only.
    problem(
        await client.post("/countries", json={"iso3": "ZZC", "name": "C"}, headers=anonymous()), 401
    )
    problem(
        await client.post("/countries", json={"iso3": "ZZC", "name": "C"}, headers=member("ana")),
        403,
    )
    own = {"name": "Alpha Customs", "kind": "customs", "community_id": net.community_ids["ZAAAA"]}
    await ok(await client.post("/organisations", json=own, headers=member("ana")), 201)
    other = {**own, "community_id": net.community_ids["ZBCCC"]}
    refused = problem(await client.post("/organisations", json=other, headers=member("ana")), 403)
    assert refused["code"] == "not_community_member"
    # A port member without a person record is linked to no community.
    problem(await client.post("/organisations", json=own, headers=member("nobody")), 403)

    # Contacts are for members; the directory of authorities is public and has no contacts.
    problem(await client.get("/people", headers=anonymous()), 401)
    people = await ok(await client.get("/people", headers=member("ana")))
    assert {p["name"] for p in people["items"]} == {"Ana", "Ben"}
    directory = await ok(await client.get("/directory", headers=anonymous()))
    names = {d["name"] for d in directory}
    assert "Alpha Customs" in names
    assert "Port Authority of Beta Harbour" in names
    assert all("email" not in d for d in directory)


async def test_governance_bodies_members_decisions(ports: ServiceHarness) -> None:
    client = ports.client
    await small_network(client)
    members = await ok(await client.get("/governance/bodies/t-one/members", headers=member("ana")))
    assert len(members) == 1
    ana = members[0]["person_id"]
    overlap = problem(
        await client.post(
            "/governance/bodies/t-one/members",
            json={"person_id": ana, "since": "2019-06-01"},
            headers=staff(),
        ),
        409,
    )
    assert error_names(overlap) == ["body.since"]
    backwards = problem(
        await client.post(
            "/governance/bodies/t-one/members",
            json={"person_id": ana, "since": "2019-06-01", "until": "2019-01-01"},
            headers=staff(),
        ),
        422,
    )
    assert backwards["errors"][0]["location"] == "body"
    decision = {
        "taken_on": "2019-03-01",
        "kind": "technical_secretariat",
        "title": "Technical secretariat",
        "record": "The committee designates its technical secretariat.",
        "outcome": "adopted",
    }
    missing = problem(
        await client.post("/governance/bodies/t-one/decisions", json=decision, headers=staff()), 422
    )
    assert error_names(missing) == ["body.designee"]
    await ok(
        await client.post(
            "/governance/bodies/t-one/decisions",
            json={**decision, "designee": "SELA"},
            headers=staff(),
        ),
        201,
    )
    listed = await ok(await client.get("/governance/bodies/t-one/decisions", headers=anonymous()))
    assert [d["designee"] for d in listed] == ["SELA"]


async def test_formalisation_rule_is_evaluated_live(ports: ServiceHarness) -> None:
    client = ports.client
    communities: dict[str, str] = {}
    for n, iso3 in enumerate(("ZZA", "ZZB", "ZZC", "ZZD", "ZZE", "ZZF")):
        await country(client, iso3, f"Country {iso3}")
        if iso3 != "ZZF":
            _, communities[iso3], _ = await port_with_community(
                client, f"Z{chr(65 + n)}AAA", iso3, f"Community {iso3}"
            )

    async def status(on: str = "2019-06-30") -> dict[str, Any]:
        result: dict[str, Any] = await ok(
            await client.get("/governance/formalisation", params={"on": on}, headers=anonymous())
        )
        return result

    def by_country(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
        rows = result["countries"]
        return {r["iso3"]: r for r in rows}

    first = await status()
    assert first["qualifying_countries"] == []
    assert first["formalisable"] is False
    rows = by_country(first)
    assert [m["code"] for m in rows["ZZF"]["missing"]] == ["no_community"]
    assert {m["code"] for m in rows["ZZA"]["missing"]} == {
        "community_not_formalised",
        "no_mou_in_force",
    }

    for iso3, community in communities.items():
        await ok(
            await client.put(
                f"/communities/{community}/stage", json={"stage": "formalised"}, headers=staff()
            )
        )
        expires = "2019-03-31" if iso3 == "ZZE" else None
        await ok(
            await client.post(
                "/governance/mous",
                json={
                    "community_id": community,
                    "title": f"MoU {iso3}",
                    "status": "signed",
                    "signed_on": "2018-10-01",
                    "expires_on": expires,
                },
                headers=staff(),
            ),
            201,
        )
    second = await status()
    # ZZE's MoU expired before the evaluation date; no secretariat yet.
    assert second["qualifying_countries"] == ["ZZA", "ZZB", "ZZC", "ZZD"]
    assert [m["code"] for m in by_country(second)["ZZE"]["missing"]] == ["no_mou_in_force"]
    assert {m["code"] for m in second["missing"]} == {
        "too_few_countries",
        "no_technical_secretariat",
    }
    assert (await status("2019-03-01"))["qualifying_countries"] == [
        "ZZA",
        "ZZB",
        "ZZC",
        "ZZD",
        "ZZE",
    ]

    await ok(
        await client.post(
            "/governance/bodies",
            json={"code": "tsc-z", "name": "TSC", "kind": "steering_committee"},
            headers=staff(),
        ),
        201,
    )
    await ok(
        await client.post(
            "/governance/bodies/tsc-z/decisions",
            json={
                "taken_on": "2019-02-01",
                "kind": "technical_secretariat",
                "title": "SELA as technical secretariat",
                "record": "Adopted unanimously.",
                "outcome": "adopted",
                "designee": "SELA",
            },
            headers=staff(),
        ),
        201,
    )
    on_march = await status("2019-03-01")
    assert on_march["formalisable"] is True
    assert on_march["missing"] == []
    assert (await status("2019-06-30"))["formalisable"] is False
    assert (await status("2019-01-15"))["secretariat_designated"] is False


async def test_person_links_and_mou_references(ports: ServiceHarness) -> None:
    client = ports.client
    net = await small_network(client)
    taken = problem(
        await client.post("/people", json={"name": "Other Ana", "subject": "ana"}, headers=staff()),
        409,
    )
    assert error_names(taken) == ["body.subject"]
    # A member may add people to their own community's organisations only.
    await ok(
        await client.post(
            "/people",
            json={"name": "Carla", "organisation_id": net.organisation_ids["ZAAAA"]},
            headers=member("ana"),
        ),
        201,
    )
    problem(
        await client.post(
            "/people",
            json={"name": "Dario", "organisation_id": net.organisation_ids["ZBCCC"]},
            headers=member("ana"),
        ),
        403,
    )
    no_doc = problem(
        await client.post(
            "/governance/mous",
            json={
                "community_id": net.community_ids["ZAAAA"],
                "title": "MoU",
                "status": "signed",
                "signed_on": "2019-01-01",
                "document_id": net.community_ids["ZAAAA"],
            },
            headers=staff(),
        ),
        422,
    )
    assert error_names(no_doc) == ["body.document_id"]
    assert await person(client, "Eva", None, None)


async def test_a_write_without_a_writing_role_is_refused_before_its_body_is_read(
    ports: ServiceHarness,
) -> None:
    # Whatever the body, a caller who may not write learns only that: 403 (401 anonymous).
    client = ports.client
    for path in ("/countries", "/port-systems", "/governance/bodies", "/collab/items"):
        for body in ({}, {"unexpected": True}):
            nobody = identity_headers(subject="no-role")
            problem(await client.post(path, json=body, headers=nobody), 403)
            problem(await client.post(path, json=body, headers=anonymous()), 401)
    # Reads stay open.
    assert (await client.get("/countries", headers=identity_headers(subject="no-role"))).is_success
