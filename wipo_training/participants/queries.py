"""Read-only shapes of the participants' data that pages, the API and reports share."""

from ..countries import get_country

#: The columns of the participant list (CSV and XLSX), in order.
LIST_HEADER = [
    "Country",
    "Title",
    "Family name",
    "Given name",
    "Name in native script",
    "Position",
    "Organisation",
    "Email",
    "Status",
]


def list_rows(enrolments):
    """One row of LIST_HEADER per enrolment, in the order given."""
    for e in enrolments:
        yield [
            get_country(e.country_code).name,
            e.person.title,
            e.person.family_name,
            e.person.given_name,
            e.person.native_name,
            e.position,
            e.organisation.name if e.organisation else "",
            e.person.email or "",
            e.status_label,
        ]
