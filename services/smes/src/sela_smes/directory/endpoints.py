"""The SME directory: listings, search with facets, partner matching, claims, erasure,
bulk import and the code lists behind the checks."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Form, Query, Request, Response, UploadFile, status

from sela_kit.db import DbSession
from sela_kit.errors import InvalidInputError, NotFoundError, problem_responses
from sela_kit.identity import CurrentIdentity
from sela_kit.pagination import MAX_LIMIT
from sela_smes.directory import codes, imports, service
from sela_smes.directory.access import actor, is_owner, require_signed_in, require_staff
from sela_smes.directory.problems import invalid_many
from sela_smes.directory.repository import DirectoryRepository, SearchFilter
from sela_smes.directory.schemas import (
    AuditRead,
    ClaimCreate,
    ClaimDecision,
    ClaimRead,
    EnterpriseCreate,
    EnterpriseDetail,
    EnterpriseRead,
    EnterpriseUpdate,
    ImportReport,
    Matches,
    SearchPage,
    SortKey,
)
from sela_smes.matching import service as matching
from sela_smes.matching.proximity import IndicesProximityClient
from sela_smes.settings import SmesSettings

router = APIRouter(tags=["directory"])
WRITE_ERRORS = problem_responses(401, 403, 404, 409, 422)

ListParam = Annotated[list[str] | None, Query(description="Comma-separated or repeated")]


def _values(raw: list[str] | None) -> list[str]:
    return [v.strip() for item in raw or [] for v in item.split(",") if v.strip()]


def _checked(
    name: str, raw: list[str] | None, check: Any, problems: list[tuple[str, str]], upper: bool
) -> list[str]:
    values = [v.upper() if upper else v for v in _values(raw)]
    for value in values:
        reason = check(value)
        if reason:
            problems.append((f"query.{name}", reason))
    return values


def _size(value: str) -> str | None:
    return None if value in codes.SIZE_ORDER else f"{value!r} is not micro, small or medium"


@router.get("/enterprises", response_model=SearchPage, responses=problem_responses(401, 403, 422))
async def search_enterprises(
    session: DbSession,
    identity: CurrentIdentity,
    q: Annotated[str | None, Query(max_length=200, description="Full text, es/en/pt")] = None,
    country: ListParam = None,
    sector: ListParam = None,
    size: ListParam = None,
    product: ListParam = None,
    exports_to: ListParam = None,
    niches_only: Annotated[
        bool, Query(description="Only listings with a product that is a niche of their country")
    ] = False,
    sort: Annotated[
        SortKey,
        Query(description="relevance (with q), name, founded, employees, updated; '-' reverses"),
    ] = "relevance",
    facets: Annotated[
        bool, Query(description="Counts by country, sector, size, product, exports_to")
    ] = True,
    include_unlisted: Annotated[bool, Query(description="Staff only")] = False,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 20,
    cursor: Annotated[str | None, Query(max_length=2048)] = None,
) -> SearchPage:
    """Search the listed enterprises: full text in Spanish, English and Portuguese (accents
    ignored), filters, facet counts over the whole result, sorting and cursor pagination."""
    problems: list[tuple[str, str]] = []
    f = SearchFilter(
        q=(q or "").strip() or None,
        countries=_checked("country", country, codes.check_country, problems, True),
        sectors=_checked("sector", sector, codes.check_isic, problems, False),
        sizes=_checked("size", size, _size, problems, False),
        products=_checked("product", product, codes.check_hs, problems, False),
        exports_to=_checked("exports_to", exports_to, codes.check_country, problems, True),
        niches_only=niches_only,
        include_unlisted=include_unlisted,
    )
    if problems:
        raise invalid_many(problems)
    return await service.search(session, identity, f, sort, limit, cursor, facets)


@router.post(
    "/enterprises", status_code=201, response_model=EnterpriseDetail, responses=WRITE_ERRORS
)
async def create_enterprise(
    body: EnterpriseCreate, session: DbSession, identity: CurrentIdentity, response: Response
) -> EnterpriseRead | EnterpriseDetail:
    """Add a listing (staff). Codes, size class and tax id are checked; nothing is written
    when any of them is wrong."""
    enterprise = await service.create(session, identity, body)
    response.headers["Location"] = f"/enterprises/{enterprise.id}"
    return await service.view(session, identity, enterprise.id)


@router.get(
    "/enterprises/{enterprise_id}",
    response_model=EnterpriseDetail | EnterpriseRead,
    responses=problem_responses(404),
)
async def get_enterprise(
    enterprise_id: uuid.UUID, session: DbSession, identity: CurrentIdentity
) -> EnterpriseRead | EnterpriseDetail:
    """A listing: the public view, or with tax id, meetings and consented contacts for
    verified users."""
    return await service.view(session, identity, enterprise_id)


@router.patch(
    "/enterprises/{enterprise_id}", response_model=EnterpriseDetail, responses=WRITE_ERRORS
)
async def update_enterprise(
    enterprise_id: uuid.UUID, body: EnterpriseUpdate, session: DbSession, identity: CurrentIdentity
) -> EnterpriseRead | EnterpriseDetail:
    """Change a listing (staff or its owner); only the fields sent change."""
    await service.update(session, identity, enterprise_id, body)
    return await service.view(session, identity, enterprise_id)


@router.post(
    "/enterprises/{enterprise_id}/erasure",
    response_model=EnterpriseRead,
    responses=problem_responses(401, 403, 404),
)
async def erase_enterprise(
    enterprise_id: uuid.UUID, session: DbSession, identity: CurrentIdentity
) -> EnterpriseRead:
    """Erase a listing on request (staff or its owner): names, tax id, website, contacts and
    claimants' data go; the audit trail (who did what, field names only) stays."""
    return service.to_read(await service.erase(session, identity, enterprise_id))


