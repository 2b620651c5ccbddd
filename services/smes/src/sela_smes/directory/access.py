"""Who may see and change a listing.

- Anyone: listed enterprises (consent to be listed, not erased), without tax id or contacts.
- Verified users — signed-in people (gateway accounts are created by administrators, there is
  no self sign-up) and service identities; not bare API keys: the tax id, sales, meetings, and
  the contacts of enterprises that consent to be contacted.
- The owner (role ``sme_owner`` and an approved claim) and staff: everything, and writes.
"""

from __future__ import annotations

from sela_kit.errors import ForbiddenError, UnauthorizedError
from sela_kit.identity import Identity
from sela_smes.directory.models import Enterprise

STAFF_ROLES = frozenset({"staff", "admin"})
OWNER_ROLE = "sme_owner"


def is_staff(identity: Identity) -> bool:
    return identity.has_any_role(STAFF_ROLES)


def is_verified(identity: Identity) -> bool:
    return identity.kind in ("user", "service") and identity.subject is not None


def is_owner(identity: Identity, enterprise: Enterprise) -> bool:
    return (
        OWNER_ROLE in identity.roles
        and identity.subject is not None
        and enterprise.owner_subject == identity.subject
    )


def actor(identity: Identity) -> str:
    return identity.subject or identity.kind


def require_signed_in(identity: Identity) -> None:
    if not identity.authenticated:
        raise UnauthorizedError("This operation needs a signed-in user.")


def require_staff(identity: Identity) -> None:
    require_signed_in(identity)
    if not is_staff(identity):
        raise ForbiddenError(
            "This operation needs the staff role.", extra={"required_roles": ["staff"]}
        )


def require_editor(identity: Identity, enterprise: Enterprise) -> None:
    """Staff, or the listing's approved owner."""
    require_signed_in(identity)
    if is_staff(identity) or is_owner(identity, enterprise):
        return
    raise ForbiddenError(
        "Only staff or the listing's owner may change it.",
        code="not_owner",
        extra={"required_roles": ["sme_owner", "staff"]},
    )
