"""Countries: UN/WIPO names, report names, non-ISO codes, groupings."""

from datetime import date

import pytest

from wipo_training.countries import (
    CountryError,
    eligible,
    find_country,
    get_country,
    is_ldc,
)


@pytest.mark.parametrize(
    "typed, code, name, short",
    [
        ("Vietnam", "VN", "Viet Nam", "Vietnam"),
        ("VNM", "VN", "Viet Nam", "Vietnam"),
        ("Laos", "LA", "Lao People's Democratic Republic", "Laos"),
        ("the Philippines", "PH", "Philippines", "the Philippines"),
        ("Korea, Republic of", "KR", "Republic of Korea", "the Republic of Korea"),
        ("iran", "IR", "Iran (Islamic Republic of)", "Iran"),
        ("gb", "GB", "United Kingdom of Great Britain and Northern Ireland", "the United Kingdom"),
    ],
)
def test_names(typed, code, name, short):
    country = find_country(typed)
    assert (country.code, country.name, country.short_name) == (code, name, short)


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
