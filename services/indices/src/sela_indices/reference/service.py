"""Areas and integration mechanisms with membership by period."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from sela_indices.reference.models import Membership
from sela_indices.reference.repository import ReferenceRepository
from sela_indices.reference.schemas import EditionCreate
from sela_indices.reference.seed import edition_rows
from sela_kit.errors import ConflictError, InvalidInputError, NotFoundError


@dataclass(frozen=True)
class MembershipTable:
    """The memberships of one edition, for computing members at any date in memory."""

    edition: str
    rows: tuple[Membership, ...]

    def members_at(self, mechanism: str, when: date) -> list[str]:
        return sorted(
            {
                m.country
                for m in self.rows
                if m.mechanism == mechanism
                and m.status == "full"
                and m.start_date <= when
                and (m.end_date is None or when < m.end_date)
            }
        )

    def by_mechanism(self) -> dict[str, list[Membership]]:
        grouped: dict[str, list[Membership]] = defaultdict(list)
        for row in self.rows:
            grouped[row.mechanism].append(row)
        return grouped


async def membership_table(session: AsyncSession, edition: str | None = None) -> MembershipTable:
    repo = ReferenceRepository.from_session(session)
    if edition is None:
        current = await repo.current_edition()
        if current is None:
            raise NotFoundError("No edition of the mechanism memberships has been loaded.")
        edition = current.edition
    elif await repo.get_edition(edition) is None:
        raise NotFoundError(f"Membership edition {edition!r} does not exist.")
    return MembershipTable(edition, tuple(await repo.memberships(edition)))


async def mechanism_area(session: AsyncSession, code: str) -> str:
    area = await ReferenceRepository.from_session(session).get_area(code.upper())
    if area is None or area.kind != "mechanism":
        raise NotFoundError(f"Mechanism {code!r} does not exist.", extra={"mechanism": code})
    return area.code


async def add_edition(session: AsyncSession, data: EditionCreate) -> str:
    repo = ReferenceRepository.from_session(session)
    if await repo.get_edition(data.edition) is not None:
        raise ConflictError(f"Edition {data.edition!r} exists; editions are never changed.")
    countries = {a.code for a in await repo.areas("country")}
    errors = []
    for i, mechanism in enumerate(data.mechanisms):
        if mechanism.code in countries:
            errors.append(
                {
                    "name": f"body.mechanisms.{i}.code",
                    "pointer": f"/mechanisms/{i}/code",
                    "location": "body",
                    "reason": f"{mechanism.code} is a country code",
                    "type": "code_clash",
                }
            )
        for j, member in enumerate(mechanism.members):
            if member.country not in countries:
                errors.append(
                    {
                        "name": f"body.mechanisms.{i}.members.{j}.country",
                        "pointer": f"/mechanisms/{i}/members/{j}/country",
                        "location": "body",
                        "reason": f"unknown country {member.country}",
                        "type": "unknown_country",
                    }
                )
    if errors:
        raise InvalidInputError(
            f"{len(errors)} problem(s) in the edition; nothing was stored.",
            code="validation_failed",
            extra={"errors": errors},
        )
    raw = data.model_dump(mode="json")
    areas, members = edition_rows(raw)
    await repo.add_edition(
        {"edition": data.edition, "description": data.description, "notes": data.notes},
        areas,
        members,
    )
    return data.edition
