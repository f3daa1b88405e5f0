"""Backups: ``flask backup`` writes one archive with a consistent copy of the database and the
stored files (certificates, country reports, uploads), while the app runs; ``flask restore``
brings an archive back.

The database copy is consistent without stopping anyone: SQLite's online backup API copies
the pages under a read lock (WAL lets writers go on), and ``pg_dump`` reads one snapshot. The
archive is ``.tar.gz``: ``manifest.json`` (when, which database, the schema revision, rows per
table), ``database.sqlite`` or ``database.pgdump`` (pg_dump's custom format), and
``files/<folder>/...`` for the data folders named in DATA_FOLDERS. It is written mode 0600 and
holds nothing else of the instance folder: not the secret key, which stays with the instance
(a restore on a new machine signs everyone out and changes calendar feed links).

A restore trusts nothing in the archive: it refuses, with one line and before changing
anything, an archive holding any member a backup does not write (a secret key, ``../x``, an
absolute path, a link), a manifest of another schema revision than this version's migrations
head, or a database whose rows per table differ from its manifest.
"""

import io
import json
import os
import shutil
import sqlite3
import subprocess  # pg_dump, pg_restore: argument lists, never a shell  # nosec B404
import tarfile
import tempfile
import zlib
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from .database import refresh_statistics
from .extensions import db

#: The instance folders that hold data, by name: what a backup writes and a restore brings
#: back. A new folder of stored files is added here, or it is in no backup.
DATA_FOLDERS = ("certificates", "country_reports", "imports")
MANIFEST = "manifest.json"
DATABASE_MEMBERS = {"sqlite": "database.sqlite", "postgresql": "database.pgdump"}
MAX_MANIFEST_BYTES = 1024 * 1024
#: pg_restore's table of contents: what a pg_dump of our schema holds (SCHEMA, COMMENT and
#: ACL entries are skipped by the restore's options). Functions, triggers, rules, extensions
#: and the like would run code of the archive's choosing: refused.
PG_ENTRY_KINDS = (
    "SEQUENCE OWNED BY",
    "FK CONSTRAINT",
    "SEQUENCE SET",
    "TABLE DATA",
    "CONSTRAINT",
    "SEQUENCE",
    "DEFAULT",
    "COMMENT",
    "SCHEMA",
    "INDEX",
    "TABLE",
    "ACL",
)
#: Errors that reading a damaged or hostile archive can raise: each becomes one line.
_UNREADABLE = (
    OSError,
    EOFError,
    tarfile.TarError,
    zlib.error,
    UnicodeDecodeError,
    json.JSONDecodeError,
    sqlite3.Error,
    sa.exc.DBAPIError,
)


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


def _one_line(text, limit: int = 200) -> str:
    """Text from outside (a member's name, a tool's error) fit for one line of a terminal:
    line breaks, escape sequences and other control characters shown escaped."""
    shown = "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(text).strip())
    return shown if len(shown) <= limit else shown[: limit - 3] + "..."


def _run(command: list[str], **kwargs) -> subprocess.CompletedProcess:
    try:
        # Our own argument list (the tool and the configured database URL), no shell.
        return subprocess.run(command, check=True, capture_output=True, **kwargs)  # noqa: S603  # nosec B603
    except FileNotFoundError as exc:
        raise BackupError(
            f"{command[0]} is not installed (Debian: apt-get install postgresql-client)."
        ) from exc
    except subprocess.CalledProcessError as exc:
        error = exc.stderr.decode(errors="replace") if exc.stderr else f"exit {exc.returncode}"
        raise BackupError(f"{command[0]} failed: {_one_line(error, 400)}") from exc


def _data_files(instance: Path):
    """The stored files of DATA_FOLDERS, by path and name in the archive; links and hidden
    names (files being written under a temporary name) are left out."""
    for folder in DATA_FOLDERS:
        root = instance / folder
        if not root.is_dir() or root.is_symlink():
            continue
        for path in sorted(root.rglob("*")):
            relative = path.relative_to(instance)
            hidden = any(part.startswith(".") for part in relative.parts)
            if path.is_file() and not path.is_symlink() and not hidden:
                yield path, f"files/{relative.as_posix()}"


