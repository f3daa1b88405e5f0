"""Certificates per second for 30, 300 and 1,000 participants along three paths, with peak
memory, written to bench/RESULTS.md.

    .venv/bin/python bench/certificates.py            # all sizes
    .venv/bin/python bench/certificates.py 30 300     # some sizes

Paths:
- ours: the app's batch path (``complete``): pages rendered CHUNK at a time by WeasyPrint with
  one shared FontConfiguration and pre-parsed CSS, two processes, split into one stored PDF
  per certificate, plus the merged PDF of the course (what "Issue and download" produces);
- one by one: the app's own path for one certificate (``render_pages`` with a single page:
  the participant's lines by WeasyPrint, the course's shared part and the QR code drawn by
  ``finish``), called once per participant, one after another, in one process (what issuing
  certificates one at a time costs);
- reportlab: a ReportLab canvas drawing of the same certificate (frame, texts, signatories,
  QR code, serial): the floor for a Python PDF. It cannot shape Khmer, Myanmar or Arabic, so
  it draws them unshaped (and wrong), which the other two paths do not.
Each path runs in a fresh process so its peak memory (max RSS, children included) is its own.
Ours and one by one also run untagged (``wipo_training.pdf.TAGGED`` set False in that
process, before its render processes start): what tagging the certificates costs (issue 19).
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


def prepared(app, course_id: int) -> list[tuple]:
    """Serials allocated and the certificates as plain values (not timed: the same for every
    path)."""
    from wipo_training.courses.models import Course
    from wipo_training.documents import services
    from wipo_training.extensions import db

    with app.app_context():
        course = db.session.get(Course, course_id)
        for row in services.eligibility(course):
            services.allocate(None, row.enrolment)
        db.session.flush()
        batches = services.certificate_batches(services.course_certificates(course))
        db.session.rollback()
    return batches


def run_common(batches: list[tuple]) -> None:
    """One certificate per render, through the app's own code (no chunks, no pool)."""
    from wipo_training.documents import services

    for shared, pages in batches:
        for page in pages:
            services.render_pages((shared, [page]))


def run_reportlab(batches: list[tuple], out: Path) -> None:
    """The same certificate drawn on a ReportLab canvas: frame, texts, signatories, QR code,
    serial and address (native names unshaped: ReportLab has no complex-script shaping)."""
    import segno
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    fonts = "/usr/share/fonts/truetype/noto/"
    for name, file in (
        ("Serif", "NotoSerif-Regular.ttf"),
        ("Serif-Bold", "NotoSerif-Bold.ttf"),
        ("Serif-Italic", "NotoSerif-Italic.ttf"),
    ):
        pdfmetrics.registerFont(TTFont(name, fonts + file))
    width, height = landscape(A4)
    index = 0
    for shared, pages in batches:
        for page in pages:
            pdf = canvas.Canvas(str(out / f"{index}.pdf"), pagesize=(width, height))
            pdf.rect(10 * mm, 10 * mm, width - 20 * mm, height - 20 * mm)
            pdf.rect(11 * mm, 11 * mm, width - 22 * mm, height - 22 * mm)
            lines = [
                ("Serif", 11, shared["fund"].upper(), 40 * mm),
                ("Serif", 28, shared["heading"], 55 * mm),
                ("Serif-Italic", 11, "This is to certify that", 66 * mm),
                ("Serif-Bold", 24, page["name"], 78 * mm),
                ("Serif", 20, page["native"], 88 * mm),
                ("Serif", 11, page["affiliation"], 96 * mm),
                ("Serif-Italic", 11, "has successfully completed the", 104 * mm),
                ("Serif-Bold", 15, shared["course_title"], 114 * mm),
                ("Serif", 11, shared["held"], 121 * mm),
                ("Serif", 11, f"organised by {shared['organisers']}", 127 * mm),
            ]
            for font, size, text, top in lines:
                pdf.setFont(font, size)
                pdf.drawCentredString(width / 2, height - top, text)
            for number, signatory in enumerate(shared["signatories"]):
                left = 26 * mm + number * 74 * mm
                pdf.line(left, 30 * mm, left + 62 * mm, 30 * mm)
                pdf.setFont("Serif-Bold", 11)
                pdf.drawCentredString(left + 31 * mm, 26 * mm, signatory["name"])
                pdf.setFont("Serif", 9)
                pdf.drawCentredString(left + 31 * mm, 22 * mm, signatory["title"])
            # The QR code as segno makes it for our path (fixed mask), drawn as one path:
            # ReportLab's own QrCodeWidget is ten times slower and would flatter the others.
            matrix = segno.make(page["url"], error="m", mask=0).matrix
            module = 22 * mm / len(matrix)
            path = pdf.beginPath()
            for row, cells in enumerate(matrix):
                for column, dark in enumerate(cells):
                    if dark:
                        path.rect(
                            width - 96 * mm + column * module,
                            16 * mm + 22 * mm - (row + 1) * module,
                            module,
                            module,
                        )
            pdf.drawPath(path, stroke=0, fill=1)
            pdf.setFont("Serif", 8)
            pdf.drawString(width - 71 * mm, 24 * mm, f"No. {page['serial']}")
            pdf.drawString(width - 71 * mm, 20 * mm, f"Verify: {page['url']}")
            pdf.showPage()
            pdf.save()
            index += 1


def cpu_seconds(pids: list[int]) -> float:
    """The CPU time (user and system) these processes have used so far (Linux: /proc): the
    cost of a path, steadier than the wall clock when other work shares the cores."""
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime and stime, in clock ticks
    return total / os.sysconf("SC_CLK_TCK")


