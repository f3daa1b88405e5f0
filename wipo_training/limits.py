"""How much prose a person may enter in one field: more than any real text needs, little enough
that a document built from it still renders in seconds (a course report whose objectives held
20,000 short lines took 10 s to render)."""

#: Objectives, a target audience, a session's description or notes, a seminar's programme.
SHORT_PROSE = 5_000
#: A report's introduction or conclusion, a meeting's summary, a press release.
LONG_PROSE = 20_000
