"""Proposals: starting, revising (every version kept), answering objections and questions,
round summaries, and deciding with an outcome statement.

Facilitators of a group do all of this. Each service checks scope first (NotFound, then
Forbidden), locks the proposal row, writes the audit-log entry and the event in the same
transaction, and commits.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Final
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from voting.accounts.models import Account
from voting.consensus import entries
from voting.consensus.entries import EntryType
from voting.consensus.models import (
    Answer,
    DecisionRule,
    FallbackMode,
    FallbackVote,
    Outcome,
    Position,
    Proposal,
    ProposalVersion,
    Round,
)
from voting.consensus.rules import ANSWERABLE, blocks, has_outcome_rule, reasons_visible
from voting.consensus.services import (
    load_group,
    lock_proposal,
    require_facilitator,
)
from voting.errors import Conflict, FieldError, NotFound
from voting.events import record_event
from voting.keys import Keyring

MAX_TITLE: Final = 200
MAX_BODY: Final = 20_000
MAX_STATEMENT: Final = 4000
MAX_LINKS: Final = 20
MAX_URL: Final = 500
MAX_LABEL: Final = 200
DECIDED = _l("This proposal is closed. Nothing has changed.")


# ------------------------------------------------------------------ proposals and versions


@dataclass(frozen=True, slots=True)
class ProposalText:
    """The text of a proposal version as the facilitator wrote it."""

    title: str
    body: str
    links: str = ""
    change_note: str = ""


def parse_links(text: str) -> list[dict[str, str]]:
    """Background documents, one per line: an optional label, then an http(s) address.

    Raises:
        FieldError: on "links", naming the line.
    """
    links: list[dict[str, str]] = []
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if len(lines) > MAX_LINKS:
        raise FieldError("links", _l("Give at most %(max)d links.", max=MAX_LINKS))
    for number, line in enumerate(lines, start=1):
        label, _space, url = line.rpartition(" ")
        parts = urlsplit(url)
        if (
            parts.scheme not in ("http", "https")
            or not parts.netloc
            or len(url) > MAX_URL
            or any(ord(c) < 33 or c in "<>\"'`" for c in url)
        ):
            raise FieldError(
                "links",
                _l(
                    "Line %(line)d: end each line with an address that starts with https://",
                    line=number,
                ),
            )
        label = label.strip() or url
        if len(label) > MAX_LABEL:
            raise FieldError(
                "links", _l("Line %(line)d: the name of the link is too long.", line=number)
            )
        links.append({"label": label, "url": url})
    return links


def links_text(links: list[dict[str, str]]) -> str:
    """Links back as the form shows them, one per line."""
    return "\n".join(
        link["url"] if link["label"] == link["url"] else f"{link['label']} {link['url']}"
        for link in links
    )


def _check_text(text: ProposalText) -> list[dict[str, str]]:
    if not text.title or len(text.title) > MAX_TITLE:
        raise FieldError("title", _l("Give a title of at most %(max)d characters.", max=MAX_TITLE))
    if not text.body:
        raise FieldError("body", _l("Write the proposal."))
    if len(text.body) > MAX_BODY:
        raise FieldError("body", _l("Use at most %(max)d characters.", max=MAX_BODY))
    if len(text.change_note) > MAX_STATEMENT:
        raise FieldError("change_note", _l("Use at most %(max)d characters.", max=MAX_STATEMENT))
    return parse_links(text.links)


def _add_version(
    session: Session,
    keyring: Keyring,
    proposal: Proposal,
    number: int,
    text: ProposalText,
    links: list[dict[str, str]],
    actor: Account,
    now: dt.datetime,
) -> ProposalVersion:
    digest = entries.version_digest(text.title, text.body, links)
    version = ProposalVersion(
        number=number,
        title=text.title,
        body=text.body,
        links_json=json.dumps(links, ensure_ascii=False),
        change_note=text.change_note,
        sha256=digest,
        created_by_id=actor.id,
        created_at=now,
    )
    proposal.versions.append(version)
    proposal.title = text.title
    session.flush()
    entries.append_signed(
        session,
        keyring,
        proposal.group.log_id,
        entries.entry(
            EntryType.PROPOSAL_VERSION,
            now,
            {"number": number, "proposal": proposal.id, "sha256": digest},
        ),
        now,
    )
    return version


def start_proposal(
    session: Session,
    actor: Account,
    group_id: int,
    text: ProposalText,
    rule: DecisionRule,
    round_days: int,
    keyring: Keyring,
    now: dt.datetime,
) -> Proposal:
    """Start a proposal in a group with the group's rules, as version 1.

    Raises:
        NotFound, Forbidden (not a facilitator), FieldError.
    """
    group = load_group(session, group_id)
    require_facilitator(session, group, actor)
    links = _check_text(text)
    if not 1 <= round_days <= 60:
        raise FieldError("round_days", _l("Choose from 1 to 60 days."))
    fallback = group.fallback if has_outcome_rule(rule) else FallbackMode.NONE
    proposal = Proposal(
        group_id=group.id,
        title=text.title,
        rule=rule,
        anonymous=group.anonymous,
        live_positions=group.live_positions and not group.anonymous,
        min_participation=group.min_participation,
        max_rounds=group.max_rounds,
        round_days=round_days,
        fallback=fallback,
        fallback_numerator=group.fallback_numerator,
        fallback_denominator=group.fallback_denominator,
        created_by_id=actor.id,
        created_at=now,
    )
    session.add(proposal)
    session.flush()
    entries.append_signed(
        session,
        keyring,
        group.log_id,
        entries.entry(
            EntryType.PROPOSAL_STARTED,
            now,
            {
                "anonymous": proposal.anonymous,
                "fallback": {
                    "denominator": proposal.fallback_denominator,
                    "mode": str(proposal.fallback),
                    "numerator": proposal.fallback_numerator,
                },
                "max_rounds": proposal.max_rounds,
                "min_participation": proposal.min_participation,
                "proposal": proposal.id,
                "rule": str(proposal.rule),
            },
        ),
        now,
    )
    _add_version(session, keyring, proposal, 1, text, links, actor, now)
    record_event(
        session,
        action="consensus.proposal-started",
        actor_id=actor.id,
        now=now,
        subject=f"consensus-proposal:{proposal.id}",
    )
    session.commit()
    return proposal


def latest_version(proposal: Proposal) -> ProposalVersion:
    """The newest version (a proposal always has one)."""
    return proposal.versions[-1]


def open_round_of(proposal: Proposal) -> Round | None:
    """The round now open, if any."""
    last = proposal.rounds[-1] if proposal.rounds else None
    return last if last is not None and last.is_open else None


def fallback_of(session: Session, proposal: Proposal) -> FallbackVote | None:
    """The fallback vote of the proposal, if one was started."""
    return session.scalar(select(FallbackVote).where(FallbackVote.proposal_id == proposal.id))


def revise_proposal(
    session: Session,
    actor: Account,
    proposal_id: int,
    text: ProposalText,
    based_on: int,
    keyring: Keyring,
    now: dt.datetime,
) -> ProposalVersion:
    """Save a new version; every earlier one is kept.

    `based_on` is the version number the facilitator edited: if someone saved a newer one
    meanwhile (or the form is sent twice), nothing changes.

    Raises:
        NotFound, Forbidden, FieldError, Conflict (decided, a round or vote open, stale form).
    """
    proposal = lock_proposal(session, proposal_id)
    require_facilitator(session, proposal.group, actor)
    _require_between_rounds(session, proposal)
    current = latest_version(proposal)
    if based_on != current.number:
        raise Conflict(
            _l(
                "Someone saved a newer version (version %(number)d) after you opened this page. Nothing has changed: look at that version first.",
                number=current.number,
            )
        )
    links = _check_text(text)
    if entries.version_digest(text.title, text.body, links) == current.sha256:
        raise FieldError(
            "body", _l("This is the same as the current version. Change something first.")
        )
    version = _add_version(session, keyring, proposal, current.number + 1, text, links, actor, now)
    record_event(
        session,
        action="consensus.proposal-revised",
        actor_id=actor.id,
        now=now,
        subject=f"consensus-proposal:{proposal.id}",
        details={"version": version.number},
    )
    session.commit()
    return version


def _require_between_rounds(session: Session, proposal: Proposal) -> None:
    if proposal.is_decided:
        raise Conflict(DECIDED)
    if open_round_of(proposal) is not None:
        raise Conflict(_l("A round is open. Wait until it closes. Nothing has changed."))
    if fallback_of(session, proposal) is not None:
        raise Conflict(_l("The fallback vote has started. Nothing has changed."))


# ------------------------------------------------------------------ answers and summaries


def current_answer(session: Session, position: Position) -> Answer | None:
    """The answer to this position's current reason (None if unanswered or outdated)."""
    answer = session.scalar(select(Answer).where(Answer.position_id == position.id))
    if answer is None or answer.reason_sha256 != entries.text_digest(position.reason):
        return None
    return answer


