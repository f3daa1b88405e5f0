"""an answer without choices stores NULL, not the JSON text "null"

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-25 20:00:00

Rating, yes/no and text answers stored the JSON value null in ``answers.choices`` (SQLAlchemy's
JSON type writes None as JSON null unless told otherwise): every results query had to read and
parse it to skip it. The column now holds SQL NULL for them (``JSON(none_as_null=True)``).
"""
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("UPDATE answers SET choices = NULL WHERE json_typeof(choices) = 'null'")
    else:
        op.execute("UPDATE answers SET choices = NULL WHERE choices = 'null'")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("UPDATE answers SET choices = 'null'::json WHERE choices IS NULL")
    else:
        op.execute("UPDATE answers SET choices = 'null' WHERE choices IS NULL")
