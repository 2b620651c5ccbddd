"""Countries from pycountry (ISO 3166-1 alpha-3, M49 = ISO numeric) with names in SELA's
four languages from pycountry's own translations, plus the territories that statistical
producers publish as countries (``data/areas.json``). Pure."""

from __future__ import annotations

import gettext
import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import pycountry

LANGUAGES = ("es", "en", "pt", "fr")


@dataclass(frozen=True)
class CountryRef:
    code: str
    iso2: str | None
    m49: str | None
    names: dict[str, str]


def data_file(name: str) -> Any:
    return json.loads(resources.files("sela_indices.data").joinpath(name).read_text("utf-8"))


@cache
def countries() -> tuple[CountryRef, ...]:
    translations = {
        lang: gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang])
        for lang in LANGUAGES
        if lang != "en"
    }
    result = []
    for country in pycountry.countries:
        common = getattr(country, "common_name", None)
        names = {"en": common or country.name}
        for lang, translation in translations.items():
            translated = translation.gettext(common or country.name)
            if common and translated == common:
                translated = translation.gettext(country.name)
            names[lang] = translated
        result.append(CountryRef(country.alpha_3, country.alpha_2, country.numeric, names))
    for extra in data_file("areas.json")["extra_countries"]:
        result.append(CountryRef(extra["code"], extra["iso2"], extra["m49"], extra["names"]))
    return tuple(sorted(result, key=lambda c: c.code))


@cache
def aggregate_codes() -> frozenset[str]:
    return frozenset(data_file("areas.json")["aggregate_codes"])
