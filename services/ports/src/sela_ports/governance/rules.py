"""The formalisation rule of activity I.3.1, as pure computation.

The Network becomes a regional non-profit association "with at least five countries and the
technical Secretariat from SELA". A country counts towards the five when at least one of its
logistic port communities has reached the ``formalised`` stage and is bound to SELA by a
Memorandum of Understanding in force on the evaluation date (the seed: "each organization
attached to the Network is linked by the signing of a Memorandum of Understanding with SELA").
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from sela_ports.registry.models import STAGE_ORDER, Stage

MIN_COUNTRIES = 5
SECRETARIAT = "SELA"


@dataclass(frozen=True)
class CommunityFacts:
    name: str
    country_iso3: str
    stage: Stage
    mou_windows: Sequence[tuple[date | None, date | None]] = ()
    """(signed_on, expires_on) of each signed, not terminated MoU."""

    def mou_in_force(self, on: date) -> bool:
        return any(
            signed is not None and signed <= on and (expires is None or expires >= on)
            for signed, expires in self.mou_windows
        )


@dataclass(frozen=True)
class Missing:
    code: str
    detail: str


@dataclass
class CountryStatus:
    iso3: str
    name: str
    qualifies: bool
    communities: int
    best_stage: Stage | None
    qualifying_communities: list[str] = field(default_factory=list)
    missing: list[Missing] = field(default_factory=list)


@dataclass
class NetworkStatus:
    evaluated_on: date
    required_countries: int
    qualifying_countries: list[str]
    secretariat_designated: bool
    formalisable: bool
    countries: list[CountryStatus]
    missing: list[Missing]


def evaluate(
    countries: Iterable[tuple[str, str]],
    communities: Iterable[CommunityFacts],
    secretariat_designees: Iterable[str],
    on: date,
) -> NetworkStatus:
    """Which countries qualify on ``on``, what each still lacks, and whether the Network can
    be formalised. ``secretariat_designees`` are the designees of adopted
    technical-secretariat decisions taken on or before ``on``."""
    by_country: dict[str, list[CommunityFacts]] = {}
    for community in communities:
        by_country.setdefault(community.country_iso3, []).append(community)
    statuses = [_country(iso3, name, by_country.get(iso3, []), on) for iso3, name in countries]
    statuses.sort(key=lambda s: (not s.qualifies, s.iso3))
    qualifying = [s.iso3 for s in statuses if s.qualifies]
    designated = any(d.strip().upper() == SECRETARIAT for d in secretariat_designees)
    missing: list[Missing] = []
    if len(qualifying) < MIN_COUNTRIES:
        missing.append(
            Missing(
                "too_few_countries",
                f"{len(qualifying)} of the {MIN_COUNTRIES} countries needed qualify; "
                f"{MIN_COUNTRIES - len(qualifying)} more must formalise a community with an "
                "MoU in force.",
            )
        )
    if not designated:
        missing.append(
            Missing(
                "no_technical_secretariat",
                "No adopted decision designates SELA as technical secretariat.",
            )
        )
    return NetworkStatus(
        evaluated_on=on,
        required_countries=MIN_COUNTRIES,
        qualifying_countries=qualifying,
        secretariat_designated=designated,
        formalisable=not missing,
        countries=statuses,
        missing=missing,
    )


def _country(iso3: str, name: str, communities: list[CommunityFacts], on: date) -> CountryStatus:
    if not communities:
        return CountryStatus(
            iso3,
            name,
            qualifies=False,
            communities=0,
            best_stage=None,
            missing=[Missing("no_community", "No logistic port community is registered.")],
        )
    best = max((c.stage for c in communities), key=STAGE_ORDER.index)
    qualifying = [c.name for c in communities if c.stage == Stage.formalised and c.mou_in_force(on)]
    missing: list[Missing] = []
    if not qualifying:
        if best != Stage.formalised:
            missing.append(
                Missing(
                    "community_not_formalised",
                    f"No community is formalised yet; the most advanced is at stage {best.value}.",
                )
            )
        if not any(c.mou_in_force(on) for c in communities):
            missing.append(
                Missing("no_mou_in_force", "No community has an MoU with SELA in force.")
            )
        elif best == Stage.formalised:
            missing.append(
                Missing(
                    "mou_not_with_formalised_community",
                    "The MoUs in force belong to communities that are not formalised.",
                )
            )
    return CountryStatus(
        iso3,
        name,
        qualifies=bool(qualifying),
        communities=len(communities),
        best_stage=best,
        qualifying_communities=sorted(qualifying),
        missing=missing,
    )
