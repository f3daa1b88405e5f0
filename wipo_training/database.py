"""Database engine set-up: SQLite pragmas and write transactions that cannot lose updates.

pysqlite's default behaviour starts a transaction only at the first write, so two
processes that read a value and then write it back both succeed and one update is lost.
We follow the recipe in SQLAlchemy's SQLite dialect documentation ("Serializable isolation /
Savepoints / Transactional DDL"): switch pysqlite's own BEGIN off and emit it ourselves.
Every transaction that may write starts with ``BEGIN IMMEDIATE``, which takes SQLite's write
lock up front (others wait up to the busy timeout). Read-only web requests (GET, HEAD,
OPTIONS: no GET route changes anything) use a plain deferred ``BEGIN`` so that readers never
queue behind each other; WAL lets them read while a writer works.
"""

import sqlite3

from flask import has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine

READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
BUSY_TIMEOUT_MS = 30_000


def _on_connect(dbapi_connection: sqlite3.Connection, _record) -> None:
    dbapi_connection.isolation_level = None  # we emit BEGIN ourselves, see _on_begin
    cursor = dbapi_connection.cursor()
    # The timeout first: even switching to WAL may have to wait for another process.
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _on_begin(connection) -> None:
    read_only = has_request_context() and request.method in READ_ONLY_METHODS
    connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def configure_engine(engine: Engine) -> None:
    """Attach the SQLite behaviour to ``engine``; other databases need nothing here."""
    if engine.dialect.name != "sqlite":
        return
    event.listen(engine, "connect", _on_connect)
    event.listen(engine, "begin", _on_begin)
