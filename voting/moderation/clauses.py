"""The clauses of the code of conduct (the Safe(r) Space guidelines) a moderator can cite.

Both areas cite them: a moderator hides a consensus reason or rejects or hides a Q&A
question or answer under one of these, and one guidelines page (`consensus.guidelines`)
numbers and explains them.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final

from flask_babel import lazy_gettext as _l


class Clause(StrEnum):
    """A clause of the Safe(r) Space guidelines, in the order of the guidelines page."""

    OWN_EXPERIENCE = "own-experience"
    WITH_PEOPLE = "with-people"
    ADDRESS = "address"
    PERSONAL_DATA = "personal-data"


CLAUSE_TEXTS: Final = {
    Clause.OWN_EXPERIENCE: _l("Speak from your own experience."),
    Clause.WITH_PEOPLE: _l("Talk with people, not about them."),
    Clause.ADDRESS: _l("Respect how people want to be addressed."),
    Clause.PERSONAL_DATA: _l("Do not share personal details of others."),
}


def clause_number(clause: Clause) -> int:
    """The clause's number on the guidelines page (1 for the first)."""
    return list(Clause).index(clause) + 1


def parse_clause(value: str | Clause | None) -> Clause | None:
    """The clause named by a form value, or None when it names none."""
    try:
        return Clause(value) if value else None
    except ValueError:
        return None
