"""Requests per second and latency of the main pages under gunicorn (2 workers), on SQLite
and on PostgreSQL, with 20 years of synthetic history, measured by wrk from its own process
at 16 connections; beside them, in the same run and the same gunicorn, a bare endpoint that
returns a constant string (the ceiling). Written to bench/RESULTS.md.

    make bench                                # installs wrk (Debian), then every bench
    .venv/bin/python bench/web.py             # SQLite and PostgreSQL
    .venv/bin/python bench/web.py sqlite      # one of them

PostgreSQL: the machine's server at 127.0.0.1:5432 (trust auth); the bench creates and drops
its own database, wipo_bench. Targets: every page at least 40% of the ceiling's throughput,
p99 under 100 ms. The throttle on sign-in and verification is off for the run (one client
at a thousand requests a second is what it exists to stop)."""

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
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/wipo_bench"
DURATION = int(os.environ.get("BENCH_SECONDS", "5"))
# The endpoints take turns, ROUNDS times, so that the ceiling is measured beside each page
# (on 2 cores the same endpoint moves by a third between runs minutes apart); each figure is
# the median of its rounds, p99 the worst round.
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
CONNECTIONS = 16
# One browser: the sign-in, the warm-up and wrk send the same User-Agent (a session used from
# another agent is marked not fresh by Flask-Login, which re-sends its cookie every time).
USER_AGENT = "wipo-bench"

SETUP = """
import sqlalchemy as sa
from wipo_training import create_app
from wipo_training.courses.models import Course
from wipo_training.documents import services
from wipo_training.extensions import db
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
    print(course.id, certificate.verification_code)
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def flask(env, *args, capture=False):
    command = [str(BIN / "flask"), "--app", "wsgi", *args]
    result = subprocess.run(  # noqa: S603 (our own command line)
        command, env=env, cwd=ROOT, check=True, capture_output=True, text=True
    )
    return result.stdout if capture else None


def prepare(kind: str, tmp: Path) -> tuple[dict, str]:
    """A database with the demo data and 20 years of history; returns (env, history line)."""
    if kind == "sqlite":
        url = f"sqlite:///{tmp}/bench.sqlite"
    else:
        import sqlalchemy as sa

        admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.exec_driver_sql("DROP DATABASE IF EXISTS wipo_bench")
            connection.exec_driver_sql("CREATE DATABASE wipo_bench")
        admin.dispose()
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


def sign_in(base: str) -> str:
    """The session cookie of the demo coordinator."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.addheaders = [("User-Agent", USER_AGENT)]
    page = opener.open(f"{base}/login").read().decode()  # noqa: S310 (loopback)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    form = {"csrf_token": token, "email": "coordinator@demo.test", "password": "wipo-demo-2013"}
    opener.open(f"{base}/login", urllib.parse.urlencode(form).encode())  # noqa: S310
    return next(f"{c.name}={c.value}" for c in jar if c.name == "session")


def wrk(url: str, cookie: str) -> dict:
    output = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{CONNECTIONS}",
            f"-d{DURATION}s",
            "--latency",
            "-H",
            f"Cookie: {cookie}",
            "-H",
            f"User-Agent: {USER_AGENT}",
            url,
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout

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


def worker_memory(master: int) -> list[tuple[int, int]]:
    """(resident, peak resident) MiB of each gunicorn worker."""
    children = subprocess.run(  # noqa: S603
        ["pgrep", "-P", str(master)], capture_output=True, text=True
    ).stdout.split()
    memory = []
    for pid in children:
        status = Path(f"/proc/{pid}/status").read_text()
        rss = int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) // 1024
        hwm = int(re.search(r"VmHWM:\s+(\d+)", status).group(1)) // 1024
        memory.append((rss, hwm))
    return memory


TARGETS = {
    "ceiling (constant string)": "/bench/ceiling",
    "course list": "/courses/",
    "course page": "/courses/{course}",
    "participants by country": "/courses/{course}/participants/by-country",
    "evaluation results": "/courses/{course}/evaluation/results",
    "verification page": "/verify/{code}",
    "GET /api/v1/courses": "/api/v1/courses",
}


