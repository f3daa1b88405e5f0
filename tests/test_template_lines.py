"""Web templates keep their lines short enough to read and review (issue 17): no line over
160 characters. The PDF templates (templates/pdf/) are laid out for print and left out. A
sentence too long for one line goes on after an empty comment (``{#`` at the end of the line,
``#}`` at the start of the next), so that the page says exactly what it said."""

from pathlib import Path

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
LIMIT = 160


def long_lines(root: Path) -> list[str]:
    found = []
    for path in sorted(root.rglob("*.html")):
        if path.relative_to(root).parts[0] == "pdf":
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if len(line) > LIMIT:
                found.append(f"{path.relative_to(root)}:{number} ({len(line)} characters)")
    return found


def test_no_web_template_line_is_over_160_characters():
    assert long_lines(TEMPLATES) == []


def test_a_long_line_is_found(tmp_path):
    (tmp_path / "pdf").mkdir()
    (tmp_path / "pdf" / "print.html").write_text("x" * 200)
    (tmp_path / "page.html").write_text("short\n" + "y" * 161 + "\n")
    assert long_lines(tmp_path) == ["page.html:2 (161 characters)"]
