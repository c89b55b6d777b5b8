"""The service's Ed25519 signing keys: one per audit log (an election, a consensus group).

A log's key signs its tree heads and, for elections, ballots and receipts (protocol.md
§I.4, §II.3). Keys are made on first use, stored sealed under SECRET_KEY
(voting/sealing.py), and their public halves are published in the log and the record.
"""

from __future__ import annotations

import datetime as dt
from typing import Final

from sqlalchemy import LargeBinary, String
from sqlalchemy.orm import Mapped, Session, mapped_column

from ballots import SigningKey, VerifyingKey
from voting.db import Base, UTCDateTime
from voting.sealing import Sealer

KEY_INFO: Final = b"stembus service signing key v1"


class ServiceKey(Base):
    """A signing key of the service, sealed; `purpose` names what it signs."""

    __tablename__ = "service_key"

    purpose: Mapped[str] = mapped_column(String(80), primary_key=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary(32))
    sealed_seed: Mapped[bytes] = mapped_column(LargeBinary(80))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class Keyring:
    """Makes and opens the service's signing keys."""

    def __init__(self, secret_key: str) -> None:
        self._sealer = Sealer(secret_key, KEY_INFO)

    def signing_key(self, session: Session, purpose: str, now: dt.datetime) -> SigningKey:
        """The key for `purpose` (for example "log:election-12"), made on first use."""
        row = session.get(ServiceKey, purpose)
        if row is None:
            key = SigningKey.generate()
            row = ServiceKey(
                purpose=purpose,
                public_key=key.verifying_key().raw,
                sealed_seed=self._sealer.seal(purpose, key.seed),
                created_at=now,
            )
            session.add(row)
            session.flush()
            return key
        return SigningKey(self._sealer.open(purpose, row.sealed_seed))

    @staticmethod
    def verifying_key(session: Session, purpose: str) -> VerifyingKey | None:
        """The public key for `purpose`, if it was made."""
        row = session.get(ServiceKey, purpose)
        return VerifyingKey(row.public_key) if row is not None else None
