"""The private collaborative area: visibility by body, versions, hashes and upload limits."""

from __future__ import annotations

import hashlib

from sqlalchemy import func, select

from sela_ports.collab.models import FileVersion, Item
from sela_testing.support import ServiceHarness
from tests.ports.conftest import UPLOAD_LIMIT
from tests.ports.support import anonymous, error_names, member, ok, problem, small_network, staff


async def _count(ports: ServiceHarness, model: type[Item] | type[FileVersion]) -> int:
    assert ports.connection is not None
    return int(await ports.connection.scalar(select(func.count()).select_from(model)) or 0)


async def test_private_items_are_404_to_outsiders(ports: ServiceHarness) -> None:
    client = ports.client
    await small_network(client)
    doc = await ok(
        await client.post(
            "/collab/items",
            json={"kind": "document", "title": "Roadmap draft", "shared_with": ["t-one"]},
            headers=member("ana"),
        ),
        201,
    )
    public = await ok(
        await client.post(
            "/collab/items",
            json={"kind": "agenda", "title": "IV Regional Meeting", "public": True,
                  "meeting_on": "2019-09-10"},
            headers=member("ana"),
        ),
        201,
    )  # fmt: skip
    # Ana (t-one) sees both; Ben (t-two) and anonymous callers see the public one only.
    for headers, expected in (
        (member("ana"), {doc["id"], public["id"]}),
        (staff(), {doc["id"], public["id"]}),
        (member("ben"), {public["id"]}),
        (anonymous(), {public["id"]}),
    ):
        listed = await ok(await client.get("/collab/items", headers=headers))
        assert {i["id"] for i in listed["items"]} == expected
    for headers in (member("ben"), anonymous()):
        hidden = problem(await client.get(f"/collab/items/{doc['id']}", headers=headers), 404)
        assert hidden["code"] == "not_found"
        problem(await client.get(f"/collab/items/{doc['id']}/versions", headers=headers), 404)
        problem(
            await client.patch(
                f"/collab/items/{doc['id']}", json={"title": "x"}, headers=member("ben")
            ),
            404,
        )
    # Visible but not theirs: Ben may read the public agenda, not change it.
    problem(
        await client.patch(
            f"/collab/items/{public['id']}", json={"title": "x"}, headers=member("ben")
        ),
        403,
    )
    # Sharing with a body one does not belong to, or with none at all, is refused.
    problem(
        await client.post(
            "/collab/items",
            json={"kind": "task", "title": "T", "shared_with": ["t-one"]},
            headers=member("ben"),
        ),
        403,
    )
    unshared = problem(
        await client.post(
            "/collab/items", json={"kind": "task", "title": "T"}, headers=member("ben")
        ),
        422,
    )
    assert error_names(unshared) == ["body.shared_with"]
    unknown = problem(
        await client.post(
            "/collab/items",
            json={"kind": "task", "title": "T", "shared_with": ["t-two", "nope"]},
            headers=member("ben"),
        ),
        422,
    )
    assert error_names(unknown) == ["body.shared_with.1"]
    # Sharing with both committees opens it to Ben.
    await ok(
        await client.patch(
            f"/collab/items/{doc['id']}",
            json={"shared_with": ["t-one"]},
            headers=member("ana"),
        )
    )
    await ok(
        await client.patch(
            f"/collab/items/{doc['id']}", json={"shared_with": ["t-one", "t-two"]}, headers=staff()
        )
    )
    seen = await ok(await client.get(f"/collab/items/{doc['id']}", headers=member("ben")))
    assert seen["shared_with"] == ["t-one", "t-two"]


async def test_tasks_have_owners_and_due_dates(ports: ServiceHarness) -> None:
    client = ports.client
    await small_network(client)
    people = await ok(await client.get("/people", headers=staff()))
    ana = next(p["id"] for p in people["items"] if p["name"] == "Ana")
    task = await ok(
        await client.post(
            "/collab/items",
            json={"kind": "task", "title": "Collect KPIs", "shared_with": ["t-one"],
                  "owner_person_id": ana, "due_on": "2019-05-31"},
            headers=member("ana"),
        ),
        201,
    )  # fmt: skip
    assert task["status"] == "open"
    done = await ok(
        await client.patch(
            f"/collab/items/{task['id']}", json={"status": "done"}, headers=member("ana")
        )
    )
    assert done["status"] == "done"
    wrong = problem(
        await client.post(
            "/collab/items",
            json={"kind": "document", "title": "D", "public": True, "due_on": "2019-05-31"},
            headers=member("ana"),
        ),
        422,
    )
    assert wrong["errors"][0]["location"] == "body"


async def test_versions_are_hashed_limited_and_downloadable(ports: ServiceHarness) -> None:
    client = ports.client
    await small_network(client)
    doc = await ok(
        await client.post(
            "/collab/items",
            json={"kind": "dataset", "title": "Berth calls 2018", "shared_with": ["t-one"]},
            headers=member("ana"),
        ),
        201,
    )
    url = f"/collab/items/{doc['id']}/versions"
    first = b"port,calls\nZAAAA,120\n"
    v1 = await ok(
        await client.post(
            url, files={"file": ("calls.csv", first, "text/csv")}, data={"comment": "first"},
            headers=member("ana"),
        ),
        201,
    )  # fmt: skip
    assert v1["version"] == 1
    assert v1["sha256"] == hashlib.sha256(first).hexdigest()
    assert v1["media_type"] == "text/csv"
    v2 = await ok(
        await client.post(
            url, files={"file": ("calls.csv", first + b"ZABBB,80\n")}, headers=staff()
        ),
        201,
    )
    assert v2["version"] == 2
    versions_before = await _count(ports, FileVersion)

    too_big = problem(
        await client.post(
            url, files={"file": ("big.csv", b"x" * (UPLOAD_LIMIT + 1))}, headers=member("ana")
        ),
        413,
    )
    assert too_big["code"] == "payload_too_large"
    exe = problem(
        await client.post(url, files={"file": ("tool.exe", b"MZ")}, headers=member("ana")), 422
    )
    assert error_names(exe) == ["body.file"]
    problem(await client.post(url, files={"file": ("calls.csv", b"")}, headers=member("ana")), 422)
    problem(await client.post(url, files={"file": ("calls.csv", b"a")}, headers=member("ben")), 404)
    assert await _count(ports, FileVersion) == versions_before

    content = await client.get(f"{url}/1/content", headers=member("ana"))
    assert content.status_code == 200
    assert content.content == first
    assert content.headers["etag"] == f'"{v1["sha256"]}"'
    problem(await client.get(f"{url}/1/content", headers=anonymous()), 404)
    problem(await client.get(f"{url}/9/content", headers=member("ana")), 404)
    listed = await ok(await client.get(url, headers=member("ana")))
    assert [v["version"] for v in listed] == [1, 2]
    item = await ok(await client.get(f"/collab/items/{doc['id']}", headers=member("ana")))
    assert item["latest_version"]["version"] == 2

    task = await ok(
        await client.post(
            "/collab/items",
            json={"kind": "task", "title": "T", "shared_with": ["t-one"]},
            headers=member("ana"),
        ),
        201,
    )
    no_files = problem(
        await client.post(
            f"/collab/items/{task['id']}/versions",
            files={"file": ("a.txt", b"a")},
            headers=member("ana"),
        ),
        422,
    )
    assert error_names(no_files) == ["path.item_id"]
