"""Evaluations: questionnaires from the timetable, anonymous submissions, results."""
