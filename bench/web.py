"""How fast the main pages are on a first view (nothing is kept between requests: every
request reads the database and renders), at scale, on SQLite and on PostgreSQL, measured two
ways, each beside the *minimal page* (a signed-in route that runs one indexed query and renders
the base layout with a 10-row table) and the constant route, both registered by bench/ceiling.py
only:

- in-process: Flask's test client, each endpoint ``BENCH_REQUESTS`` times per round, median ms;
- under gunicorn (2 sync workers) with wrk (16 connections) from its own process.

The endpoints take turns, ``BENCH_ROUNDS`` times (on 2 cores the same endpoint moves by a third
between runs minutes apart, so each page is compared with the minimal page of the same run).
Written to bench/RESULTS.md.

    make bench                                # installs wrk (Debian), then every bench
    .venv/bin/python bench/web.py             # SQLite and PostgreSQL
    .venv/bin/python bench/web.py sqlite      # one of them

PostgreSQL: the machine's server at 127.0.0.1:5432 (trust auth); the bench creates and drops
its own database, ``BENCH_DATABASE`` (default wipo_bench). Targets (issue 17): every page at
least 40% of the minimal page's speed, the median page at least 50%, p99 under 50 ms at 16
connections. The throttle on sign-in and verification is off for the run (one client at a
thousand requests a second is what it exists to stop). Sign-in goes through both steps as a
person does: password, then the demo coordinator's authenticator code."""

import contextlib
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_DATABASE = os.environ.get("BENCH_DATABASE", "wipo_bench")
PG_URL = f"postgresql+psycopg://postgres@127.0.0.1:5432/{PG_DATABASE}"
DURATION = int(os.environ.get("BENCH_SECONDS", "4"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "100"))
CONNECTIONS = 16
# One browser: the sign-in, the warm-up and wrk send the same User-Agent (a session used from
# another agent is marked not fresh by Flask-Login, which re-sends its cookie every time).
USER_AGENT = "wipo-bench"
EMAIL, PASSWORD = "coordinator@demo.test", "wipo-demo-2013"
TOTP_KEY = "HJH2VSVEFFHWR27GSH4TTPLPFXZMZ6Y4"  # the demo coordinator's authenticator app

SETUP = """
import sqlalchemy as sa
from wipo_training import create_app
from wipo_training.courses.models import Course
from wipo_training.documents import services
from wipo_training.extensions import db
from wipo_training.meetings.models import Meeting, WorkingGroup
from wipo_training.participants.models import Enrolment
app = create_app()
with app.app_context():
    course = db.session.execute(sa.select(Course).where(Course.code == "ENF-2013")).scalar_one()
    enrolment = db.session.execute(
        sa.select(Enrolment).where(Enrolment.course_id == course.id).limit(1)
    ).scalar_one()
    services.set_override(None, enrolment, True, "bench")
    db.session.commit()
    certificate = services.issue_one(None, enrolment)
    db.session.commit()
    sixth = db.session.execute(
        sa.select(Meeting.id).join(WorkingGroup)
        .where(WorkingGroup.side_b_country == "CN", ~WorkingGroup.name.contains("history"),
               Meeting.number == 6)
    ).scalar_one()
    print(course.id, certificate.verification_code, sixth)
"""

MINIMAL, CONSTANT = "minimal page", "constant route"
TARGETS = {
    CONSTANT: "/bench/ceiling",
    MINIMAL: "/bench/minimal",
    "course list": "/courses/",
    "course page": "/courses/{course}",
    "by country": "/courses/{course}/participants/by-country",
    "timetable": "/courses/{course}/timetable",
    "evaluation results": "/courses/{course}/evaluation/results",
    "certificate list": "/courses/{course}/certificates",
    "6th meeting": "/meetings/{meeting}",
    "working groups": "/working-groups/",
    "/verify": "/verify/{code}",
    "API courses": "/api/v1/courses",
}
PAGES = [name for name in TARGETS if name not in (MINIMAL, CONSTANT)]

# Run in a fresh interpreter (DATABASE_URL set before the app is made): the test client signs
# in with the cookie the HTTP sign-in got, then every endpoint takes its turn.
IN_PROCESS = """
import json, statistics, sys, time
sys.path.insert(0, ".")
from bench.ceiling import app
cookie, urls, rounds, requests = json.loads(sys.argv[1])
client = app.test_client()
client.set_cookie("session", cookie.split("=", 1)[1])
headers = {"User-Agent": "wipo-bench"}
for url in urls.values():
    for _ in range(10):
        response = client.get(url, headers=headers)
        assert response.status_code == 200, (url, response.status_code)
times = {name: [] for name in urls}
for _round in range(rounds):
    for name, url in urls.items():
        for _ in range(requests):
            started = time.perf_counter()
            client.get(url, headers=headers)
            times[name].append(1000 * (time.perf_counter() - started))
print(json.dumps({name: statistics.median(values) for name, values in times.items()}))
"""