@router.get(
    "/enterprises/{enterprise_id}/audit",
    response_model=list[AuditRead],
    responses=problem_responses(401, 403, 404),
)
async def enterprise_audit(
    enterprise_id: uuid.UUID, session: DbSession, identity: CurrentIdentity
) -> list[AuditRead]:
    """Who changed the listing and which fields (staff or its owner)."""
    require_signed_in(identity)
    repo = DirectoryRepository.from_session(session)
    enterprise = await repo.get(enterprise_id)
    if enterprise is None:
        raise NotFoundError(f"No enterprise {enterprise_id}.")
    if not is_owner(identity, enterprise):
        require_staff(identity)
    return [AuditRead.model_validate(a) for a in await repo.audit_trail(enterprise_id)]


@router.get(
    "/enterprises/{enterprise_id}/partners",
    response_model=Matches,
    responses=problem_responses(404),
)
async def partner_matches(
    request: Request,
    enterprise_id: uuid.UUID,
    session: DbSession,
    identity: CurrentIdentity,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Matches:
    """Candidate partners for a strategic alliance, best first, each with its reasons:
    complementary products along value chains, proximity in the product space, the same
    sector in another country, markets one serves that the other seeks."""
    settings: SmesSettings = request.app.state.settings
    client = IndicesProximityClient(
        settings.indices_url, settings.secret, settings.indices_timeout_seconds
    )
    return await matching.partners(session, identity, enterprise_id, client, limit)


@router.post(
    "/enterprises/{enterprise_id}/claims",
    status_code=201,
    response_model=ClaimRead,
    responses=WRITE_ERRORS,
)
async def claim_enterprise(
    enterprise_id: uuid.UUID, body: ClaimCreate, session: DbSession, identity: CurrentIdentity
) -> ClaimRead:
    """Ask to manage a listing (role sme_owner). Staff approve or reject the claim."""
    return ClaimRead.model_validate(await service.claim(session, identity, enterprise_id, body))


@router.get("/claims", response_model=list[ClaimRead], responses=problem_responses(401, 403))
async def list_claims(
    session: DbSession,
    identity: CurrentIdentity,
    status_: Annotated[
        Literal["pending", "approved", "rejected"] | None, Query(alias="status")
    ] = "pending",
) -> list[ClaimRead]:
    """Claims to review (staff)."""
    require_staff(identity)
    rows = await DirectoryRepository.from_session(session).claims(status=status_)
    return [ClaimRead.model_validate(c) for c in rows]


@router.post("/claims/{claim_id}/decision", response_model=ClaimRead, responses=WRITE_ERRORS)
async def decide_claim(
    claim_id: uuid.UUID, body: ClaimDecision, session: DbSession, identity: CurrentIdentity
) -> ClaimRead:
    """Approve (the claimant becomes the owner) or reject a claim (staff)."""
    return ClaimRead.model_validate(
        await service.decide_claim(session, identity, claim_id, body.approve)
    )


@router.post(
    "/enterprises/imports",
    response_model=ImportReport,
    responses=problem_responses(401, 403, 413, 422),
)
async def import_enterprises(
    request: Request,
    session: DbSession,
    identity: CurrentIdentity,
    file: Annotated[UploadFile, File(description="CSV (UTF-8, comma or semicolon) or XLSX")],
    mode: Annotated[
        imports.Mode, Form(description="all_or_nothing: any invalid row rejects the file")
    ] = "all_or_nothing",
    dry_run: Annotated[bool, Form(description="Check and report, write nothing")] = False,
) -> ImportReport:
    """Import listings in bulk (staff) with a report per row: created, duplicate (same
    country and tax id, skipped), invalid (the columns at fault); similar names flagged."""
    require_staff(identity)
    settings: SmesSettings = request.app.state.settings
    data = await file.read(settings.max_upload_bytes + 1)
    if len(data) > settings.max_upload_bytes:
        raise InvalidInputError(
            f"The file is larger than {settings.max_upload_bytes} bytes.",
            code="payload_too_large",
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    return await imports.run_import(
        session, actor(identity), data, file.filename or "upload.csv", mode, dry_run=dry_run
    )


@router.get("/reference/{name}", responses=problem_responses(404))
async def reference_list(
    name: Literal["size-thresholds", "isic", "hs-chapters", "value-chains"],
) -> dict[str, Any]:
    """The code lists and thresholds the checks use, with their sources."""
    file = {
        "size-thresholds": "size_thresholds.json",
        "isic": "isic_rev4.json",
        "hs-chapters": "hs.json",
        "value-chains": "value_chains.json",
    }[name]
    data = codes.reference(file)
    if name == "hs-chapters":
        data["headings"] = len(data["headings"])
    return data
