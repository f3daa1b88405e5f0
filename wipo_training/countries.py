"""Countries (ISO 3166-1 through pycountry), their names, and the groupings used for
statistics and eligibility.

Sources:
- Names: ISO 3166-1 as shipped by pycountry, with the short names of the UN M49 standard where
  ISO writes "Korea, Republic of" (https://unstats.un.org/unsd/methodology/m49/).
- Regions and sub-regions: UN M49, "Standard country or area codes for statistical use"
  (same address). Taiwan is placed in Eastern Asia, as UN statistics do for "Taiwan Province
  of China" data.
- ESCAP members and associate members: https://www.unescap.org/about/member-states
- Least developed countries: UN DESA / CDP, "LDCs at a glance" and the graduation decisions
  (https://www.un.org/development/desa/dpad/least-developed-country-category.html),
  list of December 2024 (44 countries), with the dates of past and scheduled graduations.
"""

from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import pycountry
from flask import current_app, has_app_context


class CountryError(ValueError):
    """A country code or name this application does not know."""


#: UN M49 names where ISO 3166-1 words them differently.
UN_NAMES = {
    "BO": "Bolivia (Plurinational State of)",
    "CD": "Democratic Republic of the Congo",
    "FM": "Micronesia (Federated States of)",
    "GB": "United Kingdom of Great Britain and Northern Ireland",
    "IR": "Iran (Islamic Republic of)",
    "KP": "Democratic People's Republic of Korea",
    "KR": "Republic of Korea",
    "MD": "Republic of Moldova",
    "NL": "Netherlands (Kingdom of the)",
    "PS": "State of Palestine",
    "TW": "Taiwan Province of China",
    "TZ": "United Republic of Tanzania",
    "US": "United States of America",
    "VE": "Venezuela (Bolivarian Republic of)",
    "VG": "British Virgin Islands",
    "VI": "United States Virgin Islands",
}

#: The names people write in report prose ("Vietnam (6)", "the Philippines (2)").
SHORT_NAMES = {
    "BO": "Bolivia",
    "BN": "Brunei",
    "CD": "the Democratic Republic of the Congo",
    "CZ": "the Czech Republic",
    "FM": "Micronesia",
    "GB": "the United Kingdom",
    "IR": "Iran",
    "KP": "North Korea",
    "KR": "the Republic of Korea",
    "LA": "Laos",
    "MD": "Moldova",
    "NL": "the Netherlands",
    "PH": "the Philippines",
    "PS": "Palestine",
    "RU": "Russia",
    "SY": "Syria",
    "TZ": "Tanzania",
    "US": "the United States",
    "VE": "Venezuela",
    "VN": "Vietnam",
    "AE": "the United Arab Emirates",
    "CF": "the Central African Republic",
    "DO": "the Dominican Republic",
    "GM": "the Gambia",
    "MV": "the Maldives",
    "MH": "the Marshall Islands",
    "SB": "the Solomon Islands",
    "TL": "Timor-Leste",
}

#: Codes people write that are not ISO 3166-1, with the ISO code they usually mean.
COMMON_MISTAKES = {"UK": "GB", "EL": "GR"}

