"""Plain async factories for the ports tests: a small Network to work on."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from sela_testing.support import error_names as error_names
from sela_testing.support import identity_headers
from sela_testing.support import problem as problem


# Made per request: identity tokens live a minute, shorter than a whole test session.
def staff() -> dict[str, str]:
    return identity_headers("staff", subject="staff-1")


def anonymous() -> dict[str, str]:
    return identity_headers(kind="anonymous")


def member(subject: str) -> dict[str, str]:
    return identity_headers("port_member", subject=subject)


async def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


@dataclass
class Network:
    port_ids: dict[str, str]
    community_ids: dict[str, str]
    organisation_ids: dict[str, str]


async def country(client: httpx.AsyncClient, iso3: str, name: str) -> None:
    await ok(
        await client.post("/countries", json={"iso3": iso3, "name": name}, headers=staff()), 201
    )


async def port_with_community(
    client: httpx.AsyncClient, locode: str, iso3: str, community: str
) -> tuple[str, str, str]:
    """A port system, its community and the community's port authority: their ids."""
    port = await ok(
        await client.post(
            "/port-systems",
            json={"locode": locode, "name": community, "country_iso3": iso3},
            headers=staff(),
        ),
        201,
    )
    comm = await ok(
        await client.post(
            "/communities",
            json={"name": community, "port_system_id": port["id"]},
            headers=staff(),
        ),
        201,
    )
    org = await ok(
        await client.post(
            "/organisations",
            json={
                "name": f"Port Authority of {community}",
                "kind": "port_authority",
                "country_iso3": iso3,
                "community_id": comm["id"],
            },
            headers=staff(),
        ),
        201,
    )
    return port["id"], comm["id"], org["id"]


async def person(
    client: httpx.AsyncClient, name: str, organisation_id: str | None, subject: str | None
) -> str:
    body = await ok(
        await client.post(
            "/people",
            json={"name": name, "organisation_id": organisation_id, "subject": subject},
            headers=staff(),
        ),
        201,
    )
    return str(body["id"])


async def body(client: httpx.AsyncClient, code: str, kind: str = "technical_committee") -> str:
    created = await ok(
        await client.post(
            "/governance/bodies",
            json={"code": code, "name": code.upper(), "kind": kind},
            headers=staff(),
        ),
        201,
    )
    return str(created["id"])


async def join(client: httpx.AsyncClient, code: str, person_id: str) -> None:
    await ok(
        await client.post(
            f"/governance/bodies/{code}/members",
            json={"person_id": person_id, "since": "2019-01-01"},
            headers=staff(),
        ),
        201,
    )


async def small_network(client: httpx.AsyncClient) -> Network:
    """Two countries, three port systems with communities, two members in two committees."""
    await country(client, "ZZA", "Alphaland")
    await country(client, "ZZB", "Betaland")
    ports, comms, orgs = {}, {}, {}
    for locode, iso3, name in (
        ("ZAAAA", "ZZA", "Alpha Port"),
        ("ZABBB", "ZZA", "Alpha Bay"),
        ("ZBCCC", "ZZB", "Beta Harbour"),
    ):
        ports[locode], comms[locode], orgs[locode] = await port_with_community(
            client, locode, iso3, name
        )
    await body(client, "t-one")
    await body(client, "t-two")
    ana = await person(client, "Ana", orgs["ZAAAA"], "ana")
    ben = await person(client, "Ben", orgs["ZBCCC"], "ben")
    await join(client, "t-one", ana)
    await join(client, "t-two", ben)
    return Network(ports, comms, orgs)
