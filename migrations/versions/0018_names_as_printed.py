"""people: the name order and the name as printed; the name a person confirmed or corrected

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-25 20:30:00

Existing people get no name order (their country's is used) and no name as printed (it is
derived from their parts): their certificates print the name in their culture's order at once.
Nobody has confirmed a name yet.
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.add_column(sa.Column("name_order", sa.String(length=20), nullable=True))
        batch_op.add_column(
            sa.Column("name_as_printed", sa.String(length=400), server_default="", nullable=False)
        )
        batch_op.add_column(sa.Column("confirmed_name", sa.String(length=400), nullable=True))
        batch_op.add_column(
            sa.Column("confirmed_native_name", sa.String(length=300), nullable=True)
        )
        batch_op.add_column(
            sa.Column("name_confirmed_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("proposed_name", sa.String(length=400), nullable=True))
        batch_op.add_column(sa.Column("proposed_native_name", sa.String(length=300), nullable=True))
        batch_op.add_column(
            sa.Column("name_proposed_at", sa.DateTime(timezone=True), nullable=True)
        )


def downgrade():
    with op.batch_alter_table("people", schema=None) as batch_op:
        for name in (
            "name_proposed_at",
            "proposed_native_name",
            "proposed_name",
            "name_confirmed_at",
            "confirmed_native_name",
            "confirmed_name",
            "name_as_printed",
            "name_order",
        ):
            batch_op.drop_column(name)
