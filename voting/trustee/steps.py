"""What a trustee's tool does at each step of the key ceremony (protocol.md §I.10).

Pure functions over the server's public "board" (voting/elections/ceremony.py `board`) and
the trustee's own secret: they return what to post. The secret never leaves the trustee's
computer; it is kept in a passphrase-protected file (ballots `seal_secret`, Argon2id +
ChaCha20-Poly1305). Shares received are not stored: they are re-opened from the board
when needed. This module needs only ballots and the standard library, so the tool runs
without the web service installed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from ballots import (
    Announcement,
    CeremonyError,
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
    canonical_json,
    deal_shares,
    finish_ceremony,
    receive_shares,
    resolve_complaint,
)
from voting.words import _


class Action(StrEnum):
    """What the tool posts next (or that it waits, is done, or must stop)."""

    ANNOUNCE = "announcement"
    DEAL = "shares"
    COMPLAIN = "complaints"
    ANSWER = "answers"
    CONFIRM = "confirm"
    WAIT = "wait"
    DONE = "done"
    STOP = "stop"


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


def announcements_fingerprint(board: Mapping[str, JSONValue]) -> str | None:
    """hex(SHA-256(canonical JSON {"announcements": [digest_1, …, digest_n]})), the digests in
    trustee order, once every trustee has announced (protocol.md §I.10 step 1): one value
    for the trustees to read aloud and for the tool to hold on to; None before."""
    digests = announcement_digests(board)
    if digests is None:
        return None
    document = canonical_json({"announcements": [digest for _, digest in digests]})
    return hashlib.sha256(document).hexdigest()


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
    if step == "cancelled":
        return Next(
            Action.STOP,
            reason=_(
                "the officer has cancelled this vote; the ceremony stops here (if there is a new vote, make a new token for it on the website)"
            ),
        )
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
    if sorted(a.trustee for a in announcements) != list(range(1, secret.trustees + 1)):
        # Past step 1 every trustee has announced: a board that leaves one out, or shows two
        # for a seat, would let the server's keys in without the fingerprint (§I.10 step 1).
        raise BoardError(_("the board does not show exactly one announcement of every trustee"))
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
    answers = {
        (a.dealer, a.complainant): a
        for a in (ComplaintAnswer.from_json(a) for a in _list(board, "answers"))
    }
    opened, own = receive_shares(secret, announcements, shares)
    _check_own_complaints(secret.trustee, complaints, own)
    if step == "answer":
        return _answer(secret, announcements, complaints, answers)
    if step == "confirm":
        if me.get("disqualified"):
            return Next(
                Action.STOP,
                reason=_(
                    "the complaints disqualified you: the key is made without your share, and you have nothing left to do in this ceremony (if you answered every complaint, tell the officer)"
                ),
            )
        if me.get("confirmed"):
            return Next(Action.WAIT, reason=_("waiting for the other trustees to confirm"))
        raw_key = board.get("key")
        if raw_key is None:
            raise BoardError(_("the server's board has no election key yet"))
        key = ElectionKey.from_json(raw_key)
        by_dealer = {a.trustee: a for a in announcements}
        disqualified = set()
        for complaint in complaints:
            answer = answers.get((complaint.dealer, complaint.complainant))
            dealer = by_dealer.get(complaint.dealer)
            if dealer is None:
                raise BoardError(
                    _(
                        "the board has a complaint about trustee %(trustee)d, who did not announce",
                        trustee=complaint.dealer,
                    )
                )
            verdict = resolve_complaint(dealer, complaint, answer)
            if verdict is Verdict.DISQUALIFIED:
                disqualified.add(complaint.dealer)
            elif complaint.complainant == secret.trustee and answer is not None:
                opened[complaint.dealer] = answer.share
        qualified = sorted(set(range(1, secret.trustees + 1)) - disqualified)
        if list(key.qualified) != qualified:
            raise BoardError(
                _(
                    "the server's election key is made by trustees %(key)s, but after the complaints it should be made by trustees %(expected)s: do not confirm; tell the officer and the other trustees",
                    key=", ".join(map(str, key.qualified)),
                    expected=", ".join(map(str, qualified)),
                )
            )
        finished = finish_ceremony(secret, key, opened)
        return Next(Action.CONFIRM, {"trustee": index}, finished)
    return Next(Action.WAIT, reason=_("unknown step '%(step)s'", step=step))


def _check_own_complaints(trustee: int, board: list[Complaint], own: list[Complaint]) -> None:
    """The board must show exactly this trustee's own complaints in its name: one it did not
    make is the server's invention (and one it made must not go missing)."""
    shown = sorted((c.dealer, c.check) for c in board if c.complainant == trustee)
    made = sorted((c.dealer, c.check) for c in own)
    if shown != made:
        raise BoardError(
            _(
                "the board shows other complaints in your name than the ones you made: the server cannot be trusted with this ceremony; stop, and tell the officer and the other trustees"
            )
        )


def _answer(
    secret: TrusteeSecret,
    announcements: list[Announcement],
    complaints: list[Complaint],
    answers: Mapping[tuple[int, int], ComplaintAnswer],
) -> Next:
    """Step 4: answer each open complaint about this trustee's shares that its complainant
    sealed (protocol.md §I.10); a made-up one is never answered, which would reveal a share."""
    replies: list[JSONValue] = []
    refused: list[int] = []
    for complaint in complaints:
        if complaint.dealer != secret.trustee or (complaint.dealer, complaint.complainant) in (
            answers
        ):
            continue
        try:
            replies.append(answer_complaint(secret, announcements, complaint).to_json())
        except CeremonyError:
            refused.append(complaint.complainant)
    if replies:
        return Next(Action.ANSWER, replies)
    if refused:
        return Next(
            Action.WAIT,
            reason=_(
                "the complaint about your share for trustee %(trustees)s is not answered: that trustee did not seal it, or it is about a share message you did not send (the server may have dropped or changed it), and answering would reveal your share; tell the officer and the other trustees",
                trustees=", ".join(map(str, refused)),
            ),
        )
    return Next(Action.WAIT, reason=_("waiting for answers to complaints"))
