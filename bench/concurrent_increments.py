"""How many read-then-write increments survive 8 concurrent processes?

Compares SQLAlchemy's default pysqlite behaviour with the app's engine set-up
(wipo_training/database.py), and the app on PostgreSQL when BENCH_POSTGRES_URL is given.

    .venv/bin/python bench/concurrent_increments.py
    BENCH_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test \
        .venv/bin/python bench/concurrent_increments.py
"""

import multiprocessing
import os
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PROCESSES = 8
INCREMENTS = 100


def worker(url: str, app_setup: bool) -> None:
    from wipo_training.database import configure_engine

    engine = sa.create_engine(url)
    if app_setup:
        configure_engine(engine, 30_000)
    select = "SELECT value FROM counter WHERE id = 1"
    if engine.dialect.name == "postgresql":
        select += " FOR UPDATE"
    for _ in range(INCREMENTS):
        with engine.begin() as conn:
            value = conn.execute(sa.text(select)).scalar_one()
            conn.execute(sa.text("UPDATE counter SET value = :v WHERE id = 1"), {"v": value + 1})
    engine.dispose()


def run(label: str, url: str, app_setup: bool) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP TABLE IF EXISTS counter"))
        conn.execute(sa.text("CREATE TABLE counter (id INTEGER PRIMARY KEY, value INTEGER)"))
        conn.execute(sa.text("INSERT INTO counter VALUES (1, 0)"))
    ctx = multiprocessing.get_context("spawn")
    started = time.perf_counter()
    procs = [ctx.Process(target=worker, args=(url, app_setup)) for _ in range(PROCESSES)]
    for proc in procs:
        proc.start()
    failed = 0
    for proc in procs:
        proc.join()
        failed += proc.exitcode != 0
    elapsed = time.perf_counter() - started
    with engine.begin() as conn:
        value = conn.execute(sa.text("SELECT value FROM counter WHERE id = 1")).scalar_one()
        conn.execute(sa.text("DROP TABLE counter"))
    engine.dispose()
    print(
        f"{label:<40} {value:>4} of {PROCESSES * INCREMENTS}  "
        f"({failed} processes failed)  {elapsed:.2f} s"
    )


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        run("SQLite, pysqlite default", f"sqlite:///{tmp}/default.sqlite", app_setup=False)
        run("SQLite, app set-up (BEGIN IMMEDIATE)", f"sqlite:///{tmp}/app.sqlite", app_setup=True)
    if os.environ.get("BENCH_POSTGRES_URL"):
        run("PostgreSQL, SELECT ... FOR UPDATE", os.environ["BENCH_POSTGRES_URL"], app_setup=True)
