from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from sela_kit.errors import NotFoundError
from sela_ports.access import Viewer, require_staff
from sela_ports.collab.repository import CollabRepository
from sela_ports.governance import rules
from sela_ports.governance.models import Body, Decision, DecisionKind, Membership, Mou
from sela_ports.governance.repository import GovernanceRepository
from sela_ports.governance.schemas import BodyCreate, DecisionCreate, MembershipCreate, MouCreate
from sela_ports.problems import conflict, invalid
from sela_ports.registry.repository import RegistryRepository


async def create_body(session: AsyncSession, viewer: Viewer, body: BodyCreate) -> Body:
    require_staff(viewer.identity)
    repo = GovernanceRepository.from_session(session)
    if await repo.body_by_code(body.code) is not None:
        raise conflict("body.code", f"a body with code {body.code!r} exists")
    row = Body(**body.model_dump())
    await repo.add(row)
    return row


async def body_by_code(session: AsyncSession, code: str) -> Body:
    body = await GovernanceRepository.from_session(session).body_by_code(code)
    if body is None:
        raise NotFoundError(f"No body {code!r}.")
    return body


async def add_member(
    session: AsyncSession, viewer: Viewer, code: str, body: MembershipCreate
) -> Membership:
    require_staff(viewer.identity)
    target = await body_by_code(session, code)
    if await RegistryRepository.from_session(session).get_person(body.person_id) is None:
        raise invalid("body.person_id", "no such person")
    repo = GovernanceRepository.from_session(session)
    if await repo.overlapping_membership(target.id, body.person_id, body.since, body.until):
        raise conflict(
            "body.since", "this person is already a member of the body in an overlapping period"
        )
    row = Membership(body_id=target.id, **body.model_dump())
    await repo.add(row)
    return row


async def record_decision(
    session: AsyncSession, viewer: Viewer, code: str, body: DecisionCreate
) -> Decision:
    require_staff(viewer.identity)
    target = await body_by_code(session, code)
    if body.kind == DecisionKind.technical_secretariat and not body.designee:
        raise invalid("body.designee", "a technical-secretariat decision names its designee")
    row = Decision(body_id=target.id, **body.model_dump())
    await GovernanceRepository.from_session(session).add(row)
    return row


async def create_mou(session: AsyncSession, viewer: Viewer, body: MouCreate) -> Mou:
    require_staff(viewer.identity)
    registry = RegistryRepository.from_session(session)
    if await registry.get_community(body.community_id) is None:
        raise invalid("body.community_id", "no such community")
    if body.organisation_id is not None:
        organisation = await registry.get_organisation(body.organisation_id)
        if organisation is None:
            raise invalid("body.organisation_id", "no such organisation")
    if body.document_id is not None:
        item = await CollabRepository.from_session(session).get_item(body.document_id)
        if item is None or item.kind != "document":
            raise invalid("body.document_id", "no such document in the collaborative area")
    row = Mou(**body.model_dump())
    await GovernanceRepository.from_session(session).add(row)
    return row


async def formalisation(session: AsyncSession, on: date) -> rules.NetworkStatus:
    registry = RegistryRepository.from_session(session)
    governance = GovernanceRepository.from_session(session)
    countries = [(c.iso3, c.name) for c in await registry.list_countries() if c.in_network]
    windows = await governance.signed_mou_windows()
    facts = [
        rules.CommunityFacts(c.name, iso3, c.stage, windows.get(c.id, []))
        for c, iso3 in await registry.communities_with_country()
    ]
    return rules.evaluate(countries, facts, await governance.secretariat_designees(on), on)
