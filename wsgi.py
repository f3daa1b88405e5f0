"""The WSGI entry point: ``gunicorn wsgi:app``."""

from wipo_training import create_app

app = create_app()
