"""Stembus, the web service (the application factory lives in voting/app.py).

Importing this package imports nothing of the web stack, so that the trustee tool
(voting/trustee/) runs with only ballots, audit and the standard library installed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask


def create_app(*args: Any, **kwargs: Any) -> Flask:
    """Build the web application; see `voting.app.create_app`."""
    from voting.app import create_app as build  # keeps `import voting` light

    return build(*args, **kwargs)
