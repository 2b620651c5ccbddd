"""Annotated pydantic types shared by the service's schemas."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from sela_events.registrations.forms import country_code

Language = Literal["es", "en", "pt", "fr"]


def _localized(value: dict[Language, str]) -> dict[Language, str]:
    cleaned: dict[Language, str] = {k: v.strip() for k, v in value.items() if v.strip()}
    if not cleaned:
        raise ValueError("needs a text in at least one of es, en, pt, fr")
    return cleaned


def _country(value: str) -> str:
    code = country_code(value)
    if code is None:
        raise ValueError(f"{value!r} is not an ISO 3166 country code")
    return code


LocalizedText = Annotated[
    dict[Language, Annotated[str, Field(max_length=2000)]], AfterValidator(_localized)
]
LongLocalizedText = Annotated[dict[Language, Annotated[str, Field(max_length=20000)]], Field()]
CountryCode = Annotated[str, Field(min_length=2, max_length=3), AfterValidator(_country)]
ShortText = Annotated[str, Field(min_length=1, max_length=300)]


def pick(text: dict[str, str], language: str) -> str:
    """The text in ``language``, else in Spanish, English, or whatever there is."""
    for lang in (language, "es", "en", "pt", "fr"):
        if text.get(lang):
            return text[lang]
    return next(iter(text.values()), "")
