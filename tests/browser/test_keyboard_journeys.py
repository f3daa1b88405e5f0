"""Journeys done with the keyboard alone (Tab, Shift+Tab, Enter, Space, arrows and typing into
the focused field; never a click): a coordinator marks attendance and issues certificates, a
trainee submits the evaluation and downloads a certificate. On the way, at every key: the
focused element shows a focus ring, focus moves in the order of the page (skip link, then
the menu, then the main content, then the footer), Tab always leaves a page (nothing traps
it), and the confirmation dialog keeps focus inside and gives it back to its button."""

import re
from datetime import timedelta

import pyotp
import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from wipo_training.courses.models import Course
from wipo_training.demo import DEMO_PASSWORD, DEMO_TOTP_SECRETS
from wipo_training.documents import services as certificate_services
from wipo_training.evaluations import services as evaluation_services
from wipo_training.extensions import db
from wipo_training.participants.models import Enrolment
from wipo_training.people.models import Person
from wipo_training.timeutil import utcnow

pytestmark = pytest.mark.browser

#: The focused element, as the test needs it: its name, where it is, whether its focus ring
#: shows (an outline or shadow of 3:1 contrast with the background around it: WCAG 1.4.11
#: for focus indicators), and whether it comes after the element focused before it (the
#: page's order).
FOCUSED = """() => {
  const rgba = (text) => {
    const m = /rgba?\\(([^)]*)\\)/.exec(text || "");
    if (!m) return null;
    const p = m[1].split(/[\\s,\\/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  };
  const over = (top, under) => top.slice(0, 3).map((c, i) => c * top[3] + under[i] * (1 - top[3]));
  // What the ring is drawn on: the first background behind the element (white at the end).
  const backdrop = (el) => {
    const layers = [];
    for (let up = el.parentElement; up; up = up.parentElement) {
      const c = rgba(getComputedStyle(up).backgroundColor);
      if (c && c[3] > 0) { layers.push(c); if (c[3] === 1) break; }
    }
    return layers.reverse().reduce((under, top) => over(top, under), [255, 255, 255]);
  };
  const luminance = (rgb) => {
    const [r, g, b] = rgb.map((c) => {
      c /= 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  // The contrast of the focus indicator (an outline, else a box-shadow) with its backdrop.
  const ringContrast = (el) => {
    const style = getComputedStyle(el);
    const under = backdrop(el);
    let colour = null;
    if (style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2) {
      colour = rgba(style.outlineColor);
    } else if (style.boxShadow !== "none") colour = rgba(style.boxShadow);
    if (!colour) return 0;
    const [a, b] = [luminance(over(colour, under)), luminance(under)];
    return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
  };
  const el = document.activeElement;
  if (!el || el === document.body || el === document.documentElement) return null;
  // A radio drawn as a button (Bootstrap's .btn-check) is hidden: its label shows the focus.
  const drawn = el.classList.contains("btn-check") ? el.nextElementSibling : el;
  const ring = ringContrast(drawn) >= 3;
  const box = drawn.getBoundingClientRect();
  const label = el.labels && el.labels.length ? el.labels[0].innerText : "";
  const name = el.getAttribute("aria-label") || label || el.innerText || el.value || "";
  const previous = window.__lastFocused;
  window.__lastFocused = el;
  return {
    tag: el.tagName.toLowerCase(),
    type: el.type || "",
    id: el.id,
    name: name.trim().replace(/\\s+/g, " "),
    region: ["dialog", "header", "main", "footer"].find((tag) => el.closest(tag)) || "body",
    ring: ring,
    seen: box.width > 0 && box.height > 0,
    forward: previous && previous.isConnected && previous !== el
      ? Boolean(previous.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING) : null,
    skipLink: el.classList.contains("skip-link"),
    row: el.closest("tr") ? el.closest("tr").innerText.trim().slice(0, 80) : "",
  };
}"""

REGIONS = ["header", "main", "footer"]
ENFORCEMENT = re.compile("^Training Course on the Enforcement of Intellectual Property Rights")


def focused(page) -> dict | None:
    """The focused element (None when focus left the page), checked to show its focus."""
    focus = page.evaluate(FOCUSED)
    if focus is not None:
        assert focus["seen"] and focus["ring"], f"focus not visible on {focus} at {page.url}"
    return focus


