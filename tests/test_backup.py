"""`flask backup` and `flask restore`: the demo data and a certificate's bytes round-trip, on
SQLite and on PostgreSQL, and a backup taken while someone writes is consistent. A backup is
private (0600) and holds no secret key; a restore refuses, in one line and changing nothing,
every archive that holds what a backup does not write or does not match its manifest."""

import io
import json
import stat
import tarfile
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.conftest import make_course
from wipo_training import backup
from wipo_training.audit import AuditEntry, record_audit
from wipo_training.auth.models import User
from wipo_training.demo import load_demo
from wipo_training.documents import services as document_services
from wipo_training.extensions import db
from wipo_training.meetings.models import Delegation
from wipo_training.participants.models import Enrolment


def test_backup_and_restore_round_trip(app, tmp_path):
    with app.app_context():
        load_demo()
        enrolment = db.session.execute(
            sa.select(Enrolment).where(Enrolment.status == "completed").limit(1)
        ).scalar_one()
        document_services.set_override(None, enrolment, True, "Round-trip test")
        db.session.commit()
        certificate = document_services.issue_one(None, enrolment)
        db.session.commit()
        pdf_name = certificate.pdf_name
        pdf_path = document_services.pdf_path(certificate)
        pdf = pdf_path.read_bytes()
        before = backup.row_counts()
        db.session.rollback()

    runner = app.test_cli_runner()
    archive = tmp_path / "backup.tar.gz"
    result = runner.invoke(args=["backup", "--to", str(archive)])
    assert result.exit_code == 0, result.output
    assert f"Backup written to {archive}" in result.output
    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
        assert f"files/certificates/{pdf_name}" in tar.getnames()
    assert manifest["rows"] == before
    assert manifest["rows"]["certificates"] >= 1 and manifest["rows"]["delegations"] == 15

    with app.app_context():  # then things go wrong
        db.session.execute(sa.delete(Delegation))
        db.session.execute(sa.delete(AuditEntry))
        db.session.execute(sa.update(User).values(display_name="Overwritten"))
        db.session.commit()
    pdf_path.write_bytes(b"damaged")

    refused = runner.invoke(args=["restore", str(archive)], input="n\n")
    assert refused.exit_code != 0 and "Aborted" in refused.output
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count(Delegation.id))).scalar() == 0
    result = runner.invoke(args=["restore", str(archive), "--yes"])
    assert result.exit_code == 0, result.output
    assert "The current data is kept in" in result.output
    with app.app_context():
        assert backup.row_counts() == before
        assert "Overwritten" not in db.session.execute(sa.select(User.display_name)).scalars().all()
    assert pdf_path.read_bytes() == pdf

    not_a_backup = tmp_path / "other.tar.gz"
    not_a_backup.write_bytes(b"not an archive")
    result = runner.invoke(args=["restore", str(not_a_backup), "--yes"])
    assert result.exit_code != 0 and "is not a backup of this application" in result.output


def test_a_backup_taken_while_someone_writes_is_consistent(app, tmp_path):
    """A writer commits audit entries non-stop; the backup holds a moment of it: its own
    counts match the database it contains, and that database restores."""
    stop = threading.Event()
    written = []

    def writer():
        with app.app_context():
            while not stop.is_set():
                record_audit(None, "backup.test", None, n=len(written))
                db.session.commit()
                written.append(1)

    with app.app_context():
        load_demo()
        db.session.commit()
    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while len(written) < 20:
            threading.Event().wait(0.01)
        with app.app_context():
            path = backup.backup(tmp_path / "live.tar.gz")
        count_during = len(written)
    finally:
        stop.set()
        thread.join()
    manifest = backup.read_manifest(path)
    with app.app_context():
        backup.restore(path)
        assert backup.row_counts() == manifest["rows"]
        in_backup = db.session.execute(
            sa.select(sa.func.count()).where(AuditEntry.action == "backup.test")
        ).scalar()
    assert 20 <= in_backup <= count_during


# --- what a backup holds, and archives that are not what a backup writes ------------------


@pytest.fixture
def small_backup(app, users, tmp_path):
    """Some data, a stored file, the instance's secret key; a backup of them (by the CLI)."""
    with app.app_context():
        make_course()
        db.session.commit()
    instance = Path(app.instance_path)
    (instance / "certificates").mkdir(exist_ok=True)
    (instance / "certificates" / "kept.pdf").write_bytes(b"%PDF-1.4 kept")
    archive = tmp_path / "small.tar.gz"
    result = app.test_cli_runner().invoke(args=["backup", "--to", str(archive)])
    assert result.exit_code == 0, result.output
    return archive


