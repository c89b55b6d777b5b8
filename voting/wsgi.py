"""WSGI entry point for gunicorn: `gunicorn voting.wsgi:app` (settings from the environment)."""

import gc

from voting import create_app

app = create_app()

# Everything made so far (modules, the app, templates, translations) lives as long as the
# worker: move it out of the garbage collector's generations, so the collections that busy
# requests trigger no longer walk it (bench/cast_load.py: ~7 ms less per cast ballot).
gc.freeze()
