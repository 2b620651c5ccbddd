"""Who the caller is within the Network: their person record, bodies and communities.

Writes need ``staff`` (or ``admin``), or ``port_member`` together with a link to the right
community (the caller's person record belongs to an organisation of that community).
Reads of private collaborative items need membership of a body the item is shared with.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from sela_kit.db import DbSession
from sela_kit.errors import ForbiddenError, UnauthorizedError
from sela_kit.identity import CurrentIdentity, Identity
from sela_ports.governance.repository import GovernanceRepository
from sela_ports.registry.repository import RegistryRepository

STAFF_ROLES = frozenset({"staff", "admin"})
MEMBER_ROLE = "port_member"


@dataclass(frozen=True)
class Viewer:
    identity: Identity
    staff: bool
    person_id: uuid.UUID | None = None
    community_ids: frozenset[uuid.UUID] = field(default_factory=frozenset)
    body_ids: frozenset[uuid.UUID] = field(default_factory=frozenset)

    @property
    def member(self) -> bool:
        return MEMBER_ROLE in self.identity.roles and self.person_id is not None


async def viewer_for(session: AsyncSession, identity: Identity) -> Viewer:
    staff = identity.has_any_role(STAFF_ROLES)
    if not identity.authenticated or identity.subject is None:
        return Viewer(identity, staff)
    person = await RegistryRepository.from_session(session).person_by_subject(identity.subject)
    if person is None:
        return Viewer(identity, staff)
    communities: frozenset[uuid.UUID] = frozenset()
    if person.organisation_id is not None:
        org = await RegistryRepository.from_session(session).get_organisation(
            person.organisation_id
        )
        if org is not None and org.community_id is not None:
            communities = frozenset({org.community_id})
    bodies = await GovernanceRepository.from_session(session).active_body_ids(
        person.id, date.today()
    )
    return Viewer(identity, staff, person.id, communities, frozenset(bodies))


def require_writer(identity: Identity) -> None:
    """Any write: staff, or a port member (community checks come on top)."""
    if not identity.authenticated:
        raise UnauthorizedError("This operation needs a signed-in user.")
    if not identity.has_any_role(STAFF_ROLES | {MEMBER_ROLE}):
        raise ForbiddenError(
            "This operation needs the staff or port_member role.",
            extra={"required_roles": ["port_member", "staff"]},
        )


def require_staff(identity: Identity) -> None:
    if not identity.authenticated:
        raise UnauthorizedError("This operation needs a signed-in user.")
    if not identity.has_any_role(STAFF_ROLES):
        raise ForbiddenError(
            "This operation needs the staff role.", extra={"required_roles": ["staff"]}
        )


def require_community(viewer: Viewer, community_ids: set[uuid.UUID] | frozenset[uuid.UUID]) -> None:
    """Staff pass; a port member passes if linked to one of ``community_ids``."""
    require_writer(viewer.identity)
    if viewer.staff:
        return
    if not viewer.member or not (viewer.community_ids & community_ids):
        raise ForbiddenError(
            "Port members may write only for their own logistic port community.",
            code="not_community_member",
        )


async def writers_only(request: Request, identity: CurrentIdentity) -> None:
    """Router dependency: a write from a caller holding no writing role is refused (401/403)
    before its body is validated, so the answer does not depend on what was sent."""
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        require_writer(identity)


async def get_viewer(session: DbSession, identity: CurrentIdentity) -> Viewer:
    return await viewer_for(session, identity)


CurrentViewer = Annotated[Viewer, Depends(get_viewer)]
