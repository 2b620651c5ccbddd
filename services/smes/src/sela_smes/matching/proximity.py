"""Product-space proximities from the indices service (``GET /analyses/{run}/tables/proximity``).

The run is the latest productive-niches analysis announced by ``indices.niches.published``.
When the indices service is not reachable, matching goes on without this reason and says so.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

import httpx

from sela_kit.identity import IDENTITY_HEADER, Identity, sign_identity

logger = logging.getLogger("sela.smes.proximity")
SERVICE_IDENTITY = Identity(kind="service", subject="smes", roles=frozenset({"staff"}))


@dataclass
class Proximities:
    source: str
    # heading -> other heading -> proximity (both directions present)
    table: dict[str, dict[str, float]] = field(default_factory=dict)

    def neighbours(self, headings: Sequence[str], minimum: float, top: int) -> list[str]:
        best: dict[str, float] = {}
        for h in headings:
            for other, value in self.table.get(h, {}).items():
                if value >= minimum and other not in headings:
                    best[other] = max(best.get(other, 0.0), value)
        return [h for h, _ in sorted(best.items(), key=lambda kv: (-kv[1], kv[0]))[:top]]

    def best_pair(
        self, mine: Sequence[str], theirs: Sequence[str]
    ) -> tuple[str, str, float] | None:
        found: tuple[str, str, float] | None = None
        for a in mine:
            row = self.table.get(a, {})
            for b in theirs:
                if a != b and b in row and (found is None or row[b] > found[2]):
                    found = (a, b, row[b])
        return found


class IndicesProximityClient:
    def __init__(self, base_url: str, secret: str, timeout: float) -> None:
        self.base_url = base_url.rstrip("/")
        self.secret = secret
        self.timeout = timeout

    async def fetch(self, run_id: str, headings: Sequence[str]) -> Proximities:
        """Proximities of ``headings`` to every product of the run; empty when unavailable."""
        if not headings:
            return Proximities(f"indices analysis {run_id}")
        headers = {IDENTITY_HEADER: sign_identity(SERVICE_IDENTITY, self.secret)}
        params = {"product": ",".join(sorted(headings)), "format": "json"}
        try:
            async with httpx.AsyncClient(base_url=self.base_url, timeout=self.timeout) as client:
                response = await client.get(
                    f"/analyses/{run_id}/tables/proximity", params=params, headers=headers
                )
        except httpx.HTTPError as exc:
            logger.warning("indices service unreachable for proximities: %s", exc)
            return Proximities(f"unavailable (indices service unreachable: {type(exc).__name__})")
        if response.status_code != 200:
            return Proximities(f"unavailable (indices service answered {response.status_code})")
        try:
            items = response.json().get("items", [])
        except (ValueError, AttributeError):
            return Proximities("unavailable (the indices service answered no JSON table)")
        table: dict[str, dict[str, float]] = {}
        for item in items:
            a, b = str(item.get("product", "")), str(item.get("product_2", ""))
            value = item.get("proximity")
            if a and b and isinstance(value, int | float):
                table.setdefault(a, {})[b] = float(value)
                table.setdefault(b, {})[a] = float(value)
        return Proximities(f"indices analysis {run_id}", table)
