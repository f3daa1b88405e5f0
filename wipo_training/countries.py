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

import unicodedata
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

#: Names people write for a country besides its ISO and UN names, with its ISO code: short
#: forms ("Vietnam", "Laos"), former names ("Burma", "Turkey", "Swaziland"), and the World
#: Bank's ("Lao PDR", "Korea, Rep."). Only for reading what people type: every page, PDF and
#: spreadsheet writes the one name of ``Country.name``. Keys are compared as ``_key`` makes
#: them (no case, accents, punctuation or leading "the").
ALIASES = {
    "Bolivia": "BO",
    "Bosnia": "BA",
    "Britain": "GB",
    "Great Britain": "GB",
    "Brunei": "BN",
    "Burma": "MM",
    "Cape Verde": "CV",
    "Congo, Dem. Rep.": "CD",
    "Congo-Kinshasa": "CD",
    "DR Congo": "CD",
    "DRC": "CD",
    "Congo, Rep.": "CG",
    "Congo-Brazzaville": "CG",
    "Czech Republic": "CZ",
    "East Timor": "TL",
    "Egypt, Arab Rep.": "EG",
    "Gambia, The": "GM",
    "Holland": "NL",
    "Iran": "IR",
    "Iran, Islamic Rep.": "IR",
    "Ivory Coast": "CI",
    "Korea": "KR",
    "South Korea": "KR",
    "Korea, Rep.": "KR",
    "Korea, Dem. People's Rep.": "KP",
    "DPRK": "KP",
    "North Korea": "KP",
    "Kyrgyz Republic": "KG",
    "Lao PDR": "LA",
    "Laos": "LA",
    "Macau": "MO",
    "Macedonia": "MK",
    "Micronesia": "FM",
    "Moldova": "MD",
    "Palestine": "PS",
    "PRC": "CN",
    "People's Republic of China": "CN",
    "Russia": "RU",
    "Slovak Republic": "SK",
    "Swaziland": "SZ",
    "Syria": "SY",
    "Taiwan": "TW",
    "Tanzania": "TZ",
    "Turkey": "TR",
    "UAE": "AE",
    "Vatican": "VA",
    "Venezuela": "VE",
    "Vietnam": "VN",
    "Yemen, Rep.": "YE",
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
    #: The one name written everywhere, tables and prose alike: UN/WIPO's ("Viet Nam").
    name: str
    alpha_3: str | None
    region: str | None
    subregion: str | None

    @property
    def short_name(self) -> str:
        """The same as ``name`` (kept for older callers): one name per country throughout."""
        return self.name


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
    subregion, region = _subregion_of().get(code, (None, None))
    return Country(code, name, record.alpha_3, region, subregion)


def get_country(code: str) -> Country:
    """The country with this alpha-2 code; CountryError with a clear message otherwise."""
    code = (code or "").strip().upper()
    country = _iso_country(code) if len(code) == 2 else None
    if country is not None:
        return country
    extra = _extra_countries().get(code)
    if extra:
        return Country(code, extra["name"], None, extra.get("region"), extra.get("subregion"))
    if code in COMMON_MISTAKES:
        meant = _iso_country(COMMON_MISTAKES[code])
        raise CountryError(
            f"“{code}” is not an ISO 3166-1 country code; use {meant.code} ({meant.name})."
        )
    raise CountryError(f"“{code}” is not an ISO 3166-1 country code.")


def _key(text: str) -> str:
    """A name as compared when read: no case, accents or punctuation, no leading "the"
    ("Türkiye" and "turkiye", "Korea, Rep." and "korea rep", "Timor-Leste" and "timor leste")."""
    plain = unicodedata.normalize("NFKD", text.casefold().replace("&", " and "))
    plain = "".join(ch for ch in plain if not unicodedata.combining(ch))
    words = "".join(ch if ch.isalnum() else " " for ch in plain).split()
    if words[:1] == ["the"]:
        words = words[1:]
    return " ".join(words)


@lru_cache(maxsize=1)
def _names_index() -> dict[str, str]:
    """Every name and code people write for an ISO country, keyed by ``_key``."""
    index = {}
    for record in pycountry.countries:
        for name in (
            record.alpha_2,
            record.alpha_3,
            UN_NAMES.get(record.alpha_2),
            record.name,
            getattr(record, "common_name", None),
            getattr(record, "official_name", None),
        ):
            if name:
                index.setdefault(_key(name), record.alpha_2)
    for alias, code in ALIASES.items():
        index.setdefault(_key(alias), code)
    return index


def _quoted(text: str, limit: int = 60) -> str:
    """What was typed, quoted, and cut short when very long (it goes into messages)."""
    text = " ".join(text.split())
    return f"“{text if len(text) <= limit else text[: limit - 1] + '…'}”"


def find_country(text: str) -> Country:
    """A country from what people type: a code (VN, VNM), its name (Viet Nam) or a name people
    use for it (Vietnam, Lao PDR, Korea, Burma, Turkey); CountryError with a clear message."""
    value = (text or "").strip()
    if not value:
        raise CountryError("The country is missing.")
    key = _key(value)
    extra = {_key(code): code for code in _extra_countries()}
    extra.update({_key(v["name"]): code for code, v in _extra_countries().items()})
    if key in extra:
        return get_country(extra[key])
    code = _names_index().get(key)
    if code:
        return get_country(code)
    if len(value) == 2:
        return get_country(value)  # raises with the ISO explanation
    raise CountryError(f"{_quoted(value)} is not a country name or ISO 3166-1 code this app knows.")


#: The same, under the name other modules look for.
country_from_text = find_country


def understood_as(text: str, country: Country) -> str | None:
    """What to tell the person who typed ``text``, when it is neither the country's own name
    nor its code: "“Korea” was read as Republic of Korea." None otherwise."""
    if _key(text or "") in {_key(country.name), _key(country.code), _key(country.alpha_3 or "")}:
        return None
    return f"{_quoted(text)} was read as {country.name}."


def read_country(text: str) -> tuple[Country, str | None]:
    """``find_country`` and, when the text was not the country's name, the sentence saying
    which country it was read as (for the page or the import preview to show)."""
    country = find_country(text)
    return country, understood_as(text, country)


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