def python(code: str, env: dict, *args: str) -> str:
    """Run ``code`` in a fresh interpreter on ``env``; its output (its errors if it fails)."""
    result = subprocess.run(  # noqa: S603 (our own code)
        [sys.executable, "-c", code, *args], env=env, cwd=ROOT, capture_output=True, text=True
    )
    if result.returncode:
        raise SystemExit(result.stderr)
    return result.stdout


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def flask(env, *args, capture=False):
    command = [str(BIN / "flask"), "--app", "wsgi", *args]
    result = subprocess.run(  # noqa: S603 (our own command line)
        command, env=env, cwd=ROOT, capture_output=True, text=True
    )
    if result.returncode:
        raise SystemExit(f"{' '.join(args)}: {result.stderr}")
    return result.stdout if capture else None


def _pg(statement: str) -> None:
    import sqlalchemy as sa

    admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(statement)
    admin.dispose()


def prepare(kind: str, tmp: Path) -> tuple[dict, str]:
    """A database with the demo data and 20 years of history; returns (env, history line)."""
    if kind == "sqlite":
        url = f"sqlite:///{tmp}/bench.sqlite"
    else:
        _pg(f"DROP DATABASE IF EXISTS {PG_DATABASE}")
        _pg(f"CREATE DATABASE {PG_DATABASE}")
        url = PG_URL
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "WIPO_INSTANCE_PATH": str(tmp / "instance"),
        "RATELIMIT_ENABLED": "0",
        "SECRET_KEY": "bench",
    }
    flask(env, "db", "upgrade")
    output = flask(env, "demo", "--scale", "1", capture=True)
    history = next(line for line in output.splitlines() if line.startswith("Synthetic history"))
    return env, history


def _csrf(page: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def sign_in(base: str) -> str:
    """The session cookie of the demo coordinator, signed in with both steps."""
    import pyotp

    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.addheaders = [("User-Agent", USER_AGENT)]
    token = _csrf(opener.open(f"{base}/login").read().decode())  # noqa: S310 (loopback)
    form = {"csrf_token": token, "email": EMAIL, "password": PASSWORD}
    page = opener.open(f"{base}/login", urllib.parse.urlencode(form).encode())  # noqa: S310
    assert page.url.endswith("/login/code"), page.url
    token = _csrf(page.read().decode())
    form = {"csrf_token": token, "code": pyotp.TOTP(TOTP_KEY).now()}
    page = opener.open(f"{base}/login/code", urllib.parse.urlencode(form).encode())  # noqa: S310
    assert not page.url.endswith("/login/code"), "the authenticator code was refused"
    return next(f"{c.name}={c.value}" for c in jar if c.name == "session")


def wrk(url: str, cookie: str) -> dict:
    output = subprocess.run(
        ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{DURATION}s", "--latency",
         "-H", f"Cookie: {cookie}", "-H", f"User-Agent: {USER_AGENT}", url],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip

    def latency(percent: str) -> float:
        value, unit = re.search(rf"^\s+{percent}%\s+([\d.]+)(us|ms|s)\s*$", output, re.M).groups()
        return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50": latency("50"),
        "p99": latency("99"),
        "errors": int(errors.group(1)) if errors else 0,
    }


