"""Who may do what in a candidate Q&A, the rules for text, and looking things up.

Every Q&A service starts from `viewer(session, actor, election_id)`: it finds the Q&A and
works out, on the server, what this account may do there (THREATS T23):

- the electorate reads, asks and upvotes (before voting opens, as the election defines
  it today; from opening, the frozen list);
- an admitted candidate reads and answers, but does not ask, upvote or moderate in their
  own election;
- moderators read, see who asked, and moderate (unless they are a candidate here);
- election officers and administrators read and manage (unless they are a candidate here).

Anyone else gets Forbidden. Text from members is normalised to NFC, its line ends unified,
control characters refused and its length limited here, in the service, whatever the form
already checked (THREATS T33, T34).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Final
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from voting.accounts.models import Account, Role
from voting.elections import preparation
from voting.elections.lifecycle import in_electorate
from voting.elections.models import Election
from voting.errors import Conflict, FieldError, Forbidden, NotFound
from voting.qa.models import QA, Candidate, Question

MAX_QUESTION: Final = 1000
MAX_ANSWER: Final = 4000
MAX_WHY: Final = 1000
MAX_PROFILE_TEXT: Final = 4000
MAX_DISPLAY_NAME: Final = 100
MAX_PRONOUNS: Final = 40
MAX_LINKS: Final = 5
MAX_LINK_LABEL: Final = 100
MAX_URL: Final = 500
FORM_ERROR: Final = "__form__"  # a FieldError for the whole form (shown in the summary)

# Tab and line feed are text; every other control or format-breaking character is not.
_ALLOWED_CONTROLS = frozenset("\n\t")
_URL_SCHEMES = frozenset({"http", "https"})
_LINE_ENDS = re.compile(r"\r\n?")


def clean_text(raw: str, field: str, limit: int, *, required: bool = True) -> str:
    """A member's text in NFC with "\\n" line ends, trimmed, checked for length and controls.

    Raises:
        FieldError: on `field`: empty (when required), longer than `limit`, or holding a
            control character (NUL and the like; PostgreSQL refuses NUL in text).
    """
    text = _LINE_ENDS.sub("\n", unicodedata.normalize("NFC", raw)).strip()
    if not text and required:
        raise FieldError(field, _l("Write something here."))
    if len(text) > limit:
        raise FieldError(field, _l("Use at most %(max)d characters.", max=limit))
    if any(unicodedata.category(c) == "Cc" and c not in _ALLOWED_CONTROLS for c in text):
        raise FieldError(field, _l("The text holds an invisible control character."))
    return text


def parse_links(raw: str) -> list[dict[str, str]]:
    """Links, one per line: "label https://…" or just the address; http and https only.

    Raises:
        FieldError: ("links") too many, too long, not a web address, or another scheme
            (javascript:, data:, file: …).
    """
    links: list[dict[str, str]] = []
    for line in clean_text(
        raw, "links", MAX_LINKS * (MAX_URL + MAX_LINK_LABEL + 2), required=False
    ).split("\n"):
        line = line.strip()
        if not line:
            continue
        label, _space, url = line.rpartition(" ")
        label = label.strip() or url
        parts = urlsplit(url)
        if (
            parts.scheme.lower() not in _URL_SCHEMES
            or not parts.hostname
            or len(url) > MAX_URL
            or any(c.isspace() or unicodedata.category(c) in {"Cc", "Cf"} for c in url)
        ):
            raise FieldError(
                "links",
                _l("Each link must be a web address that starts with https:// or http://."),
            )
        if len(label) > MAX_LINK_LABEL:
            raise FieldError(
                "links", _l("A link's label may be at most %(max)d characters.", max=MAX_LINK_LABEL)
            )
        links.append({"label": label, "url": url})
    if len(links) > MAX_LINKS:
        raise FieldError("links", _l("Give at most %(max)d links.", max=MAX_LINKS))
    return links


@dataclass(frozen=True, slots=True)
class Viewer:
    """What one account may do in one Q&A, worked out on the server."""

    account: Account
    qa: QA
    in_electorate: bool
    candidate: Candidate | None  # the account's active candidacy in this election
    is_moderator_role: bool
    is_officer_role: bool  # an officer who runs this vote (object scope, docs/security.md)

    @property
    def election(self) -> Election:
        """The election the Q&A belongs to."""
        return self.qa.election

    @property
    def can_read(self) -> bool:
        """The electorate, the candidates, moderators and officers read."""
        return (
            self.in_electorate
            or self.candidate is not None
            or self.is_moderator_role
            or self.is_officer_role
        )

    @property
    def can_ask(self) -> bool:
        """The electorate asks and upvotes; a candidate does not, in their own election."""
        return self.in_electorate and self.candidate is None

    @property
    def can_moderate(self) -> bool:
        """Moderators moderate, except in an election where they are a candidate."""
        return self.is_moderator_role and self.candidate is None

    @property
    def can_manage(self) -> bool:
        """Officers manage the Q&A, except in an election where they are a candidate."""
        return self.is_officer_role and self.candidate is None

    @property
    def can_run_live(self) -> bool:
        """Moderators and officers choose what the projector shows at the meeting."""
        return self.can_moderate or self.can_manage

    @property
    def sees_askers(self) -> bool:
        """Moderators always see who asked, also when a question is anonymous to others."""
        return self.can_moderate


def qa_of(session: Session, election_id: int) -> QA:
    """The Q&A of an election.

    Raises:
        NotFound: the election has no Q&A.
    """
    found = session.scalar(select(QA).where(QA.election_id == election_id))
    if found is None:
        raise NotFound
    return found


def candidacy(session: Session, election_id: int, account_id: int) -> Candidate | None:
    """The account's active candidacy in the election, if any."""
    return session.scalar(
        select(Candidate).where(
            Candidate.election_id == election_id,
            Candidate.account_id == account_id,
            Candidate.withdrawn_at.is_(None),
        )
    )


