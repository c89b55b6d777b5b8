"""A local SMTP sink for development (`stembus dev`): mail is saved, never delivered.

Each message is written to instance/mail/ as an .eml file and announced on the console,
so a developer can open invitation links without a real mail server.
"""

from __future__ import annotations

import logging
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

logger = logging.getLogger(__name__)


class _SaveToFolder:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.count = 0

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:  # noqa: N802  # aiosmtpd's hook name
        self.count += 1
        message: Message = message_from_bytes(envelope.content)
        path = self.folder / f"{self.count:05d}.eml"
        path.write_bytes(envelope.content)
        payload = message.get_payload(decode=True)
        body = payload if isinstance(payload, bytes) else b""
        print(  # the development console is this sink's user interface
            f"\n--- mail to {message['To']}: {message['Subject']} (saved as {path})\n"
            f"{body.decode(errors='replace')}---"
        )
        return "250 Message accepted"


def start_sink(folder: Path, host: str, port: int) -> Controller:
    """Start the sink in a background thread; the caller stops it."""
    folder.mkdir(parents=True, exist_ok=True)
    controller = Controller(_SaveToFolder(folder), hostname=host, port=port)
    controller.start()
    return controller