def unanswered_objections(session: Session, round_: Round) -> list[Position]:
    """Objections standing in a closed round that have no answer to their current reason."""
    if round_.is_open:
        return []
    rule = round_.proposal.rule
    return [
        position
        for position in session.scalars(
            select(Position).where(Position.round_id == round_.id).order_by(Position.id)
        )
        if blocks(rule, position.kind) and current_answer(session, position) is None
    ]


def answerable_position(session: Session, actor: Account, position_id: int) -> Position:
    """A position the facilitator may answer now: an objection, concern or question of the
    latest round of an undecided proposal, whose reason the group may read.

    Raises NotFound, Forbidden (not a facilitator), Conflict.
    """
    position = session.get(Position, position_id)
    if position is None:
        raise NotFound
    proposal = position.round.proposal
    require_facilitator(session, proposal.group, actor)
    if not reasons_visible(position):
        raise NotFound
    if proposal.is_decided:
        raise Conflict(DECIDED)
    if position.round_id != proposal.rounds[-1].id:
        raise Conflict(_l("This position is from an earlier round. Answer it in the latest round."))
    if position.kind not in ANSWERABLE:
        raise Conflict(_l("Only objections, concerns and questions get an answer."))
    return position


def answer_position(
    session: Session,
    actor: Account,
    position_id: int,
    text: str,
    keyring: Keyring,
    now: dt.datetime,
) -> Answer:
    """Answer an objection, a concern or a question in the latest round (or replace the answer).

    Raises:
        NotFound, Forbidden, FieldError ("text"), Conflict (decided, earlier round, not answerable).
    """
    proposal = lock_proposal(
        session, answerable_position(session, actor, position_id).round.proposal_id
    )
    position = answerable_position(session, actor, position_id)  # again, under the lock
    if not text:
        raise FieldError("text", _l("Write your answer."))
    if len(text) > MAX_STATEMENT:
        raise FieldError("text", _l("Use at most %(max)d characters.", max=MAX_STATEMENT))
    reason_digest = entries.text_digest(position.reason)
    answer = session.scalar(select(Answer).where(Answer.position_id == position.id))
    if answer is None:
        answer = Answer(
            position_id=position.id, text=text, reason_sha256=reason_digest, answered_at=now
        )
        session.add(answer)
    answer.text, answer.reason_sha256, answer.answered_at = text, reason_digest, now
    answer.answered_by_id = actor.id
    entries.append_signed(
        session,
        keyring,
        proposal.group.log_id,
        entries.entry(
            EntryType.ANSWER,
            now,
            {
                "answer_sha256": entries.text_digest(text),
                "kind": str(position.kind),
                "proposal": proposal.id,
                "reason_sha256": reason_digest,
                "round": position.round.number,
            },
        ),
        now,
    )
    record_event(
        session,
        action="consensus.answered",
        actor_id=actor.id,
        now=now,
        subject=f"consensus-proposal:{proposal.id}",
        details={"round": position.round.number, "kind": str(position.kind)},
    )
    session.commit()
    return answer