def test_a_backup_is_private_and_holds_no_secret_key(app, small_backup):
    instance = Path(app.instance_path)
    assert (instance / "secret_key").is_file()
    assert stat.S_IMODE(small_backup.stat().st_mode) == 0o600
    with tarfile.open(small_backup) as tar:
        names = tar.getnames()
        assert {m.mode for m in tar.getmembers()} == {0o600}
    assert sorted(names) == sorted(
        ["manifest.json", backup.DATABASE_MEMBERS[dialect(app)], "files/certificates/kept.pdf"]
    )
    with app.app_context():
        default = backup.backup()  # into instance/backups, made private too
    assert stat.S_IMODE(default.stat().st_mode) == 0o600
    assert stat.S_IMODE(default.parent.stat().st_mode) == 0o700


def dialect(app) -> str:
    with app.app_context():
        return db.engine.dialect.name


def member(name: str, data: bytes = b"x", kind=tarfile.REGTYPE, link: str = "") -> tuple:
    info = tarfile.TarInfo(name)
    info.type, info.linkname, info.mode = kind, link, 0o644
    info.size = len(data) if kind == tarfile.REGTYPE else 0
    return info, data


def rewrite(source: Path, target: Path, add=(), manifest=None) -> Path:
    """``source`` written again as ``target``: with members added, the manifest changed."""
    with tarfile.open(source) as old, tarfile.open(target, "w:gz") as new:
        for info in old.getmembers():
            data = old.extractfile(info).read()
            if info.name == "manifest.json" and manifest:
                values = json.loads(data)
                manifest(values)
                data = json.dumps(values).encode()
                info.size = len(data)
            new.addfile(info, io.BytesIO(data))
        for info, data in add:
            new.addfile(info, io.BytesIO(data) if info.isreg() else None)
    return target


def set_revision(values):
    values["revision"] = "0009"


def one_more_user(values):
    values["rows"]["users"] += 1


def bad_count_type(values):
    values["rows"]["users"] = "5; DROP TABLE users"


def no_such_table(values):
    values["rows"]["secrets"] = 1


HOSTILE = {
    "secret key": ([member("files/secret_key", b"attacker's key")], None, "files/secret_key"),
    "dot-dot": ([member("../x")], None, "“../x”, which no backup writes"),
    "dot-dot inside": (
        [member("files/certificates/../../secret_key")],
        None,
        "which no backup writes",
    ),
    "absolute": ([], None, "absolute-x”, which no backup writes"),  # under tmp_path
    "symlink": (
        [member("files/certificates/link.pdf", kind=tarfile.SYMTYPE, link="../secret_key")],
        None,
        "“files/certificates/link.pdf” is a link or a device, not a file",
    ),
    "hard link": (
        [member("files/certificates/hard.pdf", kind=tarfile.LNKTYPE, link="manifest.json")],
        None,
        "is a link or a device",
    ),
    "other folder": ([member("files/jobs/batch.zip")], None, "“files/jobs/batch.zip”"),
    "hidden name": ([member("files/certificates/.bashrc")], None, "which no backup writes"),
    "twice": ([member("files/certificates/kept.pdf", b"evil")], None, "twice"),
    "new line in a name": (
        [member("files/x\nError: all fine")],
        None,
        "“files/x\\nError: all fine”, which no backup writes",
    ),
    "wrong revision": ([], set_revision, "schema revision 0009, this version"),
    "wrong row count": ([], one_more_user, "rows in users, its manifest says"),
    "bad row count": ([], bad_count_type, "its manifest is not one a backup writes"),
    "unknown table": ([], no_such_table, "lists other tables than this version has (secrets)"),
}


@pytest.mark.parametrize("case", list(HOSTILE))
def test_a_hostile_archive_is_refused_in_one_line_and_changes_nothing(
    app, small_backup, tmp_path, case
):
    add, manifest, message = HOSTILE[case]
    if case == "absolute":
        add = [member(str(tmp_path / "absolute-x"))]
    archive = rewrite(small_backup, tmp_path / "hostile.tar.gz", add, manifest)
    instance = Path(app.instance_path)
    key = (instance / "secret_key").read_bytes()
    (instance / "certificates" / "kept.pdf").write_bytes(b"changed since the backup")
    with app.app_context():
        db.session.execute(sa.update(User).values(display_name="Changed since"))
        db.session.commit()
        before = backup.row_counts()

    result = app.test_cli_runner().invoke(args=["restore", str(archive), "--yes"])
    assert isinstance(result.exception, SystemExit) and result.exit_code == 1, result.exception
    assert result.output.startswith("Error: hostile.tar.gz was refused, nothing was changed: ")
    assert message in result.output and result.output.count("\n") == 1, result.output
    with app.app_context(), pytest.raises(backup.BackupError, match="nothing was changed"):
        backup.restore(archive)  # the service refuses it too

    assert (instance / "secret_key").read_bytes() == key
    assert stat.S_IMODE((instance / "secret_key").stat().st_mode) == 0o600
    assert (instance / "certificates" / "kept.pdf").read_bytes() == b"changed since the backup"
    assert not (instance / "certificates" / "link.pdf").exists()
    assert not (instance.parent / "x").exists() and not (tmp_path / "absolute-x").exists()
    assert not (instance / "backups").exists()  # refused before the safety backup
    with app.app_context():
        assert backup.row_counts() == before
        assert set(db.session.execute(sa.select(User.display_name)).scalars()) == {"Changed since"}


