"""A real SMTP server for tests (aiosmtpd), collecting what the service sends."""

from __future__ import annotations

import socket
import threading
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class MailSink:
    """Runs an SMTP server on a free loopback port and keeps every message it receives."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self._changed = threading.Condition()
        self._controller = Controller(self, hostname="127.0.0.1", port=free_port())

    @property
    def port(self) -> int:
        """The port the server listens on."""
        return int(self._controller.port)

    def start(self) -> None:
        """Start listening (in a background thread)."""
        self._controller.start()

    def stop(self) -> None:
        """Stop listening."""
        self._controller.stop()

    def clear(self) -> None:
        """Forget the messages received so far."""
        with self._changed:
            self.messages.clear()

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:  # noqa: N802
        message = message_from_bytes(envelope.content, policy=policy.default)
        with self._changed:
            self.messages.append(message)  # type: ignore[arg-type]
            self._changed.notify_all()
        return "250 OK"

    def wait_for(
        self, count: int, *, to: str | None = None, timeout: float = 10.0
    ) -> list[EmailMessage]:
        """Block until at least `count` messages (to `to`, if given) arrived, and return them.

        Mail sent from a background thread by an earlier test may still arrive, so tests
        that care name the recipient.
        """

        def matching() -> list[EmailMessage]:
            return [m for m in self.messages if to is None or m["To"] == to]

        with self._changed:
            arrived = self._changed.wait_for(lambda: len(matching()) >= count, timeout)
            if not arrived:
                raise AssertionError(
                    f"expected {count} message(s) to {to or 'anyone'}, got {len(matching())}"
                )
            return matching()

    @staticmethod
    def body_of(message: EmailMessage) -> str:
        """The plain-text body of a message."""
        part = message.get_body(preferencelist=("plain",))
        assert part is not None
        return str(part.get_content())

    def body(self, index: int = -1) -> str:
        """The plain-text body of a received message."""
        return self.body_of(self.messages[index])
