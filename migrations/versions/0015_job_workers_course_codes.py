"""jobs know their worker, to be resumed when it dies; course codes are letters, digits, '-'

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 12:00:00

Jobs record the worker process running them, the address certificates print, and how often
their worker died under them. Jobs running when this revision is applied have no worker on
record: a worker takes them for interrupted once they have not moved for 15 minutes.

Course codes became letters A-Z, digits and hyphens (they start certificate serials and
were once part of file names). A code of another form is rewritten: every other character
becomes a hyphen (ENF/2013 → ENF-2013; a code with nothing left becomes COURSE-<id>), with
a suffix when that code is taken. The serial counter moves with it, the course's version
goes up (an edit page opened before is refused), and the audit log says what changed.
Certificates issued before keep their serial.
"""
import re
import unicodedata
from datetime import UTC, datetime

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

VALID = re.compile(r"[A-Z0-9](?:[A-Z0-9-]*[A-Z0-9])?")


def corrected(code, course_id, taken):
    """The code in the allowed form, not in ``taken``."""
    ascii_code = unicodedata.normalize("NFKD", code).encode("ascii", "ignore").decode().upper()
    base = "-".join(part for part in re.split(r"[^A-Z0-9]+", ascii_code) if part)[:34]
    base = base or f"COURSE-{course_id}"
    candidate, number = base, 1
    while candidate in taken:
        number += 1
        candidate = f"{base}-{number}"
    return candidate


def upgrade():
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('worker', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('base_url', sa.String(length=300), nullable=True))
        batch_op.add_column(
            sa.Column('interruptions', sa.Integer(), server_default=sa.text('0'), nullable=False)
        )
        batch_op.add_column(
            sa.Column('interrupted_at', sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column('interrupted_done', sa.Integer(), nullable=True))

    connection = op.get_bind()
    courses = connection.execute(sa.text("SELECT id, code, version FROM courses ORDER BY id")).all()
    taken = {code for _id, code, _version in courses}
    now = datetime.now(UTC)
    for course_id, code, version in courses:
        if VALID.fullmatch(code):
            continue
        new = corrected(code, course_id, taken)
        taken.add(new)
        connection.execute(
            sa.text("UPDATE courses SET code = :new, version = :version WHERE id = :id"),
            {"new": new, "version": (version or 0) + 1, "id": course_id},
        )
        old_key, new_key = f"certificate:{code}", f"certificate:{new}"
        moved = connection.execute(
            sa.text("SELECT 1 FROM counters WHERE key = :key"), {"key": new_key}
        ).first()
        if moved is None:
            connection.execute(
                sa.text("UPDATE counters SET key = :new WHERE key = :old"),
                {"new": new_key, "old": old_key},
            )
        connection.execute(
            sa.text(
                "INSERT INTO audit_entries (at, actor_label, action, object_type, object_id,"
                " details) VALUES (:at, 'system', 'course.code_corrected', 'Course', :id,"
                " :details)"
            ).bindparams(
                sa.bindparam("at", type_=sa.DateTime(timezone=True)),
                sa.bindparam("details", type_=sa.JSON()),
            ),
            {
                "at": now,
                "id": str(course_id),
                "details": {"from": code, "to": new, "why": "letters, digits and hyphens only"},
            },
        )


def downgrade():
    # Corrected course codes stay as they are: the old ones were unsafe.
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_column('interrupted_done')
        batch_op.drop_column('interrupted_at')
        batch_op.drop_column('interruptions')
        batch_op.drop_column('base_url')
        batch_op.drop_column('worker')
