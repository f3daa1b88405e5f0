"""the press release's division in charge; the part of the day of a side event

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-25 20:30:00

A press release ends with the office that answers for it ("Division in Charge"), and a side
event may be known only as "in the afternoon of December 14": both are text, empty when not
known.
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("meetings") as batch_op:
        batch_op.add_column(
            sa.Column("release_division", sa.String(length=300), nullable=False, server_default="")
        )
    with op.batch_alter_table("side_events") as batch_op:
        batch_op.add_column(
            sa.Column("part_of_day", sa.String(length=20), nullable=False, server_default="")
        )


def downgrade():
    with op.batch_alter_table("side_events") as batch_op:
        batch_op.drop_column("part_of_day")
    with op.batch_alter_table("meetings") as batch_op:
        batch_op.drop_column("release_division")
