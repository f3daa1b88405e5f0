"""Concurrent evaluation submissions on PostgreSQL under gunicorn: submissions per second and
lock waits (pg_locks rows not granted, sampled every few milliseconds during the run).

    .venv/bin/python bench/submissions.py            # 30 and 60 at once, written to RESULTS.md
    BENCH_GUNICORN="--workers 2 --threads 16" .venv/bin/python bench/submissions.py

N trainees (accounts made for the run, each enrolled in the demo course ENF-2013, whose
questionnaire is opened for the run) are signed in first; then all N post their filled-in
questionnaire at once, each from its own thread, through the page's own form. The database:
``BENCH_DATABASE`` (default wipo_bench), created with the demo data and dropped after. The
server: gunicorn as ``make run`` starts it (2 sync workers) unless ``BENCH_GUNICORN`` says
otherwise; port ``BENCH_PORT`` or a free one."""

import json
import os
import shlex
import statistics
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.web import PG_DATABASE, PG_URL, _csrf, _pg, flask, gunicorn, python  # noqa: E402

SIZES = [int(n) for n in os.environ.get("BENCH_SIZES", "30,60").split(",")]
GUNICORN = os.environ.get("BENCH_GUNICORN", "--workers 2")
PASSWORD = "bench-trainee-password"  # noqa: S105 (accounts made for the run)

# N trainees enrolled in ENF-2013, its questionnaire open; prints the course id and, for each
# question, the form field and a valid answer.
SETUP = """
import json, sys
from datetime import timedelta
import sqlalchemy as sa
from wipo_training import create_app
from wipo_training.auth import services as auth
from wipo_training.courses.models import Course
from wipo_training.evaluations.models import Questionnaire
from wipo_training.extensions import db
from wipo_training.participants.models import Enrolment
from wipo_training.timeutil import utcnow
Person = Enrolment.person.property.mapper.class_
count = int(sys.argv[1])
app = create_app()
with app.app_context():
    course = db.session.execute(sa.select(Course).where(Course.code == "ENF-2013")).scalar_one()
    questionnaire = db.session.execute(
        sa.select(Questionnaire).where(Questionnaire.course_id == course.id)
    ).scalar_one()
    questionnaire.opens_at = utcnow() - timedelta(days=1)
    questionnaire.closes_at = utcnow() + timedelta(days=1)
    for n in range(count):
        person = Person(family_name=f"Bench{n:03d}", given_name="Trainee", country_code="JP")
        db.session.add(person)
        db.session.flush()
        db.session.add(Enrolment(course_id=course.id, person_id=person.id, status="confirmed",
                                 country_code="JP"))
        user = auth.create_user(None, f"bench{n:03d}@bench.test", f"Bench {n}", "trainee",
                                PASSWORD)
        user.person_id = person.id
    db.session.commit()
    answers = {}
    for question in questionnaire.questions:
        answers[f"q{question.id}"] = {
            "rating": "4", "yes_no": "yes", "single_choice": (question.choices or [""])[0],
            "multiple_choice": (question.choices or [""])[0],
        }.get(question.kind, "Useful.")
    print(json.dumps([course.id, answers]))
""".replace("PASSWORD", repr(PASSWORD))

LOCKS = """
SELECT count(*) FILTER (WHERE NOT granted),
       (SELECT coalesce(max(extract(epoch FROM now() - state_change)), 0)
          FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database())
FROM pg_locks
"""


def signed_in(base: str, n: int):
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    token = _csrf(opener.open(f"{base}/login").read().decode())  # noqa: S310 (loopback)
    form = {"csrf_token": token, "email": f"bench{n:03d}@bench.test", "password": PASSWORD}
    opener.open(f"{base}/login", urllib.parse.urlencode(form).encode())  # noqa: S310
    return opener


