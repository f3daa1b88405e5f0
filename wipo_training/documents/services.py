"""Certificates: who is eligible and why, issuing with serial numbers and verification codes,
revoking and reissuing, batches, and the public verification lookup. Services take plain
values, add and flush, audit; the caller (a route, or the batch job ``run_batch``) commits.
The batch job is the one that commits as it goes: each of its commits is in ``run_batch``."""

import base64
import hashlib
import io
import os
import secrets
import tempfile
import threading
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime, time
from functools import cache
from pathlib import Path

import pikepdf
import segno
import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import contains_eager, joinedload

from ..audit import record_audit
from ..counters import next_number, reserve_numbers
from ..countries import get_country
from ..evaluations.models import Questionnaire, SubmissionReceipt
from ..extensions import db
from ..jobs import Job, enqueue
from ..participants.models import Enrolment
from ..participants.services import protocol_key
from ..pdf import render_pdf
from ..people.models import Person
from ..people.names import NameOrder
from ..rules import RuleError, StaleError
from ..timetable import services as timetable_services
from ..timetable.models import ATTENDED, Attendance, AttendanceStatus, CourseSession, Presentation
from ..timeutil import utcnow
from ..versioning import conflict_message, is_stale
from .models import Certificate, CertificateSettings, CertificateStatus, EligibilityOverride

STYLESHEETS = ("documents/certificate.css",)
CHUNK = 40  #: certificates per WeasyPrint render in a batch


class CertificateError(RuleError):
    """A request the rules refuse; the message is for the user."""


class ConflictError(CertificateError, StaleError):
    """Someone else saved the certificate settings since this edit started."""


# --- when certificates can be issued -------------------------------------------------------


def issuable_from(course) -> datetime:
    """The start of the course's last day in its time zone. Certificates are handed out at the
    closing ceremony, so they may be issued (printed) that morning; never for a course not
    yet held, whose attendance and evaluation cannot have happened."""
    return timetable_services.to_utc(course, course.end_date, time(0))


def not_yet_issuable(course, now: datetime) -> str | None:
    """Why the course's certificates cannot be issued at ``now`` (None when they can)."""
    if course.status == "cancelled":
        return f"{course.code} was cancelled: it gives no certificates."
    if now >= issuable_from(course):
        return None
    return (
        f"{course.code} ends on {course.end_date:%d %B %Y}: certificates can be issued from "
        "that day on, once the sessions they count have taken place."
    )


def check_issuable(course, now: datetime | None = None) -> None:
    problem = not_yet_issuable(course, now or utcnow())
    if problem:
        raise CertificateError(problem)


# --- eligibility --------------------------------------------------------------------------


@dataclass
class Eligibility:
    enrolment: Enrolment
    eligible: bool
    reasons: list[str]  #: why not (empty when eligible by the rules)
    attendance: float | None
    override: EligibilityOverride | None


def eligibility(course) -> list[Eligibility]:
    """Every expected participant against the course's certificate rules, in protocol order:
    one query (attendance counted, evaluation and country report looked up by the database)."""
    rows = db.session.execute(_eligibility_statement(), {"course_id": course.id}).all()
    result = []
    for enrolment, attended, marked, submitted, presented, override in rows:
        percent = round(100 * attended / marked, 1) if marked else None
        reasons = []
        if percent is None:
            reasons.append("no attendance recorded")
        elif percent < course.min_attendance_pct:
            reasons.append(f"attendance {percent}% is below {course.min_attendance_pct}%")
        if course.evaluation_required and not submitted:
            reasons.append("evaluation not submitted")
        if course.country_report_required and not presented:
            reasons.append("country report not presented")
        eligible = override.eligible if override else not reasons
        result.append(Eligibility(enrolment, eligible, reasons, percent, override))
    return sorted(result, key=lambda row: protocol_key(row.enrolment))


@cache
def _eligibility_statement():
    """The query of ``eligibility``, built once (its course is the ``course_id`` parameter)."""
    course_id = sa.bindparam("course_id")
    rates = _attendance_rates(sa.select(course_id).scalar_subquery())
    return (
        sa.select(
            Enrolment,
            rates.c.attended,
            rates.c.marked,
            _submitted().label("submitted"),
            _presented().label("presented"),
            EligibilityOverride,
        )
        .join(Enrolment.person)
        .outerjoin(rates, rates.c.enrolment_id == Enrolment.id)
        .outerjoin(EligibilityOverride, EligibilityOverride.enrolment_id == Enrolment.id)
        .where(Enrolment.course_id == course_id, Enrolment.status.in_(timetable_services.EXPECTED))
        .options(contains_eager(Enrolment.person))
    )


def _attendance_rates(course_ids):
    """Attendance per enrolment of these courses (a subquery): sessions attended and sessions
    marked, excused absences left out (as ``attendance_rates`` counts them)."""
    return (
        sa.select(
            Attendance.enrolment_id,
            sa.func.sum(sa.case((Attendance.status.in_(ATTENDED), 1), else_=0)).label("attended"),
            sa.func.count().label("marked"),
        )
        .join(CourseSession, CourseSession.id == Attendance.session_id)
        .where(
            CourseSession.course_id.in_(course_ids),
            Attendance.status != AttendanceStatus.EXCUSED,
        )
        .group_by(Attendance.enrolment_id)
        .subquery()
    )


def _submitted():
    """Whether the enrolment has submitted its course's evaluation (a correlated EXISTS)."""
    return (
        sa.select(SubmissionReceipt.id)
        .join(Questionnaire, Questionnaire.id == SubmissionReceipt.questionnaire_id)
        .where(
            Questionnaire.course_id == Enrolment.course_id,
            SubmissionReceipt.enrolment_id == Enrolment.id,
        )
        .exists()
    )


def _presented():
    """Whether the enrolment presented its country report in a session it attended."""
    return (
        sa.select(Presentation.id)
        .join(
            Attendance,
            sa.and_(
                Attendance.session_id == Presentation.session_id,
                Attendance.enrolment_id == Presentation.enrolment_id,
            ),
        )
        .where(Presentation.enrolment_id == Enrolment.id, Attendance.status.in_(ATTENDED))
        .exists()
    )


def set_override(actor, enrolment: Enrolment, eligible: bool, reason: str) -> None:
    """Decide a participant's eligibility against the rules; the reason is required."""
    if not reason.strip():
        raise CertificateError("Write the reason for overriding the rules.")
    override = db.session.execute(
        sa.select(EligibilityOverride).where(EligibilityOverride.enrolment_id == enrolment.id)
    ).scalar_one_or_none()
    if override is None:
        override = EligibilityOverride(enrolment_id=enrolment.id, eligible=eligible, reason="")
        db.session.add(override)
    override.eligible, override.reason = eligible, reason.strip()
    override.decided_by_id, override.decided_at = getattr(actor, "id", None), utcnow()
    db.session.flush()
    record_audit(actor, "certificate.override", enrolment, eligible=eligible, reason=reason.strip())


