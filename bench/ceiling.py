"""The app as bench/web.py serves it: the real app, plus one bare endpoint that returns a
constant string, in the same gunicorn (the ceiling the pages are compared with). Never used
outside the bench."""

from wipo_training import create_app
from wipo_training.access import public

app = create_app()


@public
def ceiling():
    return "ok"


app.add_url_rule("/bench/ceiling", "bench_ceiling", ceiling)