def child(path_name: str, size: int) -> None:
    """One measurement in this (fresh) process; prints JSON. ``ours-untagged`` and
    ``common-untagged``: the same paths making untagged PDFs."""
    tagged = not path_name.endswith("-untagged")
    path_name, sizes = path_name.removesuffix("-untagged"), {}
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        app = make_app(workdir)  # first: the app's configuration reads the environment it sets
        from wipo_training import pdf

        pdf.TAGGED = tagged
        course_id = build(app, size)
        if path_name == "ours":  # warm up as a running worker is: fonts, CSS, render processes
            from wipo_training.documents import services

            services._warm_up()
            list(services.render_pool(2).map(len, ["warm", "up"]))
            time.sleep(3)  # let the render processes finish loading their fonts
        batches = [] if path_name == "ours" else prepared(app, course_id)
        if path_name == "common":  # warm as a running server is: imports, fontconfig's cache
            run_common([(shared, pages[:1]) for shared, pages in batches[:1]])
        out = workdir / "rl"
        out.mkdir()
        pids = [os.getpid()]
        if path_name == "ours":
            from wipo_training.documents import services

            pids += list(services.render_pool(2)._processes)  # noqa: SLF001
        cpu_before = cpu_seconds(pids)
        started = time.perf_counter()
        if path_name == "ours":
            run_ours(app, course_id)
        elif path_name == "common":
            run_common(batches)
        else:
            run_reportlab(batches, out)
        elapsed = time.perf_counter() - started
        cpu = cpu_seconds(pids) - cpu_before
        if path_name == "ours":  # the stored certificates and the course's merged PDF
            stored = list((workdir / "instance" / "certificates").rglob("*.pdf"))
            merged = list((workdir / "instance").rglob("job-*.pdf"))
            sizes = {
                "certificate_kib": sum(f.stat().st_size for f in stored) / len(stored) / 1024,
                "merged_kib": sum(f.stat().st_size for f in merged) / 1024,
            }
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
                "cpu_seconds": cpu,
                **sizes,
            }
        )
    )


def main(sizes: list[int]) -> None:
    results = []
    for size in sizes:
        for path_name in ("ours", "ours-untagged", "common", "common-untagged", "reportlab"):
            output = subprocess.run(  # noqa: S603 (this script, with fixed arguments)
                [sys.executable, __file__, "--child", path_name, str(size)],
                capture_output=True,
                text=True,
                check=True,
                cwd=ROOT,
            ).stdout
            result = json.loads(output.strip().splitlines()[-1]) | {"path": path_name}
            print(
                f"{size:>5} {path_name:<10} {result['seconds']:7.2f} s  "
                f"{result['per_second']:7.1f}/s  CPU {result['cpu_seconds']:6.2f} s  "
                f"peak {result['peak_mib']:.0f} MiB"
                + (
                    f"  {result['certificate_kib']:.1f} KiB each, merged "
                    f"{result['merged_kib']:.0f} KiB"
                    if "certificate_kib" in result
                    else ""
                ),
                flush=True,
            )
            results.append(result)
    write_results(results)


def write_results(results: list[dict]) -> None:
    by = {(r["size"], r["path"]): r for r in results}
    from bench.results import write_section

    lines = [
        "",
        f"Measured {time.strftime('%Y-%m-%d')} with `.venv/bin/python bench/certificates.py` on "
        f"this machine ({os.cpu_count()} cores). Ours is the whole batch job: eligibility, "
        "serials, rendering, one stored PDF per certificate and the course's merged PDF. The "
        "other two start from the same prepared data (not timed). One by one is the app's own "
        "render of one certificate (render_pages with one page) called per participant. Every "
        "path is warmed first as a running server is (ours: its render processes have made a "
        "certificate in every script; one by one: one certificate rendered before timing). "
        "ReportLab draws in one process; ours uses two render processes. Peak memory is the "
        "largest resident set of the measuring process or its render workers. Certificates are "
        "tagged PDFs (issue 19); the untagged columns are the same paths with tagging off "
        '(see "Tagged PDFs: what tagging costs"), and the sizes are the mean stored '
        "certificate and the course's merged PDF.",
        "",
        "| participants | ours (/s) | one by one (/s) | ReportLab (/s) | ours ÷ one by one | "
        "ReportLab ÷ ours | ours: time | peak MiB ours / one by one / ReportLab | "
        "untagged: ours / one by one (/s) | KiB per certificate / merged, tagged | "
        "untagged |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for size in sorted({r["size"] for r in results}):
        ours, common, floor = by[(size, "ours")], by[(size, "common")], by[(size, "reportlab")]
        plain, plain_common = by[(size, "ours-untagged")], by[(size, "common-untagged")]
        lines.append(
            f"| {size} | {ours['per_second']:.1f} | {common['per_second']:.1f} | "
            f"{floor['per_second']:.1f} | {ours['per_second'] / common['per_second']:.1f}x | "
            f"{floor['per_second'] / ours['per_second']:.1f}x | {ours['seconds']:.2f} s | "
            f"{ours['peak_mib']:.0f} / {common['peak_mib']:.0f} / {floor['peak_mib']:.0f} | "
            f"{plain['per_second']:.1f} / {plain_common['per_second']:.1f} | "
            f"{ours['certificate_kib']:.1f} / {ours['merged_kib']:.0f} | "
            f"{plain['certificate_kib']:.1f} / {plain['merged_kib']:.0f} |"
        )
    write_section("## Certificates per second (bench/certificates.py)", lines)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2], int(sys.argv[3]))
    else:
        main([int(a) for a in sys.argv[1:]] or [30, 300, 1000])
