"""Countries: one UN/WIPO name each, the names people write for them, non-ISO codes,
groupings."""

from datetime import date

import pytest

from wipo_training.countries import (
    CountryError,
    eligible,
    find_country,
    get_country,
    is_ldc,
    read_country,
)


@pytest.mark.parametrize(
    "typed, code, name",
    [
        ("Vietnam", "VN", "Viet Nam"),
        ("VNM", "VN", "Viet Nam"),
        ("Laos", "LA", "Lao People's Democratic Republic"),
        ("the Philippines", "PH", "Philippines"),
        ("Korea, Republic of", "KR", "Republic of Korea"),
        ("iran", "IR", "Iran (Islamic Republic of)"),
        ("gb", "GB", "United Kingdom of Great Britain and Northern Ireland"),
        ("Timor Leste", "TL", "Timor-Leste"),
        ("Cote d'Ivoire", "CI", "Côte d'Ivoire"),
    ],
)
def test_names(typed, code, name):
    country = find_country(typed)
    assert (country.code, country.name) == (code, name)
    assert country.short_name == country.name  # one name per country, prose included


@pytest.mark.parametrize(
    "typed, code, note",
    [
        ("Lao PDR", "LA", "“Lao PDR” was read as Lao People's Democratic Republic."),
        ("Korea", "KR", "“Korea” was read as Republic of Korea."),
        ("Burma", "MM", "“Burma” was read as Myanmar."),
        ("Turkey", "TR", "“Turkey” was read as Türkiye."),
        ("Türkiye", "TR", None),
        ("turkiye", "TR", None),
        ("Vietnam", "VN", "“Vietnam” was read as Viet Nam."),
        ("  viet   nam ", "VN", None),
        ("vnm", "VN", None),  # a code is exact: nothing to say
        ("North Korea", "KP", "“North Korea” was read as Democratic People's Republic of Korea."),
    ],
)
def test_names_people_write_are_read_and_say_what_they_were_read_as(typed, code, note):
    country, said = read_country(typed)
    assert (country.code, said) == (code, note)


def test_unknown_and_hostile_text_is_refused_with_a_short_message():
    with pytest.raises(CountryError, match="“Narnia” is not a country name"):
        find_country("Narnia")
    with pytest.raises(CountryError) as refused:
        find_country("<script>alert(1)</script>" * 400)
    assert len(str(refused.value)) < 140  # what was typed is quoted, cut short
    with pytest.raises(CountryError, match="missing"):
        find_country("   ")


def test_codes_that_are_not_iso_get_a_clear_error(app_ctx):
    with pytest.raises(CountryError, match="“UK” is not an ISO 3166-1 country code; use GB"):
        get_country("UK")
    with pytest.raises(CountryError, match="“XK” is not an ISO 3166-1 country code"):
        find_country("XK")


def test_an_extra_code_can_be_configured(app):
    app.config["EXTRA_COUNTRIES"] = {"XK": {"name": "Kosovo", "region": "Europe"}}
    with app.app_context():
        assert find_country("XK").name == "Kosovo"
        assert find_country("kosovo").code == "XK"


def test_groupings():
    assert eligible("escap", "VN") and eligible("escap", "JP") and not eligible("escap", "DZ")
    assert eligible("africa_ldc", "DZ") and eligible("africa_ldc", "KH")
    assert not eligible("africa_ldc", "TH")
    assert is_ldc("BT", on=date(2013, 12, 2)) and not is_ldc("BT", on=date(2024, 1, 1))
    assert (
        get_country("DZ").region == "Africa" and get_country("VN").subregion == "South-eastern Asia"
    )