def serve_and_measure(env: dict, course_id: str, code: str) -> tuple[dict, list]:
    """gunicorn (2 workers) on ``env``; wrk on every target; the workers' memory after."""
    port = free_port()
    gunicorn = subprocess.Popen(  # noqa: S603
        [str(BIN / "gunicorn"), "--workers", "2", "--bind", f"127.0.0.1:{port}",
         "--log-level", "warning", "bench.ceiling:app"],
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
        cookie = sign_in(base)
        urls = {
            name: base + path.format(course=course_id, code=code) for name, path in TARGETS.items()
        }
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
            }
            print(
                f"  {name:<28} {row['rps']:8.0f}/s  p50 {row['p50']:6.1f} ms  "
                f"p99 {row['p99']:6.1f} ms  errors {row['errors']}"
            )
        return rows, worker_memory(gunicorn.pid)
    finally:
        os.killpg(gunicorn.pid, signal.SIGTERM)
        gunicorn.wait(timeout=30)


def measure(kind: str) -> dict:
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        started = time.perf_counter()
        env, history = prepare(kind, tmp)
        course_id, code = subprocess.run(  # noqa: S603
            [sys.executable, "-c", SETUP],
            env=env,
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.split()
        print(f"{kind}: data ready in {time.perf_counter() - started:.0f} s ({history})")
        print(" with the page cache (as configured by default)")
        rows, memory = serve_and_measure(env, course_id, code)
        print(" without the page cache (PAGE_CACHE_ENTRIES=0)")
        uncached, _memory = serve_and_measure({**env, "PAGE_CACHE_ENTRIES": "0"}, course_id, code)
        if kind == "postgresql":
            import sqlalchemy as sa

            admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
            with admin.connect() as connection:
                connection.exec_driver_sql("DROP DATABASE IF EXISTS wipo_bench")
            admin.dispose()
        return {"history": history, "rows": rows, "uncached": uncached, "memory": memory}


def write_results(results: dict) -> None:
    from bench.results import write_section

    lines = [
        "",
        f"Measured {time.strftime('%Y-%m-%d')} with `.venv/bin/python bench/web.py` on this "
        f"machine ({os.cpu_count()} cores; wrk shares them with the server): gunicorn with 2 "
        f"sync workers, wrk -t2 -c{CONNECTIONS} -d{DURATION}s from its own process, signed in "
        f"as the demo coordinator; the endpoints take turns {ROUNDS} times (the ceiling beside "
        "each page); requests/s and p50 are the median of the rounds, p99 the worst round. "
        "Data: the demo plus `flask demo --scale 1`. Targets: at least 40% of the ceiling's "
        "requests per second, p99 under 100 ms. The app keeps rendered pages per session "
        "until the data changes (wipo_training/pagecache.py), so a page asked for again costs "
        "its session cookie and one read of the data generation; the last columns "
        "are the same run with that cache off (every request renders), for comparison.",
    ]
    for kind, result in results.items():
        ceiling = result["rows"]["ceiling (constant string)"]["rps"]
        lines += [
            "",
            f"### {'SQLite' if kind == 'sqlite' else 'PostgreSQL'}",
            "",
            f"{result['history']}",
            "",
            "| endpoint | requests/s | of the ceiling | p50 | p99 | errors | targets | "
            "no page cache: requests/s (of its ceiling) | p99 |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        bare = result["uncached"]["ceiling (constant string)"]["rps"]
        for name, row in result["rows"].items():
            share = row["rps"] / ceiling
            ok = name.startswith("ceiling") or (share >= 0.4 and row["p99"] < 100)
            plain = result["uncached"][name]
            lines.append(
                f"| {name} | {row['rps']:.0f} | {100 * share:.0f}% | {row['p50']:.1f} ms | "
                f"{row['p99']:.1f} ms | {row['errors']} | {'met' if ok else 'NOT met'} | "
                f"{plain['rps']:.0f} ({100 * plain['rps'] / bare:.0f}%) | {plain['p99']:.1f} ms |"
            )
        memory = ", ".join(f"{rss} MiB (peak {hwm} MiB)" for rss, hwm in result["memory"])
        lines += ["", f"Gunicorn worker memory after the run: {memory}."]
    write_section("## Web performance (bench/web.py)", lines)


def main(argv: list[str]) -> None:
    kinds = argv or ["sqlite", "postgresql"]
    results = {kind: measure(kind) for kind in kinds}
    write_results(results)


if __name__ == "__main__":
    main(sys.argv[1:])
