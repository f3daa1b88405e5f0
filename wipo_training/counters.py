"""Named counters: serial numbers that are unique and never reused, even under concurrency."""

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, mapped_column

from .extensions import db


class Counter(db.Model):
    """The last number handed out for one key (e.g. a course's certificate serials)."""

    __tablename__ = "counters"

    key: Mapped[str] = mapped_column(sa.String(100), primary_key=True)
    value: Mapped[int] = mapped_column(default=0)

    def __repr__(self) -> str:
        return f"<Counter {self.key}={self.value}>"


def reserve_numbers(key: str, count: int) -> range:
    """``count`` consecutive numbers of counter ``key``, in one locked update."""
    last = next_number(key, count)
    return range(last - count + 1, last + 1)


def next_number(key: str, step: int = 1) -> int:
    """Increment the counter ``key`` and return its new value, inside the caller's transaction.

    The row is locked (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite's write transactions
    already hold the database lock), so concurrent callers each get a distinct number.
    """
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    db.session.execute(
        insert(Counter).values(key=key, value=0).on_conflict_do_nothing(index_elements=["key"])
    )
    counter = db.session.execute(
        sa.select(Counter)
        .where(Counter.key == key)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()
    counter.value += step
    db.session.flush()
    return counter.value
