"""How a person's name is printed: in the order and form of their own culture.

A name has two recorded parts, the family name and the given name(s). Where they go when the
name is printed depends on the convention of the person (by default, their country's):

- given name first ("Budi Santoso"): most countries;
- family name first ("Wang Wei", "Chan Sokha", "Nagy Ágnes"): Chinese, Japanese, Korean,
  Vietnamese, Khmer and Hungarian names;
- no family name (Myanmar): the name is one whole, "Aung Kyaw Moe"; nothing is moved, the
  parts are printed as they are recorded (the first part of the name is the one kept in the
  family-name field, where lists and imports put it);
- a single name (many Indonesians): one part is empty and the other is printed alone.
"""

import enum


class NameOrder(enum.StrEnum):
    GIVEN_FIRST = "given_first"
    FAMILY_FIRST = "family_first"
    NO_FAMILY_NAME = "no_family_name"

    @property
    def label(self) -> str:
        return {
            "given_first": "Given name first (Budi Santoso)",
            "family_first": "Family name first (Wang Wei, Chan Sokha, Nagy Ágnes)",
            "no_family_name": "No family name: printed as written (Aung Kyaw Moe)",
        }[self.value]


#: China (with Hong Kong, Macao, Taiwan), Japan, both Koreas, Viet Nam, Cambodia, Hungary.
FAMILY_FIRST_COUNTRIES = frozenset({"CN", "HK", "MO", "TW", "JP", "KR", "KP", "VN", "KH", "HU"})
#: Myanmar names have no family name to move.
NO_FAMILY_NAME_COUNTRIES = frozenset({"MM"})


def default_order(country_code: str | None) -> NameOrder:
    """The convention usual in a country (ISO 3166-1 alpha-2 code)."""
    code = (country_code or "").upper()
    if code in FAMILY_FIRST_COUNTRIES:
        return NameOrder.FAMILY_FIRST
    if code in NO_FAMILY_NAME_COUNTRIES:
        return NameOrder.NO_FAMILY_NAME
    return NameOrder.GIVEN_FIRST


def name_order(chosen: str | None, country_code: str | None) -> NameOrder:
    """The chosen convention, or the country's when none is chosen (or it is unknown)."""
    if chosen in set(NameOrder):
        return NameOrder(chosen)
    return default_order(country_code)


def printed_name(family_name: str, given_name: str, order: NameOrder | str) -> str:
    """The Latin name as printed, from its parts: a single name is printed alone."""
    family, given = " ".join(family_name.split()), " ".join(given_name.split())
    # Family first, and Myanmar names printed as recorded: the family-name part first.
    parts = (given, family) if NameOrder(order) == NameOrder.GIVEN_FIRST else (family, given)
    return " ".join(part for part in parts if part)
