"""The Japan-China Joint IP Working Group, as shared/seeds/001 (the sixth meeting, Beijing,
13 December 2017, and the joint seminar in the afternoon of 14 December) and 004 (the fifth
meeting, Tokyo, June 2016) describe it. The sixth meeting holds only what the release says,
in its words: organisations, co-chairs, outline, topics, the agreement, the next meeting, the
seminar, the release date and the division in charge. The delegates' names are not in the
sources and are left out; what the demo adds beyond the sources says "demo data" in its text.
The seventh meeting is the one the sixth agreed (Japan, FY2018), planned from it."""

from datetime import date

import sqlalchemy as sa

from ..extensions import db
from ..meetings.models import (
    AgendaItem,
    Delegation,
    Meeting,
    MeetingStatus,
    Outcome,
    OutcomeKind,
    SideEvent,
    WorkingGroup,
)

GROUP_NAME = "Japan-China Joint IP Working Group"
#: Its title; the release adds "concluded in June 2009 between METI and ... MOFCOM".
FRAMEWORK = (
    "Memorandum of Understanding on Exchanges and Cooperation for the Protection of "
    "Intellectual Property (IP) Rights"
)

#: (side, organisation, units, observer), in the order of the release.
DELEGATIONS_2017 = [
    ("a", "Ministry of Economy, Trade and Industry (METI)", "", False),
    ("a", "Intellectual Property Strategy Headquarters, Cabinet Office", "", False),
    ("a", "National Police Agency", "", False),
    ("a", "National Tax Agency", "", False),
    ("a", "Agency for Cultural Affairs", "", False),
    ("a", "Ministry of Agriculture, Forestry and Fisheries", "", False),
    ("a", "The Supreme Court of Japan", "", True),
    (
        "b",
        "Ministry of Commerce (MOFCOM)",
        "Department of Treaty and Law, Department of Asian Affairs, and National Leading "
        "Group on Fight against IPR Infringement and Counterfeiting",
        False,
    ),
    ("b", "Ministry of Public Security", "", False),
    ("b", "Ministry of Agriculture", "", False),
    ("b", "General Administration of Customs", "", False),
    ("b", "State Administration for Industry & Commerce", "", False),
    ("b", "Department of Inspection and Quarantines", "", False),
    ("b", "National Copyright Administration", "", False),
    ("b", "The China Council for the Promotion of International Trade", "", True),
]

#: The topics as the release words them (seed 001, "1. Outline of the IP WG").
AGENDA_2017 = [
    (
        "Progress since the previous meeting; geographical indications and trademarks",
        "Both sides confirmed the progress made in Japan and China since the previous meeting, "
        "in particular, the trends of IP-related legislation and future IP strategies, and "
        "exchanged views concerning a geographical indications system both in Japan and in "
        "China and cooperation in the field of trademarks.",
    ),
    (
        "Crackdown on counterfeit and pirated products",
        "China delivered a debriefing on its recent efforts for crackdown on counterfeit and "
        "pirated products, and both sides shared awareness of the importance of measures for "
        "protecting IP rights from online infringement, in particular.",
    ),
]

SUMMARY_2017 = (
    "The meeting brought together officials and representatives from a broad range of "
    "governmental agencies of both sides, and participants proactively exchanged views "
    "concerning a variety of issues involving IP protection so as to address the current "
    "situation where problems involved in IP protection have been becoming complex and "
    "widespread as illustrated by the distribution of counterfeit and pirated products online."
)

AGENDA_2016 = [
    (
        "IP-related legislation and IP strategies",
        "Both governments shared the latest situation of IP-related legislation and IP "
        "strategies in both countries.",
    ),
    (
        "Measures under bilateral cooperation",
        "Opinions were exchanged on strengthening countermeasures against infringement of IP "
        "rights on the Internet and against counterfeit goods, now expanding beyond Japan and "
        "China to third markets.",
    ),
]


def load_demo_meetings() -> bool:
    """Add the working group and its meetings unless it is there; True when added."""
    exists = db.session.execute(
        sa.select(WorkingGroup.id).where(WorkingGroup.name == GROUP_NAME)
    ).scalar_one_or_none()
    if exists is not None:
        return False
    group = WorkingGroup(
        name=GROUP_NAME,
        side_a_country="JP",
        side_a_body="METI",
        side_b_country="CN",
        side_b_body="MOFCOM",
        framework=FRAMEWORK,
        framework_date=date(2009, 6, 1),
        description=(
            "A forum where officials of both governments exchange views on IP protection, in "
            "particular against counterfeit and pirated products."
        ),
    )
    db.session.add(group)
    db.session.flush()
    fifth = Meeting(
        working_group_id=group.id,
        number=5,
        status=MeetingStatus.HELD,
        city="Tokyo",
        host_side="a",
        dates_text="June 2016",  # the source gives no day
        agenda=[AgendaItem(position=i, title=t, summary=s) for i, (t, s) in enumerate(AGENDA_2016)],
        outcomes=[
            Outcome(
                position=0,
                kind=OutcomeKind.ACTION,
                text="Send a public-private mission to Chinese governmental agencies to request "
                "improved legal systems for IP protection and tighter regulation of "
                "infringement. (Demo data: seed 004 reports the mission of October to November "
                "2016, not that this meeting agreed it.)",
                owner_side="a",
                responsible="METI",
                due_date=date(2016, 11, 30),
                status="done",
            ),
        ],
    )
    sixth = Meeting(
        working_group_id=group.id,
        number=6,
        status=MeetingStatus.HELD,
        start_date=date(2017, 12, 13),
        end_date=date(2017, 12, 13),
        city="Beijing",
        host_side="b",
        chair_a_name="Mr. Hiroshi Tsuchida",
        chair_a_title="Deputy Director-General for Labor and Human Resources",
        chair_a_organisation="METI",
        chair_b_name="Mr. Chen Fuli",
        chair_b_title="Director of the Department of Treaty and Law",
        chair_b_organisation="MOFCOM",
        summary=SUMMARY_2017,
        next_host_side="a",
        next_fiscal_year=2018,
        release_date=date(2017, 12, 15),
        release_division="Office for Intellectual Property Right Protection, Manufacturing "
        "Industries Bureau",
        delegations=[
            Delegation(side=side, organisation=org, units=units, observer=observer, position=i)
            for i, (side, org, units, observer) in enumerate(DELEGATIONS_2017)
        ],
        agenda=[AgendaItem(position=i, title=t, summary=s) for i, (t, s) in enumerate(AGENDA_2017)],
        outcomes=[
            Outcome(
                position=0,
                kind=OutcomeKind.AGREEMENT,
                text="Japan and China will continue to cooperate through their customs and "
                "police agencies in protecting IP as a countermeasure against international "
                "distribution of counterfeit products.",
            ),
        ],
        side_events=[
            SideEvent(
                title="Japan-China Joint Seminar on IPR Enforcement",
                day=date(2017, 12, 14),
                part_of_day="afternoon",
                venue="Beijing",
                co_organisers="METI, the Japan External Trade Organization (JETRO) and MOFCOM",
                audience="Representatives from administrative and legislative agencies in Japan "
                "and China as well as related associations",
            )
        ],
    )
    db.session.add_all([fifth, sixth])
    db.session.flush()
    from ..meetings import services

    sixth.press_release = services.press_release_draft(sixth)
    sixth.release_published = True  # released on 15 December 2017
    services.plan_next(None, sixth)
    return True
