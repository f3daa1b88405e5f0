"""Fields the API's schemas share."""

import pycountry
from marshmallow import fields, validate

#: What an integer column holds (PostgreSQL's ``integer``; SQLite stores 64 bits).
LARGEST = 2**31 - 1


class Integer(fields.Integer):
    """An integer no larger than the database stores, besides any range of its own: the
    OpenAPI document says so (apispec keeps the narrowest bounds), and a larger number is a
    422 that names the field rather than one the database refuses."""

    def __init__(self, **kwargs):
        given = kwargs.get("validate")
        given = [given] if callable(given) else list(given or [])
        given.append(validate.Range(-LARGEST - 1, LARGEST))
        super().__init__(**{**kwargs, "validate": given})


def CountryCode(**kwargs) -> fields.String:
    """An ISO 3166-1 alpha-2 code. The document lists the codes; the services check them (and
    accept the codes an installation adds in EXTRA_COUNTRIES)."""
    codes = sorted(country.alpha_2 for country in pycountry.countries)
    return fields.String(validate=validate.Length(equal=2), metadata={"enum": codes}, **kwargs)


def Time(**kwargs) -> fields.Time:
    """A time of day as HH:MM or HH:MM:SS (the document gives the pattern)."""
    pattern = r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$"
    return fields.Time(metadata={"pattern": pattern, "example": "09:30"}, **kwargs)
