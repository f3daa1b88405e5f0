"""Timetable: sessions, site visits, country reports, attendance, calendar feeds."""
