"""Who may see and change an IPPALC assessment.

Staff (and admin) manage everything. An ``evaluator`` or a ``focal_point`` sees the assessments
of the country their identity carries; the focal point answers the government's
self-assessment, the evaluator the independent one, and while the assessment is a draft neither
reads the other's answers (decision 0098). Published assessments are public. An
assessment the caller may not see is reported as not found, so its existence does not leak.
"""

from __future__ import annotations

from fastapi import Request

from sela_kit.errors import ForbiddenError, NotFoundError, UnauthorizedError
from sela_kit.identity import CurrentIdentity, Identity
from sela_smes.ippalc.models import Assessment, Questionnaire, State

STAFF_ROLES = frozenset({"staff", "admin"})
COUNTRY_ROLES = frozenset({"evaluator", "focal_point"})
WRITER_ROLES = STAFF_ROLES | COUNTRY_ROLES
EDITOR_ROLE = {Questionnaire.government: "focal_point", Questionnaire.evaluator: "evaluator"}


def is_staff(identity: Identity) -> bool:
    return identity.authenticated and identity.has_any_role(STAFF_ROLES)


def own_country(identity: Identity) -> str | None:
    """The country whose unpublished assessments the caller may see, if any."""
    if identity.authenticated and identity.has_any_role(COUNTRY_ROLES) and identity.country:
        return identity.country.upper()
    return None


def of_country(identity: Identity, assessment: Assessment) -> bool:
    return own_country(identity) == assessment.country


def can_see(identity: Identity, assessment: Assessment) -> bool:
    return (
        assessment.state == State.published
        or is_staff(identity)
        or of_country(identity, assessment)
    )


def require_visible(identity: Identity, assessment: Assessment | None) -> Assessment:
    if assessment is None or not can_see(identity, assessment):
        raise NotFoundError("No such IPPALC assessment.")
    return assessment


async def writers_only(request: Request, identity: CurrentIdentity) -> None:
    """Router dependency: a write from a caller holding none of the roles that write in
    IPPALC is refused (401/403) before its body is validated, whatever it carries."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    if not identity.authenticated:
        raise UnauthorizedError("This operation needs a signed-in user.")
    if not identity.has_any_role(WRITER_ROLES):
        raise ForbiddenError(
            "This operation needs the staff, focal_point or evaluator role.",
            extra={"required_roles": ["evaluator", "focal_point", "staff"]},
        )


def require_staff(identity: Identity) -> None:
    if not identity.authenticated:
        raise UnauthorizedError("This operation needs a signed-in user.")
    if not is_staff(identity):
        raise ForbiddenError(
            "This operation needs the staff role.", extra={"required_roles": ["staff"]}
        )


def require_editor(
    identity: Identity, assessment: Assessment, questionnaire: Questionnaire
) -> None:
    """Staff edit every questionnaire; the country's focal point the government's, the
    country's evaluator the evaluator's; only staff record the reconciled answers."""
    if not identity.authenticated:
        raise UnauthorizedError("This operation needs a signed-in user.")
    if is_staff(identity):
        return
    role = EDITOR_ROLE.get(questionnaire)
    if role is None or role not in identity.roles:
        needed = ["staff"] if role is None else [role, "staff"]
        raise ForbiddenError(
            f"The {questionnaire.value} questionnaire is answered by: {', '.join(needed)}.",
            code="not_questionnaire_editor",
            extra={"required_roles": needed},
        )
    if not of_country(identity, assessment):
        raise ForbiddenError(
            f"A {role} may answer only the assessment of their own country.",
            code="not_own_country",
        )


def require_submitter(identity: Identity, assessment: Assessment) -> None:
    """Staff, or the country's focal point or evaluator, submit a draft."""
    if not identity.authenticated:
        raise UnauthorizedError("This operation needs a signed-in user.")
    if is_staff(identity) or of_country(identity, assessment):
        return
    raise ForbiddenError(
        "Only staff or the country's focal point or evaluator submit an assessment.",
        code="not_own_country",
    )


def require_readable(
    identity: Identity, assessment: Assessment, questionnaire: Questionnaire
) -> None:
    """The self-assessment and the evaluator's are independent: while the assessment is a
    draft, a focal point reads only the government's questionnaire and an evaluator only the
    evaluator's. Once submitted, the country's people read both (they discuss the differences
    in the review); staff always do."""
    if assessment.state != State.draft or questionnaire is Questionnaire.reconciled:
        return
    if is_staff(identity):
        return
    own = {q for q, role in EDITOR_ROLE.items() if role in identity.roles}
    if questionnaire not in own:
        raise ForbiddenError(
            f"The {questionnaire.value} questionnaire is sealed until the assessment is "
            "submitted: the two questionnaires are answered independently.",
            code="questionnaire_sealed",
            extra={"questionnaire": questionnaire.value, "readable_from": State.submitted.value},
        )
