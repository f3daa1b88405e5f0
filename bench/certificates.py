"""Certificates per second for 30, 300 and 1,000 participants along three paths, with peak
memory, written to bench/RESULTS.md.

    .venv/bin/python bench/certificates.py            # all sizes
    .venv/bin/python bench/certificates.py 30 300     # some sizes

Paths:
- ours: the app's batch path (``complete``): pages rendered CHUNK at a time by WeasyPrint with
  one shared FontConfiguration and pre-parsed CSS, two processes, split into one stored PDF
  per certificate, plus the merged PDF of the course (what "Issue and download" produces);
- common: one ``HTML(...).write_pdf()`` per participant with default settings, one after
  another (how Indico renders its document templates);
- reportlab: a ReportLab canvas drawing of the same certificate's text (the floor for a
  Python PDF; it cannot shape Khmer, Myanmar or Arabic, so it draws them unshaped).
Each path runs in a fresh process so its peak memory (max RSS, children included) is its own.
"""

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

NAMES = [
    ("Nguyen", "Van An", "Nguyễn Văn An", "vi", "VN"),
    ("Wang", "Wei", "王伟", "zh", "CN"),
    ("Benali", "Karim", "كريم بن علي", "ar", "DZ"),
    ("Raza", "Ahmed", "احمد رضا", "ur", "PK"),
    ("Srisuk", "Somchai", "สมชาย ศรีสุข", "th", "TH"),
    ("Chan", "Sokha", "ចាន់ សុខា", "km", "KH"),
    ("Phommachanh", "Somphone", "ສົມພອນ ພົມມະຈັນ", "lo", "LA"),
    ("Aung", "Kyaw Moe", "အောင်ကျော်မိုး", "my", "MM"),
    ("Wangchuk", "Karma", "ཀརྨ་དབང་ཕྱུག", "dz", "BT"),
    ("Yamada", "Taro", "山田太郎", "ja", "JP"),
]


def make_app(workdir: Path):
    os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite'}"
    os.environ["WIPO_INSTANCE_PATH"] = str(workdir / "instance")
    from flask_migrate import upgrade

    from wipo_training import create_app

    app = create_app()
    with app.app_context():
        upgrade()
    return app


def build(app, size: int) -> int:
    """A course with ``size`` participants (names cycling through ten scripts), all eligible."""
    from wipo_training.courses import services as course_services
    from wipo_training.courses.models import Fund
    from wipo_training.documents import services
    from wipo_training.extensions import db
    from wipo_training.participants import services as participant_services

    with app.app_context():
        fund = db.session.execute(db.select(Fund)).scalars().first()
        course = course_services.create_course(
            None,
            fund_id=fund.id,
            title="WIPO/JPO Training Course on the Enforcement of Intellectual Property Rights",
            code=f"BENCH-{size}",
            organisers="JPO, WIPO, APIC",
            venue="APIC",
            city="Tokyo",
            country_code="JP",
            start_date=date(2013, 12, 2),
            end_date=date(2013, 12, 13),
            capacity=size,
        )
        for index in range(size):
            family, given, native, lang, country = NAMES[index % len(NAMES)]
            person = participant_services.create_person(
                None,
                participant_services.PersonData(
                    family_name=f"{family}{index}",
                    given_name=given,
                    native_name=native,
                    native_name_lang=lang,
                    country_code=country,
                    organisation=f"Intellectual Property Office of {country}",
                ),
            )
            enrolment = participant_services.nominate(None, course, person)
            participant_services.change_enrolment_status(None, enrolment, "accepted")
            services.set_override(None, enrolment, True, "benchmark")
        db.session.commit()
        return course.id


def run_ours(app, course_id: int) -> None:
    from wipo_training.courses.models import Course
    from wipo_training.documents import services
    from wipo_training.extensions import db
    from wipo_training.jobs import Job

    with app.app_context():
        job = Job(kind="certificates.pdf", course_id=course_id)
        db.session.add(job)
        db.session.commit()
        services.run_batch(job.id, workers=2)
        assert db.session.get(Job, job.id).status == "done"
        assert db.session.get(Course, course_id)


def certificate_htmls(app, course_id: int) -> list[str]:
    """One standalone HTML per certificate (for the common way and ReportLab's texts)."""
    from wipo_training.documents import services

    with app.app_context(), app.test_request_context():
        from wipo_training.courses.models import Course
        from wipo_training.extensions import db

        course = db.session.get(Course, course_id)
        for row in services.eligibility(course):
            services.allocate(None, row.enrolment)
        db.session.flush()
        certificates = services.course_certificates(course)
        htmls = [
            services.certificates_html(*services.certificate_batches([c])[0]) for c in certificates
        ]
        db.session.rollback()
        return htmls


def run_common(app, course_id: int) -> None:
    from weasyprint import CSS, HTML

    css = ROOT / "templates" / "documents" / "certificate.css"
    for html in certificate_htmls(app, course_id):
        HTML(string=html, base_url=str(css.parent)).write_pdf(stylesheets=[CSS(filename=str(css))])


