"""What a trustee's tool does at each step of the key ceremony (protocol.md §I.10).

Pure functions over the server's public "board" (voting/elections/ceremony.py `board`) and
the trustee's own secret: they return what to post. The secret never leaves the trustee's
computer; it is kept in a passphrase-protected file (ballots `seal_secret`, Argon2id +
ChaCha20-Poly1305). Shares received are not stored: they are re-opened from the board
when needed. This module needs only ballots and the standard library, so the tool runs
without the web service installed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from ballots import (
    Announcement,
    Complaint,
    ComplaintAnswer,
    ElectionKey,
    EncryptedShare,
    JSONObject,
    JSONValue,
    TrusteeSecret,
    Verdict,
    announce,
    answer_complaint,
    deal_shares,
    finish_ceremony,
    receive_shares,
    resolve_complaint,
)
from voting.words import _


class Action(StrEnum):
    """What the tool posts next (or that it waits)."""

    ANNOUNCE = "announcement"
    DEAL = "shares"
    COMPLAIN = "complaints"
    ANSWER = "answers"
    CONFIRM = "confirm"
    WAIT = "wait"
    DONE = "done"


@dataclass(frozen=True, slots=True)
class Next:
    """The next action: what to post, and the secret to save first (if it changed)."""

    action: Action
    payload: JSONValue | None = None
    secret: TrusteeSecret | None = None
    reason: str = ""


class BoardError(Exception):
    """The server's board is not what the protocol says; the tool stops and names the field."""


def _int(board: Mapping[str, JSONValue], key: str) -> int:
    value = board.get(key)
    if isinstance(value, bool) or not isinstance(value, int):
        raise BoardError(_("the server's board has no whole number '%(key)s'", key=key))
    return value


def _str(board: Mapping[str, JSONValue], key: str) -> str:
    value = board.get(key)
    if not isinstance(value, str):
        raise BoardError(_("the server's board has no text '%(key)s'", key=key))
    return value


def _list(board: Mapping[str, JSONValue], key: str) -> list[JSONValue]:
    value = board.get(key)
    return list(value) if isinstance(value, list) else []


def _announcements(board: Mapping[str, JSONValue]) -> list[Announcement]:
    return [Announcement.from_json(a) for a in _list(board, "announcements")]


def announcement_digests(board: Mapping[str, JSONValue]) -> list[tuple[int, str]] | None:
    """Each trustee's announcement digest (protocol.md §I.10 step 1), once every trustee has
    announced; None before. Trustees read them aloud to each other: a server that swapped
    someone's keys shows them a different digest."""
    announcements = _announcements(board)
    if len(announcements) != _int(board, "trustees"):
        return None
    return sorted((a.trustee, a.digest()) for a in announcements)


def _me(board: Mapping[str, JSONValue]) -> JSONObject:
    me = board.get("me")
    return me if isinstance(me, dict) else {}


def next_step(board: Mapping[str, JSONValue], secret: TrusteeSecret | None) -> Next:
    """Decide the trustee's next move from the board and its secret (None before step 1)."""
    step = board.get("step")
    me = _me(board)
    index = _int(board, "trustee")
    if step == "not-started":
        return Next(Action.WAIT, reason=_("the officer has not started the key ceremony yet"))
    if step == "done":
        return Next(Action.DONE, reason=_("the ceremony is complete"))
    if secret is None:
        if step != "announce" or me.get("announced"):
            return Next(
                Action.WAIT, reason=_("no secret file: this trustee cannot take part any more")
            )
        fresh, announcement = announce(
            _str(board, "election_id"), index, _int(board, "threshold"), _int(board, "trustees")
        )
        return Next(Action.ANNOUNCE, announcement.to_json(), fresh)
    if step == "announce":
        return Next(Action.WAIT, reason=_("waiting for the other trustees to announce"))
    announcements = _announcements(board)
    if step == "deal":
        if me.get("dealt"):
            return Next(Action.WAIT, reason=_("waiting for the other trustees' shares"))
        return Next(Action.DEAL, [s.to_json() for s in deal_shares(secret, announcements)])
    shares = [EncryptedShare.from_json(s) for s in _list(board, "shares")]
    if step == "check":
        if me.get("checked"):
            return Next(
                Action.WAIT, reason=_("waiting for the other trustees to check their shares")
            )
        _opened, complaints = receive_shares(secret, announcements, shares)
        return Next(Action.COMPLAIN, [c.to_json() for c in complaints])
    complaints = [Complaint.from_json(c) for c in _list(board, "complaints")]
    answers = [ComplaintAnswer.from_json(a) for a in _list(board, "answers")]
    if step == "answer":
        answered = {(a.dealer, a.complainant) for a in answers}
        mine = [
            c
            for c in complaints
            if c.dealer == secret.trustee and (c.dealer, c.complainant) not in answered
        ]
        if not mine:
            return Next(Action.WAIT, reason=_("waiting for answers to complaints"))
        return Next(Action.ANSWER, [answer_complaint(secret, c).to_json() for c in mine])
    if step == "confirm":
        if me.get("confirmed"):
            return Next(Action.WAIT, reason=_("waiting for the other trustees to confirm"))
        raw_key = board.get("key")
        if raw_key is None:
            raise BoardError(_("the server's board has no election key yet"))
        key = ElectionKey.from_json(raw_key)
        opened, _complaints = receive_shares(secret, announcements, shares)
        by_dealer = {a.trustee: a for a in announcements}
        for complaint in complaints:
            if complaint.complainant != secret.trustee:
                continue
            answer = next(
                (
                    a
                    for a in answers
                    if (a.dealer, a.complainant) == (complaint.dealer, complaint.complainant)
                ),
                None,
            )
            if (
                resolve_complaint(by_dealer[complaint.dealer], complaint, answer)
                is Verdict.DISMISSED
                and answer is not None
            ):
                opened[complaint.dealer] = answer.share
        finished = finish_ceremony(secret, key, opened)
        return Next(Action.CONFIRM, {"trustee": index}, finished)
    return Next(Action.WAIT, reason=_("unknown step '%(step)s'", step=step))
