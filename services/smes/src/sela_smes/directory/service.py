"""Directory rules: codes validated, size class from the country's thresholds, one listing
per (country, tax id), owners and staff write, contacts only for verified users, erasure that
keeps the audit trail."""

from __future__ import annotations

import unicodedata
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlparse

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from sela_contracts.smes import ListingChanged
from sela_kit.errors import ConflictError, ForbiddenError, NotFoundError
from sela_kit.identity import Identity
from sela_kit.messaging import record_event
from sela_smes.directory import codes
from sela_smes.directory.access import (
    actor,
    is_owner,
    is_staff,
    is_verified,
    require_editor,
    require_signed_in,
    require_staff,
)
from sela_smes.directory.models import Claim, Contact, Enterprise
from sela_smes.directory.problems import conflict, invalid, invalid_many
from sela_smes.directory.repository import DirectoryRepository, SearchFilter
from sela_smes.directory.schemas import (
    ClaimCreate,
    ContactIn,
    ContactRead,
    EnterpriseCreate,
    EnterpriseDetail,
    EnterpriseRead,
    EnterpriseUpdate,
    Facets,
    FacetValue,
    MeetingAttended,
    SearchPage,
)

# Names at least this similar (pg_trgm) in the same country are flagged as possible duplicates.
SIMILARITY_THRESHOLD = 0.6


def sort_name(name: str) -> str:
    """Lower case without accents: the order users expect for 'Ñandú' and 'Açaí'."""
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()[:300]


