"""All SQL of the directory."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    delete,
    func,
    literal,
    literal_column,
    or_,
    select,
    text,
    tuple_,
    union_all,
    update,
)
from sqlalchemy.dialects.postgresql import array, insert
from sqlalchemy.ext.asyncio import AsyncSession

from sela_kit.pagination import decode_cursor, encode_cursor
from sela_smes.directory.models import (
    Attendance,
    AuditEntry,
    Claim,
    Contact,
    Enterprise,
    Niche,
    NicheRun,
)

SEARCH: ColumnElement[Any] = literal_column("smes_enterprises.search")
_CONFIGS = ("sela_es", "sela_en", "sela_pt", "sela_simple")


def ts_query(q: str) -> Any:
    """Any language may match; the last plain word also matches as a prefix (search as you
    type). Only alphanumeric words become a prefix, so to_tsquery's syntax never leaks in."""
    parts = [f"websearch_to_tsquery('{cfg}'::regconfig, :q)" for cfg in _CONFIGS]
    words = [w for w in q.split() if w.isalnum()]
    if words:
        parts.append("to_tsquery('sela_simple'::regconfig, :prefix)")
    query = text("(" + " || ".join(parts) + ")").bindparams(q=q)
    return query.bindparams(prefix=f"{words[-1]}:*") if words else query


@dataclass
class SearchFilter:
    q: str | None = None
    countries: Sequence[str] = ()
    sectors: Sequence[str] = ()
    sizes: Sequence[str] = ()
    products: Sequence[str] = ()
    exports_to: Sequence[str] = ()
    niches_only: bool = False
    include_unlisted: bool = False
    extra: list[ColumnElement[bool]] = field(default_factory=list)


# sort key -> (expression, descending); every order ends with the id to be unique.
def _sort(sort: str, rank: Any) -> tuple[Any, bool]:
    descending = sort.startswith("-") or sort == "relevance"
    key = sort.lstrip("-")
    expression = {
        "relevance": rank,
        "name": Enterprise.sort_name,
        "founded": func.coalesce(Enterprise.founded_year, -1),
        "employees": func.coalesce(Enterprise.employees, -1),
        "updated": Enterprise.updated_at,
    }[key]
    return expression, descending


class DirectoryRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @classmethod
    def from_session(cls, session: AsyncSession) -> DirectoryRepository:
        return cls(session)

    async def add(self, row: Any) -> None:
        self.session.add(row)
        await self.session.flush()

    # ------------------------------------------------------------ enterprises

    async def get(self, enterprise_id: uuid.UUID, *, lock: bool = False) -> Enterprise | None:
        stmt = select(Enterprise).where(Enterprise.id == enterprise_id)
        if lock:
            stmt = stmt.with_for_update()
        return await self.session.scalar(stmt)

    async def by_tax_id(self, country: str, tax_id: str) -> Enterprise | None:
        return await self.session.scalar(
            select(Enterprise).where(
                Enterprise.country_iso3 == country,
                func.upper(Enterprise.tax_id) == tax_id.upper(),
            )
        )

    async def by_tax_id_anywhere(self, tax_id: str) -> Sequence[Enterprise]:
        return (
            await self.session.scalars(
                select(Enterprise).where(
                    func.upper(Enterprise.tax_id) == tax_id.upper(), Enterprise.erased_at.is_(None)
                )
            )
        ).all()

    async def by_email(self, email: str) -> Sequence[Enterprise]:
        """Enterprises whose contact, or approved claimant, has this email."""
        lowered = email.lower()
        contact = select(Contact.enterprise_id).where(func.lower(Contact.email) == lowered)
        claim = select(Claim.enterprise_id).where(
            func.lower(Claim.email) == lowered, Claim.status == "approved"
        )
        stmt = select(Enterprise).where(
            Enterprise.erased_at.is_(None),
            or_(Enterprise.id.in_(contact), Enterprise.id.in_(claim)),
        )
        return (await self.session.scalars(stmt)).all()

    async def similar_names(
        self, country: str, name: str, threshold: float, exclude: uuid.UUID | None = None
    ) -> list[tuple[uuid.UUID, str, float]]:
        """Listings of ``country`` whose legal name is trigram-similar to ``name``."""
        similarity = func.similarity(Enterprise.legal_name, name)
        stmt = (
            select(Enterprise.id, Enterprise.legal_name, similarity)
            .where(
                Enterprise.country_iso3 == country,
                Enterprise.erased_at.is_(None),
                Enterprise.legal_name.op("%")(name),
                similarity >= threshold,
            )
            .order_by(similarity.desc())
            .limit(5)
        )
        if exclude is not None:
            stmt = stmt.where(Enterprise.id != exclude)
        rows = (await self.session.execute(stmt)).all()
        return [(r[0], r[1], float(r[2])) for r in rows]

    def _filtered(self, f: SearchFilter) -> Select[Any]:
        stmt = select(Enterprise)
        if not f.include_unlisted:
            stmt = stmt.where(Enterprise.consent_listed.is_(True), Enterprise.erased_at.is_(None))
        if f.q:
            stmt = stmt.where(SEARCH.op("@@")(ts_query(f.q)))
        if f.countries:
            stmt = stmt.where(Enterprise.country_iso3.in_(f.countries))
        if f.sectors:
            stmt = stmt.where(Enterprise.isic_division.in_(f.sectors))
        if f.sizes:
            stmt = stmt.where(Enterprise.size_class.in_(f.sizes))
        if f.products:
            by_length: dict[int, list[str]] = {}
            for code in f.products:
                by_length.setdefault(len(code), []).append(code)
            column = {2: Enterprise.product_chapters, 4: Enterprise.product_headings}
            stmt = stmt.where(
                or_(
                    *(
                        column.get(n, Enterprise.products).overlap(array(values))
                        for n, values in by_length.items()
                    )
                )
            )
        if f.exports_to:
            stmt = stmt.where(Enterprise.export_markets.overlap(array(list(f.exports_to))))
        if f.niches_only:
            stmt = stmt.where(func.cardinality(Enterprise.niche_products) > 0)
        for condition in f.extra:
            stmt = stmt.where(condition)
        return stmt

    async def search(
        self, f: SearchFilter, sort: str, limit: int, cursor: str | None
    ) -> tuple[list[Enterprise], str | None]:
        rank = func.ts_rank_cd(SEARCH, ts_query(f.q)) if f.q else None
        if sort == "relevance" and rank is None:
            sort = "name"
        expression, descending = _sort(sort, rank)
        stmt = self._filtered(f).add_columns(expression.label("sort_key"))
        if cursor is not None:
            # The cursor names its sort: one from another sort (or query) is refused.
            used, value, last_id = decode_cursor(cursor, 3)
            if (
                used != f"{sort}:{f.q or ''}"
                or not isinstance(value, int | float | str | datetime)
                or not isinstance(last_id, uuid.UUID)
            ):
                decode_cursor("!", 3)  # the kit's 422 invalid_cursor
            key = tuple_(expression, Enterprise.id)
            stmt = stmt.where(key < (value, last_id) if descending else key > (value, last_id))
        order = (
            (expression.desc(), Enterprise.id.desc()) if descending else (expression, Enterprise.id)
        )
        rows = (await self.session.execute(stmt.order_by(*order).limit(limit + 1))).all()
        items = [r[0] for r in rows[:limit]]
        if len(rows) <= limit:
            return items, None
        last = rows[limit - 1]
        return items, encode_cursor([f"{sort}:{f.q or ''}", last[1], last[0].id])

    async def count(self, f: SearchFilter) -> int:
        sub = self._filtered(f).with_only_columns(Enterprise.id).subquery()
        return int(await self.session.scalar(select(func.count()).select_from(sub)) or 0)

    async def facets_and_total(
        self, f: SearchFilter, top: int = 50
    ) -> tuple[dict[str, list[tuple[str, int]]], int]:
        """Counts of every facet (country, sector, size, product by HS chapter, exports_to)
        and the total, over the filtered listings, in one statement: the match is computed
        once (a CTE referenced several times is materialised)."""
        m = (
            self._filtered(f)
            .with_only_columns(
                Enterprise.country_iso3,
                Enterprise.isic_division,
                Enterprise.size_class,
                Enterprise.product_chapters,
                Enterprise.export_markets,
            )
            .cte("matched")
        )
        count = func.count().label("n")
        parts: list[Any] = [
            select(
                literal("country").label("facet"), m.c.country_iso3.label("value"), count
            ).group_by(m.c.country_iso3),
            select(literal("sector"), m.c.isic_division, count).group_by(m.c.isic_division),
            select(literal("size"), m.c.size_class, count).group_by(m.c.size_class),
            select(literal("total"), literal(""), count).select_from(m),
        ]
        for name, column in (("product", m.c.product_chapters), ("exports_to", m.c.export_markets)):
            unnested = select(func.unnest(column).label("v")).select_from(m).subquery()
            parts.append(select(literal(name), unnested.c.v, count).group_by(unnested.c.v))
        rows = (await self.session.execute(union_all(*parts))).all()
        facets: dict[str, list[tuple[str, int]]] = {
            name: [] for name in ("country", "sector", "size", "product", "exports_to")
        }
        total = 0
        for facet, value, n in rows:
            if facet == "total":
                total = int(n)
            else:
                facets[facet].append((str(value), int(n)))
        ordered = {
            name: sorted(pairs, key=lambda vn: (-vn[1], vn[0]))[:top]
            for name, pairs in facets.items()
        }
        return ordered, total

    async def candidates(
        self,
        me: Enterprise,
        chapters: Sequence[str],
        headings: Sequence[str],
        limit: int,
    ) -> Sequence[Enterprise]:
        """Listed enterprises sharing something with ``me`` a match could be built on."""
        conditions: list[ColumnElement[bool]] = [
            and_(
                Enterprise.isic_division == me.isic_division,
                Enterprise.country_iso3 != me.country_iso3,
            )
        ]
        if chapters:
            conditions.append(Enterprise.product_chapters.overlap(array(list(chapters))))
        if headings:
            conditions.append(Enterprise.product_headings.overlap(array(list(headings))))
        if me.export_markets:
            conditions.append(Enterprise.target_markets.overlap(array(me.export_markets)))
        if me.target_markets:
            conditions.append(Enterprise.export_markets.overlap(array(me.target_markets)))
        stmt = (
            select(Enterprise)
            .where(
                Enterprise.id != me.id,
                Enterprise.consent_listed.is_(True),
                Enterprise.erased_at.is_(None),
                or_(*conditions),
            )
            .order_by(Enterprise.updated_at.desc(), Enterprise.id)
            .limit(limit)
        )
        return (await self.session.scalars(stmt)).all()

    # ------------------------------------------------------------ contacts

    async def contacts(self, enterprise_id: uuid.UUID) -> Sequence[Contact]:
        return (
            await self.session.scalars(
                select(Contact)
                .where(Contact.enterprise_id == enterprise_id)
                .order_by(Contact.created_at, Contact.id)
            )
        ).all()

    async def delete_contacts(self, enterprise_id: uuid.UUID) -> int:
        result = await self.session.execute(
            delete(Contact).where(Contact.enterprise_id == enterprise_id)
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    # ------------------------------------------------------------ claims and audit

    async def get_claim(self, claim_id: uuid.UUID) -> Claim | None:
        return await self.session.get(Claim, claim_id)

    async def claims(
        self, enterprise_id: uuid.UUID | None = None, status: str | None = None
    ) -> Sequence[Claim]:
        stmt = select(Claim).order_by(Claim.created_at, Claim.id)
        if enterprise_id is not None:
            stmt = stmt.where(Claim.enterprise_id == enterprise_id)
        if status is not None:
            stmt = stmt.where(Claim.status == status)
        return (await self.session.scalars(stmt)).all()

    async def pending_claim(self, enterprise_id: uuid.UUID, subject: str) -> Claim | None:
        return await self.session.scalar(
            select(Claim).where(
                Claim.enterprise_id == enterprise_id,
                Claim.subject == subject,
                Claim.status == "pending",
            )
        )

    async def erase_claims(self, enterprise_id: uuid.UUID, by: str) -> None:
        """Claimants' data go; pending claims are closed as rejected."""
        await self.session.execute(
            update(Claim)
            .where(Claim.enterprise_id == enterprise_id, Claim.status == "pending")
            .values(status="rejected", decided_by=by, decided_at=func.now())
        )
        await self.session.execute(
            update(Claim)
            .where(Claim.enterprise_id == enterprise_id)
            .values(email=None, message=None, subject="erased")
        )

    async def audit(
        self, enterprise_id: uuid.UUID, actor: str, action: str, fields: list[str]
    ) -> None:
        self.session.add(
            AuditEntry(enterprise_id=enterprise_id, actor=actor, action=action, fields=fields)
        )
        await self.session.flush()

    async def audit_trail(self, enterprise_id: uuid.UUID) -> Sequence[AuditEntry]:
        return (
            await self.session.scalars(
                select(AuditEntry)
                .where(AuditEntry.enterprise_id == enterprise_id)
                .order_by(AuditEntry.at, AuditEntry.id)
            )
        ).all()

    # ------------------------------------------------------------ niches

    async def replace_niches(
        self, run_id: str, year: int, niches: Sequence[tuple[str, str, str]]
    ) -> None:
        """The latest analysis replaces the niches of every country it covers."""
        countries = sorted({c for c, _, _ in niches})
        if countries:
            await self.session.execute(delete(Niche).where(Niche.country_iso3.in_(countries)))
            await self.session.execute(
                insert(Niche)
                .values(
                    [
                        {
                            "country_iso3": c,
                            "heading": h,
                            "classification": k,
                            "run_id": run_id,
                            "year": year,
                        }
                        for c, h, k in niches
                    ]
                )
                .on_conflict_do_nothing()
            )
        await self.session.execute(
            insert(NicheRun)
            .values(run_id=run_id, year=year, niches=len(niches))
            .on_conflict_do_nothing()
        )

    async def refresh_niche_flags(
        self, countries: Sequence[str] | None = None, enterprise_id: uuid.UUID | None = None
    ) -> int:
        flags = (
            select(func.coalesce(func.array_agg(Niche.heading), text("'{}'::varchar[]")))
            .where(
                Niche.country_iso3 == Enterprise.country_iso3,
                Niche.heading == func.any(Enterprise.product_headings),
            )
            .scalar_subquery()
        )
        stmt = update(Enterprise).values(niche_products=flags)
        if countries is not None:
            stmt = stmt.where(Enterprise.country_iso3.in_(countries))
        if enterprise_id is not None:
            stmt = stmt.where(Enterprise.id == enterprise_id)
        result = await self.session.execute(stmt.execution_options(synchronize_session=False))
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    async def latest_niche_run(self) -> NicheRun | None:
        return await self.session.scalar(
            select(NicheRun).order_by(NicheRun.received_at.desc()).limit(1)
        )

    # ------------------------------------------------------------ attendance

    async def record_attendance(
        self,
        enterprise_id: uuid.UUID,
        registration_id: str,
        meeting_id: str,
        activity: str | None,
        matched_by: str,
    ) -> bool:
        result = await self.session.execute(
            insert(Attendance)
            .values(
                id=uuid.uuid4(),
                enterprise_id=enterprise_id,
                registration_id=registration_id,
                meeting_id=meeting_id,
                activity=activity,
                matched_by=matched_by,
            )
            .on_conflict_do_nothing(index_elements=["registration_id"])
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def attendance(self, enterprise_id: uuid.UUID) -> Sequence[Attendance]:
        return (
            await self.session.scalars(
                select(Attendance)
                .where(Attendance.enterprise_id == enterprise_id)
                .order_by(Attendance.recorded_at, Attendance.id)
            )
        ).all()
