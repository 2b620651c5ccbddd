"""Partner matching for strategic alliances (II.3.1), each match explained.

Reasons and their scores (a match's score is their sum):
- value_chain: one's HS chapter is a principal input of the other's (data/value_chains.json),
  0.6 for the first link and 0.2 for each further one, at most 1.0;
- product_proximity: the highest product-space proximity between their HS headings (0–1),
  from the indices service's latest niches analysis;
- same_sector: the same ISIC division in another country, 0.5;
- markets: 0.3 for each market one exports to that the other seeks, at most 0.9.
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from sela_kit.identity import Identity
from sela_smes.directory import codes
from sela_smes.directory.models import Enterprise
from sela_smes.directory.repository import DirectoryRepository
from sela_smes.directory.schemas import Match, Matches, Reason
from sela_smes.directory.service import get_visible, to_read
from sela_smes.matching.proximity import IndicesProximityClient, Proximities

CANDIDATES = 2000
MIN_PROXIMITY = 0.2
PROXIMITY_NEIGHBOURS = 200


def _chapter(code: str) -> str:
    return f"HS {code} ({codes.hs_chapters().get(code, '?')})"


def value_chain(me: Enterprise, other: Enterprise) -> Reason | None:
    mine, theirs = set(me.product_chapters), set(other.product_chapters)
    lines = []
    for link in codes.value_chain_links():
        if link.input in mine and link.output in theirs:
            lines.append(
                f"supplies: {_chapter(link.input)} → {_chapter(link.output)} ({link.label})"
            )
        elif link.input in theirs and link.output in mine:
            lines.append(f"buys: {_chapter(link.input)} → {_chapter(link.output)} ({link.label})")
    if not lines:
        return None
    score = min(1.0, 0.6 + 0.2 * (len(lines) - 1))
    return Reason(kind="value_chain", score=round(score, 3), detail="; ".join(lines))


def proximity(me: Enterprise, other: Enterprise, prox: Proximities) -> Reason | None:
    pair = prox.best_pair(me.product_headings, other.product_headings)
    if pair is None or pair[2] < MIN_PROXIMITY:
        return None
    a, b, value = pair
    return Reason(
        kind="product_proximity",
        score=round(value, 3),
        detail=f"HS {a} and HS {b} are close in the product space (proximity {value:.2f}, "
        f"{prox.source})",
    )


def same_sector(me: Enterprise, other: Enterprise) -> Reason | None:
    if me.isic_division != other.isic_division or me.country_iso3 == other.country_iso3:
        return None
    title = codes.isic_divisions()[me.isic_division]["title"]
    return Reason(
        kind="same_sector",
        score=0.5,
        detail=f"same ISIC division {me.isic_division} ({title}) in {other.country_iso3}",
    )


def markets(me: Enterprise, other: Enterprise) -> Reason | None:
    serves = sorted(set(me.export_markets) & set(other.target_markets))
    sought = sorted(set(other.export_markets) & set(me.target_markets))
    if not serves and not sought:
        return None
    parts = []
    if serves:
        parts.append(f"exports to {', '.join(serves)}, which the partner seeks")
    if sought:
        parts.append(f"the partner exports to {', '.join(sought)}, which it seeks")
    score = min(0.9, 0.3 * (len(serves) + len(sought)))
    return Reason(kind="markets", score=round(score, 3), detail="; ".join(parts))


def explain(me: Enterprise, other: Enterprise, prox: Proximities) -> list[Reason]:
    found = [
        value_chain(me, other),
        proximity(me, other, prox),
        same_sector(me, other),
        markets(me, other),
    ]
    return [r for r in found if r is not None]


async def partners(
    session: AsyncSession,
    identity: Identity,
    enterprise_id: uuid.UUID,
    client: IndicesProximityClient | None,
    limit: int,
) -> Matches:
    me = await get_visible(session, identity, enterprise_id)
    repo = DirectoryRepository.from_session(session)
    run = await repo.latest_niche_run()
    if run is None or client is None:
        prox = Proximities("unavailable (no productive-niches analysis published yet)")
    else:
        prox = await client.fetch(run.run_id, me.product_headings)
    chapters = codes.chain_neighbours(set(me.product_chapters))
    headings = prox.neighbours(me.product_headings, MIN_PROXIMITY, PROXIMITY_NEIGHBOURS)
    candidates = await repo.candidates(me, sorted(chapters), headings, CANDIDATES)
    scored = []
    for other in candidates:
        reasons = explain(me, other, prox)
        if reasons:
            scored.append((round(sum(r.score for r in reasons), 3), other, reasons))
    scored.sort(key=lambda t: (-t[0], t[1].sort_name, t[1].id))
    return Matches(
        enterprise_id=me.id,
        proximity_source=prox.source,
        matches=[Match(enterprise=to_read(o), score=s, reasons=r) for s, o, r in scored[:limit]],
    )