def derive(values: dict[str, Any]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """The stored columns of a listing from its fields, and the problems found (field, reason).

    ``values`` holds the schema's field names (``country``, ``isic``, ``size_class``...).
    """
    problems: list[tuple[str, str]] = []
    country = values["country"]
    computed, basis = codes.size_class(
        country, values.get("employees"), values.get("annual_sales_usd")
    )
    given = values.get("size_class")
    rule = codes.size_rule(country)
    where = "" if rule.country == "default" else f"{country}'s "
    if computed is None and basis:
        field = "annual_sales_usd" if "sales" in basis else "employees"
        problems.append(
            (field, f"a large enterprise by {where or 'the default '}thresholds ({basis})")
        )
    elif computed is None and given is None:
        problems.append(
            ("size_class", "give employees, annual_sales_usd or, failing both, size_class")
        )
    elif computed is not None and given is not None and given != computed:
        problems.append(
            ("size_class", f"{given} contradicts {where or 'the default '}thresholds: "
             f"{computed} by {basis}")
        )  # fmt: skip
    size = computed or given
    products: list[str] = list(values.get("products") or [])
    certifications: list[str] = list(values.get("certifications") or [])
    columns = {
        "legal_name": values["legal_name"],
        "trade_name": values.get("trade_name"),
        "sort_name": sort_name(values["legal_name"]),
        "description": values.get("description"),
        "country_iso3": country,
        "city": values.get("city"),
        "tax_id": values["tax_id"],
        "size_class": size,
        "size_basis": basis if computed else "declared",
        "isic_division": values["isic"],
        "isic_section": codes.isic_section(values["isic"]),
        "products": products,
        "product_headings": sorted({p[:4] for p in products if len(p) >= 4}),
        "product_chapters": sorted({p[:2] for p in products}),
        "export_markets": list(values.get("export_markets") or []),
        "import_markets": list(values.get("import_markets") or []),
        "target_markets": list(values.get("target_markets") or []),
        "certifications": certifications,
        "certifications_text": " ".join(certifications) or None,
        "founded_year": values.get("founded_year"),
        "employees": values.get("employees"),
        "annual_sales_usd": values.get("annual_sales_usd"),
        "website": values.get("website"),
        "consent_listed": bool(values.get("consent_listed")),
        "consent_contact": bool(values.get("consent_contact")),
    }
    return columns, problems


def fields_of(enterprise: Enterprise) -> dict[str, Any]:
    """The schema's fields of a stored listing (the inverse of ``derive``)."""
    return {
        "legal_name": enterprise.legal_name,
        "trade_name": enterprise.trade_name,
        "description": enterprise.description,
        "country": enterprise.country_iso3,
        "city": enterprise.city,
        "tax_id": enterprise.tax_id,
        "isic": enterprise.isic_division,
        "products": enterprise.products,
        "export_markets": enterprise.export_markets,
        "import_markets": enterprise.import_markets,
        "target_markets": enterprise.target_markets,
        "certifications": enterprise.certifications,
        "founded_year": enterprise.founded_year,
        "employees": enterprise.employees,
        "annual_sales_usd": enterprise.annual_sales_usd,
        "size_class": enterprise.size_class if enterprise.size_basis == "declared" else None,
        "website": enterprise.website,
        "consent_listed": enterprise.consent_listed,
        "consent_contact": enterprise.consent_contact,
    }


def _contacts(enterprise_id: uuid.UUID, contacts: Sequence[ContactIn]) -> list[Contact]:
    return [
        Contact(
            enterprise_id=enterprise_id,
            name=c.name,
            role=c.role,
            email=c.email.lower() if c.email else None,
            phone=c.phone,
        )
        for c in contacts
    ]


async def announce(session: AsyncSession, enterprise: Enterprise, action: str) -> None:
    """Tell the platform (and the gateway's cache) that a listing changed, in the same
    transaction as the change."""
    await record_event(
        session,
        ListingChanged(
            enterprise_id=str(enterprise.id), action=action, country=enterprise.country_iso3
        ),
        source="smes",
    )


async def _flush_unique(session: AsyncSession, field: str, country: str, tax_id: str) -> None:
    try:
        await session.flush()
    except IntegrityError as exc:  # a concurrent insert of the same (country, tax id)
        raise conflict(field, f"an enterprise with tax id {tax_id} in {country} exists") from exc


async def create(
    session: AsyncSession,
    identity: Identity,
    body: EnterpriseCreate,
    *,
    source: str = "manual",
    prefix: str = "body.",
) -> Enterprise:
    require_staff(identity)
    enterprise = await insert(session, actor(identity), body, source=source, prefix=prefix)
    await announce(session, enterprise, "created")
    return enterprise


async def insert(
    session: AsyncSession,
    who: str,
    body: EnterpriseCreate,
    *,
    source: str,
    prefix: str = "body.",
) -> Enterprise:
    repo = DirectoryRepository.from_session(session)
    columns, problems = derive(body.model_dump())
    if problems:
        raise invalid_many([(prefix + f, r) for f, r in problems])
    existing = await repo.by_tax_id(body.country, body.tax_id)
    if existing is not None:
        raise conflict(
            prefix + "tax_id",
            f"enterprise {existing.id} already has tax id {body.tax_id} in {body.country}",
            code="duplicate_tax_id",
        )
    enterprise = Enterprise(id=uuid.uuid4(), **columns, source=source)
    session.add(enterprise)
    await _flush_unique(session, prefix + "tax_id", body.country, body.tax_id)
    session.add_all(_contacts(enterprise.id, body.contacts))
    await session.flush()
    await repo.refresh_niche_flags(enterprise_id=enterprise.id)
    await repo.audit(enterprise.id, who, "created", sorted(body.model_fields_set))
    await session.refresh(enterprise)
    return enterprise


async def get_visible(
    session: AsyncSession, identity: Identity, enterprise_id: uuid.UUID
) -> Enterprise:
    """The listing if this caller may see it; hidden ones are simply not found."""
    enterprise = await DirectoryRepository.from_session(session).get(enterprise_id)
    if enterprise is None:
        raise NotFoundError(f"No enterprise {enterprise_id}.")
    visible = enterprise.consent_listed and enterprise.erased_at is None
    if not visible and not (is_staff(identity) or is_owner(identity, enterprise)):
        raise NotFoundError(f"No enterprise {enterprise_id}.")
    return enterprise


async def update(
    session: AsyncSession, identity: Identity, enterprise_id: uuid.UUID, body: EnterpriseUpdate
) -> Enterprise:
    repo = DirectoryRepository.from_session(session)
    enterprise = await repo.get(enterprise_id, lock=True)
    if enterprise is None:
        raise NotFoundError(f"No enterprise {enterprise_id}.")
    require_editor(identity, enterprise)
    if enterprise.erased_at is not None:
        raise ConflictError("This listing was erased; it cannot be edited.", code="erased")
    changes = body.model_dump(exclude_unset=True)
    for name in ("legal_name", "country", "tax_id", "isic", "consent_listed", "consent_contact"):
        if name in changes and changes[name] is None:
            raise invalid(f"body.{name}", "may not be null")
    values = {**fields_of(enterprise), **{k: v for k, v in changes.items() if k != "contacts"}}
    if ("employees" in changes or "annual_sales_usd" in changes) and "size_class" not in changes:
        values["size_class"] = None  # new figures replace a declared class
    columns, problems = derive(values)
    if problems:
        raise invalid_many([("body." + f, r) for f, r in problems])
    country, tax_id = columns["country_iso3"], columns["tax_id"]
    if (country, tax_id.upper()) != (enterprise.country_iso3, enterprise.tax_id.upper()):
        other = await repo.by_tax_id(country, tax_id)
        if other is not None and other.id != enterprise.id:
            raise conflict(
                "body.tax_id",
                f"enterprise {other.id} already has tax id {tax_id} in {country}",
                code="duplicate_tax_id",
            )
    for key, value in columns.items():
        setattr(enterprise, key, value)
    enterprise.updated_at = datetime.now(UTC)
    await _flush_unique(session, "body.tax_id", country, tax_id)
    if body.contacts is not None:
        await repo.delete_contacts(enterprise.id)
        session.add_all(_contacts(enterprise.id, body.contacts))
        await session.flush()
    await repo.refresh_niche_flags(enterprise_id=enterprise.id)
    await repo.audit(enterprise.id, actor(identity), "updated", sorted(changes))
    await announce(session, enterprise, "updated")
    await session.refresh(enterprise)
    return enterprise


def to_read(e: Enterprise) -> EnterpriseRead:
    return EnterpriseRead(
        id=e.id,
        legal_name=e.legal_name,
        trade_name=e.trade_name,
        description=e.description,
        country=e.country_iso3,
        country_name=codes.country_name(e.country_iso3),
        city=e.city,
        size_class=e.size_class,
        size_basis=e.size_basis,
        isic=e.isic_division,
        isic_title=codes.isic_divisions()[e.isic_division]["title"],
        isic_section=e.isic_section,
        products=e.products,
        export_markets=e.export_markets,
        import_markets=e.import_markets,
        target_markets=e.target_markets,
        certifications=e.certifications,
        founded_year=e.founded_year,
        employees=e.employees,
        website=e.website,
        niche_products=e.niche_products,
        claimed=e.owner_subject is not None,
        listed=e.consent_listed and e.erased_at is None,
        source=e.source,
        updated_at=e.updated_at,
    )


async def view(
    session: AsyncSession, identity: Identity, enterprise_id: uuid.UUID
) -> EnterpriseRead | EnterpriseDetail:
    """Public view for anyone; the detail (tax id, meetings, consented contacts) for verified
    users; contacts always for staff and the owner."""
    enterprise = await get_visible(session, identity, enterprise_id)
    public = to_read(enterprise)
    privileged = is_staff(identity) or is_owner(identity, enterprise)
    if not (privileged or is_verified(identity)):
        return public
    repo = DirectoryRepository.from_session(session)
    contacts = None
    if privileged or enterprise.consent_contact:
        contacts = [ContactRead.model_validate(c) for c in await repo.contacts(enterprise.id)]
    meetings = [
        MeetingAttended(
            meeting_id=a.meeting_id,
            activity=a.activity,
            registration_id=a.registration_id,
            matched_by=a.matched_by,
        )
        for a in await repo.attendance(enterprise.id)
    ]
    return EnterpriseDetail(
        **public.model_dump(),
        tax_id=enterprise.tax_id,
        annual_sales_usd=enterprise.annual_sales_usd,
        consent_listed=enterprise.consent_listed,
        consent_contact=enterprise.consent_contact,
        contacts=contacts,
        meetings=meetings,
    )


def _labels(facet: str, value: str) -> str:
    if facet in ("country", "exports_to"):
        return codes.country_name(value) or value
    if facet == "sector":
        return codes.isic_divisions().get(value, {}).get("title", value)
    if facet == "product":
        return codes.hs_chapters().get(value, value)
    return value


async def search(
    session: AsyncSession,
    identity: Identity,
    f: SearchFilter,
    sort: str,
    limit: int,
    cursor: str | None,
    with_facets: bool,
) -> SearchPage:
    if f.include_unlisted:
        require_staff(identity)
    repo = DirectoryRepository.from_session(session)
    rows, next_cursor = await repo.search(f, sort, limit, cursor)
    facets = None
    if with_facets:
        counts, total = await repo.facets_and_total(f)
        facets = Facets(
            **{
                name: [FacetValue(value=v, label=_labels(name, v), count=n) for v, n in values]
                for name, values in counts.items()
            }
        )
    else:
        total = await repo.count(f)
    return SearchPage(
        items=[to_read(r) for r in rows],
        next_cursor=next_cursor,
        total=total,
        facets=facets,
    )


async def erase(session: AsyncSession, identity: Identity, enterprise_id: uuid.UUID) -> Enterprise:
    """Erasure on request: personal and identifying data go, the audit trail stays."""
    repo = DirectoryRepository.from_session(session)
    enterprise = await repo.get(enterprise_id, lock=True)
    if enterprise is None:
        raise NotFoundError(f"No enterprise {enterprise_id}.")
    require_editor(identity, enterprise)
    if enterprise.erased_at is not None:
        return enterprise
    erased = [
        "legal_name",
        "trade_name",
        "description",
        "city",
        "tax_id",
        "website",
        "contacts",
        "claims",
        "owner",
        "consent_listed",
        "consent_contact",
    ]
    await repo.delete_contacts(enterprise.id)
    await repo.erase_claims(enterprise.id, actor(identity))
    enterprise.legal_name = "Erased listing"
    enterprise.sort_name = "erased listing"
    enterprise.trade_name = None
    enterprise.description = None
    enterprise.city = None
    enterprise.tax_id = f"erased-{enterprise.id.hex}"[:40]
    enterprise.website = None
    enterprise.owner_subject = None
    enterprise.consent_listed = False
    enterprise.consent_contact = False
    enterprise.erased_at = datetime.now(UTC)
    enterprise.updated_at = enterprise.erased_at
    await session.flush()
    await repo.audit(enterprise.id, actor(identity), "erased", erased)
    await announce(session, enterprise, "erased")
    return enterprise


# ------------------------------------------------------------------ claims


def _domain(value: str | None) -> str | None:
    if not value:
        return None
    host = urlparse(value).hostname if "//" in value else value.rsplit("@", 1)[-1]
    return host.lower().removeprefix("www.") if host else None


async def claim(
    session: AsyncSession, identity: Identity, enterprise_id: uuid.UUID, body: ClaimCreate
) -> Claim:
    """An ``sme_owner`` asks to manage a listing; staff decide (decision 0082)."""
    require_signed_in(identity)
    if "sme_owner" not in identity.roles or identity.subject is None:
        raise ForbiddenError(
            "Claiming a listing needs the sme_owner role.",
            extra={"required_roles": ["sme_owner"]},
        )
    repo = DirectoryRepository.from_session(session)
    enterprise = await get_visible(session, identity, enterprise_id)
    if enterprise.owner_subject == identity.subject:
        raise ConflictError("You already own this listing.", code="already_owner")
    if await repo.pending_claim(enterprise.id, identity.subject) is not None:
        raise ConflictError("You already have a pending claim on this listing.", code="pending")
    website = _domain(enterprise.website)
    new = Claim(
        enterprise_id=enterprise.id,
        subject=identity.subject,
        email=body.email.lower(),
        message=body.message,
        domain_matches=website is not None and _domain(body.email) == website,
        status="pending",
    )
    await repo.add(new)
    await repo.audit(enterprise.id, actor(identity), "claimed", ["owner"])
    return new


async def decide_claim(
    session: AsyncSession, identity: Identity, claim_id: uuid.UUID, approve: bool
) -> Claim:
    require_staff(identity)
    repo = DirectoryRepository.from_session(session)
    found = await repo.get_claim(claim_id)
    if found is None:
        raise NotFoundError(f"No claim {claim_id}.")
    if found.status != "pending":
        raise ConflictError(f"This claim was already {found.status}.", code="claim_decided")
    enterprise = await repo.get(found.enterprise_id, lock=True)
    assert enterprise is not None
    found.status = "approved" if approve else "rejected"
    found.decided_by = actor(identity)
    found.decided_at = datetime.now(UTC)
    if approve:
        enterprise.owner_subject = found.subject
        for other in await repo.claims(enterprise.id, "pending"):
            if other.id != found.id:
                other.status, other.decided_by = "rejected", actor(identity)
                other.decided_at = found.decided_at
    await session.flush()
    await repo.audit(
        enterprise.id, actor(identity), "claim_approved" if approve else "claim_rejected", ["owner"]
    )
    if approve:
        await announce(session, enterprise, "owner_changed")
    return found
