"""Tampering helpers: edit a record's files the way an attacker with a text editor would,
keeping every file canonical JSON so that the change reaches the checks."""

from __future__ import annotations

import base64
from collections.abc import Callable
from pathlib import Path

from ballots import JSONValue, canonical_json, parse_canonical_json


def load(path: Path) -> dict[str, object]:
    value = parse_canonical_json(path.read_bytes(), max_bytes=2**28)
    assert isinstance(value, dict)
    return dict(value)


def save(path: Path, value: object) -> None:
    path.write_bytes(canonical_json(value))  # type: ignore[arg-type]


def edit(path: Path, change: Callable[[dict[str, object]], None]) -> None:
    value = load(path)
    change(value)
    save(path, value)


def flip_b64(text: str, byte: int = 5) -> str:
    """The same base64url value with one byte of the decoded bytes changed."""
    raw = bytearray(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
    raw[byte % len(raw)] ^= 0x01
    return base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()


def entry_file(record: Path, index: int) -> Path:
    return record / "log" / f"{index:08d}.json"


def find_entries(record: Path, entry_type: str) -> list[int]:
    """The indices of the record's log entries of one type."""
    found = []
    for path in sorted((record / "log").iterdir()):
        value = load(path)
        if value["type"] == entry_type:
            found.append(int(str(value["index"])))
    return found


def as_json(value: object) -> JSONValue:
    return value  # type: ignore[return-value]
