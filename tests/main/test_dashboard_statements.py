"""Every role's dashboard issues as many SQL statements with four of everything as with one:
nominations, courses to move on, open evaluations, certificates to issue and issued, overdue
action items, files prepared, and a trainee's sessions, reports, evaluations and certificates.
(tests/test_statement_counts.py counts it too, over a large synthetic history.)"""

from datetime import date, timedelta

from sqlalchemy import event

from tests.conftest import make_course, make_person, make_session
from tests.documents.conftest import PEOPLE, eligible_course
from tests.main.conftest import TO_COMPLETED, browser, move, nominate
from wipo_training.auth import services as auth_services
from wipo_training.documents import services as document_services
from wipo_training.extensions import db
from wipo_training.meetings import services as meeting_services
from wipo_training.participants import services as participant_services
from wipo_training.people.models import Person


def add_work(round_number: int, users: dict) -> None:
    """One more of everything each dashboard lists."""
    n, today = round_number, date.today()
    trainee = auth_services.user_by_email(users["trainee"])
    staff = auth_services.user_by_email(users["staff"])
    if trainee.person_id is None:
        trainee.person_id = make_person(family_name="Chan", email=users["trainee"]).id
    person = db.session.get(Person, trainee.person_id)

    deciding = make_course(
        code=f"NOM-{n}",
        edition_year=2030,
        start_date=date(2030, 3, n),
        end_date=date(2030, 3, 10 + n),
        nomination_deadline=None,
    )
    move(deciding, "nominations_open")
    nominate(deciding, 2, accept=1, prefix=f"Round{n}-")
    lagging = make_course(code=f"CONF-{n}", nomination_deadline=None)
    move(lagging, "nominations_open", "confirmed")

    # Completed, its evaluation still open, certificates to issue and one issued; the trainee
    # takes part too, with a certificate.
    held, (first, _second) = eligible_course(PEOPLE[:2], code=f"HELD-{n}")
    mine = participant_services.nominate(None, held, person, override_reason="test")
    participant_services.change_enrolment_status(None, mine, "accepted")
    document_services.set_override(None, mine, True, "Attended remotely")
    move(held, *TO_COMPLETED)
    document_services.issue_one(None, first)
    document_services.issue_one(None, mine)
    document_services.start_batch(staff, held, "zip", issue=False)

    group = meeting_services.create_group(
        None,
        name=f"Japan-China Working Group {n}",
        side_a_country="JP",
        side_a_body="JPO",
        side_b_country="CN",
        side_b_body="CNIPA",
    )
    meeting = meeting_services.create_meeting(
        None, group, number=1, status="held", start_date=date(2020, 1, n)
    )
    meeting_services.save_part(
        None,
        meeting,
        "outcomes",
        None,
        {"kind": "action", "text": f"Overdue {n}", "due_date": today - timedelta(days=n)},
    )

    upcoming = make_course(
        code=f"NEXT-{n}",
        edition_year=(today + timedelta(days=30)).year,
        start_date=today + timedelta(days=30 + 20 * n),
        end_date=today + timedelta(days=35 + 20 * n),
        nomination_deadline=None,
        country_report_deadline=today + timedelta(days=20 + 20 * n),
    )
    make_session(upcoming, title=f"Lecture {n}", day=upcoming.start_date)
    enrolment = participant_services.nominate(None, upcoming, person, override_reason="test")
    participant_services.change_enrolment_status(None, enrolment, "accepted")
    db.session.commit()


def dashboard_statements(app, users) -> dict[str, int]:
    """Statements of one visit of the dashboard, per role (signed in first)."""
    browsers = {
        role: browser(app, users[role]) for role in ("admin", "coordinator", "staff", "trainee")
    }
    with app.app_context():
        engine = db.engine
    counted = {}
    for role, web in browsers.items():
        statements = []

        def count(*_args, statements=statements):
            statements.append(1)

        event.listen(engine, "before_cursor_execute", count)
        try:
            page = web.get("/")
        finally:
            event.remove(engine, "before_cursor_execute", count)
        counted[role] = len(statements)
        counted[f"{role} items"] = len(page.html.select("section li"))
    return counted


def test_the_dashboard_costs_the_same_statements_with_more_to_do(app, users):
    with app.app_context():
        add_work(1, users)
    once = dashboard_statements(app, users)
    with app.app_context():
        for round_number in (2, 3, 4):
            add_work(round_number, users)
    four_times = dashboard_statements(app, users)
    for role in ("admin", "coordinator", "staff", "trainee"):
        assert four_times[f"{role} items"] > once[f"{role} items"], role  # the lists grew
        assert four_times[role] == once[role], f"{role}: {once[role]} -> {four_times[role]}"
        assert once[role] <= 15, f"{role}: {once[role]} statements"
