"""Shared by the tests of the nomination import: the spreadsheet's columns, four good rows
(people in four scripts), a workbook of rows, and how many people and enrolments there are."""

import io

import sqlalchemy as sa
from openpyxl import Workbook

from wipo_training.extensions import db
from wipo_training.participants.models import Enrolment
from wipo_training.people.models import Person

HEADER = [
    "Family name",
    "Given name",
    "Name in native script",
    "Native script language",
    "Title",
    "Gender",
    "Country",
    "Organisation",
    "Organisation kind",
    "Position",
    "Email",
]
GOOD_ROWS = [
    [
        "Nguyen",
        "Van An",
        "Nguyễn Văn An",
        "vi",
        "Mr",
        "male",
        "Viet Nam",
        "National Office of Intellectual Property",
        "ip_office",
        "Examiner",
        "an@noip.example",
    ],
    [
        "Chan",
        "Sokha",
        "ចាន់ សុខា",
        "km",
        "Ms",
        "female",
        "KH",
        "Ministry of Commerce",
        "ministry",
        "Deputy Chief",
        "sokha@moc.example",
    ],
    ["Wang", "Wei", "王伟", "zh", "Mr", "", "China", "CNIPA", "ip_office", "Director", ""],
    [
        "Raza",
        "Ahmed",
        "احمد رضا",
        "ur",
        "Mr",
        "male",
        "Pakistan",
        "IPO-Pakistan",
        "ip_office",
        "Deputy Registrar",
        "ahmed@ipo.example",
    ],
]


def xlsx(rows, header=HEADER) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def counts():
    return (
        db.session.execute(sa.select(sa.func.count()).select_from(Person)).scalar(),
        db.session.execute(sa.select(sa.func.count()).select_from(Enrolment)).scalar(),
    )