def write_summary(
    session: Session, actor: Account, round_id: int, text: str, keyring: Keyring, now: dt.datetime
) -> Round:
    """The facilitator's summary of a closed round (it may be rewritten until the next opens).

    Raises:
        NotFound, Forbidden, FieldError ("text"), Conflict (open, decided or not the latest round).
    """
    found = session.get(Round, round_id)
    if found is None:
        raise NotFound
    proposal = lock_proposal(session, found.proposal_id)
    require_facilitator(session, proposal.group, actor)
    if proposal.is_decided:
        raise Conflict(DECIDED)
    if found.is_open:
        raise Conflict(_l("The round is still open. Write the summary when it has closed."))
    if found.id != proposal.rounds[-1].id:
        raise Conflict(_l("A later round has opened. Nothing has changed."))
    if not text:
        raise FieldError("text", _l("Write the summary."))
    if len(text) > MAX_STATEMENT:
        raise FieldError("text", _l("Use at most %(max)d characters.", max=MAX_STATEMENT))
    found.summary, found.summary_at = text, now
    entries.append_signed(
        session,
        keyring,
        proposal.group.log_id,
        entries.entry(
            EntryType.ROUND_SUMMARY,
            now,
            {"proposal": proposal.id, "round": found.number, "sha256": entries.text_digest(text)},
        ),
        now,
    )
    record_event(
        session,
        action="consensus.summary-written",
        actor_id=actor.id,
        now=now,
        subject=f"consensus-proposal:{proposal.id}",
        details={"round": found.number},
    )
    session.commit()
    return found


