"""the page cache is gone, and with it the data generation every commit updated

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-25 10:00:00

Every committing transaction updated the one data_generation row so that cached pages
could tell when they were stale: on PostgreSQL concurrent submissions queued on its lock.
Pages are now rendered for each request, fast enough uncached (bench/RESULTS.md).
"""
import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade():
    op.drop_table("data_generation")


def downgrade():
    op.create_table(
        "data_generation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_generation")),
    )
    op.execute("INSERT INTO data_generation (id, value) VALUES (1, 0)")