def run_reportlab(app, course_id: int, out: Path) -> None:
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    from wipo_training.courses.models import Course
    from wipo_training.documents import services
    from wipo_training.extensions import db

    fonts = "/usr/share/fonts/truetype/noto/"
    pdfmetrics.registerFont(TTFont("NotoSerif", fonts + "NotoSerif-Regular.ttf"))
    pdfmetrics.registerFont(TTFont("NotoSerif-Bold", fonts + "NotoSerif-Bold.ttf"))
    with app.app_context():
        course = db.session.get(Course, course_id)
        rows = services.eligibility(course)
        width, height = landscape(A4)
        for index, row in enumerate(rows):
            person = row.enrolment.person
            pdf = canvas.Canvas(str(out / f"{index}.pdf"), pagesize=(width, height))
            pdf.rect(28, 28, width - 56, height - 56)
            pdf.setFont("NotoSerif", 11)
            pdf.drawCentredString(width / 2, height - 90, course.fund.name.upper())
            pdf.setFont("NotoSerif", 28)
            pdf.drawCentredString(width / 2, height - 130, "Certificate of Completion")
            pdf.setFont("NotoSerif-Bold", 24)
            pdf.drawCentredString(width / 2, height - 190, f"{person.title} {person.full_name}")
            pdf.setFont("NotoSerif", 20)
            pdf.drawCentredString(width / 2, height - 220, person.native_name)
            pdf.setFont("NotoSerif-Bold", 15)
            pdf.drawCentredString(width / 2, height - 280, course.title)
            pdf.setFont("NotoSerif", 11)
            pdf.drawCentredString(width / 2, height - 300, f"{course.venue}, {course.city}")
            pdf.drawString(width - 260, 60, f"No. {course.code}-{index + 1:03d}")
            pdf.showPage()
            pdf.save()


def child(path_name: str, size: int) -> None:
    """One measurement in this (fresh) process; prints JSON."""
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        app = make_app(workdir)
        course_id = build(app, size)
        if path_name == "ours":  # warm up as a running worker is: fonts, CSS, render processes
            from wipo_training.documents import services

            services._warm_up()
            list(services.render_pool(2).map(len, ["warm", "up"]))
            time.sleep(3)  # let the render processes finish loading their fonts
        started = time.perf_counter()
        if path_name == "ours":
            run_ours(app, course_id)
        elif path_name == "common":
            run_common(app, course_id)
        else:
            out = workdir / "rl"
            out.mkdir()
            run_reportlab(app, course_id, out)
        elapsed = time.perf_counter() - started
    peak = max(
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
    )
    print(
        json.dumps(
            {
                "path": path_name,
                "size": size,
                "seconds": elapsed,
                "per_second": size / elapsed,
                "peak_mib": peak / 1024,
            }
        )
    )


def main(sizes: list[int]) -> None:
    results = []
    for size in sizes:
        for path_name in ("ours", "common", "reportlab"):
            output = subprocess.run(  # noqa: S603 (this script, with fixed arguments)
                [sys.executable, __file__, "--child", path_name, str(size)],
                capture_output=True,
                text=True,
                check=True,
                cwd=ROOT,
            ).stdout
            result = json.loads(output.strip().splitlines()[-1])
            print(
                f"{size:>5} {path_name:<10} {result['seconds']:7.2f} s  "
                f"{result['per_second']:7.1f}/s  peak {result['peak_mib']:.0f} MiB",
                flush=True,
            )
            results.append(result)
    write_results(results)


def write_results(results: list[dict]) -> None:
    by = {(r["size"], r["path"]): r for r in results}
    lines = [
        "## Certificates per second (bench/certificates.py)",
        "",
        f"Measured {time.strftime('%Y-%m-%d')} with `.venv/bin/python bench/certificates.py` on "
        f"this machine ({os.cpu_count()} cores). Ours includes storing one PDF per certificate "
        "and building the course's merged PDF; peak memory is the largest resident set of the "
        "measuring process or its render workers.",
        "",
        "| participants | ours (/s) | common (/s) | ReportLab (/s) | ours ÷ common | "
        "ReportLab ÷ ours | ours: time | peak MiB ours / common / ReportLab |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for size in sorted({r["size"] for r in results}):
        ours, common, floor = by[(size, "ours")], by[(size, "common")], by[(size, "reportlab")]
        lines.append(
            f"| {size} | {ours['per_second']:.1f} | {common['per_second']:.1f} | "
            f"{floor['per_second']:.1f} | {ours['per_second'] / common['per_second']:.1f}x | "
            f"{floor['per_second'] / ours['per_second']:.1f}x | {ours['seconds']:.2f} s | "
            f"{ours['peak_mib']:.0f} / {common['peak_mib']:.0f} / {floor['peak_mib']:.0f} |"
        )
    section = "\n".join(lines) + "\n"
    results_file = ROOT / "bench" / "RESULTS.md"
    text = results_file.read_text()
    marker = "## Certificates per second"
    if marker in text:
        before, _sep, after = text.partition(marker)
        rest = after.split("\n## ", 1)
        text = before + section + ("\n## " + rest[1] if len(rest) > 1 else "")
    else:
        text = text.rstrip() + "\n\n" + section
    results_file.write_text(text)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2], int(sys.argv[3]))
    else:
        main([int(a) for a in sys.argv[1:]] or [30, 300, 1000])
