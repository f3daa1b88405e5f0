"""Working groups and meetings: the demo series from the seed, follow-up of action items,
planning the next meeting, and the press release drafted from the data."""

from datetime import date

import pytest
import sqlalchemy as sa

from wipo_training.demo_meetings import GROUP_NAME, load_demo_meetings
from wipo_training.extensions import db
from wipo_training.meetings import services
from wipo_training.meetings.models import Meeting, Outcome, WorkingGroup


@pytest.fixture
def group(app_ctx):
    load_demo_meetings()
    db.session.commit()
    return db.session.execute(
        sa.select(WorkingGroup).where(WorkingGroup.name == GROUP_NAME)
    ).scalar_one()


def meeting(group, number) -> Meeting:
    return next(m for m in group.meetings if m.number == number)


def test_the_demo_series_is_the_seeds(group):
    assert [(m.number, m.status, services.when(m)) for m in group.meetings] == [
        (5, "held", "June 2016"),
        (6, "held", "13 December 2017"),
        (7, "planned", "FY2018"),
    ]
    sixth = meeting(group, 6)
    assert services.meeting_title(sixth) == (
        "Sixth Meeting of the Japan-China Joint IP Working Group"
    )
    assert (sixth.city, services.side_name(group, sixth.host_side)) == ("Beijing", "China")
    by_side = services.delegations_by_side(sixth)
    assert [d.organisation for d in by_side["a"]][-1] == "The Supreme Court of Japan"
    assert by_side["a"][-1].observer and by_side["b"][-1].observer
    assert sixth.side_events[0].day == date(2017, 12, 14)
    assert meeting(group, 7).host_side == "a"
    assert load_demo_meetings() is False  # loading twice changes nothing


def test_open_action_items_follow_to_the_next_meeting(group):
    seventh = meeting(group, 7)
    follow_up = services.open_actions_before(seventh)
    assert [o.text for o in follow_up] == ["Propose dates and the agenda of the seventh meeting."]
    # The fifth meeting's mission was done: it does not come back.
    assert all(o.meeting.number == 6 for o in follow_up)
    follow_up[0].status = "done"
    db.session.flush()
    assert services.open_actions_before(seventh) == []
    series = services.series_outcomes(group)
    assert [(m.number, len(outcomes)) for m, outcomes in series] == [(5, 1), (6, 2), (7, 0)]


def test_plan_next_once(group):
    seventh = meeting(group, 7)
    with pytest.raises(services.MeetingError, match="Seventh Meeting is already"):
        services.plan_next(None, meeting(group, 6))
    with pytest.raises(services.MeetingError, match="Record where and when"):
        services.plan_next(None, seventh)
    seventh.next_host_side, seventh.next_fiscal_year = "b", 2019
    eighth = services.plan_next(None, seventh)
    assert (eighth.number, eighth.status, eighth.host_side, services.when(eighth)) == (
        8,
        "planned",
        "b",
        "FY2019",
    )


def test_press_release_names_both_co_chairs_and_every_organisation(group):
    sixth = meeting(group, 6)
    text = services.press_release_draft(sixth)
    assert text.startswith(
        "Sixth Meeting of the Japan-China Joint IP Working Group and Japan-China Joint "
        "Seminar on IPR Enforcement Held"
    )
    assert "On 13 December 2017, the Sixth Meeting" in text and "in Beijing, China" in text
    assert "Mr. Hiroshi Tsuchida" in text and "Mr. Chen Fuli" in text
    for delegation in sixth.delegations:
        assert delegation.organisation in text
    assert "(Observer: The Supreme Court of Japan)" in text
    assert "They agreed to hold the seventh meeting in Japan in FY2018." in text
    assert "METI, the Japan External Trade Organization (JETRO) and MOFCOM jointly held" in text
    assert "Release date: 15 December 2017" in text
    assert sixth.press_release == text  # the demo stores the draft to edit


def test_ordinals():
    assert [services.ordinal(n) for n in (1, 6, 20, 21, 22, 23, 111)] == [
        "First",
        "Sixth",
        "Twentieth",
        "21st",
        "22nd",
        "23rd",
        "111th",
    ]


def test_deleting_a_meeting_deletes_its_parts(group):
    sixth = meeting(group, 6)
    db.session.delete(sixth)
    db.session.flush()
    remaining = db.session.execute(sa.select(sa.func.count()).select_from(Outcome)).scalar()
    assert remaining == 1  # the fifth meeting's


def test_a_planned_meeting_is_announced_not_reported(group):
    draft = services.press_release_draft(meeting(group, 7))
    assert draft.startswith("Seventh Meeting of the Japan-China Joint IP Working Group to be Held")
    assert (
        "In FY2018, the Seventh Meeting of the Japan-China Joint IP Working Group will be "
        "held in Japan." in draft
    )
    assert "Participating organisations" not in draft  # no delegations recorded yet
    assert "In June 2016, the Fifth Meeting" in services.press_release_draft(meeting(group, 5))
