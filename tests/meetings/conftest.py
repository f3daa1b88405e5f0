"""Fixtures for working groups: the Japan-China series of the seeds (5th, 6th, 7th planned)."""

import pytest
import sqlalchemy as sa

from tests.documents.test_scripts_and_safety import listener  # noqa: F401  (a fixture)
from wipo_training.demo.meetings import GROUP_NAME, load_demo_meetings
from wipo_training.extensions import db
from wipo_training.meetings.models import Meeting, WorkingGroup


@pytest.fixture
def series(app):
    """The demo series; returns {"group": id, 5: id, 6: id, 7: id}."""
    with app.app_context():
        load_demo_meetings()
        db.session.commit()
        group = db.session.execute(
            sa.select(WorkingGroup).where(WorkingGroup.name == GROUP_NAME)
        ).scalar_one()
        ids = {"group": group.id}
        ids.update({m.number: m.id for m in group.meetings})
        return ids


def get_meeting(meeting_id: int) -> Meeting:
    db.session.expire_all()
    return db.session.get(Meeting, meeting_id)
