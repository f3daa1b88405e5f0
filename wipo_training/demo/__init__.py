"""Demo data, taken from the documents in shared/seeds. Later domains add to ``load_demo``."""

import sqlalchemy as sa

from ..auth import services as auth_services
from ..auth import two_factor
from ..auth.models import User
from ..extensions import db
from ..people.models import Person
from .courses import load_demo_courses
from .meetings import load_demo_meetings

DEMO_PASSWORD = "wipo-demo-2013"  # noqa: S105  (public demo accounts, see README)  # nosec B105

#: (email, display name, role): one account per role.
DEMO_USERS = [
    ("admin@demo.test", "Demo Administrator", "admin"),
    ("coordinator@demo.test", "Demo Coordinator (JPO)", "coordinator"),
    ("staff@demo.test", "Demo Staff (WIPO Japan Office)", "staff"),
    ("trainee@demo.test", "Demo Trainee", "trainee"),
]
#: The authenticator app keys (TOTP) of the demo accounts whose role signs in with a second
#: factor, published like the password: add one to any app, or `oathtool --totp -b KEY`.
DEMO_TOTP_SECRETS = {
    "admin@demo.test": "DKCBM4D32BQCNQGYQFRGPRV6RE6ZRKZC",
    "coordinator@demo.test": "HJH2VSVEFFHWR27GSH4TTPLPFXZMZ6Y4",
    "staff@demo.test": "TLYJKMII5Q5RXQSRSQM5XCWSZS27PDT2",
}


def database_is_empty() -> bool:
    """True when no account exists yet: a new installation."""
    return db.session.execute(sa.select(sa.func.count()).select_from(User)).scalar_one() == 0


def load_demo() -> list[str]:
    """Create what is missing of the demo data; running it twice changes nothing."""
    created = []
    for email, name, role in DEMO_USERS:
        user = auth_services.user_by_email(email)
        if user is None:
            user = auth_services.create_user(None, email, name, role, DEMO_PASSWORD)
            created.append(email)
        if email in DEMO_TOTP_SECRETS and not user.has_second_factor:
            two_factor.install_secret(None, user, DEMO_TOTP_SECRETS[email])
    trainee = auth_services.user_by_email("trainee@demo.test")
    if load_demo_courses(trainee.email):
        # The demo trainee is Sokha Chan of Cambodia, a 2013 participant.
        person = db.session.execute(
            sa.select(Person).where(Person.email == trainee.email)
        ).scalar_one()
        trainee.person_id = person.id
        trainee.display_name = person.full_name
    load_demo_meetings()
    return created