def clear_override(actor, enrolment: Enrolment) -> None:
    db.session.execute(
        sa.delete(EligibilityOverride).where(EligibilityOverride.enrolment_id == enrolment.id)
    )
    record_audit(actor, "certificate.override_cleared", enrolment)


# --- rendering ----------------------------------------------------------------------------


def storage_dir() -> Path:
    path = Path(current_app.instance_path) / "certificates"
    path.mkdir(parents=True, exist_ok=True)
    return path


def settings_for(course) -> CertificateSettings:
    settings = db.session.execute(
        sa.select(CertificateSettings).where(CertificateSettings.course_id == course.id)
    ).scalar_one_or_none()
    return settings or CertificateSettings(course_id=course.id)


#: The texts and the images of the certificate settings.
SETTINGS_TEXTS = (
    "heading",
    "signatory1_name",
    "signatory1_title",
    "signatory2_name",
    "signatory2_title",
)
SETTINGS_IMAGES = ("signatory1_image", "signatory2_image", "logo1", "logo2", "logo3")
#: The largest signature or logo accepted, in bytes.
IMAGE_LIMIT = 1024 * 1024


def save_settings(
    actor, course, values: dict, expected_version: int | None = None
) -> CertificateSettings:
    """Save what the course's certificates carry: the texts (stripped) and the images given
    (an image left out, or None, stays as it is). CertificateError naming every image that is
    not a PNG or JPEG of at most 1 MB; ConflictError when the settings changed since
    ``expected_version`` was read (0: before any were saved)."""
    bad = [
        (name, "Upload a PNG or JPEG image of at most 1 MB.")
        for name in SETTINGS_IMAGES
        if values.get(name) is not None and not _acceptable_image(values[name])
    ]
    if bad:
        raise CertificateError.of(bad)
    settings = settings_for(course)
    if is_stale(settings, expected_version):
        raise ConflictError(
            "Someone else saved the certificate settings while you were editing them, so your "
            "changes were not saved. Reload the page to see theirs, then make yours again "
            "(choose the images again too)."
        )
    if settings.id is None:
        db.session.add(settings)
    for name in SETTINGS_TEXTS:
        setattr(settings, name, (values.get(name) or "").strip())
    for name in SETTINGS_IMAGES:
        if values.get(name) is not None:
            setattr(settings, name, values[name])
    db.session.flush()
    record_audit(actor, "certificate.settings", course)
    return settings


def _acceptable_image(data: bytes) -> bool:
    """A PNG or JPEG (by its first bytes) of at most IMAGE_LIMIT bytes."""
    return len(data) <= IMAGE_LIMIT and data.startswith((b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff"))


def image_data_url(data: bytes | None) -> str | None:
    """An uploaded PNG or JPEG as a data: URL (the PDF fetches nothing else)."""
    if not data:
        return None
    kind = "png" if data.startswith(b"\x89PNG") else "jpeg"
    return f"data:image/{kind};base64,{base64.b64encode(data).decode()}"


#: Where ``flask run`` (and ``make run`` without PORT) answers: the address of last resort.
DEVELOPMENT_BASE_URL = "http://127.0.0.1:5000"


def public_base_url(served_at: str | None = None) -> str:
    """The address certificates print for their verification page (QR code and link).

    PUBLIC_BASE_URL when it is set: set it in production, where a proxy may pass the
    application an internal address. Otherwise ``served_at``, the address the request that
    issues them was sent to (``request.url_root``): the host and port the coordinator uses.
    A batch runs in the worker, without a request: it is given the address of the request
    that started it. With none of these (the command line, a script),
    DEVELOPMENT_BASE_URL."""
    base = current_app.config.get("PUBLIC_BASE_URL") or served_at or DEVELOPMENT_BASE_URL
    return base.rstrip("/")


def verify_url(code: str, served_at: str | None = None) -> str:
    return f"{public_base_url(served_at)}/verify/{code}"


# --- verification codes -------------------------------------------------------------------

#: Crockford's base 32: digits and capitals without I, L, O and U, so a code read aloud or
#: typed from paper cannot be mistaken (O is read as 0, I and L as 1).
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_GROUPS, CODE_GROUP_SIZE = 3, 4  #: "7KQ2-M9XW-4HTR": 60 random bits
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})


def new_verification_code() -> str:
    """A random code, grouped as printed: ``XXXX-XXXX-XXXX``."""
    return "-".join(
        "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_GROUP_SIZE))
        for _ in range(CODE_GROUPS)
    )


def normalise_code(typed: str) -> str | None:
    """A typed code in its printed form: any case, hyphens and spaces optional, O for 0 and
    I or L for 1. None when it cannot be a code of this form (older codes are looked up as
    typed)."""
    compact = "".join(typed.split()).replace("-", "").upper().translate(_READ_AS)
    if len(compact) != CODE_GROUPS * CODE_GROUP_SIZE or not set(compact) <= set(CODE_ALPHABET):
        return None
    size = CODE_GROUP_SIZE
    return "-".join(compact[i : i + size] for i in range(0, len(compact), size))


MM = 72 / 25.4  #: PDF points per millimetre
#: Where the QR code sits on the certificate (A4 landscape, from the bottom left), in mm; the
#: square certificate.css leaves free left of ``.codes``.
QR_BOX = (297 - 10 - 74 - 22, 10 + 6, 22)


def qr_drawing(url: str) -> bytes:
    """PDF operators drawing the QR code of ``url`` in QR_BOX: one filled path, a rectangle
    per run of dark modules. Crisp at any zoom, ~1 ms, where an image costs WeasyPrint 5."""
    matrix = segno.make(url, error="m", mask=0).matrix
    left, bottom, size = QR_BOX
    module = size * MM / len(matrix)
    top = (bottom + size) * MM
    ops = ["q 0 g"]
    for row, cells in enumerate(matrix):
        column = 0
        while column < len(cells):
            if not cells[column]:
                column += 1
                continue
            start = column
            while column < len(cells) and cells[column]:
                column += 1
            ops.append(
                f"{left * MM + start * module:.3f} {top - (row + 1) * module:.3f} "
                f"{(column - start) * module:.3f} {module:.3f} re"
            )
    ops.append("f Q\n")
    return "\n".join(ops).encode()


def shared_context(course, settings: CertificateSettings) -> dict:
    """What every certificate of the course carries, as plain values."""
    from ..templating import date_range

    signatories = [
        {"name": name, "title": title, "image": image_data_url(image)}
        for name, title, image in (
            (settings.signatory1_name, settings.signatory1_title, settings.signatory1_image),
            (settings.signatory2_name, settings.signatory2_title, settings.signatory2_image),
        )
        if name
    ]
    place = ", ".join(p for p in (course.venue, course.city) if p)
    return {
        "fund": course.fund.name,
        "heading": settings.heading or "Certificate of Completion",
        "course_title": course.title,
        "held": f"held at {place}, {date_range(course.start_date, course.end_date)}",
        "organisers": course.organisers,
        "signatories": signatories,
        "logos": [
            u
            for u in (
                image_data_url(settings.logo1),
                image_data_url(settings.logo2),
                image_data_url(settings.logo3),
            )
            if u
        ],
    }


