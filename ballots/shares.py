"""Key ceremony steps 2-5: encrypted shares, complaints and answers, the election key.

Implements docs/protocol.md §I.10 steps 2-5: trustee i sends f_i(j) to trustee j encrypted
with PyNaCl's `Box` (X25519 + XSalsa20-Poly1305, authenticated, random nonce); j checks it
against i's Feldman commitments (Feldman, FOCS 1987) and complains when it fails; i answers by
revealing the share, and anyone adjudicates (Gennaro, Jarecki, Krawczyk, Rabin, J. Cryptology
2007). QUAL's commitments give the joint key K and every trustee's verification key X_j.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Final, TypeVar

from nacl.exceptions import CryptoError
from nacl.public import Box, PrivateKey, PublicKey

from ballots import _fields as f
from ballots.canonical import (
    JSONObject,
    JSONValue,
    b64decode,
    b64encode,
    canonical_json,
    parse_canonical_json,
)
from ballots.ceremony import Announcement, TrusteeSecret
from ballots.election import MAX_TRUSTEES, ElectionKey
from ballots.errors import BallotsError, CeremonyError
from ballots.group import N, Point, Scalar

_MAX_SHARE_MESSAGE: Final = 1024
_T = TypeVar("_T")


def _wrap(read: Callable[[], _T]) -> _T:
    """Run a field reader, turning its error into a `CeremonyError` that keeps check and field."""
    try:
        return read()
    except BallotsError as exc:
        raise CeremonyError(exc.check, field=exc.field, detail=exc.detail) from exc


def _read(value: JSONValue, name: str, keys: set[str]) -> JSONObject:
    def read() -> JSONObject:
        obj = f.as_object(value, field=name, required=frozenset({"version", "election_id", *keys}))
        f.check_version(obj, field=name)
        f.get_id(obj, "election_id", field=name)
        return obj

    return _wrap(read)


def _index(obj: JSONObject, key: str) -> int:
    return _wrap(lambda: f.get_int(obj, key, field=key, low=1, high=MAX_TRUSTEES))


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
class EncryptedShare:
    """f_dealer(recipient) encrypted to the recipient with `Box` (nonce || ciphertext)."""

    election_id: str
    dealer: int
    recipient: int
    ciphertext: bytes

    def to_json(self) -> JSONObject:
        """The §I.10 step 2 message."""
        return {
            "version": 1,
            "election_id": self.election_id,
            "dealer": self.dealer,
            "recipient": self.recipient,
            "ciphertext": b64encode(self.ciphertext),
        }

    @classmethod
    def from_json(cls, value: JSONValue) -> EncryptedShare:
        """Read an encrypted share message."""
        obj = _read(value, "share", {"dealer", "recipient", "ciphertext"})
        return cls(
            str(obj["election_id"]),
            _index(obj, "dealer"),
            _index(obj, "recipient"),
            _wrap(
                lambda: b64decode(
                    obj["ciphertext"], field="share.ciphertext", max_length=_MAX_SHARE_MESSAGE
                )
            ),
        )


@dataclass(frozen=True, slots=True)
class Complaint:
    """Trustee `complainant` says dealer `dealer`'s share failed `check` (§I.10 step 3)."""

    election_id: str
    dealer: int
    complainant: int
    check: ComplaintCheck

    def to_json(self) -> JSONObject:
        """The §I.10 complaint message."""
        return {
            "version": 1,
            "election_id": self.election_id,
            "dealer": self.dealer,
            "complainant": self.complainant,
            "check": self.check.value,
        }

    @classmethod
    def from_json(cls, value: JSONValue) -> Complaint:
        """Read a complaint."""
        obj = _read(value, "complaint", {"dealer", "complainant", "check"})
        check = obj["check"]
        if not isinstance(check, str) or check not in {c.value for c in ComplaintCheck}:
            raise CeremonyError("format", field="complaint.check")
        return cls(
            str(obj["election_id"]),
            _index(obj, "dealer"),
            _index(obj, "complainant"),
            ComplaintCheck(check),
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
        obj = _read(value, "answer", {"dealer", "complainant", "share"})
        share = _wrap(lambda: f.get_scalar(obj, "share", field="answer").value)
        return cls(
            str(obj["election_id"]), _index(obj, "dealer"), _index(obj, "complainant"), share
        )


def _check_context(
    secret: TrusteeSecret, announcements: Sequence[Announcement]
) -> dict[int, Announcement]:
    """Verify every announcement and index them; all must be for this election and parameters."""
    by_index: dict[int, Announcement] = {}
    for a in announcements:
        if (a.election_id, a.threshold, a.trustees) != (
            secret.election_id,
            secret.threshold,
            secret.trustees,
        ):
            raise CeremonyError("announcement-context", trustee=a.trustee)
        if a.trustee in by_index:
            raise CeremonyError("announcement-duplicate", trustee=a.trustee)
        a.verify()
        by_index[a.trustee] = a
    return by_index


def _plaintext(election_id: str, dealer: int, recipient: int, share: int) -> bytes:
    return canonical_json(
        {
            "version": 1,
            "election_id": election_id,
            "dealer": dealer,
            "recipient": recipient,
            "share": b64encode(Scalar(share).to_bytes()),
        }
    )


def deal_shares(
    secret: TrusteeSecret, announcements: Sequence[Announcement]
) -> list[EncryptedShare]:
    """Step 2: encrypt f_i(j) to every other announced trustee j, after checking every announcement.

    Raises:
        CeremonyError: an announcement that fails `Announcement.verify` or does not belong to
            this ceremony (``announcement-context``, ``announcement-duplicate``).
    """
    by_index = _check_context(secret, announcements)
    own = PrivateKey(secret.box_secret_key)
    out = []
    for j, a in sorted(by_index.items()):
        if j == secret.trustee:
            continue
        box = Box(own, PublicKey(a.box_key))
        message = _plaintext(secret.election_id, secret.trustee, j, secret.polynomial(j))
        out.append(
            EncryptedShare(secret.election_id, secret.trustee, j, bytes(box.encrypt(message)))
        )
    return out


def _open_share(secret: TrusteeSecret, dealer: Announcement, message: EncryptedShare) -> int:
    """Decrypt and check one share; raise `CeremonyError` with the complaint check."""
    where = dealer.trustee
    if (message.election_id, message.dealer, message.recipient) != (
        secret.election_id,
        dealer.trustee,
        secret.trustee,
    ):
        raise CeremonyError(ComplaintCheck.CONTEXT.value, trustee=where)
    try:
        plain = Box(PrivateKey(secret.box_secret_key), PublicKey(dealer.box_key)).decrypt(
            message.ciphertext
        )
    except CryptoError:
        raise CeremonyError(ComplaintCheck.DECRYPT.value, trustee=where) from None
    try:
        obj = f.as_object(
            parse_canonical_json(plain, max_bytes=_MAX_SHARE_MESSAGE),
            field="share",
            required=frozenset({"version", "election_id", "dealer", "recipient", "share"}),
        )
        share = f.get_scalar(obj, "share", field="share").value
    except BallotsError:
        raise CeremonyError(ComplaintCheck.CONTEXT.value, trustee=where) from None
    if plain != _plaintext(secret.election_id, dealer.trustee, secret.trustee, share):
        raise CeremonyError(ComplaintCheck.CONTEXT.value, trustee=where)
    if Point.mul_base(share) != dealer.commitments.share_image(secret.trustee):
        raise CeremonyError(ComplaintCheck.COMMITMENT.value, trustee=where)
    return share


def receive_shares(
    secret: TrusteeSecret, announcements: Sequence[Announcement], messages: Sequence[EncryptedShare]
) -> tuple[dict[int, int], list[Complaint]]:
    """Step 3: open the shares addressed to this trustee; complain about each bad or missing one.

    Returns the verified shares by dealer (this trustee's own f_i(i) included) and the
    complaints to publish.
    """
    by_index = _check_context(secret, announcements)
    shares = {secret.trustee: secret.polynomial(secret.trustee)}
    complaints = []
    received = {m.dealer: m for m in messages if m.recipient == secret.trustee}
    for dealer, a in sorted(by_index.items()):
        if dealer == secret.trustee:
            continue
        message = received.get(dealer)
        try:
            if message is None:
                raise CeremonyError(
                    ComplaintCheck.DECRYPT.value, trustee=dealer, detail="no share received"
                )
            shares[dealer] = _open_share(secret, a, message)
        except CeremonyError as exc:
            complaints.append(
                Complaint(secret.election_id, dealer, secret.trustee, ComplaintCheck(exc.check))
            )
    return shares, complaints


def answer_complaint(secret: TrusteeSecret, complaint: Complaint) -> ComplaintAnswer:
    """Step 4, dealer side: reveal the disputed share.

    Raises:
        CeremonyError: ``complaint-context`` for a complaint about another dealer or election.
    """
    if (complaint.election_id, complaint.dealer) != (secret.election_id, secret.trustee):
        raise CeremonyError("complaint-context", trustee=complaint.dealer)
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


def election_key(
    announcements: Sequence[Announcement], disqualified: Collection[int] = ()
) -> ElectionKey:
    """Step 5: the election key from the verified announcements of QUAL.

    Raises:
        CeremonyError: a bad announcement, mixed parameters (``announcement-context``), or
            fewer than k qualified trustees (``qualified``).
    """
    if not announcements:
        raise CeremonyError("qualified")
    first = announcements[0]
    context = (first.election_id, first.threshold, first.trustees)
    seen: set[int] = set()
    for a in announcements:
        if (a.election_id, a.threshold, a.trustees) != context:
            raise CeremonyError("announcement-context", trustee=a.trustee)
        if a.trustee in seen:
            raise CeremonyError("announcement-duplicate", trustee=a.trustee)
        seen.add(a.trustee)
        a.verify()
    qualified = sorted(
        (a for a in announcements if a.trustee not in disqualified), key=lambda a: a.trustee
    )
    if len(qualified) < first.threshold:
        raise CeremonyError("qualified")
    return ElectionKey(
        first.election_id,
        first.threshold,
        first.trustees,
        tuple(a.commitments for a in qualified),
        Point.sum(a.coefficients[0] for a in qualified),
    )


def finish_ceremony(
    secret: TrusteeSecret, key: ElectionKey, shares: Mapping[int, int]
) -> TrusteeSecret:
    """Step 5, trustee side: x_j = sum of QUAL's shares, checked against X_j.

    `shares` maps each dealer to its verified share (from `receive_shares`, with answered
    complaints filled in).

    Raises:
        CeremonyError: ``share-missing`` for a QUAL dealer without a share, or
            ``verification-key`` when x_j * G differs from X_j.
    """
    if key.election_id != secret.election_id or key.threshold != secret.threshold:
        raise CeremonyError("announcement-context", trustee=secret.trustee)
    missing = [i for i in key.qualified if i not in shares]
    if missing:
        raise CeremonyError("share-missing", trustee=missing[0])
    total = sum(shares[i] for i in key.qualified) % N
    if total == 0 or Point.mul_base(total) != key.verification_key(secret.trustee):
        raise CeremonyError("verification-key", trustee=secret.trustee)
    return replace(secret, share=total)
