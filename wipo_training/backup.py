"""Backups: ``flask backup`` writes one archive with a consistent copy of the database and the
stored files (certificates, country reports, uploads), while the app runs; ``flask restore``
brings an archive back.

The database copy is consistent without stopping anyone: SQLite's online backup API copies
the pages under a read lock (WAL lets writers go on), and ``pg_dump`` reads one snapshot. The
archive is ``.tar.gz``: ``manifest.json`` (when, which database, the schema revision, rows per
table), ``database.sqlite`` or ``database.pgdump`` (pg_dump's custom format), ``files/``.
"""

import io
import json
import os
import shutil
import sqlite3
import subprocess  # pg_dump, pg_restore: argument lists, never a shell  # nosec B404
import tarfile
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from .database import refresh_statistics
from .extensions import db
from .pagecache import DataGeneration, current_generation

#: Instance files that are not data: the SQLite files (copied through the backup API), the
#: job queue (transient), and the backups themselves.
SKIPPED = ("backups", "jobs", "jobs.sqlite", "jobs.sqlite-wal", "jobs.sqlite-shm")


class BackupError(RuntimeError):
    """A backup or restore that cannot be done; the message says why."""


def row_counts(connection=None) -> dict[str, int]:
    """Rows per table (on ``connection``, or the session): what a restore is compared by."""
    execute = (connection or db.session).execute
    return {
        table.name: execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
        for table in db.metadata.sorted_tables
    }


def _revision(connection) -> str | None:
    return connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()


def _sqlite_path() -> Path | None:
    url = db.engine.url
    return Path(url.database) if url.get_backend_name() == "sqlite" and url.database else None


def _libpq_url() -> str:
    """The database URL as pg_dump and pg_restore take it (no driver name)."""
    return db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


def _run(command: list[str], **kwargs) -> None:
    try:
        # Our own argument list (the tool and the configured database URL), no shell.
        subprocess.run(command, check=True, capture_output=True, **kwargs)  # noqa: S603  # nosec B603
    except FileNotFoundError as exc:
        raise BackupError(
            f"{command[0]} is not installed (Debian: apt-get install postgresql-client)."
        ) from exc
    except subprocess.CalledProcessError as exc:
        raise BackupError(f"{command[0]} failed: {exc.stderr.decode(errors='replace')}") from exc


def _data_files(instance: Path, database: Path | None):
    database_names = (
        {database.name, f"{database.name}-wal", f"{database.name}-shm"} if database else set()
    )
    for path in sorted(instance.rglob("*")):
        relative = path.relative_to(instance)
        if path.is_file() and relative.parts[0] not in SKIPPED and path.name not in database_names:
            yield path, relative


def _sqlite_copy(source_path: Path, target_path: Path) -> None:
    """SQLite's online backup: one consistent copy, writers go on (WAL)."""
    source = sqlite3.connect(source_path, timeout=30)
    target = sqlite3.connect(target_path, timeout=30)
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()


def _pg_dump(target: Path) -> tuple[dict[str, int], str | None]:
    """pg_dump of one snapshot, and the row counts of that same snapshot."""
    with db.engine.connect() as connection:
        connection = connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            snapshot = connection.execute(sa.text("SELECT pg_export_snapshot()")).scalar()
            counts, revision = row_counts(connection), _revision(connection)
            _run(
                [
                    "pg_dump",
                    "--format=custom",
                    "--no-owner",
                    f"--snapshot={snapshot}",
                    f"--file={target}",
                    _libpq_url(),
                ]
            )
    return counts, revision


def backup(target: Path | None = None) -> Path:
    """Write the archive (by default into instance/backups/) and return its path."""
    instance = Path(current_app.instance_path)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S-%f")
    target = target or instance / "backups" / f"wipo-training-{stamp}.tar.gz"
    target.parent.mkdir(parents=True, exist_ok=True)
    database = _sqlite_path()
    with tempfile.TemporaryDirectory() as tmp:
        if database is not None:
            copy = Path(tmp) / "database.sqlite"
            _sqlite_copy(database, copy)
            engine = sa.create_engine(f"sqlite:///{copy}")
            with engine.connect() as connection:  # the counts of the copy itself
                counts, revision = row_counts(connection), _revision(connection)
            engine.dispose()
        else:
            copy = Path(tmp) / "database.pgdump"
            counts, revision = _pg_dump(copy)
        manifest = {
            "created_at": datetime.now(UTC).isoformat(),
            "dialect": db.engine.dialect.name,
            "revision": revision,
            "rows": counts,
        }
        partial = target.with_name(target.name + ".partial")
        with tarfile.open(partial, "w:gz") as archive:
            data = json.dumps(manifest, indent=2).encode()
            info = tarfile.TarInfo("manifest.json")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
            archive.add(copy, copy.name)
            for path, relative in _data_files(instance, database):
                archive.add(path, f"files/{relative.as_posix()}")
        os.replace(partial, target)  # a backup is there whole, or not at all
    return target


def read_manifest(archive_path: Path) -> dict:
    try:
        with tarfile.open(archive_path, "r:gz") as archive:
            member = archive.extractfile("manifest.json")
            return json.loads(member.read())
    except (OSError, KeyError, tarfile.TarError, json.JSONDecodeError) as exc:
        raise BackupError(f"{archive_path} is not a backup of this application.") from exc


def restore(archive_path: Path) -> dict:
    """Bring the archive back: the database and the files. Returns its manifest."""
    manifest = read_manifest(archive_path)
    dialect = db.engine.dialect.name
    if manifest["dialect"] != dialect:
        raise BackupError(
            f"This backup is of a {manifest['dialect']} database; the app uses {dialect}."
        )
    instance = Path(current_app.instance_path)
    generation = current_generation()  # pages kept by running processes are of this one
    db.session.remove()
    with tempfile.TemporaryDirectory() as tmp, tarfile.open(archive_path, "r:gz") as archive:
        archive.extractall(tmp, filter="data")  # no absolute paths, no "..", no devices
        if dialect == "sqlite":  # online: other connections see the restored data
            _sqlite_copy(Path(tmp) / "database.sqlite", _sqlite_path())
        else:
            db.engine.dispose()
            _run(
                [
                    "pg_restore",
                    "--clean",
                    "--if-exists",
                    "--no-owner",
                    "--single-transaction",
                    f"--dbname={_libpq_url()}",
                    str(Path(tmp) / "database.pgdump"),
                ]
            )
        files = Path(tmp) / "files"
        if files.is_dir():
            shutil.copytree(files, instance, dirs_exist_ok=True)
    db.engine.dispose()  # pooled connections may hold pages or plans of the old data
    # A generation no process has seen, so no page kept before the restore is served again.
    restored = current_generation()
    db.session.execute(
        sa.update(DataGeneration).values(value=max(generation, restored) + 1),
        execution_options={"data_generation": True},
    )
    db.session.commit()
    refresh_statistics()  # pg_restore brings the rows back, not the planner's statistics
    return manifest