def _private(info: tarfile.TarInfo) -> tarfile.TarInfo:
    """A member readable by its owner only, named by no account of this machine."""
    info.mode, info.uid, info.gid, info.uname, info.gname = 0o600, 0, 0, "", ""
    return info


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
    """Write the archive (by default into instance/backups/, mode 0600) and return its path."""
    instance = Path(current_app.instance_path)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S-%f")
    target = target or instance / "backups" / f"wipo-training-{stamp}.tar.gz"
    if not target.parent.is_dir():
        target.parent.mkdir(mode=0o700, parents=True)
    database = _sqlite_path()
    with tempfile.TemporaryDirectory() as tmp:
        if database is not None:
            copy = Path(tmp) / DATABASE_MEMBERS["sqlite"]
            _sqlite_copy(database, copy)
            engine = sa.create_engine(f"sqlite:///{copy}")
            with engine.connect() as connection:  # the counts of the copy itself
                counts, revision = row_counts(connection), _revision(connection)
            engine.dispose()
        else:
            copy = Path(tmp) / DATABASE_MEMBERS["postgresql"]
            counts, revision = _pg_dump(copy)
        manifest = {
            "created_at": datetime.now(UTC).isoformat(),
            "dialect": db.engine.dialect.name,
            "revision": revision,
            "rows": counts,
        }
        partial = target.with_name(target.name + ".partial")
        partial.unlink(missing_ok=True)
        # Created 0600 from the first byte: it holds every account's data.
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as tar:
            data = json.dumps(manifest, indent=2).encode()
            info = _private(tarfile.TarInfo(MANIFEST))
            info.size, info.mtime = len(data), int(datetime.now(UTC).timestamp())
            tar.addfile(info, io.BytesIO(data))
            tar.add(copy, copy.name, filter=_private)
            for path, name in _data_files(instance):
                tar.add(path, name, filter=_private)
        os.replace(partial, target)  # a backup is there whole, or not at all
    return target


# --- checking an archive before anything is restored -----------------------------------


def _refused(archive_path: Path, reason: str) -> BackupError:
    return BackupError(f"{archive_path.name} was refused, nothing was changed: {reason}.")


def _expected_member(name: str) -> bool:
    """Whether a backup writes a member of this name."""
    if name == MANIFEST or name in DATABASE_MEMBERS.values():
        return True
    parts = name.split("/")
    return (
        len(parts) >= 3
        and parts[0] == "files"
        and parts[1] in DATA_FOLDERS
        and all(part and not part.startswith(".") and "\\" not in part for part in parts[2:])
        and "\0" not in name
    )


def _members(tar: tarfile.TarFile, archive_path: Path) -> dict[str, tarfile.TarInfo]:
    """Every member, each one a backup writes: a regular file, once."""
    members: dict[str, tarfile.TarInfo] = {}
    for member in tar:
        shown = _one_line(member.name, 100)
        if not _expected_member(member.name):
            raise _refused(archive_path, f"it holds “{shown}”, which no backup writes")
        if not member.isreg():
            raise _refused(archive_path, f"“{shown}” is a link or a device, not a file")
        if member.name in members:
            raise _refused(archive_path, f"it holds “{shown}” twice")
        members[member.name] = member
    if MANIFEST not in members:
        raise BackupError(f"{archive_path} is not a backup of this application.")
    return members


def _manifest(tar: tarfile.TarFile, member: tarfile.TarInfo, archive_path: Path) -> dict:
    if member.size > MAX_MANIFEST_BYTES:
        raise _refused(archive_path, "its manifest is larger than any backup writes")
    manifest = json.loads(tar.extractfile(member).read())
    tables = {table.name for table in db.metadata.sorted_tables}
    rows = manifest.get("rows") if isinstance(manifest, dict) else None
    if not (
        isinstance(rows, dict)
        and all(isinstance(manifest.get(key), str) for key in ("created_at", "dialect"))
        and all(type(count) is int and count >= 0 for count in rows.values())
        and _is_timestamp(manifest["created_at"])  # shown in the confirmation question
    ):
        raise _refused(archive_path, "its manifest is not one a backup writes")
    if set(rows) != tables:
        others = sorted(set(rows) ^ tables)
        raise _refused(
            archive_path,
            "its manifest lists other tables than this version has "
            f"({_one_line(', '.join(others[:5]), 100)})",
        )
    return manifest