def press(page, key: str) -> dict | None:
    page.keyboard.press(key)
    return focused(page)


def tab_to(page, name: str | re.Pattern, row: str = "", key: str = "Tab", limit: int = 400) -> dict:
    """Press Tab (or ``key``) until the element called ``name`` (in the table row that
    starts with ``row``) has focus; each step shows its focus and, going forward, follows
    the order of the page."""
    for _ in range(limit):
        focus = press(page, key)
        if focus is None:
            continue
        if key == "Tab" and focus["forward"] is False and not focus["skipLink"]:
            raise AssertionError(f"Tab went back up the page to {focus} at {page.url}")
        if isinstance(name, re.Pattern):
            named = name.search(focus["name"])
        else:
            named = focus["name"] == name
        if named and focus["row"].startswith(row):
            return focus
    raise AssertionError(f"{key} never reached {name!r} at {page.url}")


def walk_the_page(page, limit: int = 600) -> list[dict]:
    """Tab from the top of the page until focus leaves it: the skip link comes first, then
    the menu, the main content and the footer, in the page's order; nothing keeps focus."""
    page.evaluate("() => { document.activeElement.blur(); window.__lastFocused = null; }")
    stops = []
    for _ in range(limit):
        focus = press(page, "Tab")
        if focus is None or (stops and focus["skipLink"]):
            break  # out of the page (to the browser), or round to the top again
        assert focus["forward"] is not False, f"Tab went back up the page to {focus}"
        stops.append(focus)
    else:
        raise AssertionError(f"focus trapped: {limit} Tabs never left {page.url} ({stops[-3:]})")
    assert stops and stops[0]["skipLink"], f"the first Tab reaches {stops[:1]}, not the skip link"
    regions = [stop["region"] for stop in stops[1:]]
    assert regions == sorted(regions, key=REGIONS.index), f"Tab order across regions: {regions}"
    return stops


def sign_in_by_keyboard(page, base: str, email: str):
    """The sign-in page focuses its email field; the password is a Tab away; Enter signs in.
    An account with an authenticator app types its code into the field that has focus."""
    page.goto(f"{base}/login")
    expect(page.get_by_label("Email")).to_be_focused()
    focused(page)
    page.keyboard.type(email)
    assert press(page, "Tab")["name"].startswith("Password")
    page.keyboard.type(DEMO_PASSWORD)
    page.keyboard.press("Enter")
    if email in DEMO_TOTP_SECRETS:
        expect(page).to_have_url(re.compile(r"/login/code$"))
        expect(page.get_by_label("Code")).to_be_focused()
        focused(page)
        page.keyboard.type(pyotp.TOTP(DEMO_TOTP_SECRETS[email]).now())
        page.keyboard.press("Enter")
    expect(page).to_have_url(f"{base}/")
    page.wait_for_load_state()


def follow(page, name: str | re.Pattern, row: str = "", navigates: bool = True):
    """Tab to the link or button called ``name`` and press Enter (and wait for the page it
    opens)."""
    tab_to(page, name, row)
    if navigates:
        with page.expect_navigation():
            page.keyboard.press("Enter")
    else:
        page.keyboard.press("Enter")


def no_browser_dialogs(page) -> list[str]:
    """Browser dialogs (alert, confirm) opened: the app asks with its own <dialog> only."""
    opened = []
    page.on("dialog", lambda dialog: (opened.append(dialog.message), dialog.dismiss()))
    return opened


