"""Outgoing e-mail over real SMTP.

`Mailer` is the seam: production and development use `SMTPMailer` (development points it
at the local sink that `stembus dev` starts), tests point it at an aiosmtpd server and
read the messages back. Mail never contains a vote, and invitation links appear only in
the message itself, never in logs.
"""

from __future__ import annotations

import logging
import smtplib
import threading
import unicodedata
from collections.abc import Sequence
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Final, Protocol

from voting.config import Settings

logger = logging.getLogger(__name__)
SMTP_TIMEOUT_SECONDS: Final = 15


class MailError(Exception):
    """The SMTP server could not be reached or refused the message."""


class Mailer(Protocol):
    """Sends e-mail messages."""

    def send(self, messages: Sequence[EmailMessage]) -> None:
        """Deliver the messages, or raise `MailError`."""


class SMTPMailer:
    """Delivers messages to an SMTP server, one connection per batch."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    def send(self, messages: Sequence[EmailMessage]) -> None:
        """Deliver the messages over one SMTP connection.

        Raises:
            MailError: when the server cannot be reached or refuses a message.
        """
        if not messages:
            return
        s = self._settings
        try:
            with smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=SMTP_TIMEOUT_SECONDS) as smtp:
                if s.smtp_starttls:
                    smtp.starttls()
                if s.smtp_user:
                    smtp.login(s.smtp_user, s.smtp_password)
                for message in messages:
                    smtp.send_message(message)
        except (OSError, smtplib.SMTPException) as exc:
            logger.warning("mail delivery failed: %s", type(exc).__name__)
            raise MailError(str(exc)) from exc
        logger.info("delivered %d message(s)", len(messages))


def compose(settings: Settings, *, to: str, subject: str, body: str) -> EmailMessage:
    """A plain-text message from the service's sender address."""
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = to
    # A subject is one line: line breaks (from a title, say) would make EmailMessage refuse
    # the header, after the change the mail reports has been committed.
    message["Subject"] = " ".join(
        "".join(" " if unicodedata.category(c) == "Cc" else c for c in subject).split()
    )
    message["Message-ID"] = make_msgid(domain="stembus.invalid")
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(body)
    return message


def send_later(mailer: Mailer, messages: Sequence[EmailMessage]) -> None:
    """Send from a background thread: the response does not wait for the mail server, and its
    timing tells nothing (THREATS T29). A failure is logged, never shown."""

    def deliver() -> None:
        try:
            mailer.send(messages)
        except MailError:
            logger.exception("background mail not delivered")

    threading.Thread(target=deliver, daemon=True).start()