def run(env: dict, course_id: int, answers: dict, count: int, offset: int) -> dict:
    with gunicorn(env, "wsgi:app", shlex.split(GUNICORN)) as base:
        url = f"{base}/courses/{course_id}/evaluation/answer"
        clients = []
        for n in range(offset, offset + count):
            opener = signed_in(base, n)
            page = opener.open(url).read().decode()  # noqa: S310
            form = {"csrf_token": _csrf(page), "action": "submit", **answers}
            clients.append((opener, urllib.parse.urlencode(form).encode()))
        import psycopg

        samples, stop = [], threading.Event()

        def sample():
            with psycopg.connect(PG_URL.replace("+psycopg", ""), autocommit=True) as connection:
                while not stop.is_set():
                    samples.append(connection.execute(LOCKS).fetchone())
                    time.sleep(0.002)

        barrier = threading.Barrier(count + 1)
        outcomes = [None] * count

        def submit(index: int):
            opener, body = clients[index]
            barrier.wait()
            started = time.perf_counter()
            page = opener.open(url, body).read().decode()  # noqa: S310
            submitted = "your evaluation is submitted" in page
            outcomes[index] = (time.perf_counter() - started, submitted)

        sampler = threading.Thread(target=sample)
        sampler.start()
        threads = [threading.Thread(target=submit, args=(i,)) for i in range(count)]
        for thread in threads:
            thread.start()
        barrier.wait()
        started = time.perf_counter()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - started
        stop.set()
        sampler.join()
        latencies = sorted(1000 * seconds for seconds, _ok in outcomes)
        waiting = [int(n) for n, _age in samples]
        return {
            "count": count,
            "submitted": sum(ok for _s, ok in outcomes),
            "wall": wall,
            "per_second": count / wall,
            "p50": statistics.median(latencies),
            "max": latencies[-1],
            "samples": len(samples),
            "samples_waiting": sum(1 for n in waiting if n),
            "most_waiting": max(waiting, default=0),
            "longest_wait": 1000 * max((float(age) for _n, age in samples), default=0.0),
        }


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        _pg(f"DROP DATABASE IF EXISTS {PG_DATABASE}")
        _pg(f"CREATE DATABASE {PG_DATABASE}")
        env = {
            **os.environ,
            "DATABASE_URL": PG_URL,
            "WIPO_INSTANCE_PATH": str(Path(tmp) / "instance"),
            "RATELIMIT_ENABLED": "0",
            "SECRET_KEY": "bench",
        }
        try:
            flask(env, "db", "upgrade")
            flask(env, "demo")
            course_id, answers = json.loads(python(SETUP, env, str(sum(SIZES))))
            rows, offset = [], 0
            for count in SIZES:
                row = run(env, course_id, answers, count, offset)
                offset += count
                rows.append(row)
                print(
                    f"{count} at once: {row['submitted']} submitted in {row['wall']:.2f} s "
                    f"({row['per_second']:.1f}/s), latency p50 {row['p50']:.0f} ms, max "
                    f"{row['max']:.0f} ms; pg_locks not granted in {row['samples_waiting']} of "
                    f"{row['samples']} samples (at most {row['most_waiting']} at once, longest "
                    f"wait seen {row['longest_wait']:.0f} ms)"
                )
        finally:
            _pg(f"DROP DATABASE IF EXISTS {PG_DATABASE}")
    if os.environ.get("BENCH_NO_WRITE") != "1":
        write_results(rows)


def write_results(rows: list[dict]) -> None:
    from bench.results import write_section

    command = ".venv/bin/python bench/submissions.py"
    if "BENCH_GUNICORN" in os.environ:
        command = f'BENCH_GUNICORN="{GUNICORN}" {command}'
    lines = [
        "",
        f"Measured {time.strftime('%Y-%m-%d')} with `{command}` "
        f"(gunicorn `{GUNICORN}`, PostgreSQL 15, the demo data): N trainees signed in, then "
        "all N post their questionnaire at once, each from its own thread. Lock waits: "
        "pg_locks rows not granted, sampled about every 3 ms during the run; the longest wait "
        "is the age of the oldest backend seen waiting on a lock.",
        "",
        "| at once | submitted | wall time | submissions/s | latency p50 | max | samples with "
        "a lock wait | most waiting | longest wait |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        lines.append(
            f"| {row['count']} | {row['submitted']} | {row['wall']:.2f} s | "
            f"{row['per_second']:.1f} | {row['p50']:.0f} ms | {row['max']:.0f} ms | "
            f"{row['samples_waiting']} of {row['samples']} | {row['most_waiting']} | "
            f"{row['longest_wait']:.0f} ms |"
        )
    heading = f"## Concurrent evaluation submissions (bench/submissions.py, gunicorn {GUNICORN})"
    write_section(heading, lines)


if __name__ == "__main__":
    main()
