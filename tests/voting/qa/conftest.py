"""Q&A tests render mail and lazy messages, which need a request context (a language)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask


@pytest.fixture(autouse=True)
def context(app: Flask) -> Iterator[None]:
    """A request context for the services' mail and messages (English, as tests read)."""
    with app.test_request_context():
        yield
