"""Time to generate the demo course's report (ENF-2013: 30 participants, 36 sessions, 30
evaluations) and the other reports, and the documents of the demo working group's sixth
meeting, cold and once warm, written to bench/RESULTS.md.

    .venv/bin/python bench/course_report.py

Each figure is the whole document as a request makes it: the queries, the charts, the
template, and WeasyPrint's layout and PDF. Warm is the median of 5 runs after the first.
Documents are tagged PDFs (issue 19); each is also made untagged (``wipo_training.pdf.TAGGED``
off) in the same run, the two taking turns, with the sizes of both."""

import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite"
        os.environ["WIPO_INSTANCE_PATH"] = f"{tmp}/instance"
        import sqlalchemy as sa
        from flask_migrate import upgrade

        from wipo_training import create_app, pdf
        from wipo_training.courses.models import Course
        from wipo_training.demo import load_demo
        from wipo_training.extensions import db
        from wipo_training.reports import services

        app = create_app()
        with app.app_context():
            upgrade()
            load_demo()
            db.session.commit()
            course = db.session.execute(
                sa.select(Course).where(Course.code == "ENF-2013")
            ).scalar_one()
            from wipo_training.meetings import documents as meeting_documents
            from wipo_training.meetings.models import Meeting

            sixth = db.session.execute(sa.select(Meeting).where(Meeting.number == 6)).scalar_one()
            documents = {
                "course report (PDF)": lambda: services.course_report_pdf(course),
                "evaluation report (PDF)": lambda: services.evaluation_report_pdf(course),
                "participant list (PDF)": lambda: services.participant_list_pdf(course),
                "statistics FY2013 (PDF)": lambda: services.statistics_pdf(2013, "fiscal", None),
                "course report data only": lambda: services.course_report(course),
                "meeting report, 6th (PDF)": lambda: meeting_documents.meeting_report_pdf(sixth),
                "press release, 6th (PDF)": lambda: meeting_documents.press_release_pdf(sixth),
                "participants by side (PDF)": lambda: meeting_documents.participants_pdf(sixth),
            }
            rows = []
            for name, make in documents.items():
                started = time.perf_counter()
                make()
                cold = time.perf_counter() - started
                warm, cpu = {True: [], False: []}, {True: [], False: []}
                size = {}
                for _ in range(5):
                    for tagged in (True, False):
                        pdf.TAGGED = tagged
                        db.session.expire_all()  # read from the database each time, as a request
                        started, started_cpu = time.perf_counter(), time.process_time()
                        made = make()
                        warm[tagged].append(time.perf_counter() - started)
                        cpu[tagged].append(time.process_time() - started_cpu)
                        made = made[0] if isinstance(made, tuple) else made  # statistics
                        size[tagged] = len(made) / 1024 if isinstance(made, bytes) else None
                pdf.TAGGED = True
                tagged, untagged = statistics.median(warm[True]), statistics.median(warm[False])
                cpus = statistics.median(cpu[True]), statistics.median(cpu[False])
                rows.append((name, cold, tagged, untagged, *cpus, size[True], size[False]))
                print(
                    f"{name:<28} cold {cold:.2f} s  warm {tagged:.2f} s  "
                    f"untagged {untagged:.2f} s  CPU {cpus[0]:.2f} / {cpus[1]:.2f} s  "
                    f"{size[True] or 0:.0f} / {size[False] or 0:.0f} KiB"
                )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    write_results(rows, peak)


def write_results(rows, peak) -> None:
    from bench.results import write_section

    lines = [
        "",
        f"Measured {time.strftime('%Y-%m-%d')} with `.venv/bin/python bench/course_report.py` on "
        f"this machine ({os.cpu_count()} cores), demo data on SQLite. Cold is the first "
        "document of a process (fonts loaded); warm is the median of the next 5. Target: the "
        f"course report under 2 s warm. Peak memory of the process: {peak:.0f} MiB. The "
        "documents are tagged PDFs (issue 19); untagged is the same document with tagging "
        "off, warm, measured in turn with the tagged one; CPU is the process's CPU time "
        "(medians), steadier than the wall clock when other work shares the cores.",
        "",
        "| document | cold | warm | untagged, warm | CPU tagged / untagged | "
        "KiB tagged / untagged |",
        "|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {name} | {cold:.2f} s | {warm:.2f} s | {plain:.2f} s | "
        f"{cpu:.2f} / {plain_cpu:.2f} s | "
        + (f"{size:.0f} / {plain_size:.0f} |" if size else "— |")
        for name, cold, warm, plain, cpu, plain_cpu, size, plain_size in rows
    ]
    write_section("## Reports (bench/course_report.py)", lines)


if __name__ == "__main__":
    main()