def viewer_of(session: Session, actor: Account, qa: QA) -> Viewer:
    """What the actor may do in this Q&A (they may be allowed nothing)."""
    roles = actor.role_set()
    return Viewer(
        account=actor,
        qa=qa,
        in_electorate=actor.member.is_active
        and in_electorate(session, qa.election, actor.member_id),
        candidate=candidacy(session, qa.election_id, actor.id),
        is_moderator_role=Role.MODERATOR in roles,
        is_officer_role=bool(roles & {Role.OFFICER, Role.ADMIN})
        and preparation.may_manage(actor, qa.election),
    )


def viewer(session: Session, actor: Account, election_id: int) -> Viewer:
    """The actor in the Q&A of an election, who must at least be allowed to read it.

    Raises:
        NotFound: no such Q&A.
        Forbidden: the actor is not in the electorate, not a candidate, moderator or officer.
    """
    found = viewer_of(session, actor, qa_of(session, election_id))
    if not found.can_read:
        raise Forbidden(_l("Only the members who vote in this election can read its questions."))
    return found


def flush_or_conflict(session: Session, message: object) -> None:
    """Flush; when a unique constraint refuses the row (the same form sent twice at once,
    from two tabs or two workers), roll back and raise Conflict with `message`."""
    try:
        session.flush()
    except IntegrityError as error:
        session.rollback()
        raise Conflict(message) from error


def require(allowed: bool, message: object) -> None:
    """Raise Forbidden with `message` unless `allowed`."""
    if not allowed:
        raise Forbidden(message)


def active_candidates(session: Session, election_id: int) -> list[Candidate]:
    """The candidates who have not withdrawn, by name."""
    rows = session.scalars(
        select(Candidate).where(
            Candidate.election_id == election_id, Candidate.withdrawn_at.is_(None)
        )
    ).all()
    return sorted(rows, key=lambda c: (c.display_name.casefold(), c.id))


def question_in(session: Session, question_id: int) -> Question:
    """A question by id.

    Raises:
        NotFound: no such question.
    """
    found = session.get(Question, question_id)
    if found is None:
        raise NotFound
    return found


def readable_qas(session: Session, actor: Account) -> list[QA]:
    """Every Q&A the actor may read, newest election first."""
    rows = session.scalars(select(QA).order_by(QA.closes_at.desc(), QA.id.desc())).all()
    return [qa for qa in rows if viewer_of(session, actor, qa).can_read]
