"""Reports staff export: course report, evaluation report, lists, annual statistics."""

from flask import Blueprint

bp = Blueprint("reports", __name__)

from . import routes  # noqa: E402,F401
