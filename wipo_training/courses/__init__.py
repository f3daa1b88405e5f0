"""Funds, courses and seat quotas."""

from flask import Blueprint

bp = Blueprint("courses", __name__)

from . import routes  # noqa: E402,F401
