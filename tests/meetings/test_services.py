"""Working groups and meetings: the demo series from the seed, follow-up of action items,
planning the next meeting, and the press release drafted from the data."""

from datetime import date

import pytest
import sqlalchemy as sa

from tests.meetings.conftest import meeting
from wipo_training.demo.meetings import load_demo_meetings
from wipo_training.extensions import db
from wipo_training.meetings import services
from wipo_training.meetings.models import Delegate, Outcome
from wipo_training.people.models import Person


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
    assert "On December 13, 2017, the Ministry of Economy, Trade and Industry (METI) held " in text
    assert "in Beijing, China" in text
    assert "Mr. Hiroshi Tsuchida" in text and "Mr. Chen Fuli" in text
    for delegation in sixth.delegations:
        assert delegation.organisation in text
    assert "(Observer: The Supreme Court of Japan)" in text
    assert "they agreed to hold the next, seventh meeting in Japan in FY2018." in text
    assert "METI, the Japan External Trade Organization (JETRO) and MOFCOM jointly held" in text
    assert "Release date\nDecember 15, 2017" in text
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
        "In FY2018, METI will hold the Seventh Meeting of the Japan-China Joint IP Working "
        "Group in Japan." in draft
    )
    assert "will be held for the first time since the Beijing meeting in December 2017." in draft
    assert "Participating organizations" not in draft  # no delegations recorded yet
    assert "In June 2016, METI held the Fifth Meeting" in (
        services.press_release_draft(meeting(group, 5))
    )


def test_chair_text_says_the_organisation_once():
    assert services.chair_text("Mr. A", "Deputy Director-General, METI", "METI") == (
        "Mr. A, Deputy Director-General, METI"
    )
    assert services.chair_text("Mr. A", "Director, MOFCOM", "Ministry of Commerce (MOFCOM)") == (
        "Mr. A, Director, MOFCOM"
    )
    assert services.chair_text("Mr. A", "", "METI") == "Mr. A, METI"  # was "Mr. A, , METI"
    assert services.chair_text("Mr. A", "Director of METIS", "METI") == (
        "Mr. A, Director of METIS, METI"  # a word that only starts alike is not the name
    )


def test_a_cancelled_meeting_is_said_to_be_cancelled(group):
    seventh = meeting(group, 7)
    seventh.status = "cancelled"
    draft = services.press_release_draft(seventh)
    assert draft.splitlines()[0] == (
        "Seventh Meeting of the Japan-China Joint IP Working Group Cancelled"
    )
    assert "planned for FY2018 in Japan, has been cancelled." in draft
    assert "will be held" not in draft and "was held" not in draft
    seventh.start_date = seventh.end_date = date(2018, 11, 20)
    assert "planned for November 20, 2018 in Japan" in services.press_release_draft(seventh)


def test_split_name_reads_the_family_name_in_capitals():
    assert services.split_name("Mr. CHEN Fuli") == ("Mr.", "Fuli", "Chen")
    assert services.split_name("Ms. Yuki Sato") == ("Ms.", "Yuki", "Sato")
    assert services.split_name("H.E. Dr. Nguyen Van AN") == ("H.E. Dr.", "Nguyen Van", "An")
    assert services.split_name("Mr.") == ("", "", "Mr.")  # a lone word is a name
    assert services.split_name("Sato") == ("", "", "Sato")


def test_delegates_not_under_people_are_proposed_then_added(group):
    sixth = meeting(group, 6)
    metis = sixth.delegations[0]
    lines = "Ms. Yuki SATO; Director; Sato@Example.test\nMr. Ken Ito; Adviser"
    with pytest.raises(services.UnknownPeopleError) as refused:
        services.save_part(
            None,
            sixth,
            "delegations",
            metis,
            {"side": "a", "organisation": metis.organisation},
            lines,
        )
    (proposal,) = refused.value.people
    assert (proposal.line, proposal.data.family_name, proposal.data.given_name) == (
        1,
        "Sato",
        "Yuki",
    )
    assert (proposal.data.country_code, proposal.data.email) == ("JP", "sato@example.test")
    db.session.rollback()
    item = services.save_part(
        None,
        sixth,
        "delegations",
        metis,
        {"side": "a", "organisation": metis.organisation},
        lines,
        add_people=True,
    )
    person = db.session.get(Person, item.delegates[0].person_id)
    assert (person.full_name, person.organisation.name, person.position) == (
        "Yuki Sato",
        "Ministry of Economy, Trade and Industry (METI)",
        "Director",
    )
    assert item.delegates[1].person_id is None
    # The same email again links to the record now there; nobody new is added.
    again = services.parse_delegates(None, "Yuki Sato; Director; sato@example.test", "JP", "METI")
    assert again[0].person_id == person.id
    assert db.session.execute(sa.select(sa.func.count(Person.id))).scalar() == 1


def test_planning_copies_co_chairs_and_delegations_when_asked(group):
    sixth = meeting(group, 6)
    db.session.delete(meeting(group, 7))
    db.session.flush()
    sixth.delegations[0].delegates = [Delegate(name="Mr. Ken Ito", title="Adviser")]
    seventh = services.plan_next(None, sixth, copy_chairs=True, copy_delegations=True)
    assert (seventh.chair_a_name, seventh.chair_b_name) == ("Mr. Hiroshi Tsuchida", "Mr. Chen Fuli")
    assert [(d.side, d.organisation, d.observer) for d in seventh.delegations] == [
        (d.side, d.organisation, d.observer) for d in sixth.delegations
    ]
    assert [p.name for p in seventh.delegations[0].delegates] == ["Mr. Ken Ito"]
    assert seventh.delegations[0].id != sixth.delegations[0].id  # copies, not shared


def test_the_next_meeting_on_a_day_is_on_it_in_a_fiscal_year_in_it(group):
    sixth = meeting(group, 6)
    assert "hold the next, seventh meeting in Japan in FY2018." in (
        services.press_release_draft(sixth)
    )
    sixth.next_date = date(2019, 3, 9)
    assert "hold the next, seventh meeting in Japan on March 9, 2019." in (
        services.press_release_draft(sixth)
    )