def page_context(certificate: Certificate, served_at: str | None = None) -> dict:
    """One participant's certificate as plain values (no database objects: it goes to the
    render processes)."""
    enrolment = certificate.enrolment
    person = enrolment.person
    country = get_country(enrolment.country_code).name
    organisation = enrolment.organisation.name if enrolment.organisation else ""
    return {
        "name": f"{person.title} {person.printed_name}".strip(),
        "native": person.native_name,
        "lang": person.native_name_lang or "und",
        "affiliation": ", ".join(p for p in (organisation, country) if p),
        "serial": certificate.serial,
        "url": verify_url(certificate.verification_code, served_at),
    }


def certificate_batches(
    certificates: list[Certificate], workers: int = 1, served_at: str | None = None
) -> list[tuple]:
    """(shared, pages) per document: at most CHUNK pages each, and at least one document per
    render process when there are enough pages to share. ``served_at``: see
    public_base_url."""
    if not certificates:
        return []
    shared = shared_context(
        certificates[0].enrolment.course, settings_for(certificates[0].enrolment.course)
    )
    size = max(1, min(CHUNK, -(-len(certificates) // max(workers, 1))))
    return [
        (shared, [page_context(c, served_at) for c in certificates[i : i + size]])
        for i in range(0, len(certificates), size)
    ]


#: How certificate PDFs are saved: small objects (a tagged PDF's structure elements) packed
#: into compressed object streams, a third smaller at no measurable cost.
SAVE = {"deterministic_id": True, "object_stream_mode": pikepdf.ObjectStreamMode.generate}


def _pdf_bytes(document: pikepdf.Pdf) -> bytes:
    out = io.BytesIO()
    document.save(out, **SAVE)
    return out.getvalue()


def split_pages(document: pikepdf.Pdf) -> list[bytes]:
    """One single-page PDF per page, each keeping only the resources its page uses (qpdf
    through pikepdf: ~1 ms a page, six times faster than pypdf) and its part of the
    structure tree."""
    return [_pdf_bytes(copy_pages([(document, [index])])) for index in range(len(document.pages))]


# --- tagged certificates --------------------------------------------------------------------
# Certificates are tagged PDFs, as every document of pdf.py, but made of two layers: the
# participants' lines (tagged by WeasyPrint) and the course's part, laid out once per batch
# (tagged too) and drawn under each page as a form XObject. ``finish`` gives every page its
# own copy of that form (the same bytes; a form's marked content belongs to one structure
# element only) and copies the course's elements into the page's section, referring to the
# form's marked content (/MCR with /Stm), in the order the certificate reads: the opening
# (fund, heading, "This is to certify that"), the participant's lines, the closing (course,
# dates, organisers, signatories), then the serial and address. ``copy_pages`` carries the
# structure over when pages are split into one PDF per certificate or merged into one.

#: What a tagged PDF's catalog says besides its structure tree (see WeasyPrint's add_tags).
TAGGED_CATALOG = ("/Lang", "/MarkInfo", "/ViewerPreferences")


def copy_pages(sources: list[tuple[pikepdf.Pdf, Iterable[int]]]) -> pikepdf.Pdf:
    """A new PDF of the given pages of the given documents, in that order, with only the
    resources they use. Where the first document is tagged (as WeasyPrint and ``finish`` tag
    it: one /Document element whose children each lie on one page), so is the new one: each
    page's elements under one /Document element, the parent tree, the language, /MarkInfo
    and the title. (Link annotations are not carried over: certificates have none.)"""
    target = pikepdf.new()
    first = sources[0][0]
    tagged = "/StructTreeRoot" in first.Root
    if tagged:
        document = target.make_indirect(
            pikepdf.Dictionary(Type=pikepdf.Name.StructElem, S=pikepdf.Name.Document, K=[])
        )
        root = target.make_indirect(
            pikepdf.Dictionary(Type=pikepdf.Name.StructTreeRoot, K=[document])
        )
        document.P, nums = root, pikepdf.Array()
        for key in TAGGED_CATALOG:
            if key in first.Root:
                target.Root[key] = _foreign(target, first, first.Root[key])
        if "/Title" in first.docinfo:
            target.docinfo.Title = first.docinfo.Title
    for source, indexes in sources:
        elements = _elements_by_page(source) if tagged else {}
        entries = _parent_tree(source) if tagged else {}
        for index in indexes:
            old = source.pages[index].obj
            target.pages.append(source.pages[index])
            if not tagged:
                continue
            # qpdf copies each element with all it refers to, except its parent (the rest of
            # the tree), in one call; what it copied once (the page, the forms, elements) is
            # the same copy when referred to again, as in the parent tree's entries.
            page = target.pages[-1].obj
            for element in elements.get(old.objgen, []):
                parent = element.P
                del element["/P"]
                copy = target.copy_foreign(element)
                element.P, copy.P = parent, document
                document.K.append(copy)
            forms = [x for x in old.Resources.get("/XObject", {}).values() if "/StructParents" in x]
            for holder, copy in [(old, page), *((f, target.copy_foreign(f)) for f in forms)]:
                entry = _foreign(target, source, entries[int(holder.StructParents)])
                copy.StructParents = len(nums) // 2
                nums.extend([len(nums) // 2, entry])
    if tagged:
        root.ParentTree = target.make_indirect(pikepdf.Dictionary(Nums=nums))
        root.ParentTreeNextKey = len(nums) // 2
        target.Root.StructTreeRoot = root
    target.remove_unreferenced_resources()
    return target


def _foreign(target: pikepdf.Pdf, source: pikepdf.Pdf, value):
    """A copy in ``target`` of a value of ``source`` (scalars as they are)."""
    if not isinstance(value, pikepdf.Dictionary | pikepdf.Array):
        return value
    return target.copy_foreign(value if value.is_indirect else source.make_indirect(value))


def _elements_by_page(source: pikepdf.Pdf) -> dict[tuple, list]:
    """The children of the /Document element of a tagged PDF, by the page they lie on."""
    by_page: dict[tuple, list] = {}
    for kid in source.Root.StructTreeRoot.K[0].K:
        by_page.setdefault(kid.Pg.objgen, []).append(kid)
    return by_page


def _parent_tree(source: pikepdf.Pdf) -> dict[int, pikepdf.Array]:
    """A tagged PDF's parent tree (as WeasyPrint and copy_pages write it: one /Nums array)
    as {key: the elements of each marked-content id}."""
    nums = source.Root.StructTreeRoot.ParentTree.Nums
    return {int(nums[i]): nums[i + 1] for i in range(0, len(nums), 2)}


def _by_mcid(kids: dict) -> pikepdf.Array:
    """A parent tree entry: the element of each marked-content id, in id order."""
    return pikepdf.Array([kids.get(mcid) for mcid in range(max(kids) + 1)])


def _copy_element(target, source, element, parent, page, marked: dict, form=None):
    """A copy in ``target`` of a structure element of ``source`` and its descendants, under
    ``parent``, on ``page``. Its marked content is the page's or, with ``form``, that form
    XObject's; each is added to ``marked`` ({form objgen or None: {id: element}})."""
    copy = target.make_indirect(
        pikepdf.Dictionary(Type=pikepdf.Name.StructElem, S=element.S, P=parent, Pg=page, K=[])
    )
    for key in ("/A", "/Alt", "/ActualText", "/Lang", "/ID"):
        if key in element:
            copy[key] = _foreign(target, source, element[key])
    for kid in element.K:
        if isinstance(kid, int) and form is None:
            copy.K.append(kid)
            marked.setdefault(None, {})[int(kid)] = copy
        elif isinstance(kid, int) or kid.get("/Type") == pikepdf.Name.MCR:
            stream = form if isinstance(kid, int) else target.copy_foreign(kid.Stm)
            mcid = int(kid) if isinstance(kid, int) else int(kid.MCID)
            copy.K.append(pikepdf.Dictionary(Type=pikepdf.Name.MCR, Pg=page, Stm=stream, MCID=mcid))
            marked.setdefault(stream.objgen, {})[mcid] = copy
        elif kid.get("/Type") == pikepdf.Name.StructElem:
            copy.K.append(_copy_element(target, source, kid, copy, page, marked, form))
    return copy


def _own_resources(page: pikepdf.Page, form: pikepdf.Stream) -> None:
    """Give ``page`` resources of its own (WeasyPrint's pages share one dictionary) that
    draw ``form`` as /Background: a page split off takes its own form only."""
    shared = page.obj.Resources
    resources = pikepdf.Dictionary({key: shared[key] for key in shared})
    resources.XObject = pikepdf.Dictionary({**shared.get("/XObject", {}), "/Background": form})
    page.obj.Resources = resources


def _tag_course_part(document: pikepdf.Pdf, background: pikepdf.Pdf, forms: list) -> None:
    """Add the course's part (``background``'s elements, drawn on each page by its form of
    ``forms``) to each page's section of ``document``: opening, the participant's lines,
    closing, then the serial and address (see certificate_background.html)."""
    opening, closing = background.Root.StructTreeRoot.K[0].K[0].K  # Document, Sect: 2 Divs
    nums = document.Root.StructTreeRoot.ParentTree.Nums
    key = int(nums[-2]) + 1
    by_page = _elements_by_page(document)
    for page, form in zip(document.pages, forms, strict=True):
        (section,) = by_page[page.obj.objgen]
        marked: dict = {}
        first = _copy_element(document, background, opening, section, page.obj, marked, form)
        last = _copy_element(document, background, closing, section, page.obj, marked, form)
        *lines, codes = list(section.K)
        section.K = pikepdf.Array([first, *lines, last, codes])
        form.StructParents = key
        nums.extend([key, _by_mcid(marked[form.objgen])])
        key += 1
    document.Root.StructTreeRoot.ParentTreeNextKey = key


_BACKGROUNDS: dict[str, bytes] = {}


def background_pdf(shared: dict) -> bytes:
    """The part every certificate of a course shares, laid out once per render process."""
    key = hashlib.sha256(repr(sorted(shared.items())).encode()).hexdigest()
    if key not in _BACKGROUNDS:
        _BACKGROUNDS.clear()  # one course at a time is enough
        _BACKGROUNDS[key] = render_pdf(
            "pdf/documents/certificate_background.html", {"shared": shared}, STYLESHEETS
        )
    return _BACKGROUNDS[key]


def render_participants(batch: tuple) -> bytes:
    """The participants' part of a batch of certificates (a pure function of plain values:
    it runs in the render processes)."""
    shared, pages = batch
    return render_pdf(
        "pdf/documents/certificate.html", {"shared": shared, "pages": pages}, STYLESHEETS
    )


def render_pages(batch: tuple) -> tuple[bytes, list[bytes]]:
    """One batch rendered in this process (a pure function of plain values: it runs in the
    render processes): the whole document and one PDF per page."""
    shared, pages = batch
    return finish(
        render_participants(batch), background_pdf(shared), [page["url"] for page in pages]
    )


def finish(
    participants_pdf: bytes, background: bytes, urls: list[str]
) -> tuple[bytes, list[bytes]]:
    """Draw the shared part under every page, as a form XObject (nothing is parsed per page;
    tagged, each page has its own copy of the form's few bytes, see above), and each page's
    QR code over it (an artifact: the address is printed beside it); the whole document and
    one PDF per page."""
    document = pikepdf.open(io.BytesIO(participants_pdf))
    tagged = "/StructTreeRoot" in document.Root
    with pikepdf.open(io.BytesIO(background)) as source:
        form = document.copy_foreign(source.pages[0].as_form_xobject())
        raw, forms = form.read_raw_bytes(), []
        under = document.make_stream(b"q /Background Do Q q\n")
        for page, url in zip(document.pages, urls, strict=True):
            if tagged:  # the page's own copy of the form
                forms.append(pikepdf.Stream(document, raw, form.stream_dict))
                _own_resources(page, forms[-1])
            else:
                page.add_resource(form, pikepdf.Name.XObject, pikepdf.Name.Background)
            contents = page.obj.Contents
            parts = list(contents) if isinstance(contents, pikepdf.Array) else [contents]
            over = document.make_stream(b"\nQ /Artifact BMC " + qr_drawing(url) + b"EMC\n")
            page.obj.Contents = pikepdf.Array([under, *parts, over])
        if tagged:
            _tag_course_part(document, source, forms)
    return _pdf_bytes(document), split_pages(document)


_POOL: ProcessPoolExecutor | None = None
_POOL_LOCK = threading.Lock()


def _warm_up() -> None:
    """Load the fonts and the stylesheet, and go once through every step of a certificate,
    in a render process (as a worker that has issued certificates before)."""
    shared = {
        "fund": "Funds-in-Trust",
        "heading": "Certificate",
        "course_title": "Course",
        "held": "Tokyo",
        "organisers": "JPO",
        "logos": [],
        "signatories": [{"name": "A", "title": "B", "image": None}],
    }
    samples = {  # a name in every script the stylesheet has a font for
        "vi": "Nguyễn Văn An", "zh": "王伟", "ja": "山田太郎", "ko": "김민준",
        "ar": "كريم", "ur": "احمد", "th": "สมชาย", "km": "ចាន់ សុខា",
        "lo": "ສົມພອນ", "my": "အောင်ကျော်မိုး", "dz": "ཀརྨ་དབང་ཕྱུག",
    }  # fmt: skip
    pages = [
        {
            "name": "Nguyễn Văn An",
            "native": native,
            "lang": lang,
            "affiliation": "Office",
            "serial": "W-001",
            "url": "https://example.org/verify/warm",
        }
        for lang, native in samples.items()
    ]
    render_pages((shared, pages))
    _BACKGROUNDS.clear()


def render_pool(workers: int) -> ProcessPoolExecutor:
    """Long-lived render processes (started once per worker, fonts already loaded)."""
    global _POOL
    with _POOL_LOCK:
        if _POOL is None or _POOL._max_workers != workers:  # noqa: SLF001
            if _POOL is not None:
                _POOL.shutdown()
            _POOL = ProcessPoolExecutor(max_workers=workers, initializer=_warm_up)
        return _POOL


def iter_render(batches: list, workers: int = 1):
    """Render batches in order: (whole document, one PDF per page) each, in this process or
    in the render processes (each lays out a course's shared part once)."""
    if workers <= 1 or len(batches) <= 1:
        yield from (render_pages(batch) for batch in batches)
    else:
        yield from render_pool(workers).map(render_pages, batches)


def store_pdf(certificate: Certificate, data: bytes) -> None:
    """Write the PDF under a temporary name, make it durable, rename it into place, then
    record it: a crash leaves either no file or a complete one, never a half-written one.
    Named by ids and the digest, never by user text (a course code could hold "../")."""
    digest = hashlib.sha256(data).hexdigest()
    folder = storage_dir() / str(certificate.enrolment.course_id)
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{certificate.id}-{digest[:12]}.pdf"
    _write_atomically(folder / name, lambda handle: handle.write(data))
    certificate.pdf_name = f"{certificate.enrolment.course_id}/{name}"
    certificate.sha256 = digest


def pdf_path(certificate: Certificate) -> Path:
    """Where the certificate's PDF is kept; never outside the certificates folder (older
    names were made from the serial, hence from the course code)."""
    return inside(storage_dir(), certificate.pdf_name)


def inside(folder: Path, name: str) -> Path:
    """``folder / name``, refused (ValueError) if it would lead out of ``folder``."""
    path = (folder / name).resolve()
    if not path.is_relative_to(folder.resolve()):
        raise ValueError(f"{name!r} is not a file name inside {folder}.")
    return path


# --- issuing ------------------------------------------------------------------------------


def current_certificate(enrolment_id: int) -> Certificate | None:
    """The participant's certificate that is not revoked (pending or issued), if any."""
    return (
        db.session.execute(
            sa.select(Certificate).where(
                Certificate.enrolment_id == enrolment_id,
                Certificate.status != CertificateStatus.REVOKED,
            )
        )
        .scalars()
        .first()
    )


def allocate(actor, enrolment: Enrolment, replaces: Certificate | None = None) -> Certificate:
    """A pending certificate with the next serial of the course and a random code."""
    course = enrolment.course
    number = next_number(f"certificate:{course.code}")
    certificate = Certificate(
        enrolment_id=enrolment.id,
        serial=f"{course.code}-{number:03d}",
        verification_code=new_verification_code(),
        status=CertificateStatus.PENDING,
        replaces=replaces,
    )
    db.session.add(certificate)
    db.session.flush()
    return certificate


def lock_course(course_id: int) -> None:
    """Take the course's row lock until the transaction ends: two coordinators issuing for
    the same course wait for each other, so the second sees the first's certificates
    (PostgreSQL; SQLite's writers are serialized already, see database.py)."""
    from ..courses.models import Course

    db.session.execute(sa.select(Course.id).where(Course.id == course_id).with_for_update())


def plan_issue(actor, course) -> list[int]:
    """Allocate pending certificates for every eligible participant without one; returns the
    ids of all the course's pending certificates (new and left over by an interrupted run)."""
    check_issuable(course)
    lock_course(course.id)
    have = set(
        db.session.execute(
            sa.select(Certificate.enrolment_id)
            .join(Enrolment)
            .where(
                Enrolment.course_id == course.id, Certificate.status != CertificateStatus.REVOKED
            )
        ).scalars()
    )
    needed = [
        row.enrolment
        for row in eligibility(course)
        if row.eligible and row.enrolment.id not in have
    ]
    numbers = reserve_numbers(f"certificate:{course.code}", len(needed)) if needed else []
    db.session.add_all(
        [
            Certificate(
                enrolment_id=enrolment.id,
                serial=f"{course.code}-{number:03d}",
                verification_code=new_verification_code(),
                status=CertificateStatus.PENDING,
            )
            for enrolment, number in zip(needed, numbers, strict=True)
        ]
    )
    db.session.flush()
    return list(
        db.session.execute(
            sa.select(Certificate.id)
            .join(Enrolment)
            .where(
                Enrolment.course_id == course.id, Certificate.status == CertificateStatus.PENDING
            )
            .order_by(Certificate.id)
        ).scalars()
    )


def issue_in_batches(
    actor, certificate_ids: list[int], workers: int = 1, served_at: str | None = None
):
    """Render, store and mark issued the given pending certificates, for the batch job:
    every batch is sent to the render processes at once; each is stored and flushed as it
    comes back, and this yields (issued so far, the batch's whole document) for the job to
    commit it, so storing overlaps rendering. Called with nothing pending in the session: the
    read transaction is ended while rendering (SQLite has one writer at a time).
    ``served_at``: see public_base_url."""
    certificates = _load_pending(certificate_ids)
    batches = certificate_batches(certificates, workers, served_at)
    ids = [c.id for c in certificates]
    printed = _printed_names(certificates, batches)
    _release_while_rendering()
    done = 0
    for whole, pages in iter_render(batches, workers):
        batch_ids, ids = ids[: len(pages)], ids[len(pages) :]
        current = {c.id: c for c in _load_pending(batch_ids)}
        for certificate_id, data in zip(batch_ids, pages, strict=True):
            certificate = current.get(certificate_id)
            if certificate is not None:  # else issued meanwhile by another run
                _mark_issued(actor, certificate, data, printed[certificate_id])
        db.session.flush()
        done += len(batch_ids)
        yield done, whole


def issue_now(actor, certificates: list[Certificate], served_at: str | None = None) -> None:
    """Render, store and mark issued a few pending certificates in this process and in the
    caller's transaction (a coordinator issuing one; a batch is ``issue_in_batches``)."""
    batches = certificate_batches(certificates, 1, served_at)
    printed = _printed_names(certificates, batches)
    pages = [page for _whole, batch_pages in iter_render(batches) for page in batch_pages]
    for certificate, data in zip(certificates, pages, strict=True):
        _mark_issued(actor, certificate, data, printed[certificate.id])
    db.session.flush()


def _printed_names(certificates: list[Certificate], batches: list[tuple]) -> dict:
    """Each certificate's name and native name as its page prints them."""
    contexts = [page for _shared, pages in batches for page in pages]
    return {
        c.id: (page["name"], page["native"]) for c, page in zip(certificates, contexts, strict=True)
    }


def _mark_issued(actor, certificate: Certificate, data: bytes, printed: tuple) -> None:
    store_pdf(certificate, data)
    certificate.printed_name, certificate.printed_native_name = printed
    certificate.status, certificate.issued_at = CertificateStatus.ISSUED, utcnow()
    record_audit(actor, "certificate.issue", certificate, serial=certificate.serial)


def _release_while_rendering() -> None:
    """End the read transaction before a long render (nothing may be pending: the caller
    committed), so that other writers are not held up."""
    if db.session.new or db.session.dirty or db.session.deleted:
        raise RuntimeError("Commit before rendering: changes are pending in the session.")
    db.session.rollback()


def _load_pending(ids: list[int]) -> list[Certificate]:
    return list(
        db.session.execute(
            sa.select(Certificate)
            .where(Certificate.id.in_(ids), Certificate.status == CertificateStatus.PENDING)
            .options(
                joinedload(Certificate.enrolment).joinedload(Enrolment.person),
                joinedload(Certificate.enrolment).joinedload(Enrolment.organisation),
            )
            .order_by(Certificate.id)
        )
        .scalars()
        .unique()
    )


def issue_one(actor, enrolment: Enrolment, served_at: str | None = None) -> Certificate:
    """Issue one participant's certificate now (they must be eligible, the course held)."""
    check_issuable(enrolment.course)
    row = next((r for r in eligibility(enrolment.course) if r.enrolment.id == enrolment.id), None)
    if row is None or not row.eligible:
        reasons = ", ".join(row.reasons) if row else "not a participant"
        raise CertificateError(f"{enrolment.person.full_name} is not eligible: {reasons}.")
    lock_course(enrolment.course_id)
    certificate = current_certificate(enrolment.id) or allocate(actor, enrolment)
    if certificate.status == CertificateStatus.PENDING:
        issue_now(actor, [certificate], served_at)
    return certificate


def revoke(actor, certificate: Certificate, reason: str) -> None:
    """Revoke a certificate; its verification page says so from now on."""
    if not reason.strip():
        raise CertificateError("Write the reason for revoking the certificate.")
    if certificate.status == CertificateStatus.REVOKED:
        raise CertificateError(f"{certificate.serial} is revoked already.")
    certificate.status = CertificateStatus.REVOKED
    certificate.revoked_at, certificate.revoke_reason = utcnow(), reason.strip()
    db.session.flush()
    record_audit(
        actor, "certificate.revoke", certificate, serial=certificate.serial, reason=reason.strip()
    )


def reissue(
    actor, certificate: Certificate, reason: str, served_at: str | None = None
) -> Certificate:
    """Revoke and issue a new certificate with a new serial (e.g. a corrected name)."""
    check_issuable(certificate.enrolment.course)
    lock_course(certificate.enrolment.course_id)
    if certificate.status != CertificateStatus.REVOKED:
        revoke(actor, certificate, reason or "Reissued")
    new = allocate(actor, certificate.enrolment, replaces=certificate)
    issue_now(actor, [new], served_at)
    record_audit(actor, "certificate.reissue", new, replaces=certificate.serial)
    return new


def course_certificates(course) -> list[Certificate]:
    return list(
        db.session.execute(
            sa.select(Certificate)
            .join(Enrolment)
            .where(Enrolment.course_id == course.id)
            .options(joinedload(Certificate.enrolment).joinedload(Enrolment.person))
            .order_by(Certificate.id)
        )
        .scalars()
        .unique()
    )


def by_code(typed: str) -> Certificate | None:
    """The issued or revoked certificate a person typed or scanned: its verification code
    (any case, hyphens and spaces optional, O read as 0, I and L as 1; codes made before
    this alphabet, as printed), or else its serial number."""
    typed = (typed or "").strip()
    if not typed or len(typed) > 80:
        return None
    normalised = normalise_code(typed)
    for condition in (  # exactly as typed first: an older code is case-sensitive
        Certificate.verification_code == typed,
        Certificate.verification_code == normalised if normalised else None,
        Certificate.serial.in_({typed, typed.upper()}),
    ):
        if condition is None:
            continue
        certificate = db.session.execute(
            sa.select(Certificate)
            .where(condition, Certificate.status != CertificateStatus.PENDING)
            .options(joinedload(Certificate.enrolment))
            .order_by(Certificate.id)
        ).scalar()
        if certificate is not None:
            return certificate
    return None


def found_by_serial(certificate: Certificate, typed: str) -> bool:
    """Was ``certificate`` found by its serial number rather than its code?"""
    typed = (typed or "").strip()
    return typed.upper() == certificate.serial.upper() and typed != certificate.verification_code


def initials(name: str) -> str:
    """'Ms NGUYEN Thi Lan' → 'N. T. L.': enough to match a certificate in hand, not a list."""
    titles = {"mr", "ms", "mrs", "dr", "dr.", "prof.", "prof", "judge", "h.e."}
    words = [w for w in name.split() if w.lower() not in titles]
    return " ".join(f"{w[0].upper()}." for w in words)


def replacement_of(certificate: Certificate) -> Certificate | None:
    """The certificate issued in place of a revoked one, if any."""
    return db.session.execute(
        sa.select(Certificate).where(
            Certificate.replaces_id == certificate.id,
            Certificate.status != CertificateStatus.PENDING,
        )
    ).scalar_one_or_none()


def printed_name(certificate: Certificate) -> str:
    """The name as printed on the certificate (the name on record for older ones)."""
    if certificate.printed_name:
        return certificate.printed_name
    person = certificate.enrolment.person
    return f"{person.title} {person.full_name}".strip()


def printed_native_name(certificate: Certificate) -> str:
    if certificate.printed_name:
        return certificate.printed_native_name or ""
    return certificate.enrolment.person.native_name


# --- names as their owners write them ----------------------------------------------------


def _clean_name(text: str, field: str, label: str, limit: int, required: bool) -> str:
    """One line of text, inner spaces collapsed; CertificateError naming ``field`` else."""
    if any(ord(c) < 32 or 0x7F <= ord(c) < 0xA0 for c in text or ""):
        raise CertificateError(f"{label}: write it on one line, without control characters.", field)
    cleaned = " ".join((text or "").split())
    if required and not cleaned:
        raise CertificateError(f"{label}: write it as it should be printed.", field)
    if len(cleaned) > limit:
        raise CertificateError(f"{label}: at most {limit} characters.", field)
    return cleaned


def save_name_as_printed(
    actor, person: Person, order: str, name_as_printed: str, expected_version: int | None = None
) -> None:
    """A coordinator sets the person's name order ("" for their country's) and the Latin name
    as printed ("" for the one derived from the parts)."""
    if is_stale(person, expected_version):
        raise ConflictError(conflict_message("record"))
    if order and order not in set(NameOrder):
        raise CertificateError("Choose a name order from the list.", "name_order")
    name = _clean_name(name_as_printed, "name_as_printed", "Name as printed", 400, False)
    old = (person.name_order or "", person.name_as_printed, person.printed_name)
    person.name_order = order or None
    person.name_as_printed = "" if name == person.derived_name else name
    if old != (person.name_order or "", person.name_as_printed, person.printed_name):
        db.session.flush()
        record_audit(
            actor,
            "person.name_as_printed",
            person,
            order=person.name_order or "",
            printed={"old": old[2], "new": person.printed_name},
        )


def confirm_name(actor, person: Person, shown_name: str, shown_native: str) -> None:
    """The person says the names shown to them are right. Refused when they changed since the
    page showed them (the person confirms only what they saw)."""
    if (shown_name, shown_native) != (person.printed_name, person.native_name or ""):
        raise CertificateError(
            "Your name was changed since the page was shown: read it again before confirming."
        )
    if person.proposed_name is not None:
        raise CertificateError("Your correction waits for the coordinator: it cannot be confirmed.")
    person.confirmed_name, person.confirmed_native_name = shown_name, shown_native
    person.name_confirmed_at = utcnow()
    db.session.flush()
    record_audit(actor, "person.name_confirm", person, name=shown_name, native_name=shown_native)


def propose_name(actor, person: Person, name: str, native_name: str) -> None:
    """The person corrects the names to print; a coordinator approves the correction. The
    same names as printed now are simply confirmed."""
    problems = []
    cleaned = []
    for text, field, label, limit, required in (
        (name, "name", "Name as printed", 400, True),
        (native_name, "native_name", "Name in your own script", 300, False),
    ):
        try:
            cleaned.append(_clean_name(text, field, label, limit, required))
        except CertificateError as exc:
            problems.extend(exc.problems)
    if problems:
        raise CertificateError.of(problems)
    name, native_name = cleaned
    if (name, native_name) == (person.printed_name, person.native_name or ""):
        person.proposed_name = person.proposed_native_name = person.name_proposed_at = None
        confirm_name(actor, person, name, native_name)
        return
    person.proposed_name, person.proposed_native_name = name, native_name
    person.name_proposed_at = utcnow()
    db.session.flush()
    record_audit(actor, "person.name_correct", person, name=name, native_name=native_name)


def decide_name(actor, person: Person, approve: bool, expected_version: int | None = None) -> None:
    """A coordinator approves the correction a person sent (their names become the ones
    printed, and confirmed) or rejects it (the person is asked again)."""
    if is_stale(person, expected_version):
        raise ConflictError(
            "The name or its correction changed since the page was shown: reload the page and "
            "decide again."
        )
    if person.proposed_name is None:
        raise CertificateError("No correction of this name waits for approval.")
    name, native = person.proposed_name, person.proposed_native_name or ""
    old = (person.printed_name, person.native_name)
    person.proposed_name = person.proposed_native_name = person.name_proposed_at = None
    if approve:
        person.name_as_printed = "" if name == person.derived_name else name
        person.native_name = native
        person.confirmed_name, person.confirmed_native_name = name, native
        person.name_confirmed_at = utcnow()
    db.session.flush()
    record_audit(
        actor,
        "person.name_approve" if approve else "person.name_reject",
        person,
        name={"old": old[0], "new": name},
        native_name={"old": old[1], "new": native},
    )


# --- batches ------------------------------------------------------------------------------

BATCH_FORMATS = ("pdf", "zip")
#: The kind of job that only gathers the certificates issued (e.g. "issued-certificates.zip").
ISSUED_ONLY = "issued-certificates"


def jobs_dir() -> Path:
    path = Path(current_app.instance_path) / "jobs"
    path.mkdir(parents=True, exist_ok=True)
    return path


def issued_count(course) -> int:
    return db.session.execute(
        sa.select(sa.func.count())
        .select_from(Certificate)
        .join(Enrolment)
        .where(Enrolment.course_id == course.id, Certificate.status == CertificateStatus.ISSUED)
    ).scalar_one()


def start_batch(actor, course, fmt: str, served_at: str | None = None, issue: bool = True):
    """Record a batch job, to issue what is missing, then make one PDF or a ZIP; or, without
    ``issue`` (staff, who download but do not issue), the file of the certificates issued so
    far. The caller commits, then ``queue_batch``. ``served_at``: the address of the request
    starting it (public_base_url)."""
    if fmt not in BATCH_FORMATS:
        raise CertificateError("Choose a merged PDF or a ZIP file.")
    if issue:
        check_issuable(course)
    elif not issued_count(course):
        raise CertificateError(
            f"No certificate of {course.code} is issued yet: there is nothing to download."
        )
    kind = f"certificates.{fmt}" if issue else f"{ISSUED_ONLY}.{fmt}"
    job = Job(
        kind=kind,
        course_id=course.id,
        created_by_id=getattr(actor, "id", None),
        base_url=served_at,
    )
    db.session.add(job)
    db.session.flush()
    record_audit(actor, "certificate.batch", job, course=course.code, format=fmt)
    return job


def retry_batch(actor, job) -> None:
    """Mark a failed batch to run again (it keeps the certificates issued before it failed).
    The caller commits, then ``queue_batch``."""
    if job.status != "failed":
        raise CertificateError(f"This job is {job.status}: only a failed job is started again.")
    job.status, job.error, job.worker = "queued", "", None
    job.interruptions, job.interrupted_at, job.interrupted_done = 0, None, None
    db.session.flush()
    record_audit(actor, "certificate.batch_retry", job, kind=job.kind)


def queue_batch(job_id: int, served_at: str | None) -> None:
    """Hand a committed batch job to the worker (it must see the job queued: commit first).
    ``served_at``: the job's base_url."""
    enqueue(job_id, served_at)


def safe_filename(text: str) -> str:
    """ASCII letters, digits and dashes only: safe on every system and in a ZIP."""
    import unicodedata

    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    cleaned = "".join(ch if ch.isalnum() else "-" for ch in ascii_text)
    return "-".join(part for part in cleaned.split("-") if part)[:80] or "certificate"


def job_path(job) -> Path:
    """The job's result file (in the jobs folder, whatever the name on record)."""
    return inside(jobs_dir(), job.result_name)


def job_download_name(job) -> str:
    """The name the job's file is downloaded as, e.g. ENF-2013-certificates.pdf."""
    from ..courses.models import Course

    course = db.session.get(Course, job.course_id) if job.course_id else None
    fmt = job.kind.rpartition(".")[2]
    return f"{safe_filename(course.code) if course else 'course'}-certificates.{fmt}"


def _write_atomically(path: Path, write) -> None:
    """Write to a temporary name of this writer's own, then rename: two batches storing the
    same certificate at once each rename a whole file (a shared temporary name let one rename
    the other's away)."""
    descriptor, temporary = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.", suffix=".part"
    )
    try:
        with os.fdopen(descriptor, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def run_batch(job_id: int, workers: int | None = None, served_at: str | None = None) -> None:
    """The job: issue the missing certificates (progress as it goes), then build the file.
    Safe to run again after a crash: pending certificates are completed, files replaced.
    Unlike the services above it commits, as it goes: each commit below is the job's.
    ``served_at``: the address of the request that started it (see public_base_url)."""
    import zipfile

    from ..courses.models import Course

    job = db.session.get(Job, job_id)
    course = db.session.get(Course, job.course_id)
    workers = workers or current_app.config.get("PDF_WORKERS", 1)
    try:
        job.status, job.error = "running", ""
        kind, fmt = job.kind.split(".")
        pending = [] if kind == ISSUED_ONLY else plan_issue(None, course)
        issued = [c for c in course_certificates(course) if c.status == CertificateStatus.ISSUED]
        if not pending and not issued:
            raise CertificateError(f"No certificate of {course.code} is issued.")
        job.total, job.done = len(pending) + len(issued), len(issued)
        db.session.commit()  # the job's: running, with its serials allocated

        fresh: list[bytes] = []  # when every certificate is rendered now, the merged PDF's
        for done, whole in issue_in_batches(None, pending, workers, served_at):
            job.done = len(issued) + done
            fresh.append(whole)
            db.session.commit()  # the job's, per batch: a crash loses only the batches after
        certificates = [
            c for c in course_certificates(course) if c.status == CertificateStatus.ISSUED
        ]
        name = f"job-{job.id}.{fmt}"  # by id: the course code is in job_download_name only
        if fmt == "zip":

            def write(handle):
                with zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED) as archive:
                    for c in certificates:
                        person = c.enrolment.person
                        archive.write(
                            pdf_path(c),
                            safe_filename(f"{c.serial}-{person.family_name}-{person.given_name}")
                            + ".pdf",
                        )
        else:
            # When every certificate was rendered just now, reuse those documents.
            documents = fresh if not issued else _merged_chunks(certificates, workers, served_at)

            def write(handle):  # tagged, with the documents' structure
                sources = [pikepdf.open(io.BytesIO(document)) for document in documents]
                merged = copy_pages([(source, range(len(source.pages))) for source in sources])
                merged.save(handle, **SAVE)

        _write_atomically(jobs_dir() / name, write)
        job.result_name, job.status, job.done = name, "done", job.total
        db.session.commit()  # the job's: done
    except Exception as exc:
        db.session.rollback()
        job = db.session.get(Job, job_id)
        job.status, job.error = "failed", f"{type(exc).__name__}: {exc}"[:1000]
        db.session.commit()  # the job's: failed, with the reason
        raise


def _merged_chunks(
    certificates: list[Certificate], workers: int, served_at: str | None = None
) -> list[bytes]:
    """The certificates as a few multi-page PDFs (one per chunk), not one file per page."""
    batches = certificate_batches(certificates, workers, served_at)
    _release_while_rendering()
    return [whole for whole, _pages in iter_render(batches, workers)]


# --- for the dashboard --------------------------------------------------------------------


#: How many of the latest completed courses the dashboard checks for certificates to issue:
#: the attendance of every course ever held would be read otherwise (a tenth of a second
#: with 20 years of history), for courses long closed whose certificates were given on paper.
LATEST_COMPLETED = 20


def certificates_to_issue(latest: int = LATEST_COMPLETED, limit: int = 5) -> tuple[list, int, int]:
    """Among the ``latest`` completed courses, those with participants who are eligible (by
    the course's rules, as ``eligibility`` reads them, or by a coordinator's override) and
    have no certificate in force, the latest first: rows of (Course, eligible), how many such
    courses and how many such participants in all. One query."""
    from ..courses.models import Course, CourseStatus

    recent = (
        sa.select(Course.id)
        .where(Course.status == CourseStatus.COMPLETED)
        .order_by(Course.end_date.desc(), Course.id.desc())
        .limit(latest)
        .scalar_subquery()
    )
    rates = _attendance_rates(recent)
    submitted, presented = _submitted(), _presented()
    in_force = (
        sa.select(Certificate.id)
        .where(
            Certificate.enrolment_id == Enrolment.id,
            Certificate.status != CertificateStatus.REVOKED,
        )
        .exists()
    )
    by_the_rules = sa.and_(
        rates.c.marked > 0,
        # eligibility() rounds the percentage to one decimal: round(100 * a / m, 1) >= pct
        # exactly when 2000 * a >= (20 * pct - 1) * m (no tie below 2,000 sessions).
        2000 * rates.c.attended >= (20 * Course.min_attendance_pct - 1) * rates.c.marked,
        sa.or_(Course.evaluation_required.is_(False), submitted),
        sa.or_(Course.country_report_required.is_(False), presented),
    )
    eligible = sa.or_(
        EligibilityOverride.eligible.is_(True),
        sa.and_(EligibilityOverride.id.is_(None), by_the_rules),
    )
    count = sa.func.count()
    rows = db.session.execute(
        sa.select(
            Course,
            count.label("eligible"),
            sa.func.count().over().label("courses"),
            sa.func.sum(count).over().label("participants"),
        )
        .select_from(Enrolment)
        .join(Course, Course.id == Enrolment.course_id)
        .outerjoin(EligibilityOverride, EligibilityOverride.enrolment_id == Enrolment.id)
        .outerjoin(rates, rates.c.enrolment_id == Enrolment.id)
        .where(
            Enrolment.course_id.in_(recent),
            Enrolment.status.in_(timetable_services.EXPECTED),
            ~in_force,
            eligible,
        )
        .group_by(Course.id)
        .order_by(Course.end_date.desc(), Course.id.desc())
        .limit(limit)
    ).all()
    if not rows:
        return [], 0, 0
    return rows, rows[0].courses, int(rows[0].participants)


def certificates_issued_since(since: datetime, limit: int = 5) -> tuple[list, int]:
    """Courses with certificates issued since ``since``, the latest first: rows of (Course,
    issued, last_issued_at), and how many such courses in all. One query."""
    from ..courses.models import Course

    rows = db.session.execute(
        sa.select(
            Course,
            sa.func.count().label("issued"),
            sa.func.max(Certificate.issued_at).label("last_issued_at"),
            sa.func.count().over().label("courses"),
        )
        .select_from(Certificate)
        .join(Enrolment, Enrolment.id == Certificate.enrolment_id)
        .join(Course, Course.id == Enrolment.course_id)
        .where(Certificate.status == CertificateStatus.ISSUED, Certificate.issued_at >= since)
        .group_by(Course.id)
        .order_by(sa.func.max(Certificate.issued_at).desc(), Course.id)
        .limit(limit)
    ).all()
    return rows, rows[0].courses if rows else 0


def certificates_of_person(person_id: int) -> list:
    """A participant's issued certificates, newest first: rows of (Certificate, Course). One
    query."""
    from ..courses.models import Course

    return db.session.execute(
        sa.select(Certificate, Course)
        .join(Enrolment, Enrolment.id == Certificate.enrolment_id)
        .join(Course, Course.id == Enrolment.course_id)
        .where(Enrolment.person_id == person_id, Certificate.status == CertificateStatus.ISSUED)
        .order_by(Certificate.issued_at.desc(), Certificate.id.desc())
    ).all()


def downloads_of_user(user_id: int, since: datetime, limit: int = 5) -> list:
    """The batch files a user asked for since ``since``, newest first: rows of (Job, course
    code or None). One query."""
    from ..courses.models import Course

    return db.session.execute(
        sa.select(Job, Course.code)
        .outerjoin(Course, Course.id == Job.course_id)
        .where(Job.created_by_id == user_id, Job.created_at >= since)
        .order_by(Job.created_at.desc(), Job.id.desc())
        .limit(limit)
    ).all()