def test_coordinator_marks_attendance_and_issues_certificates(live_server, page):
    base = live_server
    browser_dialogs = no_browser_dialogs(page)
    sign_in_by_keyboard(page, base, "coordinator@demo.test")
    stops = walk_the_page(page)
    assert [s["name"] for s in stops[1:3]] == ["WIPO Training", "Dashboard"]

    # The menu's Courses, the filter field, the course, its Timetable, a session held.
    follow(page, "Courses")
    expect(page.get_by_role("heading", name="Courses")).to_be_visible()
    tab_to(page, "Title, code or city")
    page.keyboard.type("ENF-2014")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_role("row")).to_have_count(2)  # the header and the one course
    follow(page, ENFORCEMENT, row="ENF-2014")
    expect(page.get_by_role("heading", name=re.compile("Enforcement"))).to_be_visible()
    follow(page, "Timetable")
    follow(page, "Criminal Enforcement of IP Rights")
    follow(page, "Mark attendance")

    # Attendance: Oyunchimeg Bold absent (arrows on the list), a note typed after a Tab.
    expect(page.get_by_role("heading", name=re.compile("^Attendance"))).to_be_visible()
    walk_the_page(page)
    tab_to(page, "BOLD, Oyunchimeg")
    for _ in range(3):
        page.keyboard.press("ArrowDown")
    expect(page.get_by_label("BOLD, Oyunchimeg")).to_have_value("absent")
    assert press(page, "Tab")["name"] == "Note for Oyunchimeg Bold"
    page.keyboard.type("Flight delayed")
    follow(page, "Save attendance")
    expect(page.get_by_text("Attendance saved: 11 present, 1 exceptions.")).to_be_visible()

    # Certificates of ENF-2013: open Sokha Chan's "Change" (Enter on the summary), Issue now.
    page.goto(f"{base}/courses/?year=2013")
    follow(page, ENFORCEMENT, row="ENF-2013")
    follow(page, "Certificates")
    expect(page.get_by_text("30 of 30")).to_be_visible()
    walk_the_page(page)
    follow(page, "Change", row="CHAN, Sokha", navigates=False)  # Enter opens the row's <details>
    follow(page, "Issue now")
    expect(page.get_by_text(re.compile(r"Certificate .* issued to Sokha Chan\."))).to_be_visible()

    # Reissue it (a corrected name): the page asks first, in a dialog that holds focus.
    follow(page, "Change", row="CHAN, Sokha", navigates=False)
    tab_to(page, re.compile("^Reason to reissue"))
    page.keyboard.type("Name corrected")
    assert press(page, "Tab")["name"] == "Reissue"
    dialog = page.get_by_role("dialog")
    for leave in ("Escape", "Go back"):
        page.keyboard.press("Enter")
        expect(dialog).to_be_visible()
        expect(dialog).to_contain_text("and issue a new certificate with a new number?")
        first = focused(page)  # the safe answer has focus
        assert (first["region"], first["name"]) == ("dialog", "Go back")
        # Tab and Shift+Tab go round the dialog's two buttons; nothing behind it is reached.
        stops = [press(page, key) for key in ["Tab"] * 4 + ["Shift+Tab"] * 4]
        assert {(f or {}).get("region", "out") for f in stops} <= {"dialog", "out"}, stops
        assert {f["name"] for f in stops if f} == {"Go back", "Reissue"}
        if leave == "Escape":
            page.keyboard.press("Escape")
        else:
            tab_to(page, "Go back", key="Shift+Tab")
            page.keyboard.press("Enter")
        expect(dialog).to_be_hidden()
        back = focused(page)
        assert (back["name"], back["region"]) == ("Reissue", "main")
        assert back["row"].startswith("CHAN, Sokha")
    page.keyboard.press("Enter")
    expect(dialog).to_be_visible()
    assert press(page, "Tab")["name"] == "Reissue"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_text(re.compile(r"issued; .* is revoked\."))).to_be_visible()
    assert browser_dialogs == []


#: What the focused element of the evaluation form is, and the problem tied to it.
FIELD = """() => {
  const el = document.activeElement;
  const described = el.getAttribute("aria-describedby");
  const group = el.closest("[role=radiogroup]");
  return {
    id: el.id, type: el.type || el.tagName.toLowerCase(), invalid: el.getAttribute("aria-invalid"),
    problem: described ? document.getElementById(described).innerText : null,
    rating: Boolean(group),
  };
}"""

ANSWERED = """() => [...document.querySelectorAll("[role=radiogroup]")]
  .filter((group) => !group.querySelector("input:checked")).length"""