#: UN M49 sub-regions, their region, and the ISO codes they hold.
M49_SUBREGIONS = {
    "Northern Africa": ("Africa", "DZ EG LY MA SD TN EH"),
    "Eastern Africa": (
        "Africa",
        "IO BI KM DJ ER ET TF KE MG MW MU YT MZ RE RW SC SO SS UG TZ ZM ZW",
    ),
    "Middle Africa": ("Africa", "AO CM CF TD CG CD GQ GA ST"),
    "Southern Africa": ("Africa", "BW SZ LS NA ZA"),
    "Western Africa": ("Africa", "BJ BF CV CI GM GH GN GW LR ML MR NE NG SH SN SL TG"),
    "Caribbean": (
        "Americas",
        "AI AG AW BS BB BQ VG KY CU CW DM DO GD GP HT JM MQ MS PR BL KN LC MF VC SX TT TC VI",
    ),
    "Central America": ("Americas", "BZ CR SV GT HN MX NI PA"),
    "South America": ("Americas", "AR BO BV BR CL CO EC FK GF GY PY PE GS SR UY VE"),
    "Northern America": ("Americas", "BM CA GL PM US"),
    "Central Asia": ("Asia", "KZ KG TJ TM UZ"),
    "Eastern Asia": ("Asia", "CN HK MO KP JP MN KR TW"),
    "South-eastern Asia": ("Asia", "BN KH ID LA MY MM PH SG TH TL VN"),
    "Southern Asia": ("Asia", "AF BD BT IN IR MV NP PK LK"),
    "Western Asia": ("Asia", "AM AZ BH CY GE IQ IL JO KW LB OM QA SA PS SY TR AE YE"),
    "Eastern Europe": ("Europe", "BY BG CZ HU PL MD RO RU SK UA"),
    "Northern Europe": ("Europe", "AX DK EE FO FI GG IS IE IM JE LV LT NO SJ SE GB"),
    "Southern Europe": ("Europe", "AL AD BA HR GI GR VA IT MT ME MK PT SM RS SI ES"),
    "Western Europe": ("Europe", "AT BE FR DE LI LU MC NL CH"),
    "Australia and New Zealand": ("Oceania", "AU CX CC HM NZ NF"),
    "Melanesia": ("Oceania", "FJ NC PG SB VU"),
    "Micronesia": ("Oceania", "GU KI MH FM NR MP PW UM"),
    "Polynesia": ("Oceania", "AS CK PF NU PN WS TK TO TV WF"),
    "Antarctica": ("Antarctica", "AQ"),
}

ESCAP_MEMBERS = frozenset(
    "AF AM AU AZ BD BT BN KH CN KP FJ FR GE IN ID IR JP KZ KI KG LA MY MV MH FM MN MM NR NP "
    "NL NZ PK PW PG PH KR RU WS SG SB LK TJ TH TL TO TR TM TV GB US UZ VU VN".split()
)
ESCAP_ASSOCIATE_MEMBERS = frozenset("AS CK PF GU HK MO NC NU MP".split())

#: Least developed countries in December 2024.
LDC_MEMBERS = frozenset(
    # Africa (32)
    "AO BJ BF BI CF TD KM CD DJ ER ET GM GN GW LS LR MG MW ML MR MZ NE RW SN SL SO SS SD TG "
    "UG TZ ZM "
    # Asia (8), the Caribbean (1), the Pacific (3)
    "AF BD KH LA MM NP TL YE HT KI SB TV".split()
)
#: Countries that left the category, with the date (past, or scheduled by the General Assembly).
LDC_GRADUATIONS = {
    "BW": date(1994, 12, 20),
    "CV": date(2007, 12, 20),
    "MV": date(2011, 1, 1),
    "WS": date(2014, 1, 1),
    "GQ": date(2017, 6, 4),
    "VU": date(2020, 12, 4),
    "BT": date(2023, 12, 13),
    "ST": date(2024, 12, 13),
    "BD": date(2026, 11, 24),
    "LA": date(2026, 11, 24),
    "NP": date(2026, 11, 24),
    "SB": date(2027, 12, 13),
}


@dataclass(frozen=True)
class Country:
    code: str  #: ISO 3166-1 alpha-2 (or a configured extra code such as XK)
    name: str  #: as in UN/WIPO documents
    short_name: str  #: as written in report prose
    alpha_3: str | None
    region: str | None
    subregion: str | None


@lru_cache(maxsize=1)
def _subregion_of() -> dict[str, tuple[str, str]]:
    return {
        code: (subregion, region)
        for subregion, (region, codes) in M49_SUBREGIONS.items()
        for code in codes.split()
    }


def _extra_countries() -> dict[str, dict]:
    """Non-ISO codes the installation accepts, from config EXTRA_COUNTRIES,
    e.g. {"XK": {"name": "Kosovo", "region": "Europe", "subregion": "Southern Europe"}}."""
    if has_app_context():
        return current_app.config.get("EXTRA_COUNTRIES", {})
    return {}


