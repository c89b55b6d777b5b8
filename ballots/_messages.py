"""Reading the key ceremony's messages, and the announcements every step starts from.

Shared by docs/protocol.md §I.10 steps 2-5 (ballots/shares.py: shares; ballots/complaints.py:
complaints and answers): the common fields of a message, trustee numbers, the plaintext of a
share message, and the check that every announcement belongs to this ceremony and proves its
coefficients.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Final, TypeVar

from ballots import _fields as f
from ballots.canonical import (
    JSONObject,
    JSONValue,
    b64encode,
    canonical_json,
    parse_canonical_json,
)
from ballots.ceremony import Announcement, TrusteeSecret
from ballots.election import MAX_TRUSTEES
from ballots.errors import BallotsError, CeremonyError, InvalidEncoding
from ballots.group import Scalar

_T = TypeVar("_T")


def wrap(read: Callable[[], _T]) -> _T:
    """Run a field reader, turning its error into a `CeremonyError` that keeps check and field."""
    try:
        return read()
    except BallotsError as exc:
        raise CeremonyError(exc.check, field=exc.field, detail=exc.detail) from exc


MAX_SHARE_MESSAGE: Final = 1024
"""The most bytes of a share message's ciphertext (§I.10 step 2)."""


def read_message(
    value: JSONValue, name: str, keys: set[str], optional: frozenset[str] = frozenset()
) -> JSONObject:
    """A ceremony message's object with `keys` (and maybe `optional`), version 1, its id."""

    def read() -> JSONObject:
        obj = f.as_object(
            value,
            field=name,
            required=frozenset({"version", "election_id", *keys}),
            optional=optional,
        )
        f.check_version(obj, field=name)
        f.get_id(obj, "election_id", field=name)
        return obj

    return wrap(read)


def trustee_index(obj: JSONObject, key: str) -> int:
    return wrap(lambda: f.get_int(obj, key, field=key, low=1, high=MAX_TRUSTEES))


def check_context(
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


def share_plaintext(election_id: str, dealer: int, recipient: int, share: int) -> bytes:
    """The plaintext of a share message (§I.10 step 2): canonical JSON of its context and
    f_dealer(recipient)."""
    return canonical_json(
        {
            "version": 1,
            "election_id": election_id,
            "dealer": dealer,
            "recipient": recipient,
            "share": b64encode(Scalar(share).to_bytes()),
        }
    )


def read_share_plaintext(plain: bytes, election_id: str, dealer: int, recipient: int) -> int:
    """The share in `plain`, which must be exactly the share message of this election from
    `dealer` to `recipient`.

    Raises:
        BallotsError: not canonical JSON of that form, or for another election or pair.
    """
    obj = f.as_object(
        parse_canonical_json(plain, max_bytes=MAX_SHARE_MESSAGE),
        field="share",
        required=frozenset({"version", "election_id", "dealer", "recipient", "share"}),
    )
    share = f.get_scalar(obj, "share", field="share").value
    if plain != share_plaintext(election_id, dealer, recipient, share):
        raise InvalidEncoding("share-context", field="share")
    return share
