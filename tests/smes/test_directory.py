"""Listings over HTTP on the real database: checks, privacy, owners, claims and erasure."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from sela_kit.messaging.tables import OUTBOX
from sela_testing.support import ServiceHarness
from tests.smes.support import (
    anonymous,
    api_key,
    create,
    enterprise,
    error_names,
    ok,
    owner,
    problem,
    staff,
    verified,
)


async def test_create_derives_size_and_hides_private_data(smes: ServiceHarness) -> None:
    client = smes.client
    created = await create(client, "76.123.456-7")
    assert created["size_class"] == "small"
    assert created["size_basis"] == "annual sales"  # Chile: by sales
    assert created["isic_title"] == "Manufacture of food products"
    assert created["isic_section"] == "C"
    assert created["country_name"] == "Chile"
    assert created["tax_id"] == "76.123.456-7"
    assert created["contacts"][0]["email"] == "ana@altiplano.example"
    url = f"/enterprises/{created['id']}"
    async with smes.database.sessionmaker() as session:
        announced = (
            await session.execute(
                select(OUTBOX.c.subject, OUTBOX.c.payload).where(
                    OUTBOX.c.subject == "smes.listing.changed"
                )
            )
        ).all()
    assert [p["enterprise_id"] for _, p in announced] == [created["id"]]
    assert "Ana" not in str(announced)  # no personal data in events

    public = await ok(await client.get(url, headers=anonymous()))
    assert "tax_id" not in public
    assert "contacts" not in public
    assert public["products"] == ["0901", "2101"]
    # An API key is not a verified person: the public view.
    assert "contacts" not in await ok(await client.get(url, headers=api_key()))
    reader = await ok(await client.get(url, headers=verified()))
    assert reader["tax_id"] == "76.123.456-7"
    assert reader["contacts"][0]["name"] == "Ana Pérez"

    # Without consent to be contacted, verified users see no contacts; staff still do.
    hidden = await ok(await client.patch(url, json={"consent_contact": False}, headers=staff()))
    assert hidden["contacts"] is not None  # staff
    assert (await ok(await client.get(url, headers=verified())))["contacts"] is None
    # Not listed: gone for the public, there for staff.
    await ok(await client.patch(url, json={"consent_listed": False}, headers=staff()))
    problem(await client.get(url, headers=verified()), 404)
    assert (await ok(await client.get(url, headers=staff())))["listed"] is False


async def test_bad_codes_and_duplicates_name_the_field_and_write_nothing(
    smes: ServiceHarness,
) -> None:
    client = smes.client
    bad = await client.post(
        "/enterprises",
        json=enterprise(
            "B-1", country="XYZ", isic="04", products=["0901", "7701"], export_markets=["ZZZ"]
        ),
        headers=staff(),
    )
    body = problem(bad, 422)
    assert set(error_names(body)) >= {
        "body.country",
        "body.isic",
        "body.products.1",
        "body.export_markets.0",
    }
    large = problem(
        await client.post(
            "/enterprises", json=enterprise("B-2", employees=20, annual_sales_usd=9e9),
            headers=staff(),
        ),
        422,
    )  # fmt: skip
    assert error_names(large) == ["body.annual_sales_usd"]
    assert "large enterprise" in large["detail"]
    declared = problem(
        await client.post(
            "/enterprises",
            json=enterprise("B-3", employees=None, annual_sales_usd=None),
            headers=staff(),
        ),
        422,
    )
    assert error_names(declared) == ["body.size_class"]
    contradicted = problem(
        await client.post(
            "/enterprises", json=enterprise("B-4", size_class="medium"), headers=staff()
        ),
        422,
    )
    assert "contradicts" in contradicted["errors"][0]["reason"]

    first = await create(client, "B-5")
    dup = problem(
        await client.post(
            "/enterprises", json=enterprise("b-5", legal_name="Other"), headers=staff()
        ),
        409,
    )
    assert error_names(dup) == ["body.tax_id"]
    assert dup["code"] == "duplicate_tax_id"
    # The same tax id in another country is another enterprise.
    await create(client, "B-5", country="PER")
    listed = await ok(await client.get("/enterprises", params={"q": "Altiplano", "country": "CHL"}))
    assert [i["id"] for i in listed["items"]] == [first["id"]]
    declared_ok = await create(
        client, "B-6", employees=None, annual_sales_usd=None, size_class="micro"
    )
    assert declared_ok["size_basis"] == "declared"
    # Figures given later replace the declared class.
    measured = await ok(
        await client.patch(
            f"/enterprises/{declared_ok['id']}", json={"employees": 150}, headers=staff()
        )
    )
    assert (measured["size_class"], measured["size_basis"]) == ("medium", "employees")


async def test_writes_need_staff_or_the_owner_and_claims_are_reviewed(
    smes: ServiceHarness,
) -> None:
    client = smes.client
    created = await create(client, "C-1")
    url = f"/enterprises/{created['id']}"
    problem(await client.post("/enterprises", json=enterprise("C-2"), headers=anonymous()), 401)
    problem(await client.post("/enterprises", json=enterprise("C-2"), headers=owner("o1")), 403)
    problem(await client.patch(url, json={"city": "Temuco"}, headers=owner("o1")), 403)

    # Claims need the sme_owner role; staff decide.
    problem(
        await client.post(f"{url}/claims", json={"email": "x@y.example"}, headers=verified()), 403
    )
    claim = await ok(
        await client.post(
            f"{url}/claims", json={"email": "Luis@Altiplano.example"}, headers=owner("o1")
        ),
        201,
    )
    assert claim["domain_matches"] is True
    assert claim["status"] == "pending"
    problem(
        await client.post(f"{url}/claims", json={"email": "l@altiplano.example"},
                          headers=owner("o1")),
        409,
    )  # fmt: skip
    rival = await ok(
        await client.post(f"{url}/claims", json={"email": "r@gmail.example"}, headers=owner("o2")),
        201,
    )
    assert rival["domain_matches"] is False
    problem(await client.get("/claims", headers=owner("o1")), 403)
    pending = await ok(await client.get("/claims", headers=staff()))
    assert {c["id"] for c in pending} >= {claim["id"], rival["id"]}
    decided = await ok(
        await client.post(
            f"/claims/{claim['id']}/decision", json={"approve": True}, headers=staff()
        )
    )
    assert decided["status"] == "approved"
    assert decided["decided_by"] == "staff-1"
    problem(
        await client.post(f"/claims/{claim['id']}/decision", json={"approve": False},
                          headers=staff()),
        409,
    )  # fmt: skip
    rejected = await ok(await client.get("/claims", params={"status": "rejected"}, headers=staff()))
    assert rival["id"] in {c["id"] for c in rejected}

    # The owner edits; the size class follows the new headcount by Chile's rule (sales).
    edited = await ok(
        await client.patch(
            url, json={"city": "Temuco", "annual_sales_usd": 2_000_000}, headers=owner("o1")
        )
    )
    assert edited["city"] == "Temuco"
    assert edited["size_class"] == "medium"
    assert edited["claimed"] is True
    problem(await client.patch(url, json={"city": "X"}, headers=owner("o2")), 403)
    bad = problem(await client.patch(url, json={"products": ["99"]}, headers=owner("o1")), 422)
    assert error_names(bad) == ["body.products.0"]
    null = problem(await client.patch(url, json={"tax_id": None}, headers=owner("o1")), 422)
    assert error_names(null) == ["body.tax_id"]
    trail = await ok(await client.get(f"{url}/audit", headers=owner("o1")))
    assert [a["action"] for a in trail] == [
        "created",
        "claimed",
        "claimed",
        "claim_approved",
        "updated",
    ]
    assert trail[-1]["fields"] == ["annual_sales_usd", "city"]
    problem(await client.get(f"{url}/audit", headers=verified()), 403)


async def test_erasure_removes_personal_data_and_keeps_the_audit(smes: ServiceHarness) -> None:
    client = smes.client
    created = await create(client, "E-1")
    url = f"/enterprises/{created['id']}"
    await ok(
        await client.post(f"{url}/claims", json={"email": "e@altiplano.example"},
                          headers=owner("e1")),
        201,
    )  # fmt: skip
    problem(await client.post(f"{url}/erasure", headers=verified()), 403)
    erased = await ok(await client.post(f"{url}/erasure", headers=staff()))
    assert erased["legal_name"] == "Erased listing"
    assert erased["listed"] is False
    problem(await client.get(url, headers=verified()), 404)
    kept = await ok(await client.get(url, headers=staff()))
    assert kept["contacts"] == []
    assert kept["website"] is None
    assert kept["tax_id"].startswith("erased-")
    claims = await ok(await client.get("/claims", headers=staff()))
    assert all(c["enterprise_id"] != created["id"] for c in claims)  # closed
    closed = await ok(await client.get("/claims", params={"status": "rejected"}, headers=staff()))
    mine = [c for c in closed if c["enterprise_id"] == created["id"]]
    assert mine
    assert mine[0]["email"] is None
    assert mine[0]["subject"] == "erased"
    trail = await ok(await client.get(f"{url}/audit", headers=staff()))
    assert [a["action"] for a in trail] == ["created", "claimed", "erased"]
    assert "contacts" in trail[-1]["fields"]
    # The tax id is free again; an erased listing cannot be edited.
    await create(client, "E-1")
    problem(await client.patch(url, json={"city": "X"}, headers=staff()), 409)
    problem(await client.get(f"/enterprises/{uuid.uuid4()}"), 404)
