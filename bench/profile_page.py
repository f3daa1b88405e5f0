"""Where a page's time goes: cProfile over many first views of one URL, in-process, signed in
as the demo coordinator (both steps). On a database the bench prepared (DATABASE_URL set):

    .venv/bin/python bench/profile_page.py /courses/1/certificates [requests] [statements]

Prints the 25 functions with the most cumulative time, and the statements of one request."""

import cProfile
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pyotp  # noqa: E402
from sqlalchemy import event  # noqa: E402

from bench.ceiling import app  # noqa: E402
from bench.web import EMAIL, PASSWORD, TOTP_KEY, USER_AGENT  # noqa: E402


def signed_in_client():
    client = app.test_client()
    client.environ_base["HTTP_USER_AGENT"] = USER_AGENT
    app.config["WTF_CSRF_ENABLED"] = False
    client.post("/login", data={"email": EMAIL, "password": PASSWORD})
    # A code is usable once: wait for the next one if this one was used by an earlier run.
    for _attempt in range(3):
        response = client.post("/login/code", data={"code": pyotp.TOTP(TOTP_KEY).now()})
        if response.status_code == 302:
            break
        time.sleep(31 - time.time() % 30)
    app.config["WTF_CSRF_ENABLED"] = True
    return client


def main(url: str, requests: int = 300, show_statements: bool = False) -> None:
    client = signed_in_client()
    assert client.get(url).status_code == 200
    if show_statements:
        from wipo_training.extensions import db

        with app.app_context():
            engine = db.engine
        statements = []
        event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
        client.get(url)
        for statement in statements:
            print(" ".join(statement.split())[:300])
        print(len(statements), "statements")
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    for _ in range(requests):
        client.get(url)
    profiler.disable()
    print(f"{1000 * (time.perf_counter() - started) / requests:.2f} ms per request (profiled)")
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 300, len(sys.argv) > 3)
