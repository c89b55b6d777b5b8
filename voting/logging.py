"""Operator logs: JSON lines in production, readable lines in development, request ids.

Only voting/ configures handlers. Never log votes, keys, passwords, tokens, links or full
e-mail addresses; state changes that matter go to the event table and audit log instead.
"""

from __future__ import annotations

import json
import logging
import secrets
import time

from flask import Flask, Response, g, has_request_context, request

from voting.config import Settings

REQUEST_ID_HEADER = "X-Request-ID"


class RequestIdFilter(logging.Filter):
    """Adds the current request id (or "-") to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = g.get("request_id", "-") if has_request_context() else "-"
        return True


class JSONFormatter(logging.Formatter):
    """One JSON object per line, for log collectors."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "request_id": getattr(record, "request_id", "-"),
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(settings: Settings) -> None:
    """Install the service's handler on the `voting` logger (idempotent)."""
    logger = logging.getLogger("voting")
    logger.setLevel(settings.log_level)
    for handler in list(logger.handlers):
        if getattr(handler, "_stembus", False):
            logger.removeHandler(handler)
    handler = logging.StreamHandler()
    handler._stembus = True  # type: ignore[attr-defined]  # marks our own handler for reconfiguration
    handler.addFilter(RequestIdFilter())
    if settings.is_production:
        handler.setFormatter(JSONFormatter())
    else:
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s")
        )
    logger.addHandler(handler)
    logger.propagate = False


def install_request_ids(app: Flask) -> None:
    """Give every request an id, echoed in the response for support questions."""

    @app.before_request
    def _assign() -> None:
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        valid = 8 <= len(incoming) <= 64 and incoming.replace("-", "").isalnum()
        g.request_id = incoming if valid else secrets.token_hex(8)

    @app.after_request
    def _echo(response: Response) -> Response:
        response.headers[REQUEST_ID_HEADER] = g.get("request_id", "-")
        return response


access_logger = logging.getLogger("voting.access")


def install_access_log(app: Flask) -> None:
    """Log each request as method, route pattern, status and duration, at INFO.

    The pattern (``/reset/<token>``), never the path: links, tracking codes and query strings
    stay out of the log, and so does the client's address (docs/privacy.md). This replaces
    gunicorn's access log, whose lines hold both.
    """

    @app.before_request
    def _start() -> None:
        g.started = time.perf_counter()

    @app.after_request
    def _log(response: Response) -> Response:
        rule = request.url_rule.rule if request.url_rule is not None else "(no route)"
        elapsed = (time.perf_counter() - g.get("started", time.perf_counter())) * 1000
        access_logger.info("%s %s %d %.0f ms", request.method, rule, response.status_code, elapsed)
        return response
