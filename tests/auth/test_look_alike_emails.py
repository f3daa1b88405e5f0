"""Issue 16, point 13: no look-alike accounts. Emails are stored NFKC case-folded, and an
address whose UTS #39 skeleton (Unicode's confusables, from the confusable_homoglyphs
package) is that of an existing account is refused. Created through the admin's form as
rendered; signed in through the sign-in form."""

import pytest
import sqlalchemy as sa

from tests.conftest import PASSWORD, submit, web_sign_in
from wipo_training.auth import services as auth_services
from wipo_training.auth.emails import email_skeleton, normalise_email
from wipo_training.auth.models import User
from wipo_training.extensions import db

#: The four of the report, beside staff@demo.test: a fullwidth s, a long s, an ff ligature,
#: and a Cyrillic о in "demо".
LOOK_ALIKES = ["ｓtaff@demo.test", "ſtaff@demo.test", "staﬀ@demo.test", "staff@demо.test"]


@pytest.fixture
def staff_at_demo(app, users):
    with app.app_context():
        auth_services.create_user(None, "staff@demo.test", "Demo Staff", "trainee", PASSWORD)
        db.session.commit()
    return "staff@demo.test"


def emails(app) -> list[str]:
    with app.app_context():
        return db.session.execute(sa.select(User.email).order_by(User.id)).scalars().all()


@pytest.mark.parametrize("look_alike", LOOK_ALIKES)
def test_a_look_alike_account_is_refused(app, web_as, staff_at_demo, look_alike):
    before = emails(app)
    web = web_as("admin")
    response = submit(
        web.get("/admin/users/new"),
        "Save",
        email=look_alike,
        display_name="Not the real staff",
        role="admin",
        password="a long enough password",
    )
    assert response.status_int == 200
    error = response.html.find(id="email-error").get_text()
    assert "staff@demo.test" in error
    assert "already exists" in error or "looks like that of an existing account" in error
    assert emails(app) == before


@pytest.mark.parametrize("written", LOOK_ALIKES[:3] + ["  STAFF@Demo.TEST "])
def test_the_normalised_form_signs_in_to_the_account(web, staff_at_demo, written):
    response = web_sign_in(web, written)
    assert response.status_int == 302, response.text
    assert "Signed in as Demo Staff." in response.follow().text


def test_failed_sign_ins_count_against_the_account_however_it_is_written(web, staff_at_demo):
    """Writing the address another way is no way round the account's limit."""
    for written in ["staff@demo.test", *LOOK_ALIKES[:3], "STAFF@DEMO.TEST"]:
        assert web_sign_in(web, written, "a wrong guess").status_int == 200
    response = web_sign_in(web, "Staff@demo.test")
    assert response.status_int == 429


def test_another_alphabet_is_another_address(web, staff_at_demo):
    """The Cyrillic о is not an o: that address has no account (and cannot get one)."""
    response = web_sign_in(web, "staff@demо.test")
    assert "The email or password is not correct." in response.text


def test_different_addresses_are_still_welcome(app_ctx, users):
    auth_services.create_user(None, "staff@demo.test", "One", "trainee", None)
    for email in ("stiff@demo.test", "staff@demo.org", "иван@mail.example", "staff2@demo.test"):
        auth_services.create_user(None, email, "Someone", "trainee", None)
    db.session.flush()
    assert auth_services.user_by_email("ИВАН@mail.example").email == "иван@mail.example"


def test_normalisation_and_skeleton():
    assert {normalise_email(email) for email in LOOK_ALIKES[:3]} == {"staff@demo.test"}
    assert normalise_email(LOOK_ALIKES[3]) != "staff@demo.test"
    assert {email_skeleton(email) for email in LOOK_ALIKES} == {email_skeleton("staff@demo.test")}
    assert email_skeleton("paypal@x.example") == email_skeleton("pаypаl@x.example")  # а: Cyrillic
    assert email_skeleton("staff@demo.test") != email_skeleton("stiff@demo.test")


def test_the_migration_normalises_existing_accounts(tmp_path):
    """Migration 0013 on accounts made before it: an email is rewritten in its normalised
    form when that is free; a look-alike of an older account is named and left as it was,
    without a skeleton (so it blocks nobody); new look-alikes are refused afterwards."""
    from flask_migrate import upgrade

    from tests.conftest import build_app

    app = build_app(f"sqlite:///{tmp_path / 'old.sqlite'}", tmp_path / "instance")
    with app.app_context():
        upgrade(revision="0012")
        rows = [
            ("staff@demo.test", "Staff"),
            ("ｓtaff@demo.test", "Fullwidth look-alike"),
            ("ｍaria@ipo.example", "Maria, typed on a Japanese keyboard"),
        ]
        for email, name in rows:
            db.session.execute(
                sa.text(
                    "INSERT INTO users (email, display_name, role, active, created_at, "
                    "calendar_version) VALUES (:email, :name, 'trainee', 1, '2025-01-01', 1)"
                ),
                {"email": email, "name": name},
            )
        db.session.commit()
        upgrade()
        stored = db.session.execute(
            sa.select(User.email, User.email_skeleton).order_by(User.id)
        ).all()
        assert stored == [
            ("staff@demo.test", email_skeleton("staff@demo.test")),
            ("ｓtaff@demo.test", None),
            ("maria@ipo.example", email_skeleton("maria@ipo.example")),
        ]
        assert auth_services.user_by_email("ＭARIA@ipo.example").display_name.startswith("Maria")
        with pytest.raises(auth_services.AuthError, match="already exists"):
            auth_services.create_user(None, "ſtaff@demo.test", "Another", "trainee", None)
        db.engine.dispose()
