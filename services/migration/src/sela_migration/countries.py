"""Countries and areas of the UN DESA migrant stock files: ISO3, M49, UN name, LAC.

The project's own classification table (232 areas of the 2019 and 2020 editions). The UN
files name areas by M49 code (official layouts) or by UN name only (the cleaned 2019 wide
CSV); some derived files use codes that are not ISO 3166 (``CHI`` for Chile, ``SUD`` for
Sudan, ``JEY`` for the Channel Islands), which :func:`resolve` maps by name first. The
Channel Islands have no ISO3 code; the World Bank's ``CHI`` is used for them.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True)
class Area:
    iso3: str
    m49: int
    name: str
    alias: str | None
    lac: bool


# (ISO3, M49, UN name, other name used by some files, in Latin America and the Caribbean)
_AREAS: tuple[tuple[str, int, str, str | None, bool], ...] = (
    ("ABW", 533, "Aruba", None, True),
    ("AFG", 4, "Afghanistan", None, False),
    ("AGO", 24, "Angola", None, False),
    ("AIA", 660, "Anguilla", None, True),
    ("ALB", 8, "Albania", None, False),
    ("AND", 20, "Andorra", None, False),
    ("ARE", 784, "United Arab Emirates", None, False),
    ("ARG", 32, "Argentina", None, True),
    ("ARM", 51, "Armenia", None, False),
    ("ASM", 16, "American Samoa", None, False),
    ("ATG", 28, "Antigua and Barbuda", "Antigua & Barbuda", True),
    ("AUS", 36, "Australia", None, False),
    ("AUT", 40, "Austria", None, False),
    ("AZE", 31, "Azerbaijan", None, False),
    ("BDI", 108, "Burundi", None, False),
    ("BEL", 56, "Belgium", None, False),
    ("BEN", 204, "Benin", None, False),
    ("BES", 535, "Bonaire, Sint Eustatius and Saba", "Caribbean Netherlands", True),
    ("BFA", 854, "Burkina Faso", None, False),
    ("BGD", 50, "Bangladesh", None, False),
    ("BGR", 100, "Bulgaria", None, False),
    ("BHR", 48, "Bahrain", None, False),
    ("BHS", 44, "Bahamas", None, True),
    ("BIH", 70, "Bosnia and Herzegovina", "Bosnia & Herzegovina", False),
    ("BLR", 112, "Belarus", None, False),
    ("BLZ", 84, "Belize", None, True),
    ("BMU", 60, "Bermuda", None, False),
    ("BOL", 68, "Bolivia (Plurinational State of)", "Bolivia", True),
    ("BRA", 76, "Brazil", None, True),
    ("BRB", 52, "Barbados", None, True),
    ("BRN", 96, "Brunei Darussalam", "Brunei", False),
    ("BTN", 64, "Bhutan", None, False),
    ("BWA", 72, "Botswana", None, False),
    ("CAF", 140, "Central African Republic", None, False),
    ("CAN", 124, "Canada", None, False),
    ("CHE", 756, "Switzerland", None, False),
    ("CHI", 830, "Channel Islands", None, False),
    ("CHL", 152, "Chile", None, True),
    ("CHN", 156, "China", None, False),
    ("CIV", 384, "Côte d'Ivoire", "Cote d'Ivoire", False),
    ("CMR", 120, "Cameroon", None, False),
    ("COD", 180, "Democratic Republic of the Congo", "DR Congo", False),
    ("COG", 178, "Congo", None, False),
    ("COK", 184, "Cook Islands", None, False),
    ("COL", 170, "Colombia", None, True),
    ("COM", 174, "Comoros", None, False),
    ("CPV", 132, "Cabo Verde", "Cape Verde", False),
    ("CRI", 188, "Costa Rica", None, True),
    ("CUB", 192, "Cuba", None, True),
    ("CUW", 531, "Curaçao", "Curacao", True),
    ("CYM", 136, "Cayman Islands", None, True),
    ("CYP", 196, "Cyprus", None, False),
    ("CZE", 203, "Czechia", None, False),
    ("DEU", 276, "Germany", None, False),
    ("DJI", 262, "Djibouti", None, False),
    ("DMA", 212, "Dominica", None, True),
    ("DNK", 208, "Denmark", None, False),
    ("DOM", 214, "Dominican Republic", None, True),
    ("DZA", 12, "Algeria", None, False),
    ("ECU", 218, "Ecuador", None, True),
    ("EGY", 818, "Egypt", None, False),
    ("ERI", 232, "Eritrea", None, False),
    ("ESH", 732, "Western Sahara", None, False),
    ("ESP", 724, "Spain", None, False),
    ("EST", 233, "Estonia", None, False),
    ("ETH", 231, "Ethiopia", None, False),
    ("FIN", 246, "Finland", None, False),
    ("FJI", 242, "Fiji", None, False),
    ("FLK", 238, "Falkland Islands (Malvinas)", "Falkland Islands", True),
    ("FRA", 250, "France", None, False),
    ("FRO", 234, "Faroe Islands", None, False),
    ("FSM", 583, "Micronesia (Fed. States of)", "FS Micronesia", False),
    ("GAB", 266, "Gabon", None, False),
    ("GBR", 826, "United Kingdom", None, False),
    ("GEO", 268, "Georgia", None, False),
    ("GHA", 288, "Ghana", None, False),
    ("GIB", 292, "Gibraltar", None, False),
    ("GIN", 324, "Guinea", None, False),
    ("GLP", 312, "Guadeloupe", None, True),
    ("GMB", 270, "Gambia", None, False),
    ("GNB", 624, "Guinea-Bissau", None, False),
    ("GNQ", 226, "Equatorial Guinea", None, False),
    ("GRC", 300, "Greece", None, False),
    ("GRD", 308, "Grenada", None, True),
    ("GRL", 304, "Greenland", None, False),
    ("GTM", 320, "Guatemala", None, True),
    ("GUF", 254, "French Guiana", None, True),
    ("GUM", 316, "Guam", None, False),
    ("GUY", 328, "Guyana", None, True),
    ("HKG", 344, "China, Hong Kong SAR", "Hong Kong SAR", False),
    ("HND", 340, "Honduras", None, True),
    ("HRV", 191, "Croatia", None, False),
    ("HTI", 332, "Haiti", None, True),
    ("HUN", 348, "Hungary", None, False),
    ("IDN", 360, "Indonesia", None, False),
    ("IMN", 833, "Isle of Man", None, False),
    ("IND", 356, "India", None, False),
    ("IRL", 372, "Ireland", None, False),
    ("IRN", 364, "Iran (Islamic Republic of)", "Iran", False),
    ("IRQ", 368, "Iraq", None, False),
    ("ISL", 352, "Iceland", None, False),
    ("ISR", 376, "Israel", None, False),
    ("ITA", 380, "Italy", None, False),
    ("JAM", 388, "Jamaica", None, True),
    ("JOR", 400, "Jordan", None, False),
    ("JPN", 392, "Japan", None, False),
    ("KAZ", 398, "Kazakhstan", None, False),
    ("KEN", 404, "Kenya", None, False),
    ("KGZ", 417, "Kyrgyzstan", None, False),
    ("KHM", 116, "Cambodia", None, False),
    ("KIR", 296, "Kiribati", None, False),
    ("KNA", 659, "Saint Kitts and Nevis", "St. Kitts & Nevis", True),
    ("KOR", 410, "Republic of Korea", "South Korea", False),
    ("KWT", 414, "Kuwait", None, False),
    ("LAO", 418, "Lao People's Democratic Republic", "Laos", False),
    ("LBN", 422, "Lebanon", None, False),
    ("LBR", 430, "Liberia", None, False),
    ("LBY", 434, "Libya", None, False),
    ("LCA", 662, "Saint Lucia", "St. Lucia", True),
    ("LIE", 438, "Liechtenstein", None, False),
    ("LKA", 144, "Sri Lanka", None, False),
    ("LSO", 426, "Lesotho", None, False),
    ("LTU", 440, "Lithuania", None, False),
    ("LUX", 442, "Luxembourg", None, False),
    ("LVA", 428, "Latvia", None, False),
    ("MAC", 446, "China, Macao SAR", "Macao SAR", False),
    ("MAR", 504, "Morocco", None, False),
    ("MCO", 492, "Monaco", None, False),
    ("MDA", 498, "Republic of Moldova", "Moldova", False),
    ("MDG", 450, "Madagascar", None, False),
    ("MDV", 462, "Maldives", None, False),
    ("MEX", 484, "Mexico", None, True),
    ("MHL", 584, "Marshall Islands", None, False),
    ("MKD", 807, "North Macedonia", None, False),
    ("MLI", 466, "Mali", None, False),
    ("MLT", 470, "Malta", None, False),
    ("MMR", 104, "Myanmar", None, False),
    ("MNE", 499, "Montenegro", None, False),
    ("MNG", 496, "Mongolia", None, False),
    ("MNP", 580, "Northern Mariana Islands", None, False),
    ("MOZ", 508, "Mozambique", None, False),
    ("MRT", 478, "Mauritania", None, False),
    ("MSR", 500, "Montserrat", None, True),
    ("MTQ", 474, "Martinique", None, True),
    ("MUS", 480, "Mauritius", None, False),
    ("MWI", 454, "Malawi", None, False),
    ("MYS", 458, "Malaysia", None, False),
    ("MYT", 175, "Mayotte", None, False),
    ("NAM", 516, "Namibia", None, False),
    ("NCL", 540, "New Caledonia", None, False),
    ("NER", 562, "Niger", None, False),
    ("NGA", 566, "Nigeria", None, False),
    ("NIC", 558, "Nicaragua", None, True),
    ("NIU", 570, "Niue", None, False),
    ("NLD", 528, "Netherlands", None, False),
    ("NOR", 578, "Norway", None, False),
    ("NPL", 524, "Nepal", None, False),
    ("NRU", 520, "Nauru", None, False),
    ("NZL", 554, "New Zealand", None, False),
    ("OMN", 512, "Oman", None, False),
    ("PAK", 586, "Pakistan", None, False),
    ("PAN", 591, "Panama", None, True),
    ("PER", 604, "Peru", None, True),
    ("PHL", 608, "Philippines", None, False),
    ("PLW", 585, "Palau", None, False),
    ("PNG", 598, "Papua New Guinea", None, False),
    ("POL", 616, "Poland", None, False),
    ("PRI", 630, "Puerto Rico", None, True),
    ("PRK", 408, "Dem. People's Republic of Korea", "North Korea", False),
    ("PRT", 620, "Portugal", None, False),
    ("PRY", 600, "Paraguay", None, True),
    ("PSE", 275, "State of Palestine", "Palestine", False),
    ("PYF", 258, "French Polynesia", None, False),
    ("QAT", 634, "Qatar", None, False),
    ("REU", 638, "Réunion", "Reunion", False),
    ("ROU", 642, "Romania", None, False),
    ("RUS", 643, "Russian Federation", "Russia", False),
    ("RWA", 646, "Rwanda", None, False),
    ("SAU", 682, "Saudi Arabia", None, False),
    ("SDN", 729, "Sudan", None, False),
    ("SEN", 686, "Senegal", None, False),
    ("SGP", 702, "Singapore", None, False),
    ("SHN", 654, "Saint Helena", "St. Helena", False),
    ("SLB", 90, "Solomon Islands", None, False),
    ("SLE", 694, "Sierra Leone", None, False),
    ("SLV", 222, "El Salvador", None, True),
    ("SMR", 674, "San Marino", None, False),
    ("SOM", 706, "Somalia", None, False),
    ("SPM", 666, "Saint Pierre and Miquelon", "St. Pierre & Miquelon", False),
    ("SRB", 688, "Serbia", None, False),
    ("SSD", 728, "South Sudan", None, False),
    ("STP", 678, "Sao Tome and Principe", "Sao Tome & Principe", False),
    ("SUR", 740, "Suriname", None, True),
    ("SVK", 703, "Slovakia", None, False),
    ("SVN", 705, "Slovenia", None, False),
    ("SWE", 752, "Sweden", None, False),
    ("SWZ", 748, "Eswatini", None, False),
    ("SXM", 534, "Sint Maarten (Dutch part)", "Sint Maarten", True),
    ("SYC", 690, "Seychelles", None, False),
    ("SYR", 760, "Syrian Arab Republic", "Syria", False),
    ("TCA", 796, "Turks and Caicos Islands", "Turks & Caicos Islands", True),
    ("TCD", 148, "Chad", None, False),
    ("TGO", 768, "Togo", None, False),
    ("THA", 764, "Thailand", None, False),
    ("TJK", 762, "Tajikistan", None, False),
    ("TKL", 772, "Tokelau", None, False),
    ("TKM", 795, "Turkmenistan", None, False),
    ("TLS", 626, "Timor-Leste", None, False),
    ("TON", 776, "Tonga", None, False),
    ("TTO", 780, "Trinidad and Tobago", "Trinidad & Tobago", True),
    ("TUN", 788, "Tunisia", None, False),
    ("TUR", 792, "Turkey", None, False),
    ("TUV", 798, "Tuvalu", None, False),
    ("TZA", 834, "United Republic of Tanzania", "Tanzania", False),
    ("UGA", 800, "Uganda", None, False),
    ("UKR", 804, "Ukraine", None, False),
    ("URY", 858, "Uruguay", None, True),
    ("USA", 840, "United States of America", "United States", False),
    ("UZB", 860, "Uzbekistan", None, False),
    ("VAT", 336, "Holy See", "Vatican City", False),
    ("VCT", 670, "Saint Vincent and the Grenadines", "St. Vincent & Grenadines", True),
    ("VEN", 862, "Venezuela (Bolivarian Republic of)", "Venezuela", True),
    ("VGB", 92, "British Virgin Islands", None, True),
    ("VIR", 850, "United States Virgin Islands", "U.S. Virgin Islands", True),
    ("VNM", 704, "Viet Nam", "Vietnam", False),
    ("VUT", 548, "Vanuatu", None, False),
    ("WLF", 876, "Wallis and Futuna Islands", "Wallis & Futuna", False),
    ("WSM", 882, "Samoa", None, False),
    ("YEM", 887, "Yemen", None, False),
    ("ZAF", 710, "South Africa", None, False),
    ("ZMB", 894, "Zambia", None, False),
    ("ZWE", 716, "Zimbabwe", None, False),
)

AREAS: dict[str, Area] = {row[0]: Area(*row) for row in _AREAS}
BY_M49: dict[int, Area] = {a.m49: a for a in AREAS.values()}
LAC: frozenset[str] = frozenset(a.iso3 for a in AREAS.values() if a.lac)
# M49 codes of regions and groups (World 900, continents, income groups, ...) start at 900.
AGGREGATE_M49_FROM = 900


def _key(name: str) -> str:
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return " ".join(folded.lower().replace("*", "").split())


_BY_NAME: dict[str, Area] = {}
for _area in AREAS.values():
    _BY_NAME[_key(_area.name)] = _area
    if _area.alias:
        _BY_NAME[_key(_area.alias)] = _area
    _BY_NAME[_key(_area.iso3)] = _area


def by_name(name: str) -> Area | None:
    """The area a UN (or common) name designates; None for regions and unknown names."""
    return _BY_NAME.get(_key(name))


def resolve(code: str | None, name: str | None = None) -> Area | None:
    """The area of a (possibly non-standard) ISO3 code, preferring what its name says."""
    if name:
        area = by_name(name)
        if area is not None:
            return area
    if code:
        return AREAS.get(code.strip().upper())
    return None


def name_of(iso3: str) -> str:
    area = AREAS.get(iso3)
    return area.name if area else iso3
