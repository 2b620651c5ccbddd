"""Does a request for seats fit the capacity and quotas? (pure)

Usage is the number of seats held (confirmed, offered, attended, no-show) per
(category, country). A request fits when, after adding its seats, the meeting's capacity and
every quota that matches it still hold.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

Usage = Mapping[tuple[str, str | None], int]


@dataclass(frozen=True)
class QuotaRule:
    category: str | None
    country: str | None
    per_country: bool
    seats: int

    def matches(self, category: str, country: str | None) -> bool:
        if self.category is not None and self.category != category:
            return False
        if self.country is not None and self.country != country:
            return False
        # A per-country quota counts each country apart; a request with no country falls
        # outside it (international organisations, staff).
        return not (self.per_country and country is None)

    def used(self, usage: Usage, country: str | None) -> int:
        total = 0
        for (cat, ctry), seats in usage.items():
            if self.category is not None and cat != self.category:
                continue
            if self.country is not None and ctry != self.country:
                continue
            if self.per_country and ctry != country:
                continue
            total += seats
        return total

    def describe(self) -> str:
        scope = []
        if self.category:
            scope.append(f"category {self.category}")
        if self.country:
            scope.append(f"country {self.country}")
        if self.per_country:
            scope.append("each country")
        return f"quota of {self.seats} seat(s) for " + (", ".join(scope) or "everyone")


@dataclass(frozen=True)
class Fit:
    fits: bool
    # The first limit the request exceeds (for messages), when it does not fit.
    blocking: str | None = None
    # True when the request could never fit, even with every other seat free.
    impossible: bool = False


def fit(
    category: str,
    country: str | None,
    seats: int,
    *,
    capacity: int | None,
    quotas: Iterable[QuotaRule],
    usage: Usage,
) -> Fit:
    if capacity is not None:
        if seats > capacity:
            return Fit(False, f"capacity of {capacity}", impossible=True)
        if sum(usage.values()) + seats > capacity:
            return Fit(False, f"capacity of {capacity}")
    for quota in quotas:
        if not quota.matches(category, country):
            continue
        if seats > quota.seats:
            return Fit(False, quota.describe(), impossible=True)
        if quota.used(usage, country) + seats > quota.seats:
            return Fit(False, quota.describe())
    return Fit(True)


def add(
    usage: dict[tuple[str, str | None], int], category: str, country: str | None, n: int
) -> None:
    key = (category, country)
    usage[key] = usage.get(key, 0) + n