def test_trainee_submits_the_evaluation_and_downloads_a_certificate(live_app, live_server, page):
    base = live_server
    with live_app.app_context():
        course = db.session.execute(sa.select(Course).where(Course.code == "ENF-2014")).scalar_one()
        questionnaire, _ = evaluation_services.generate_questionnaire(None, course)
        questionnaire.opens_at = utcnow() - timedelta(days=1)
        questionnaire.closes_at = utcnow() + timedelta(days=1)
        first_required = next(q for q in questionnaire.questions if q.required)
        # Her certificate of ENF-2013, issued (the coordinator's journey issues one by keyboard).
        enrolment = db.session.execute(
            sa.select(Enrolment)
            .join(Course)
            .join(Person)
            .where(Course.code == "ENF-2013", Person.email == "trainee@demo.test")
        ).scalar_one()
        serial = certificate_services.issue_one(None, enrolment).serial
        db.session.commit()
        first_id = first_required.id
    browser_dialogs = no_browser_dialogs(page)
    sign_in_by_keyboard(page, base, "trainee@demo.test")
    walk_the_page(page)
    follow(page, "Give your evaluation")
    expect(page.get_by_text("Anonymous.")).to_be_visible()
    walk_the_page(page)  # a radio group is one stop: Tab leaves it

    # Submitted empty (after the confirmation): the first unanswered question has focus,
    # with its problem tied to it.
    tab_to(page, "Submit")
    page.keyboard.press("Enter")
    expect(page.get_by_role("dialog")).to_be_visible()
    assert press(page, "Tab")["name"] == "Submit"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_text("Nothing was submitted. Please check:")).to_be_visible()
    field = page.evaluate(FIELD)
    assert field["id"] == f"q{first_id}-1" and field["invalid"] == "true", field
    assert field["problem"], "the problem is not tied to the field"
    assert focused(page)["region"] == "main"

    # Every rating a 4 (arrows), the objectives "Yes" (Space), a comment typed.
    comment = "The scenario exercise: I will use it at home."
    typed = False
    for _ in range(200):
        field = page.evaluate(FIELD)
        if field["rating"]:
            for _ in range(3):
                page.keyboard.press("ArrowRight")  # from 1 to 4, each one checked on the way
        elif field["type"] == "radio":
            page.keyboard.press("Space")
        elif field["type"] == "textarea" and not typed:
            page.keyboard.type(comment)
            typed = True
        focus = press(page, "Tab")
        if focus["name"] == "Save draft":
            break
    assert page.evaluate(ANSWERED) == 0, "a rating left unanswered"
    assert typed
    expect(page.locator(f"#q{first_id}-4")).to_be_checked()

    assert press(page, "Tab")["name"] == "Submit"
    page.keyboard.press("Enter")
    expect(page.get_by_role("dialog")).to_contain_text("You cannot change it afterwards.")
    assert press(page, "Tab")["name"] == "Submit"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_text("Thank you: your evaluation is submitted.")).to_be_visible()

    # Her certificate, from the dashboard.
    follow(page, "Dashboard")
    with page.expect_download() as download:
        tab_to(page, re.compile(rf"\({serial}, PDF\)$"))
        page.keyboard.press("Enter")
    pdf = download.value.path().read_bytes()
    assert pdf.startswith(b"%PDF")
    assert browser_dialogs == []


def test_a_failed_form_puts_focus_on_its_first_problem(live_server, page):
    """A form of the macro (templates/_macros/forms.html) sent empty comes back with its
    problems listed at the top and focus on the first field that has one, its message read
    with it (aria-describedby)."""
    sign_in_by_keyboard(page, live_server, "coordinator@demo.test")
    follow(page, "Courses")
    follow(page, "New course")
    tab_to(page, "Save")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator("#form-problems")).to_contain_text("problems to fix")
    field = page.evaluate(
        """() => {
      const el = document.activeElement;
      const first = document.querySelector("[aria-invalid=true]");
      const described = (el.getAttribute("aria-describedby") || "").split(" ")
        .map((id) => document.getElementById(id)).filter(Boolean)
        .map((node) => node.innerText).join(" ");
      return {first: el === first, id: el.id, described: described};
    }"""
    )
    assert field["first"], f"focus is on {field['id']!r}, not the first field with a problem"
    assert field["described"], "the field's problem is not tied to it"
    expect(page.locator("#form-problems")).to_contain_text(field["described"])
    assert focused(page)["region"] == "main"