@lru_cache(maxsize=512)
def _iso_country(code: str) -> Country | None:
    record = pycountry.countries.get(alpha_2=code)
    if record is None:
        return None
    name = UN_NAMES.get(code, record.name)
    short = SHORT_NAMES.get(code) or getattr(record, "common_name", None) or name
    subregion, region = _subregion_of().get(code, (None, None))
    return Country(code, name, short, record.alpha_3, region, subregion)


def get_country(code: str) -> Country:
    """The country with this alpha-2 code; CountryError with a clear message otherwise."""
    code = (code or "").strip().upper()
    country = _iso_country(code) if len(code) == 2 else None
    if country is not None:
        return country
    extra = _extra_countries().get(code)
    if extra:
        name = extra["name"]
        return Country(
            code,
            name,
            extra.get("short_name", name),
            None,
            extra.get("region"),
            extra.get("subregion"),
        )
    if code in COMMON_MISTAKES:
        meant = _iso_country(COMMON_MISTAKES[code])
        raise CountryError(
            f"“{code}” is not an ISO 3166-1 country code; use {meant.code} ({meant.name})."
        )
    raise CountryError(f"“{code}” is not an ISO 3166-1 country code.")


@lru_cache(maxsize=1)
def _names_index() -> dict[str, str]:
    index = {}
    for record in pycountry.countries:
        country = _iso_country(record.alpha_2)
        for name in (
            record.alpha_2,
            record.alpha_3,
            record.name,
            country.name,
            country.short_name,
            country.short_name.removeprefix("the "),
            getattr(record, "common_name", None),
            getattr(record, "official_name", None),
        ):
            if name:
                index.setdefault(name.casefold(), record.alpha_2)
    return index


def find_country(text: str) -> Country:
    """A country from what people type: a code (VN, VNM) or a name (Viet Nam, Vietnam)."""
    value = (text or "").strip()
    if not value:
        raise CountryError("The country is missing.")
    extra = {code.casefold(): code for code in _extra_countries()}
    extra.update({v["name"].casefold(): code for code, v in _extra_countries().items()})
    key = value.casefold().removeprefix("the ")
    if value.casefold() in extra:
        return get_country(extra[value.casefold()])
    code = _names_index().get(value.casefold()) or _names_index().get(key)
    if code:
        return get_country(code)
    if len(value) == 2:
        return get_country(value)  # raises with the ISO explanation
    raise CountryError(f"“{value}” is not a country name or ISO 3166-1 code this app knows.")


def all_countries() -> list[Country]:
    """Every ISO country (and configured extra), sorted by display name."""
    countries = [_iso_country(r.alpha_2) for r in pycountry.countries]
    countries += [get_country(code) for code in _extra_countries()]
    return sorted(countries, key=lambda c: c.name)


def is_escap_member(code: str) -> bool:
    return code in ESCAP_MEMBERS or code in ESCAP_ASSOCIATE_MEMBERS


def is_african(code: str) -> bool:
    return _subregion_of().get(code, (None, None))[1] == "Africa"


def is_ldc(code: str, on: date | None = None) -> bool:
    """Whether the country is a least developed country on ``on`` (today by default)."""
    on = on or date.today()
    graduated = LDC_GRADUATIONS.get(code)
    if graduated is not None:
        return on < graduated
    return code in LDC_MEMBERS


#: The groupings a fund's eligibility can name.
GROUPINGS = {
    "escap": ("ESCAP members and associate members", lambda code, on=None: is_escap_member(code)),
    "africa": ("Africa", lambda code, on=None: is_african(code)),
    "ldc": ("Least developed countries", is_ldc),
    "africa_ldc": (
        "Africa and least developed countries",
        lambda code, on=None: is_african(code) or is_ldc(code, on),
    ),
}


def eligible(grouping: str, code: str, on: date | None = None) -> bool:
    """Whether country ``code`` belongs to the named grouping (on a date, for LDCs)."""
    return GROUPINGS[grouping][1](code, on)
