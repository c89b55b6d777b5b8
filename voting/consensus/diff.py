"""A readable difference between two versions of a text, word by word.

difflib matches the texts as sequences of words and the spaces between them. Added words
are marked with <ins>, removed words with <del>, and each change also starts with
visually hidden text ("added:", "removed:"), because most screen readers do not announce
<ins> and <del> (docs/consensus.md). Every piece of text is escaped.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Final

from flask_babel import gettext as _
from markupsafe import Markup, escape

# Words (with inner hyphens and apostrophes), runs of space, and single other characters, so
# that "banners." → "banners with ink." shows only " with ink" as added.
_TOKENS: Final = re.compile(r"\s+|\w+(?:['\u2019-]\w+)*|[^\w\s]")


@dataclass(frozen=True, slots=True)
class Change:
    """How much changed between two texts, in words."""

    added: int
    removed: int

    @property
    def is_empty(self) -> bool:
        """True when the texts are equal."""
        return self.added == 0 and self.removed == 0


def _words(text: str) -> list[str]:
    return _TOKENS.findall(text)


def _count_words(tokens: list[str]) -> int:
    return sum(1 for token in tokens if any(char.isalnum() for char in token))


def word_diff(old: str, new: str) -> tuple[Markup, Change]:
    """The new text with its changes against the old one marked, and how many words changed."""
    before, after = _words(old), _words(new)
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    parts: list[Markup] = []
    added = removed = 0
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            parts.append(escape("".join(after[j1:j2])))
            continue
        if tag in ("delete", "replace"):
            removed += _count_words(before[i1:i2])
            parts.append(
                Markup('<del><span class="visually-hidden">{} </span>{}</del>').format(
                    _("removed:"), "".join(before[i1:i2])
                )
            )
        if tag in ("insert", "replace"):
            added += _count_words(after[j1:j2])
            parts.append(
                Markup('<ins><span class="visually-hidden">{} </span>{}</ins>').format(
                    _("added:"), "".join(after[j1:j2])
                )
            )
    return Markup("").join(parts), Change(added=added, removed=removed)