# ------------------------------------------------------------------ deciding


def outcome_of(session: Session, proposal: Proposal) -> Outcome:
    """The outcome the rules give now (the proposal must be between rounds)."""
    fallback = fallback_of(session, proposal)
    if fallback is not None and fallback.adopted is not None:
        return Outcome.ADOPTED_BY_VOTE if fallback.adopted else Outcome.REJECTED_BY_VOTE
    closed = [r for r in proposal.rounds if not r.is_open]
    if not closed:
        return Outcome.WITHDRAWN
    if not has_outcome_rule(proposal.rule):
        return Outcome.ADVISORY
    return Outcome.CONSENSUS if closed[-1].consensus else Outcome.NO_CONSENSUS


def decide(
    session: Session,
    actor: Account,
    proposal_id: int,
    statement: str,
    keyring: Keyring,
    now: dt.datetime,
) -> Proposal:
    """Close the proposal with its outcome (given by the rules) and the outcome statement.

    Every objection standing in the last round must have been answered first.

    Raises:
        NotFound, Forbidden, FieldError ("statement"), Conflict.
    """
    proposal = lock_proposal(session, proposal_id)
    require_facilitator(session, proposal.group, actor)
    _require_between_rounds_or_vote_closed(session, proposal)
    if proposal.rounds and unanswered_objections(session, proposal.rounds[-1]):
        raise Conflict(
            _l("Answer every objection that still stands before you close the proposal.")
        )
    if not statement:
        raise FieldError("statement", _l("Write the outcome statement."))
    if len(statement) > MAX_STATEMENT:
        raise FieldError("statement", _l("Use at most %(max)d characters.", max=MAX_STATEMENT))
    outcome = outcome_of(session, proposal)
    proposal.outcome, proposal.outcome_statement = outcome, statement
    proposal.decided_at, proposal.decided_by_id = now, actor.id
    entries.append_signed(
        session,
        keyring,
        proposal.group.log_id,
        entries.entry(
            EntryType.OUTCOME,
            now,
            {
                "outcome": str(outcome),
                "proposal": proposal.id,
                "statement_sha256": entries.text_digest(statement),
                "version": latest_version(proposal).number,
            },
        ),
        now,
    )
    record_event(
        session,
        action="consensus.decided",
        actor_id=actor.id,
        now=now,
        subject=f"consensus-proposal:{proposal.id}",
        details={"outcome": str(outcome)},
    )
    session.commit()
    return proposal


def _require_between_rounds_or_vote_closed(session: Session, proposal: Proposal) -> None:
    if proposal.is_decided:
        raise Conflict(DECIDED)
    if open_round_of(proposal) is not None:
        raise Conflict(_l("A round is open. Wait until it closes. Nothing has changed."))
    fallback = fallback_of(session, proposal)
    if fallback is not None and fallback.is_open:
        raise Conflict(_l("The fallback vote is still open. Nothing has changed."))
