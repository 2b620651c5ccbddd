"""Reference data shipped with the service: countries, the bundled edition of the mechanism
memberships, and the first edition of the indicator catalogue.

Applied by migrations (so every deployment has it) through a synchronous connection.
Idempotent: countries are upserted, an edition already loaded is left alone, and catalogue
entries that exist are never overwritten (staff may have edited them).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.dialects.postgresql import insert

from sela_indices.catalogue.models import Indicator
from sela_indices.reference.countries import countries, data_file
from sela_indices.reference.models import Area, MechanismEdition, Membership


def seed_countries(connection: Connection) -> int:
    rows = [
        {"code": c.code, "kind": "country", "iso2": c.iso2, "m49": c.m49, "names": c.names}
        for c in countries()
    ]
    stmt = insert(Area).values(rows)
    stmt = stmt.on_conflict_do_update(
        index_elements=[Area.code],
        set_={"names": stmt.excluded.names, "iso2": stmt.excluded.iso2, "m49": stmt.excluded.m49},
    )
    connection.execute(stmt)
    return len(rows)


def edition_rows(data: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    areas = [
        {
            "code": m["code"],
            "kind": "mechanism",
            "names": m["names"],
            "subregional": bool(m.get("subregional")),
        }
        for m in data["mechanisms"]
    ]
    members = [
        {
            "edition": data["edition"],
            "mechanism": m["code"],
            "country": member["country"],
            "start_date": date.fromisoformat(member["start"]),
            "end_date": date.fromisoformat(member["end"]) if member.get("end") else None,
            "status": member.get("status", "full"),
        }
        for m in data["mechanisms"]
        for member in m["members"]
    ]
    return areas, members


def seed_mechanisms(connection: Connection, data: dict[str, Any] | None = None) -> bool:
    data = data or data_file("mechanisms.json")
    known = connection.execute(
        select(MechanismEdition.edition).where(MechanismEdition.edition == data["edition"])
    ).first()
    if known:
        return False
    areas, members = edition_rows(data)
    stmt = insert(Area).values(areas)
    connection.execute(
        stmt.on_conflict_do_update(
            index_elements=[Area.code],
            set_={"names": stmt.excluded.names, "subregional": stmt.excluded.subregional},
            # A mechanism code must never take over a country's row.
            where=Area.kind == "mechanism",
        )
    )
    clashes = (
        connection.execute(
            select(Area.code).where(
                Area.code.in_([a["code"] for a in areas]), Area.kind != "mechanism"
            )
        )
        .scalars()
        .all()
    )
    if clashes:
        raise ValueError(f"mechanism codes {clashes} are country codes; choose other codes")
    connection.execute(
        insert(MechanismEdition).values(
            edition=data["edition"], description=data["description"], notes=data.get("notes", [])
        )
    )
    connection.execute(insert(Membership).values(members))
    return True


def catalogue_rows() -> list[dict[str, Any]]:
    data = data_file("catalogue.json")
    rows = [
        {
            "code": item["code"],
            "names": item["names"],
            "descriptions": item.get("descriptions", {}),
            "unit": item["unit"],
            "source": item["source"],
            "group": item["group"],
            "frequency": item["frequency"],
            "direction": item["direction"],
            "aggregation": item["aggregation"],
        }
        for item in data["indicators"]
    ]
    pwt = data["pwt"]
    for name, english, spanish, unit, group, rule in pwt["variables"]:
        if rule == "sum":
            aggregation: dict[str, Any] = {"rule": "sum"}
        elif rule.startswith("weighted:"):
            aggregation = {"rule": "weighted_mean", "weight": [f"PWT.{rule.split(':')[1]}"]}
        else:
            aggregation = {"rule": "none"}
        rows.append(
            {
                "code": f"PWT.{name}",
                "names": {"en": english, "es": spanish},
                "descriptions": {},
                "unit": unit,
                "source": pwt["source"],
                "group": group,
                "frequency": "A",
                "direction": 0,
                "aggregation": aggregation,
            }
        )
    return rows


def seed_catalogue(connection: Connection) -> int:
    result = connection.execute(
        insert(Indicator).values(catalogue_rows()).on_conflict_do_nothing(index_elements=["code"])
    )
    return int(result.rowcount or 0)


def apply(connection: Connection) -> None:
    seed_countries(connection)
    seed_mechanisms(connection)
    seed_catalogue(connection)