def _is_timestamp(text: str) -> bool:
    try:
        datetime.fromisoformat(text)
    except ValueError:
        return False
    return True


def _migrations_head() -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory(current_app.extensions["migrate"].directory).get_current_head()


_SCHEMA_OBJECTS = sa.text("SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite%'")


def _sqlite_contents(path: Path, archive_path: Path) -> tuple[str | None, dict[str, int]]:
    """The revision and rows per table of a SQLite file, opened read-only, once its tables,
    indexes and triggers are found to be this version's."""
    engine = sa.create_engine(f"sqlite:///file:{path}?mode=ro&uri=true")
    try:
        with engine.connect() as connection:
            if connection.exec_driver_sql("PRAGMA quick_check").scalar() != "ok":
                raise _refused(archive_path, "its database copy is damaged")
            objects = {tuple(row) for row in connection.execute(_SCHEMA_OBJECTS)}
            if objects != _live_sqlite_objects():
                raise _refused(
                    archive_path,
                    "its database has other tables, indexes or triggers than this version",
                )
            return _revision(connection), row_counts(connection)
    finally:
        engine.dispose()


def _live_sqlite_objects() -> set[tuple[str, str]]:
    rows = db.session.execute(_SCHEMA_OBJECTS).all()
    db.session.rollback()
    return {tuple(row) for row in rows}


