"""Who may have which certificate or job: the object-level checks that the pages and the API
share (the route-level roles are declared on each route)."""

from ..access import EDITORS, READERS
from .models import Certificate
from .services import ISSUED_ONLY


def can_download(user, certificate: Certificate) -> bool:
    """Coordinators, staff and admins, and the participant whose certificate it is."""
    return user.role in READERS or (
        user.person_id is not None and certificate.enrolment.person_id == user.person_id
    )


def can_see_job(user, job) -> bool:
    """Coordinators, staff and admins see every job; others only the jobs they started."""
    return user.role in READERS or job.created_by_id == user.id


def can_retry(user, job) -> bool:
    """Who may start a failed job again: whoever may start it (staff only gather the
    certificates issued; coordinators issue)."""
    return user.role in EDITORS or (user.role in READERS and job.kind.startswith(f"{ISSUED_ONLY}."))
