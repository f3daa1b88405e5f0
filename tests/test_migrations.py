"""Migrations: upgrade from empty, downgrade to nothing, and the models match them."""

import os

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from tests.conftest import build_app
from wipo_training.extensions import db


def _table_names() -> set[str]:
    return set(sa.inspect(db.engine).get_table_names())


def test_upgrade_matches_models_and_downgrade_empties(empty_database_url, tmp_path):
    app = build_app(empty_database_url, tmp_path / "instance")
    with app.app_context():
        assert _table_names() == set()
        upgrade()
        assert {t.name for t in db.metadata.sorted_tables} <= _table_names()
        with db.engine.connect() as conn:
            differences = compare_metadata(MigrationContext.configure(conn), db.metadata)
        assert differences == [], f"models and migrations differ: {differences}"
        downgrade(revision="base")
        assert _table_names() <= {"alembic_version"}
        db.engine.dispose()


def test_runs_on_the_database_under_test(app_ctx):
    """CI sets TEST_DATABASE_URL: then this whole suite runs on PostgreSQL."""
    expected = "postgresql" if os.environ.get("TEST_DATABASE_URL") else "sqlite"
    assert db.engine.dialect.name == expected
