"""People, organisations, enrolments (nominations), imports and participants by country."""

from flask import Blueprint

bp = Blueprint("participants", __name__)

from . import routes  # noqa: E402,F401
