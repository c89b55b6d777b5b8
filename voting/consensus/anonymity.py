"""Anonymous positions: a keyed tag per participant and round, and nothing else.

When a group takes positions anonymously, a position row holds no account, no time and no
other link to a member. To stop a second response and to let a participant change their
position while the round is open, the row holds a tag: HMAC-SHA256 under a random 256-bit
key made for that round, over the participant's account id. The key is stored sealed under
SECRET_KEY (AES-GCM, voting/sealing.py) and deleted when the round closes; the tags are then
erased and the rows rewritten in random order, so nothing left in the database ties a
position to a person (docs/consensus.md explains what remains: while a round is open,
someone holding both the database and SECRET_KEY could recompute the tags).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from typing import Final

from sqlalchemy.orm import Session

from voting.consensus.models import RoundKey
from voting.sealing import Sealer

KEY_INFO: Final = b"stembus consensus round key v1"
KEY_BYTES: Final = 32
TAG_DOMAIN: Final = b"stembus consensus responder v1\x00"


class RoundKeys:
    """Makes, opens and forgets the per-round keys of anonymous rounds."""

    def __init__(self, secret_key: str) -> None:
        self._sealer = Sealer(secret_key, KEY_INFO)

    @staticmethod
    def _owner(round_id: int) -> str:
        return f"consensus-round:{round_id}"

    def create(self, session: Session, round_id: int) -> None:
        """Make the key of a new anonymous round."""
        key = secrets.token_bytes(KEY_BYTES)
        session.add(
            RoundKey(round_id=round_id, sealed_key=self._sealer.seal(self._owner(round_id), key))
        )

    def tag(self, session: Session, round_id: int, account_id: int) -> bytes:
        """The participant's tag in the round.

        Raises:
            LookupError: the round has no key (it is closed, or not anonymous).
        """
        return self.tags(session, round_id, [account_id])[account_id]

    def tags(self, session: Session, round_id: int, account_ids: Iterable[int]) -> dict[int, bytes]:
        """Tags of several participants in one round (for "who has responded")."""
        row = session.get(RoundKey, round_id)
        if row is None:
            raise LookupError(f"round {round_id} has no key")
        key = self._sealer.open(self._owner(round_id), row.sealed_key)
        return {
            account_id: hmac.new(
                key, TAG_DOMAIN + account_id.to_bytes(8, "big"), hashlib.sha256
            ).digest()
            for account_id in account_ids
        }

    @staticmethod
    def forget(session: Session, round_id: int) -> None:
        """Delete the round's key: its tags can no longer be recomputed."""
        row = session.get(RoundKey, round_id)
        if row is not None:
            session.delete(row)
