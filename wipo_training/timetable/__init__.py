"""Timetable: sessions, site visits, country reports, attendance, calendar feeds."""

from flask import Blueprint

bp = Blueprint("timetable", __name__)

from . import routes  # noqa: E402,F401
