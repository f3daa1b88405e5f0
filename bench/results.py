"""Writing a benchmark's section of bench/RESULTS.md (replacing the old one)."""

from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"


def write_section(heading: str, lines: list[str]) -> None:
    """Replace the section that starts with ``heading`` (a "## ..." line), or append it."""
    section = "\n".join([heading, *lines]) + "\n"
    text = RESULTS.read_text()
    if heading in text:
        before, _sep, after = text.partition(heading)
        rest = after.split("\n## ", 1)
        text = before + section + ("\n## " + rest[1] if len(rest) > 1 else "")
    else:
        text = text.rstrip() + "\n\n" + section
    RESULTS.write_text(text)
