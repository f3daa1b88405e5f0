"""Migration 0018: existing people keep their record, print the name their country's way,
and have confirmed nothing; downgrading removes only the new columns."""

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from tests.conftest import build_app
from wipo_training.extensions import db
from wipo_training.people.models import Person

NEW = {
    "name_order",
    "name_as_printed",
    "confirmed_name",
    "confirmed_native_name",
    "name_confirmed_at",
    "proposed_name",
    "proposed_native_name",
    "name_proposed_at",
}


def columns() -> set[str]:
    return {c["name"] for c in sa.inspect(db.engine).get_columns("people")}


def test_0018_upgrades_existing_people_and_downgrades(empty_database_url, tmp_path):
    app = build_app(empty_database_url, tmp_path / "instance")
    with app.app_context():
        upgrade(revision="0017")
        with db.engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO people (family_name, given_name, native_name, native_name_lang,"
                    " title, country_code, position, created_at, version) VALUES ('Aung',"
                    " 'Kyaw Moe', '', '', 'Mr', 'MM', '', CURRENT_TIMESTAMP, 1)"
                )
            )
        upgrade(revision="0018")
        assert NEW <= columns()
        person = db.session.execute(sa.select(Person)).scalar_one()
        assert (person.name_order, person.name_as_printed) == (None, "")
        assert person.printed_name == "Aung Kyaw Moe" and person.name_status == "not_yet"
        db.session.rollback()
        downgrade(revision="0017")
        assert not NEW & columns()
        with db.engine.connect() as conn:
            assert conn.execute(sa.text("SELECT family_name FROM people")).scalar_one() == "Aung"
        downgrade(revision="base")
        db.engine.dispose()