def _pg_contents(path: Path) -> tuple[str | None, dict[str, int], str | None]:
    """The revision and rows per table of a pg_dump archive, read by pg_restore into text
    (COPY blocks: one line per row), and the first table-of-contents entry of a kind our
    dumps never hold (None when there is none)."""
    listing = _run(["pg_restore", "--list", str(path)]).stdout.decode(errors="replace")
    foreign = None
    for line in listing.splitlines():
        if line.startswith(";") or not line.strip():
            continue
        entry = line.split(";", 1)[-1].split(None, 2)[-1]  # after "id; oid oid "
        if not entry.startswith(PG_ENTRY_KINDS):
            foreign = entry
            break
    counts: dict[str, int] = {}
    revision, table = None, None
    process = subprocess.Popen(  # noqa: S603  # nosec B603 B607 (our list; pg_restore from PATH)
        ["pg_restore", "--data-only", "--file=-", str(path)],  # noqa: S607
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    for raw in process.stdout:
        if table is None:
            if raw.startswith(b"COPY "):
                name = raw[5:].split(b" ", 1)[0].decode(errors="replace")
                table = name.rsplit(".", 1)[-1].strip('"')
                counts.setdefault(table, 0)
        elif raw == b"\\.\n":
            table = None
        else:
            counts[table] += 1
            if table == "alembic_version":
                revision = raw.decode(errors="replace").strip()
    if process.wait() != 0:
        raise BackupError("pg_restore could not read the database copy in the archive.")
    return revision, counts, foreign


def _verified(tar: tarfile.TarFile, archive_path: Path, tmp: Path):
    """Check the archive whole before anything changes; the manifest, the members and the
    database copy (extracted into ``tmp``)."""
    members = _members(tar, archive_path)
    manifest = _manifest(tar, members[MANIFEST], archive_path)
    dialect = db.engine.dialect.name
    if manifest["dialect"] != dialect:
        raise BackupError(
            f"This backup is of a {_one_line(manifest['dialect'], 40)} database; "
            f"the app uses {dialect}."
        )
    head = _migrations_head()
    if manifest.get("revision") != head:
        raise _refused(
            archive_path,
            f"it is of schema revision {_one_line(str(manifest.get('revision')), 60)}, this "
            f"version of the application is at {head}: restore it with the version that "
            "wrote it",
        )
    name = DATABASE_MEMBERS[dialect]
    if name not in members:
        raise _refused(archive_path, f"it holds no {name}")
    database = tmp / name
    _extract(tar, members[name], database)
    files = []
    for member_name, member in members.items():
        if member_name.startswith("files/"):
            staged = tmp.joinpath(*member_name.split("/"))
            staged.parent.mkdir(parents=True, exist_ok=True)
            _extract(tar, member, staged)
            files.append(member_name)
    if dialect == "sqlite":
        revision, counts = _sqlite_contents(database, archive_path)
    else:
        revision, counts, foreign = _pg_contents(database)
        if foreign is not None:
            raise _refused(
                archive_path,
                f"its database holds “{_one_line(foreign, 80)}”, which no backup writes",
            )
    if revision != manifest["revision"]:
        raise _refused(archive_path, "its database is not of the revision its manifest names")
    for table, expected in manifest["rows"].items():
        if counts.get(table, 0) != expected:
            raise _refused(
                archive_path,
                f"its database has {counts.get(table, 0)} rows in {table}, its manifest says "
                f"{expected}",
            )
    return manifest, files, database


def _extract(tar: tarfile.TarFile, member: tarfile.TarInfo, target: Path) -> None:
    """A member's bytes into a new file of our own (0600): its name, mode and owner in the
    archive play no part."""
    descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with tar.extractfile(member) as source, os.fdopen(descriptor, "wb") as out:
        shutil.copyfileobj(source, out)


def _unreadable(archive_path: Path, exc: Exception) -> BackupError:
    return BackupError(
        f"{archive_path.name} was refused, nothing was changed: it is not a readable backup "
        f"({_one_line(exc, 120)})."
    )


def read_manifest(archive_path: Path) -> dict:
    """The manifest of an archive whose members are all ones a backup writes."""
    try:
        with tarfile.open(archive_path, "r:gz") as tar:
            members = _members(tar, archive_path)
            return _manifest(tar, members[MANIFEST], archive_path)
    except tarfile.ReadError as exc:
        raise BackupError(f"{archive_path} is not a backup of this application.") from exc
    except _UNREADABLE as exc:
        raise _unreadable(archive_path, exc) from exc


def verify(archive_path: Path) -> dict:
    """Check everything a restore checks, change nothing; returns the manifest."""
    try:
        with tempfile.TemporaryDirectory() as tmp, tarfile.open(archive_path, "r:gz") as tar:
            return _verified(tar, archive_path, Path(tmp))[0]
    except tarfile.ReadError as exc:
        raise BackupError(f"{archive_path} is not a backup of this application.") from exc
    except _UNREADABLE as exc:
        raise _unreadable(archive_path, exc) from exc


def _restore_files(staging: Path, names: list[str], instance: Path) -> None:
    """Each checked ``files/<folder>/...`` member, staged in ``staging``, into its folder of
    the instance (0600, written under a temporary name and renamed), never outside it."""
    for name in names:
        folder, relative = name.split("/", 2)[1:]
        root = (instance / folder).resolve()
        target = root.joinpath(*relative.split("/"))
        if not target.parent.resolve().is_relative_to(root):  # a link as a folder
            raise BackupError(f"{_one_line(name, 100)} would be written outside {root}.")
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.restoring")
        partial.unlink(missing_ok=True)
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        staged = staging.joinpath(*name.split("/"))
        with staged.open("rb") as source, os.fdopen(descriptor, "wb") as out:
            shutil.copyfileobj(source, out)
        os.replace(partial, target)


def restore(archive_path: Path) -> dict:
    """Bring the archive back, the database and the stored files, once every check has
    passed (BackupError, one line, when one does not). Returns its manifest."""
    instance = Path(current_app.instance_path)
    with tempfile.TemporaryDirectory() as tmp:
        staging = Path(tmp)
        try:
            with tarfile.open(archive_path, "r:gz") as tar:
                manifest, files, database = _verified(tar, archive_path, staging)
        except tarfile.ReadError as exc:
            raise BackupError(f"{archive_path} is not a backup of this application.") from exc
        except _UNREADABLE as exc:
            raise _unreadable(archive_path, exc) from exc
        # Everything is checked and staged: from here on the archive is not read again.
        db.session.remove()
        if db.engine.dialect.name == "sqlite":  # online: other connections see the data
            _sqlite_copy(database, _sqlite_path())
        else:
            db.engine.dispose()
            _run(
                [
                    "pg_restore",
                    "--clean",
                    "--if-exists",
                    "--no-owner",
                    "--no-acl",
                    "--no-comments",
                    "--single-transaction",
                    f"--dbname={_libpq_url()}",
                    str(database),
                ]
            )
        _restore_files(staging, files, instance)
    db.engine.dispose()  # pooled connections may hold pages or plans of the old data
    refresh_statistics()  # pg_restore brings the rows back, not the planner's statistics
    return manifest
