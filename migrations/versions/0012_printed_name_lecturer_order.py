"""certificates keep the name printed on them; a session's lecturers keep their order

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-25 15:00:00

Certificates issued before this revision have no printed name: their verification page
shows the participant's name on record (what was printed unless it was corrected since).
Lecturers of existing sessions all get position 0 and keep showing in the order of their
records until the session is saved again.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.add_column(sa.Column('printed_name', sa.String(length=400), nullable=True))
        batch_op.add_column(sa.Column('printed_native_name', sa.String(length=300), nullable=True))

    with op.batch_alter_table('session_lecturers', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('position', sa.Integer(), server_default=sa.text('0'), nullable=False)
        )


def downgrade():
    with op.batch_alter_table('session_lecturers', schema=None) as batch_op:
        batch_op.drop_column('position')

    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.drop_column('printed_native_name')
        batch_op.drop_column('printed_name')
