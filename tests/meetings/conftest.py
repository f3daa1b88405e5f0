"""Fixtures for working groups: the Japan-China series of the seeds (5th, 6th, 7th planned)."""

from datetime import date

import pytest
import sqlalchemy as sa

from wipo_training.demo.meetings import GROUP_NAME, load_demo_meetings
from wipo_training.extensions import db
from wipo_training.meetings.models import Meeting, Outcome, OutcomeKind, WorkingGroup

#: An action item the seed does not have: the tests record it on the sixth meeting, as a
#: coordinator would, to follow it up on the seventh (the demo holds only the seed's facts).
OPEN_ACTION = "Propose dates and the agenda of the seventh meeting."

#: A new working group, as sent to POST /api/v1/working-groups.
GROUP = {
    "name": "Japan-Korea IP Working Group",
    "side_a_country": "JP",
    "side_a_body": "METI",
    "side_b_country": "KR",
    "side_b_body": "KIPO",
    "framework": "Memorandum of Cooperation",
}


def load_series_with_an_open_action() -> WorkingGroup:
    """The demo series, the sixth meeting with OPEN_ACTION (METI, due 30 September 2018)."""
    load_demo_meetings()
    group = db.session.execute(
        sa.select(WorkingGroup).where(WorkingGroup.name == GROUP_NAME)
    ).scalar_one()
    sixth = next(m for m in group.meetings if m.number == 6)
    if not any(o.text == OPEN_ACTION for o in sixth.outcomes):
        sixth.outcomes.append(
            Outcome(
                position=1,
                kind=OutcomeKind.ACTION,
                text=OPEN_ACTION,
                owner_side="a",
                responsible="METI",
                due_date=date(2018, 9, 30),
            )
        )
    db.session.commit()
    return group


@pytest.fixture
def series(app):
    """The demo series with an open action item on the sixth meeting; returns
    {"group": id, 5: id, 6: id, 7: id}."""
    with app.app_context():
        load_series_with_an_open_action()
        group = db.session.execute(
            sa.select(WorkingGroup).where(WorkingGroup.name == GROUP_NAME)
        ).scalar_one()
        ids = {"group": group.id}
        ids.update({m.number: m.id for m in group.meetings})
        return ids


@pytest.fixture
def group(app_ctx):
    """The demo series, with an open action item recorded on the sixth meeting."""
    return load_series_with_an_open_action()


def meeting(group, number) -> Meeting:
    return next(m for m in group.meetings if m.number == number)


def get_meeting(meeting_id: int) -> Meeting:
    db.session.expire_all()
    return db.session.get(Meeting, meeting_id)
