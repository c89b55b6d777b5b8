"""Key ceremony steps 3-4: sealed complaints about shares, the dealers' answers, the verdicts.

Implements docs/protocol.md §I.10 steps 3-4: trustee j complains about dealer i's share with a
complaint sealed by PyNaCl's `Box(b_j, B_i)` (authenticated public-key encryption; Bernstein,
Lange, Schwabe, LATINCRYPT 2012), so that dealer i answers only a complaint j really made; the
answer reveals the disputed share, and anyone adjudicates it against i's Feldman commitments
(Gennaro, Jarecki, Krawczyk, Rabin, J. Cryptology 2007).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Final

from nacl.exceptions import CryptoError
from nacl.public import Box, PrivateKey, PublicKey

from ballots import _fields as f
from ballots._messages import (
    MAX_SHARE_MESSAGE,
    check_context,
    read_message,
    read_share_plaintext,
    trustee_index,
    wrap,
)
from ballots.canonical import (
    JSONObject,
    JSONValue,
    b64decode,
    b64encode,
    canonical_json,
)
from ballots.ceremony import Announcement, TrusteeSecret
from ballots.errors import BallotsError, CeremonyError
from ballots.group import Point, Scalar

_MIN_SEAL_BYTES: Final = Box.NONCE_SIZE + 16
"""A seal holds the nonce, Poly1305's 16-byte tag and the body (§I.10 step 3)."""
_MAX_SEAL_BYTES: Final = _MIN_SEAL_BYTES + 2048


class ComplaintCheck(StrEnum):
    """Why a trustee complains about a dealer's share (§I.10 step 3)."""

    DECRYPT = "share-decrypt"
    CONTEXT = "share-context"
    COMMITMENT = "share-commitment"


class Verdict(StrEnum):
    """The outcome of a complaint (§I.10 step 4)."""

    DISMISSED = "dismissed"
    DISQUALIFIED = "disqualified"


@dataclass(frozen=True, slots=True)
class Complaint:
    """Trustee `complainant` says dealer `dealer`'s share failed `check` (§I.10 step 3).

    `received` is the share message's ciphertext as the complainant received it (None when
    none arrived). `seal` is `Box(b_complainant, B_dealer).encrypt(body())`: it proves the
    complaint to the dealer. The dealer answers only a complaint whose seal opens to its body
    and whose `received` opens with the dealer's own key pair (`answer_complaint`).
    """

    election_id: str
    dealer: int
    complainant: int
    check: ComplaintCheck
    received: bytes | None
    seal: bytes

    def _fields(self) -> dict[str, JSONValue]:
        fields: dict[str, JSONValue] = {
            "version": 1,
            "election_id": self.election_id,
            "dealer": self.dealer,
            "complainant": self.complainant,
            "check": self.check.value,
        }
        if self.received is not None:
            fields["received"] = b64encode(self.received)
        return fields

    def body(self) -> bytes:
        """The canonical JSON the seal encrypts: the complaint without its seal."""
        return canonical_json(self._fields())

    def to_json(self) -> JSONObject:
        """The §I.10 complaint message."""
        return {**self._fields(), "seal": b64encode(self.seal)}

    @classmethod
    def from_json(cls, value: JSONValue) -> Complaint:
        """Read a complaint (its seal is checked only by the dealer, `answer_complaint`)."""
        obj = read_message(
            value, "complaint", {"dealer", "complainant", "check", "seal"}, frozenset({"received"})
        )
        check = obj["check"]
        if not isinstance(check, str) or check not in {c.value for c in ComplaintCheck}:
            raise CeremonyError("format", field="complaint.check")
        seal = wrap(
            lambda: b64decode(obj["seal"], field="complaint.seal", max_length=_MAX_SEAL_BYTES)
        )
        if len(seal) < _MIN_SEAL_BYTES:
            raise CeremonyError("format", field="complaint.seal")
        received = None
        if "received" in obj:
            received = wrap(
                lambda: b64decode(
                    obj["received"], field="complaint.received", max_length=MAX_SHARE_MESSAGE
                )
            )
        return cls(
            str(obj["election_id"]),
            trustee_index(obj, "dealer"),
            trustee_index(obj, "complainant"),
            ComplaintCheck(check),
            received,
            seal,
        )


