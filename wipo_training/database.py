"""Database engine set-up: SQLite pragmas and write transactions that cannot lose updates.

pysqlite's default behaviour starts a transaction only at the first write, so two
processes that read a value and then write it back both succeed and one update is lost.
We follow the recipe in SQLAlchemy's SQLite dialect documentation ("Serializable isolation /
Savepoints / Transactional DDL"): switch pysqlite's own BEGIN off and emit it ourselves.
Every transaction that may write starts with ``BEGIN IMMEDIATE``, which takes SQLite's write
lock up front (others wait up to the busy timeout). Read-only web requests (GET, HEAD,
OPTIONS: no GET route changes anything) use a plain deferred ``BEGIN`` so that readers never
queue behind each other; WAL lets them read while a writer works.

PostgreSQL needs none of this; its read-only requests run without a transaction
(``autocommit_reads``). A pooled PostgreSQL connection is tested before use only when it has
been idle for ``PING_AFTER_IDLE_SECONDS`` (``pool_pre_ping`` tests it every time: one round
trip more on every request, a third of a page served from the page cache). A connection used
a moment ago is alive; one that sat in the pool may belong to a server that was restarted,
and is replaced before the request sees it.

A writer waits for another's lock at most ``DATABASE_TIMEOUT_MS`` (SQLite's busy timeout,
PostgreSQL's ``lock_timeout``); then the request answers 503 with Retry-After (errors.py).
"""

import time
from functools import partial

from flask import has_request_context, request
from sqlalchemy import event, exc
from sqlalchemy.engine import Engine

READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
PING_AFTER_IDLE_SECONDS = 1.0


def _on_sqlite_connect(timeout_ms: int, dbapi_connection, _record) -> None:
    dbapi_connection.isolation_level = None  # we emit BEGIN ourselves, see _on_begin
    cursor = dbapi_connection.cursor()
    # The timeout first: even switching to WAL may have to wait for another process.
    cursor.execute(f"PRAGMA busy_timeout={int(timeout_ms)}")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _on_postgres_connect(timeout_ms: int, dbapi_connection, _record) -> None:
    autocommit = dbapi_connection.autocommit
    dbapi_connection.autocommit = True  # a session setting, outside any transaction
    with dbapi_connection.cursor() as cursor:
        cursor.execute(f"SET lock_timeout = {int(timeout_ms)}")
    dbapi_connection.autocommit = autocommit


def _on_checkin(_dbapi_connection, record) -> None:
    record.info["idle_since"] = time.monotonic()


def _ping_if_idle(dialect, dbapi_connection, record, _proxy) -> None:
    """checkout: test a connection that sat in the pool; a dead one is replaced (the pool
    connects again when this raises DisconnectionError)."""
    idle_since = record.info.get("idle_since")
    if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE_SECONDS:
        return
    try:
        alive = dialect.do_ping(dbapi_connection)
    except dialect.loaded_dbapi.Error as error:
        raise exc.DisconnectionError() from error
    if not alive:
        raise exc.DisconnectionError()


def _on_begin(connection) -> None:
    read_only = has_request_context() and request.method in READ_ONLY_METHODS
    connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def autocommit_reads() -> None:
    """before_request (PostgreSQL): a read-only request reads without BEGIN and ROLLBACK,
    two round trips fewer. Nothing is lost: at READ COMMITTED every statement takes its own
    snapshot inside a transaction too, and no GET route writes (tests/test_access.py)."""
    from .extensions import db

    if request.method not in READ_ONLY_METHODS or request.endpoint in (None, "static"):
        return
    db.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})


def refresh_statistics() -> None:
    """ANALYZE: the planner's row counts, after a bulk load or a restore. Until autovacuum
    gets to it, PostgreSQL plans with the old counts (after ``flask demo --scale`` the
    evaluation results scanned all 150,000 answers: 27 ms where an index takes 0.8)."""
    from .extensions import db

    db.session.connection().exec_driver_sql("ANALYZE")
    db.session.commit()


def configure_engine(engine: Engine, timeout_ms: int) -> None:
    """How long a statement waits for another writer's lock (then the request answers 503),
    and for SQLite the transactions described above."""
    if engine.dialect.name != "sqlite":  # a SQLite file cannot go away under a connection
        event.listen(engine, "checkin", _on_checkin)
        event.listen(engine, "checkout", partial(_ping_if_idle, engine.dialect))
        if engine.dialect.name == "postgresql":
            event.listen(engine, "connect", partial(_on_postgres_connect, timeout_ms))
        return
    event.listen(engine, "connect", partial(_on_sqlite_connect, timeout_ms))
    event.listen(engine, "begin", _on_begin)
