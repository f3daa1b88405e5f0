"""URL converters: an id in a path is a whole number the database can hold, so a larger one
matches no route (404) instead of reaching the database (an overflow there)."""

from werkzeug.routing import IntegerConverter

#: PostgreSQL's integer; SQLite holds more, but the same limit on both.
MAX_ID = 2**31 - 1


class IdConverter(IntegerConverter):
    """``<int:...>`` with an upper bound (also documented in the OpenAPI paths)."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)