def test_a_damaged_or_foreign_archive_is_refused_in_one_line(app, small_backup, tmp_path):
    runner = app.test_cli_runner()
    data = small_backup.read_bytes()
    cases = {
        "truncated.tar.gz": (data[: len(data) // 2], "was refused, nothing was changed"),
        "plain.tar.gz": (b"not an archive", "is not a backup of this application"),
    }
    with tarfile.open(small_backup) as tar:
        database = tar.extractfile(backup.DATABASE_MEMBERS[dialect(app)]).read()
    for name, (content, _message) in cases.items():
        (tmp_path / name).write_bytes(content)
    rewrite(small_backup, tmp_path / "garbled.tar.gz", manifest=lambda v: v.update(rows=[]))
    cases["garbled.tar.gz"] = (None, "its manifest is not one a backup writes")
    no_manifest = tmp_path / "no-manifest.tar.gz"
    with tarfile.open(no_manifest, "w:gz") as tar:
        info, payload = member(backup.DATABASE_MEMBERS[dialect(app)], database)
        tar.addfile(info, io.BytesIO(payload))
    cases["no-manifest.tar.gz"] = (None, "is not a backup of this application")
    for name, (_content, message) in cases.items():
        result = runner.invoke(args=["restore", str(tmp_path / name), "--yes"])
        assert isinstance(result.exception, SystemExit), (name, result.exception)
        assert message in result.output and result.output.count("\n") == 1, (name, result.output)


def test_a_database_copy_that_differs_from_its_manifest_is_refused(app, small_backup, tmp_path):
    """The manifest says what the backup wrote; a database swapped in after (here: the copy
    of a database with one more course) does not match it."""
    with app.app_context():
        make_course(code="OTHER-2014", title="Another")
        db.session.commit()
        other = backup.backup(tmp_path / "other.tar.gz")
    with tarfile.open(other) as tar:
        name = backup.DATABASE_MEMBERS[dialect(app)]
        swapped = tar.extractfile(name).read()
    target = tmp_path / "swapped.tar.gz"
    with tarfile.open(small_backup) as old, tarfile.open(target, "w:gz") as new:
        for info in old.getmembers():
            data = swapped if info.name == name else old.extractfile(info).read()
            info.size = len(data)
            new.addfile(info, io.BytesIO(data))
    result = app.test_cli_runner().invoke(args=["restore", str(target), "--yes"])
    assert isinstance(result.exception, SystemExit)
    assert "its database has 2 rows in courses, its manifest says 1" in result.output


def test_an_honest_backup_restores_its_files_privately(app, small_backup):
    instance = Path(app.instance_path)
    (instance / "certificates" / "kept.pdf").write_bytes(b"damaged")
    result = app.test_cli_runner().invoke(args=["restore", str(small_backup), "--yes"])
    assert result.exit_code == 0, result.output
    restored = instance / "certificates" / "kept.pdf"
    assert restored.read_bytes() == b"%PDF-1.4 kept"
    assert stat.S_IMODE(restored.stat().st_mode) == 0o600


def test_a_database_copy_holding_code_is_refused(app, small_backup, tmp_path):
    """A trigger (SQLite) or a function (PostgreSQL) in the copy would run the archive's code
    in our database: no backup of ours holds one."""
    sqlite = dialect(app) == "sqlite"
    create, drop, message = (
        (
            "CREATE TRIGGER evil AFTER INSERT ON users BEGIN DELETE FROM users; END",
            "DROP TRIGGER evil",
            "its database has other tables, indexes or triggers than this version",
        )
        if sqlite
        else (
            "CREATE FUNCTION evil() RETURNS int LANGUAGE sql AS 'SELECT 1'",
            "DROP FUNCTION evil()",
            "its database holds “FUNCTION public evil()",
        )
    )
    with app.app_context():
        db.session.execute(sa.text(create))
        db.session.commit()
        try:
            archive = backup.backup(tmp_path / "code.tar.gz")
        finally:
            db.session.execute(sa.text(drop))
            db.session.commit()
    result = app.test_cli_runner().invoke(args=["restore", str(archive), "--yes"])
    assert isinstance(result.exception, SystemExit)
    assert "code.tar.gz was refused, nothing was changed" in result.output
    assert message in result.output and result.output.count("\n") == 1, result.output