@contextlib.contextmanager
def gunicorn(env: dict, app: str, options: list[str]):
    """gunicorn serving ``app`` with ``options`` on a free port (BENCH_PORT to choose one),
    until it answers; yields its base URL and stops it, workers and all, afterwards."""
    port = int(os.environ.get("BENCH_PORT") or free_port())
    server = subprocess.Popen(  # noqa: S603
        [str(BIN / "gunicorn"), *options, "--bind", f"127.0.0.1:{port}",
         "--log-level", "warning", app],
        env=env, cwd=ROOT, start_new_session=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/login", timeout=2)  # noqa: S310
                break
            except OSError:
                time.sleep(0.2)
        yield base
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def serve_and_measure(env: dict, paths: dict) -> dict:
    """gunicorn (2 workers) on ``env``; the in-process figures, then wrk on every target."""
    with gunicorn(env, "bench.ceiling:app", ["--workers", "2"]) as base:
        cookie = sign_in(base)
        in_process = json.loads(
            python(IN_PROCESS, env, json.dumps([cookie, paths, ROUNDS, REQUESTS]))
        )
        for name, ms in in_process.items():
            print(f"  in-process {name:<20} {ms:6.2f} ms")
        urls = {name: base + path for name, path in paths.items()}
        for url in urls.values():
            for _ in range(20):  # warm both workers
                request = urllib.request.Request(
                    url, headers={"Cookie": cookie, "User-Agent": USER_AGENT}
                )
                urllib.request.urlopen(request).read()  # noqa: S310
        runs = {name: [] for name in urls}
        for _round in range(ROUNDS):
            for name, url in urls.items():
                runs[name].append(wrk(url, cookie))
        rows = {}
        for name, measured in runs.items():
            rows[name] = row = {
                "rps": statistics.median(run["rps"] for run in measured),
                "p50": statistics.median(run["p50"] for run in measured),
                "p99": max(run["p99"] for run in measured),
                "errors": sum(run["errors"] for run in measured),
                "ms": in_process[name],
            }
            print(
                f"  gunicorn {name:<22} {row['rps']:8.0f}/s  p50 {row['p50']:6.1f} ms  "
                f"p99 {row['p99']:6.1f} ms  errors {row['errors']}"
            )
        return rows


def measure(kind: str) -> dict:
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        started = time.perf_counter()
        env, history = prepare(kind, tmp)
        course_id, code, meeting_id = python(SETUP, env).split()
        print(f"{kind}: data ready in {time.perf_counter() - started:.0f} s ({history})")
        paths = {
            name: path.format(course=course_id, code=code, meeting=meeting_id)
            for name, path in TARGETS.items()
        }
        try:
            rows = serve_and_measure(env, paths)
        finally:
            if kind == "postgresql":
                _pg(f"DROP DATABASE IF EXISTS {PG_DATABASE}")
        return {"history": history, "rows": rows}


def verdict(rows: dict) -> tuple[list[str], bool]:
    """Lines saying which targets hold, and whether all do."""
    minimal = rows[MINIMAL]
    share_in = {name: minimal["ms"] / rows[name]["ms"] for name in PAGES}
    share_wrk = {name: rows[name]["rps"] / minimal["rps"] for name in PAGES}
    checks = [
        ("every page ≥ 40% of the minimal page in-process", min(share_in.values()) >= 0.4),
        ("every page ≥ 40% under gunicorn", min(share_wrk.values()) >= 0.4),
        ("median page ≥ 50% in-process", statistics.median(share_in.values()) >= 0.5),
        ("median page ≥ 50% under gunicorn", statistics.median(share_wrk.values()) >= 0.5),
        ("p99 < 50 ms at 16 connections", max(rows[name]["p99"] for name in PAGES) < 50),
    ]
    lines = [
        f"- shares of the minimal page: in-process median "
        f"{100 * statistics.median(share_in.values()):.0f}%, lowest "
        f"{100 * min(share_in.values()):.0f}%; under gunicorn median "
        f"{100 * statistics.median(share_wrk.values()):.0f}%, lowest "
        f"{100 * min(share_wrk.values()):.0f}%",
        *(f"- {text}: {'holds' if ok else 'does NOT hold'}" for text, ok in checks),
    ]
    return lines, all(ok for _text, ok in checks)


def write_results(results: dict) -> None:
    from bench.results import write_section

    lines = [
        "",
        f"Measured {time.strftime('%Y-%m-%d')} with `.venv/bin/python bench/web.py` "
        f"(PostgreSQL database from `BENCH_DATABASE`) on this machine ({os.cpu_count()} cores; "
        "wrk and the in-process client share them with the server). Every request is a first "
        "view: the app keeps no page between requests. Signed in as the demo coordinator "
        "(password and authenticator code). Data: the demo plus `flask demo --scale 1`. "
        f"In-process: Flask's test client, {REQUESTS} requests per endpoint per round, the "
        "median in ms; the share is the minimal page's median over the page's. Under gunicorn: "
        f"2 sync workers, wrk -t2 -c{CONNECTIONS} -d{DURATION}s; requests/s and p50 are the "
        "median of the rounds, p99 the worst round; the share is the page's requests/s over "
        f"the minimal page's. The endpoints take turns {ROUNDS} times. The minimal page "
        "(bench/ceiling.py, bench/templates/bench/minimal.html) is a signed-in route running "
        "one indexed query and rendering the base layout with a 10-row table; the constant "
        "route returns a string. Targets (issue 17): every page at least 40% of the minimal "
        "page, the median page at least 50%, p99 under 50 ms.",
    ]
    for kind, result in results.items():
        rows = result["rows"]
        minimal = rows[MINIMAL]
        lines += [
            "",
            f"### {'SQLite' if kind == 'sqlite' else 'PostgreSQL'}",
            "",
            f"{result['history']}",
            "",
            "| endpoint | in-process | of the minimal page | requests/s | of the minimal page "
            "| p50 | p99 | errors |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for name, row in rows.items():
            lines.append(
                f"| {name} | {row['ms']:.2f} ms | {100 * minimal['ms'] / row['ms']:.0f}% | "
                f"{row['rps']:.0f} | {100 * row['rps'] / minimal['rps']:.0f}% | "
                f"{row['p50']:.1f} ms | {row['p99']:.1f} ms | {row['errors']} |"
            )
        held, _all = verdict(rows)
        low, high = sorted(result["load"])
        lines += [
            "",
            f"Load average (1 min) at the start and end of this run: {low:.1f}, {high:.1f}.",
            "",
            *held,
        ]
    write_section("## Web performance, first views (bench/web.py)", lines)


def main(argv: list[str]) -> None:
    kinds = argv or ["sqlite", "postgresql"]
    results = {}
    for kind in kinds:
        before = os.getloadavg()[0]
        results[kind] = measure(kind)
        # Other work on the machine moves every figure; the shares (same run) move least.
        results[kind]["load"] = (before, os.getloadavg()[0])
    if os.environ.get("BENCH_NO_WRITE") != "1":
        write_results(results)


if __name__ == "__main__":
    main(sys.argv[1:])
