"""Key ceremony steps 2, 3 and 5: encrypted shares, checking them, the election key.

Implements docs/protocol.md §I.10 steps 2, 3 and 5: trustee i sends f_i(j) to trustee j encrypted
with PyNaCl's `Box` (X25519 + XSalsa20-Poly1305, authenticated, random nonce); j checks it
against i's Feldman commitments (Feldman, FOCS 1987) and complains when it fails (the
complaints, answers and verdicts of step 4 are ballots/complaints.py; Gennaro, Jarecki,
Krawczyk, Rabin, J. Cryptology 2007). QUAL's commitments give the joint key K and every
trustee's verification key X_j.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace

from nacl.exceptions import CryptoError
from nacl.public import Box, PrivateKey, PublicKey

from ballots._messages import (
    MAX_SHARE_MESSAGE,
    check_context,
    read_message,
    read_share_plaintext,
    share_plaintext,
    trustee_index,
    wrap,
)
from ballots.canonical import (
    JSONObject,
    JSONValue,
    b64decode,
    b64encode,
)
from ballots.ceremony import Announcement, TrusteeSecret
from ballots.complaints import Complaint, ComplaintCheck, seal_complaint
from ballots.election import ElectionKey
from ballots.errors import BallotsError, CeremonyError
from ballots.group import N, Point


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
        obj = read_message(value, "share", {"dealer", "recipient", "ciphertext"})
        return cls(
            str(obj["election_id"]),
            trustee_index(obj, "dealer"),
            trustee_index(obj, "recipient"),
            wrap(
                lambda: b64decode(
                    obj["ciphertext"], field="share.ciphertext", max_length=MAX_SHARE_MESSAGE
                )
            ),
        )


def deal_shares(
    secret: TrusteeSecret, announcements: Sequence[Announcement]
) -> list[EncryptedShare]:
    """Step 2: encrypt f_i(j) to every other announced trustee j, after checking every announcement.

    Raises:
        CeremonyError: an announcement that fails `Announcement.verify` or does not belong to
            this ceremony (``announcement-context``, ``announcement-duplicate``).
    """
    by_index = check_context(secret, announcements)
    own = PrivateKey(secret.box_secret_key)
    out = []
    for j, a in sorted(by_index.items()):
        if j == secret.trustee:
            continue
        box = Box(own, PublicKey(a.box_key))
        message = share_plaintext(secret.election_id, secret.trustee, j, secret.polynomial(j))
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
        share = read_share_plaintext(plain, secret.election_id, dealer.trustee, secret.trustee)
    except BallotsError:
        raise CeremonyError(ComplaintCheck.CONTEXT.value, trustee=where) from None
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
    by_index = check_context(secret, announcements)
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
            sent = message.ciphertext if message is not None else None
            complaints.append(seal_complaint(secret, a, ComplaintCheck(exc.check), sent))
    return shares, complaints


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
