"""a version counter on everything people edit: stale edits are refused, not lost

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 10:00:00

Timetable sessions, people, working groups, delegations, agenda items, outcomes, side
events, questionnaires, questions and certificate settings get the optimistic lock courses,
meetings and enrolments already have (SQLAlchemy's version_id_col): an edit page or an API
client that read an older version is refused. Existing rows start at version 1.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

TABLES = (
    'course_sessions',
    'people',
    'working_groups',
    'delegations',
    'agenda_items',
    'outcomes',
    'side_events',
    'questionnaires',
    'questions',
    'certificate_settings',
)


def upgrade():
    # A plain ALTER TABLE ADD COLUMN with a constant default: a batch (copy and drop) of
    # `people` failed on SQLite with rows in the tables that refer to it.
    for table in TABLES:
        op.add_column(
            table, sa.Column('version', sa.Integer(), server_default='1', nullable=False)
        )


def downgrade():
    for table in reversed(TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('version')
