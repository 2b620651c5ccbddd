"""The code lists and the size rule, as pure functions."""

from __future__ import annotations

import pytest

from sela_smes.directory import codes


def test_countries_isic_and_hs_are_checked_against_the_lists() -> None:
    assert codes.check_country("CHL") is None
    assert codes.check_country("XXX")
    assert codes.check_country("CL")
    assert codes.check_isic("10") is None
    assert "not an ISIC" in (codes.check_isic("04") or "")  # 04 is no division
    assert codes.check_hs("09") is None
    assert codes.check_hs("0901") is None
    assert codes.check_hs("090121") is None
    assert "chapter 77" in (codes.check_hs("7701") or "")  # chapter 77 is reserved
    assert "heading 0999" in (codes.check_hs("099900") or "")
    assert "2, 4 or 6" in (codes.check_hs("090") or "")
    assert len(codes.isic_divisions()) == 88
    assert len(codes.hs_chapters()) == 96


@pytest.mark.parametrize(
    ("country", "employees", "sales", "expected"),
    [
        # Chile classifies by sales (Ley 20.416): 60 employees but small sales is small.
        ("CHL", 60, 500_000, ("small", "annual sales")),
        ("CHL", 60, None, ("medium", "employees")),
        # Mexico uses both; the larger class wins.
        ("MEX", 8, 1_000_000, ("small", "employees and annual sales")),
        ("MEX", 300, 100_000, (None, "above the medium ceiling")),
        # No entry for Jamaica: the default headcount bands.
        ("JAM", 10, None, ("micro", "employees")),
        ("JAM", 251, None, (None, "employees above the medium ceiling")),
        ("PER", None, None, (None, "")),
    ],
)
def test_size_class_by_country(
    country: str, employees: int | None, sales: float | None, expected: tuple[str | None, str]
) -> None:
    assert codes.size_class(country, employees, sales) == expected


def test_value_chain_neighbours() -> None:
    assert "61" in codes.chain_neighbours({"60"})  # knitted fabric feeds knitted apparel
    assert "47" in codes.chain_neighbours({"48"})  # paper is made from pulp