@dataclass(frozen=True, slots=True)
class ComplaintAnswer:
    """The dealer's answer: the disputed share s_dealer,complainant in the clear (§I.10 step 4)."""

    election_id: str
    dealer: int
    complainant: int
    share: int

    def to_json(self) -> JSONObject:
        """The §I.10 answer message."""
        return {
            "version": 1,
            "election_id": self.election_id,
            "dealer": self.dealer,
            "complainant": self.complainant,
            "share": b64encode(Scalar(self.share).to_bytes()),
        }

    @classmethod
    def from_json(cls, value: JSONValue) -> ComplaintAnswer:
        """Read an answer."""
        obj = read_message(value, "answer", {"dealer", "complainant", "share"})
        share = wrap(lambda: f.get_scalar(obj, "share", field="answer").value)
        return cls(
            str(obj["election_id"]),
            trustee_index(obj, "dealer"),
            trustee_index(obj, "complainant"),
            share,
        )


def seal_complaint(
    secret: TrusteeSecret,
    dealer: Announcement,
    check: ComplaintCheck,
    received: bytes | None,
) -> Complaint:
    """This trustee's complaint about `dealer`'s share message `received` (None when none
    arrived), sealed to the dealer (§I.10 step 3)."""
    unsealed = Complaint(secret.election_id, dealer.trustee, secret.trustee, check, received, b"")
    box = Box(PrivateKey(secret.box_secret_key), PublicKey(dealer.box_key))
    return replace(unsealed, seal=bytes(box.encrypt(unsealed.body())))


def answer_complaint(
    secret: TrusteeSecret, announcements: Sequence[Announcement], complaint: Complaint
) -> ComplaintAnswer:
    """Step 4, dealer side: reveal the disputed share, if the complainant really complains.

    Raises:
        CeremonyError: ``complaint-context`` for a complaint about another dealer or election,
            or by a trustee who did not announce; ``complaint-seal`` when the seal does not
            open to the complaint with the complainant's announced key (a complaint the
            server made up); ``complaint-share`` when the share message complained about is
            missing or does not open with this dealer's key pair with the complainant (the
            server dropped or changed what this dealer sent). Answering either would reveal
            the share to the server.
    """
    if (complaint.election_id, complaint.dealer) != (secret.election_id, secret.trustee):
        raise CeremonyError("complaint-context", trustee=complaint.dealer)
    by_index = check_context(secret, announcements)
    complainant = by_index.get(complaint.complainant)
    if complainant is None or complaint.complainant == secret.trustee:
        raise CeremonyError("complaint-context", trustee=complaint.complainant)
    box = Box(PrivateKey(secret.box_secret_key), PublicKey(complainant.box_key))
    try:
        opened = box.decrypt(complaint.seal)
    except CryptoError:
        raise CeremonyError("complaint-seal", trustee=complaint.complainant) from None
    if opened != complaint.body():
        raise CeremonyError("complaint-seal", trustee=complaint.complainant)
    if complaint.received is None:
        raise CeremonyError("complaint-share", trustee=complaint.complainant)
    try:
        # Box(b_i, B_j) and Box(b_j, B_i) share one key: the complainant's own message to
        # this dealer opens too, so the message must be this dealer's to the complainant.
        read_share_plaintext(
            box.decrypt(complaint.received),
            secret.election_id,
            secret.trustee,
            complaint.complainant,
        )
    except (CryptoError, BallotsError):
        raise CeremonyError("complaint-share", trustee=complaint.complainant) from None
    share = secret.polynomial(complaint.complainant)
    return ComplaintAnswer(secret.election_id, secret.trustee, complaint.complainant, share)


def resolve_complaint(
    dealer: Announcement, complaint: Complaint, answer: ComplaintAnswer | None
) -> Verdict:
    """Step 4, anyone: dismiss the complaint if the revealed share matches the commitments.

    With no answer, an answer for another pair, or a share that does not match, the dealer is
    disqualified.
    """
    if answer is None:
        return Verdict.DISQUALIFIED
    pair = (answer.election_id, answer.dealer, answer.complainant)
    if (
        pair != (complaint.election_id, complaint.dealer, complaint.complainant)
        or dealer.trustee != answer.dealer
    ):
        return Verdict.DISQUALIFIED
    if Point.mul_base(answer.share) != dealer.commitments.share_image(answer.complainant):
        return Verdict.DISQUALIFIED
    return Verdict.DISMISSED
