"""WSGI entry point for gunicorn: `gunicorn voting.wsgi:app` (settings from the environment)."""

from voting import create_app

app = create_app()
