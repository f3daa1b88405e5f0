"""`flask backup` and `flask restore`: the demo data and a certificate's bytes round-trip, on
SQLite and on PostgreSQL, and a backup taken while someone writes is consistent."""

import json
import tarfile
import threading

import sqlalchemy as sa

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
