"""The app as bench/web.py serves it: the real app, plus two routes of the bench's own, never
registered outside the bench:

- ``/bench/ceiling``: a constant string (what the server and the framework cost alone);
- ``/bench/minimal``: the *minimal page*, the yardstick of issue 17: signed in, one indexed
  query (ten courses by primary key), the base layout with a 10-row table
  (bench/templates/bench/minimal.html)."""

from pathlib import Path

import sqlalchemy as sa
from flask import render_template
from jinja2 import ChoiceLoader, FileSystemLoader

from wipo_training import create_app
from wipo_training.access import public, signed_in
from wipo_training.courses.models import Course
from wipo_training.extensions import db


def bench_app(**overrides):
    """The app with the two bench routes and the bench's templates."""
    app = create_app(**overrides)
    app.jinja_loader = ChoiceLoader(
        [app.jinja_loader, FileSystemLoader(Path(__file__).resolve().parent / "templates")]
    )
    app.add_url_rule("/bench/ceiling", "bench_ceiling", ceiling)
    app.add_url_rule("/bench/minimal", "bench_minimal", minimal)
    return app


@public
def ceiling():
    return "ok"


@signed_in
def minimal():
    rows = db.session.execute(
        sa.select(Course.id, Course.code, Course.title).order_by(Course.id).limit(10)
    ).all()
    return render_template("bench/minimal.html", rows=rows)


app = bench_app()
