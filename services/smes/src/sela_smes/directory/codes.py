"""Code lists kept as data: countries (pycountry), ISIC Rev.4, HS, size thresholds, value chains.

Everything here is pure: the lists are read once from ``data/`` and validated values are
normalised (upper-case ISO3, digits only for HS and ISIC).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Literal

import pycountry

DATA = Path(__file__).parent / "data"
SizeClass = Literal["micro", "small", "medium"]
SIZE_ORDER: tuple[SizeClass, ...] = ("micro", "small", "medium")


@cache
def _load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((DATA / name).read_text(encoding="utf-8"))
    return data


def reference(name: str) -> dict[str, Any]:
    """A copy of one of the data files, by file name."""
    return dict(_load(name))


# ------------------------------------------------------------------ countries


def country_name(iso3: str) -> str | None:
    """The ISO 3166-1 name of an alpha-3 code, or None when it is not one."""
    if len(iso3) != 3 or not iso3.isalpha():
        return None
    country = pycountry.countries.get(alpha_3=iso3.upper())
    return None if country is None else str(country.name)


def check_country(value: str) -> str | None:
    """The reason ``value`` is not an ISO 3166-1 alpha-3 code, or None."""
    if country_name(value) is None:
        return f"{value!r} is not an ISO 3166-1 alpha-3 country code"
    return None


# ------------------------------------------------------------------ ISIC Rev.4


def isic_divisions() -> dict[str, dict[str, str]]:
    divisions: dict[str, dict[str, str]] = _load("isic_rev4.json")["divisions"]
    return divisions


def isic_sections() -> dict[str, str]:
    sections: dict[str, str] = _load("isic_rev4.json")["sections"]
    return sections


def check_isic(value: str) -> str | None:
    if value not in isic_divisions():
        return f"{value!r} is not an ISIC Rev.4 division (two digits, e.g. 10 or 62)"
    return None


def isic_section(division: str) -> str:
    return isic_divisions()[division]["section"]


# ------------------------------------------------------------------ HS


def hs_chapters() -> dict[str, str]:
    chapters: dict[str, str] = _load("hs.json")["chapters"]
    return chapters


@cache
def hs_headings() -> frozenset[str]:
    return frozenset(_load("hs.json")["headings"])


def check_hs(value: str) -> str | None:
    """HS chapters (2 digits) and headings (4) must be in the list; a subheading (6 digits)
    must belong to a listed heading (the subheading list itself is not kept)."""
    if not value.isdigit() or len(value) not in (2, 4, 6):
        return f"{value!r} is not an HS code (2, 4 or 6 digits)"
    if value[:2] not in hs_chapters():
        return f"{value!r}: HS chapter {value[:2]} does not exist"
    if len(value) >= 4 and value[:4] not in hs_headings():
        return f"{value!r}: HS heading {value[:4]} does not exist"
    return None


def hs_label(code: str) -> str:
    chapter = hs_chapters().get(code[:2], "")
    return f"HS {code} ({chapter})" if chapter else f"HS {code}"


# ------------------------------------------------------------------ size classes


@dataclass(frozen=True)
class SizeRule:
    country: str
    rule: Literal["employees", "sales", "max"]
    employees: dict[str, int]
    sales_usd: dict[str, float] | None
    basis: str


def size_rule(country: str) -> SizeRule:
    table: dict[str, Any] = _load("size_thresholds.json")["countries"]
    key = country if country in table else "default"
    entry = table[key]
    return SizeRule(key, entry["rule"], entry["employees"], entry["sales_usd"], entry["basis"])


def _band(value: float, bounds: dict[str, Any]) -> SizeClass | None:
    for size in SIZE_ORDER:
        if value <= bounds[size]:
            return size
    return None  # above the medium ceiling: a large enterprise


def size_class(
    country: str, employees: int | None, annual_sales_usd: float | None
) -> tuple[SizeClass | None, str]:
    """The size class by ``country``'s thresholds and the criterion used.

    Returns (None, reason) for an enterprise above every ceiling, and (None, "") when neither
    figure is known.
    """
    rule = size_rule(country)
    by_staff = None if employees is None else _band(employees, rule.employees)
    by_sales = (
        None
        if annual_sales_usd is None or rule.sales_usd is None
        else _band(annual_sales_usd, rule.sales_usd)
    )
    has_sales = annual_sales_usd is not None and rule.sales_usd is not None
    if employees is None and not has_sales:
        return None, ""
    if rule.rule == "sales" and has_sales:
        return by_sales, "annual sales" if by_sales else "annual sales above the medium ceiling"
    if rule.rule == "max" and has_sales and employees is not None:
        if by_staff is None or by_sales is None:
            return None, "above the medium ceiling"
        return max(by_staff, by_sales, key=SIZE_ORDER.index), "employees and annual sales"
    if rule.rule == "max" and has_sales:
        return by_sales, "annual sales" if by_sales else "annual sales above the medium ceiling"
    if employees is None:
        return None, ""
    return by_staff, "employees" if by_staff else "employees above the medium ceiling"


# ------------------------------------------------------------------ value chains


@dataclass(frozen=True)
class ChainLink:
    input: str
    output: str
    label: str


@cache
def value_chain_links() -> tuple[ChainLink, ...]:
    return tuple(
        ChainLink(link["input"], link["output"], link["label"])
        for link in _load("value_chains.json")["links"]
    )


def chain_neighbours(chapters: set[str]) -> set[str]:
    """Chapters linked to any of ``chapters`` as supplier or customer."""
    out: set[str] = set()
    for link in value_chain_links():
        if link.input in chapters:
            out.add(link.output)
        if link.output in chapters:
            out.add(link.input)
    return out
