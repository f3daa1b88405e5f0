"""Names printed as their owners write them: one test per convention the issue names."""

import pytest

from wipo_training.people.models import Person
from wipo_training.people.names import NameOrder, default_order, name_order, printed_name


@pytest.mark.parametrize(
    "country, family, given, printed",
    [
        ("CN", "Wang", "Wei", "Wang Wei"),  # Chinese
        ("TW", "Chen", "Mei-ling", "Chen Mei-ling"),
        ("HK", "Chan", "Tai Man", "Chan Tai Man"),
        ("JP", "Yamada", "Taro", "Yamada Taro"),  # Japanese
        ("KR", "Kim", "Min-jun", "Kim Min-jun"),  # Korean
        ("VN", "Nguyen", "Van An", "Nguyen Van An"),  # Vietnamese
        ("KH", "Chan", "Sokha", "Chan Sokha"),  # Khmer
        ("HU", "Nagy", "Ágnes", "Nagy Ágnes"),  # Hungarian
    ],
)
def test_family_name_first(country, family, given, printed):
    assert default_order(country) == NameOrder.FAMILY_FIRST
    assert printed_name(family, given, default_order(country)) == printed


def test_myanmar_names_have_no_family_name_to_move():
    """The record keeps the name's first part in the family-name field (as the demo data and
    spreadsheets do): nothing is moved to the end."""
    assert default_order("MM") == NameOrder.NO_FAMILY_NAME
    assert printed_name("Aung", "Kyaw Moe", NameOrder.NO_FAMILY_NAME) == "Aung Kyaw Moe"
    assert printed_name("Aung", "Kyaw Moe", NameOrder.NO_FAMILY_NAME) != "Kyaw Moe Aung"
    # Kept whole in one field, it is printed whole.
    assert printed_name("Aung Kyaw Moe", "", NameOrder.NO_FAMILY_NAME) == "Aung Kyaw Moe"


@pytest.mark.parametrize(
    "family, given",
    [("Sukarno", ""), ("", "Sukarno"), ("  Sukarno ", "   ")],
)
def test_a_single_name_is_printed_alone_in_every_order(family, given):
    for order in NameOrder:
        assert printed_name(family, given, order) == "Sukarno"
    assert printed_name(family, given, default_order("ID")) == "Sukarno"


@pytest.mark.parametrize("country", ["ID", "TH", "PH", "DZ", "PK", "LA", "BT", "FR", "", None])
def test_given_name_first_elsewhere(country):
    assert default_order(country) == NameOrder.GIVEN_FIRST
    assert printed_name("Santoso", "Budi", default_order(country)) == "Budi Santoso"


def test_inner_spaces_are_collapsed_and_case_is_kept():
    assert printed_name(" de  la Cruz ", "Maria  Cristina", "given_first") == (
        "Maria Cristina de la Cruz"
    )
    assert printed_name("NGUYEN", "Thi  Lan", "family_first") == "NGUYEN Thi Lan"


def test_a_chosen_order_wins_over_the_country_and_an_unknown_one_falls_back():
    assert name_order("given_first", "JP") == NameOrder.GIVEN_FIRST  # a Japanese who prefers it
    assert name_order("family_first", "ID") == NameOrder.FAMILY_FIRST
    assert name_order(None, "KH") == NameOrder.FAMILY_FIRST
    assert name_order("<script>alert(1)</script>", "MM") == NameOrder.NO_FAMILY_NAME
    assert name_order("", "kh") == NameOrder.FAMILY_FIRST  # a code in small letters


def test_a_person_prints_the_name_as_printed_when_one_is_set(app_ctx):
    person = Person(family_name="Win", given_name="Thandar", country_code="MM", native_name="")
    assert person.printed_name == "Win Thandar"  # the parts as recorded
    person.name_as_printed = "Thandar Win"
    assert person.printed_name == "Thandar Win" and person.derived_name == "Win Thandar"
    person.name_order = "given_first"
    assert person.derived_name == "Thandar Win"


def test_a_person_name_status_follows_what_was_confirmed(app_ctx):
    person = Person(
        family_name="Chan", given_name="Sokha", country_code="KH", native_name="ចាន់ សុខា"
    )
    assert person.name_status == "not_yet"
    person.confirmed_name, person.confirmed_native_name = "Chan Sokha", "ចាន់ សុខា"
    assert person.name_status == "confirmed"
    person.given_name = "Sokhalay"  # corrected on record since: asked again
    assert person.name_status == "not_yet"
    person.proposed_name = "Chan Sokhalay"
    assert person.name_status == "correction"
