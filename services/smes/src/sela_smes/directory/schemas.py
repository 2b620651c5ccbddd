"""Request and response bodies of the directory. Codes are checked against the code lists here,
so a bad one is a 422 naming the field (and the list position) before anything is written."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from sela_smes.directory import codes


def _country(value: str) -> str:
    value = value.strip().upper()
    reason = codes.check_country(value)
    if reason:
        raise ValueError(reason)
    return value


def _isic(value: str) -> str:
    value = value.strip()
    reason = codes.check_isic(value)
    if reason:
        raise ValueError(reason)
    return value


def _hs(value: str) -> str:
    value = value.strip().replace(".", "")
    reason = codes.check_hs(value)
    if reason:
        raise ValueError(reason)
    return value


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


def _url(value: str) -> str:
    value = value.strip()
    if not value.startswith(("http://", "https://")) or "." not in value.split("//", 1)[1]:
        raise ValueError("a website is an http(s) address, e.g. https://example.com")
    return value


def _max_year(value: int) -> int:
    if value > date.today().year:
        raise ValueError("the founding year is in the future")
    return value


Country = Annotated[str, AfterValidator(_country)]
IsicDivision = Annotated[str, AfterValidator(_isic)]
HsCode = Annotated[str, AfterValidator(_hs)]
Markets = Annotated[list[Country], AfterValidator(_unique), Field(max_length=250)]
Products = Annotated[list[HsCode], AfterValidator(_unique), Field(max_length=100)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
TaxId = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=2, max_length=40, pattern=r"^[\w.\-/ ]+$"),
]
Email = Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=254)]
Website = Annotated[str, StringConstraints(max_length=300), AfterValidator(_url)]
Year = Annotated[int, Field(ge=1800), AfterValidator(_max_year)]
SizeClass = Literal["micro", "small", "medium"]
Certification = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)
]


class ContactIn(BaseModel):
    name: Name
    role: Annotated[str, StringConstraints(max_length=120)] | None = None
    email: Email | None = None
    phone: Annotated[str, StringConstraints(max_length=40)] | None = None


class ContactRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    name: str
    role: str | None
    email: str | None
    phone: str | None


class EnterpriseFields(BaseModel):
    """Everything a listing may carry; the create and update bodies narrow it."""

    model_config = ConfigDict(extra="forbid")

    legal_name: Name
    trade_name: Name | None = None
    description: Annotated[str, StringConstraints(max_length=5000)] | None = None
    country: Country = Field(description="ISO 3166-1 alpha-3, e.g. CHL")
    city: Annotated[str, StringConstraints(max_length=120)] | None = None
    tax_id: TaxId = Field(description="National tax identifier; unique within the country")
    isic: IsicDivision = Field(description="ISIC Rev.4 division, two digits (e.g. 10)")
    products: Products = Field(default_factory=list, description="HS codes: 2, 4 or 6 digits")
    export_markets: Markets = Field(default_factory=list, description="ISO3 it exports to")
    import_markets: Markets = Field(default_factory=list, description="ISO3 it imports from")
    target_markets: Markets = Field(
        default_factory=list, description="ISO3 markets it seeks to enter"
    )
    certifications: Annotated[list[Certification], Field(max_length=50)] = Field(
        default_factory=list
    )
    founded_year: Year | None = None
    employees: Annotated[int, Field(ge=0, le=1_000_000)] | None = None
    annual_sales_usd: Annotated[float, Field(ge=0)] | None = None
    size_class: SizeClass | None = Field(
        default=None,
        description="Only when neither employees nor annual sales are given; otherwise the "
        "class follows the country's thresholds",
    )
    website: Website | None = None
    contacts: Annotated[list[ContactIn], Field(max_length=20)] = Field(default_factory=list)
    consent_listed: bool = Field(default=False, description="May appear in the public directory")
    consent_contact: bool = Field(
        default=False, description="Its contacts may be shown to verified users"
    )


class EnterpriseCreate(EnterpriseFields):
    pass


class EnterpriseUpdate(BaseModel):
    """A partial update: only the fields sent change."""

    model_config = ConfigDict(extra="forbid")

    legal_name: Name | None = None
    trade_name: Name | None = None
    description: Annotated[str, StringConstraints(max_length=5000)] | None = None
    country: Country | None = None
    city: Annotated[str, StringConstraints(max_length=120)] | None = None
    tax_id: TaxId | None = None
    isic: IsicDivision | None = None
    products: Products | None = None
    export_markets: Markets | None = None
    import_markets: Markets | None = None
    target_markets: Markets | None = None
    certifications: Annotated[list[Certification], Field(max_length=50)] | None = None
    founded_year: Year | None = None
    employees: Annotated[int, Field(ge=0, le=1_000_000)] | None = None
    annual_sales_usd: Annotated[float, Field(ge=0)] | None = None
    size_class: SizeClass | None = None
    website: Website | None = None
    contacts: Annotated[list[ContactIn], Field(max_length=20)] | None = None
    consent_listed: bool | None = None
    consent_contact: bool | None = None


class EnterpriseRead(BaseModel):
    """The public view: no tax id, no contacts."""

    id: uuid.UUID
    legal_name: str
    trade_name: str | None
    description: str | None
    country: str
    country_name: str | None
    city: str | None
    size_class: SizeClass
    size_basis: str
    isic: str
    isic_title: str
    isic_section: str
    products: list[str]
    export_markets: list[str]
    import_markets: list[str]
    target_markets: list[str]
    certifications: list[str]
    founded_year: int | None
    employees: int | None
    website: str | None
    niche_products: list[str] = Field(
        description="Its HS headings that the latest published analysis finds to be "
        "productive niches of its country"
    )
    claimed: bool
    listed: bool
    source: str
    updated_at: datetime


class MeetingAttended(BaseModel):
    meeting_id: str
    activity: str | None
    registration_id: str
    matched_by: str


class EnterpriseDetail(EnterpriseRead):
    """What verified users, the owner and staff see on top of the public view."""

    tax_id: str
    annual_sales_usd: float | None
    consent_listed: bool
    consent_contact: bool
    contacts: list[ContactRead] | None = Field(
        description="Present when the enterprise consents to be contacted (always for staff "
        "and the owner)"
    )
    meetings: list[MeetingAttended]


class FacetValue(BaseModel):
    value: str
    label: str
    count: int


class Facets(BaseModel):
    country: list[FacetValue]
    sector: list[FacetValue]
    size: list[FacetValue]
    product: list[FacetValue] = Field(description="HS chapters")
    exports_to: list[FacetValue]


class SearchPage(BaseModel):
    items: list[EnterpriseRead]
    next_cursor: str | None = None
    total: int
    facets: Facets | None = None


SortKey = Literal[
    "relevance",
    "name",
    "-name",
    "founded",
    "-founded",
    "employees",
    "-employees",
    "updated",
    "-updated",
]


class Reason(BaseModel):
    kind: Literal["value_chain", "product_proximity", "same_sector", "markets"]
    score: float
    detail: str


class Match(BaseModel):
    enterprise: EnterpriseRead
    score: float
    reasons: list[Reason]


class Matches(BaseModel):
    enterprise_id: uuid.UUID
    proximity_source: str = Field(description="Where product proximities came from, if at all")
    matches: list[Match]


class ClaimCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: Email = Field(description="The claimant's business email")
    message: Annotated[str, StringConstraints(max_length=2000)] | None = None


class ClaimDecision(BaseModel):
    model_config = ConfigDict(extra="forbid")

    approve: bool


class ClaimRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    enterprise_id: uuid.UUID
    subject: str
    email: str | None
    message: str | None
    domain_matches: bool = Field(
        description="The email's domain is the website's: a hint for the reviewer, not a proof"
    )
    status: str
    decided_by: str | None
    decided_at: datetime | None
    created_at: datetime


class AuditRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    at: datetime
    actor: str
    action: str
    fields: list[str]


class RowProblem(BaseModel):
    column: str
    reason: str


class SimilarName(BaseModel):
    enterprise_id: uuid.UUID | None = Field(
        default=None, description="The listing already in the directory"
    )
    row: int | None = Field(default=None, description="An earlier row of the same file")
    legal_name: str
    similarity: float = Field(description="0–1: pg_trgm similarity, or rapidfuzz's ratio / 100")


class RowReport(BaseModel):
    row: int = Field(description="Line in the file (the header is line 1)")
    status: Literal["created", "duplicate", "invalid", "valid"]
    enterprise_id: uuid.UUID | None = None
    legal_name: str | None = None
    errors: list[RowProblem] = Field(default_factory=list)
    similar: list[SimilarName] = Field(
        default_factory=list,
        description="Listings, or earlier rows, with a similar name in the same country",
    )


class ImportReport(BaseModel):
    mode: Literal["all_or_nothing", "per_row"]
    rows: int
    created: int
    duplicates: int
    invalid: int
    flagged_similar: int
    committed: bool
    report: list[RowReport]
