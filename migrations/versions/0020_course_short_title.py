"""a course's short title, as its report's sentences name it

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-25 20:30:00

The 2013 report (seed 003) is titled with the course's full name ("Training Course on the
Enforcement of Intellectual Property Rights under the WIPO Funds-in-Trust/JAPAN") and its first
sentence uses the short form ("The WIPO/JF Training Course on Enforcement of Intellectual
Property was held at ..."). Empty: the sentences use the title.
"""
import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("courses") as batch:
        batch.add_column(
            sa.Column("short_title", sa.String(length=200), nullable=False, server_default="")
        )


def downgrade():
    with op.batch_alter_table("courses") as batch:
        batch.drop_column("short_title")
