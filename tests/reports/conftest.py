"""Fixtures for reports: the demo data (the 2013 course of the seed report)."""

import io
import re

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from wipo_training.courses.models import Course
from wipo_training.demo import load_demo
from wipo_training.extensions import db


def pdf_text(data: bytes) -> str:
    """The PDF's extracted text with whitespace collapsed (lines wrap where they like)."""
    assert data.startswith(b"%PDF"), data[:200]
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    return re.sub(r"\s+", " ", text)


def pdf_pages(data: bytes) -> int:
    return len(PdfReader(io.BytesIO(data)).pages)


@pytest.fixture
def demo(app):
    """The demo data; returns the id of ENF-2013 (30 participants, the seed's figures)."""
    with app.app_context():
        load_demo()
        db.session.commit()
        return db.session.execute(
            sa.select(Course.id).where(Course.code == "ENF-2013")
        ).scalar_one()
