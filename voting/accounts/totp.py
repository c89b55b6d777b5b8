"""The second factor: TOTP (RFC 6238) and one-time recovery codes.

A code is accepted once: the last accepted time step is stored and a step at or below
it is refused (RFC 6238 §5.2), with a conditional UPDATE so that two simultaneous
submissions of one code cannot both win. After `MAX_FAILURES` wrong codes the second
factor is locked for `LOCK_MINUTES`, and while locked even a right code is refused
(THREATS T27). Secrets are kept encrypted with AES-GCM under a key derived from
SECRET_KEY (voting/sealing.py), bound to the account id.
"""

from __future__ import annotations

import datetime as dt
import hmac
import itertools
from typing import Final

import pyotp
import qrcode
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from voting.accounts.credentials import digests_equal, recovery_code_digest
from voting.accounts.models import Account, RecoveryCode
from voting.db import affected_rows
from voting.sealing import Sealer

ISSUER: Final = "Stembus"
STEP_SECONDS: Final = 30
CODE_DIGITS: Final = 6
VALID_WINDOW: Final = 1  # one step either side, for clocks that drift a little
MAX_FAILURES: Final = 5
LOCK_MINUTES: Final = 15
KDF_INFO: Final = b"stembus totp secret v1"


class SecretBox:
    """Encrypts TOTP secrets at rest, bound to the account they belong to (voting/sealing.py)."""

    def __init__(self, secret_key: str) -> None:
        self._sealer = Sealer(secret_key, KDF_INFO)

    def seal(self, account_id: int, secret: str) -> bytes:
        """Encrypt a base32 TOTP secret for one account."""
        return self._sealer.seal(f"account:{account_id}", secret.encode())

    def open(self, account_id: int, sealed: bytes) -> str:
        """Decrypt a sealed secret; `ValueError` when it cannot be opened."""
        return self._sealer.open(f"account:{account_id}", sealed).decode()


def new_secret() -> str:
    """A fresh 160-bit base32 secret (RFC 4226 §4 recommends 160 bits)."""
    return pyotp.random_base32(length=32)


def provisioning_uri(secret: str, account_label: str) -> str:
    """The otpauth:// URI an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=account_label, issuer_name=ISSUER)


QR_BORDER: Final = 2
"""Quiet zone around a QR code, in modules (ISO/IEC 18004 asks 4; the page's white
background around the figure supplies the rest)."""

QR_MODULE_MM: Final = 0.8
"""The printed size of one module; style sheets scale the code to the page."""


def qr_svg(data: str) -> str:
    """An SVG QR code of `data`, without an XML declaration, to place inside a page.

    `qrcode` makes the symbol (encoding, error correction, the mask with the lowest
    penalty); the SVG is one path with a rectangle per run of dark modules in a row. That is
    a third of the size of qrcode's own SVG (a square per module) and a third quicker, which
    counts on the receipt page that every cast ballot ends on.
    """
    code = qrcode.QRCode(border=QR_BORDER)
    code.add_data(data)
    matrix = code.get_matrix()
    runs = []
    for y, row in enumerate(matrix):
        x = 0
        for dark, modules in itertools.groupby(row):
            width = len(list(modules))
            if dark:
                runs.append(f"M{x} {y}h{width}v1h-{width}z")
            x += width
    size = len(matrix)
    side = f"{size * QR_MODULE_MM:g}mm"
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{side}" height="{side}" '
        f'viewBox="0 0 {size} {size}" shape-rendering="crispEdges">'
        f'<path fill="#000" d="{"".join(runs)}"/></svg>'
    )


def matching_step(secret: str, code: str, now: dt.datetime) -> int | None:
    """The time step whose code equals `code`, within the allowed window, or None."""
    code = "".join(ch for ch in code if ch.isdigit())
    if len(code) != CODE_DIGITS:
        return None
    totp = pyotp.TOTP(secret)
    current = int(now.timestamp()) // STEP_SECONDS
    found = None
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        # Check every step, so the time taken does not depend on which one matched.
        if hmac.compare_digest(totp.at(step * STEP_SECONDS), code):
            found = step
    return found


def is_locked(account: Account, now: dt.datetime) -> bool:
    """True while too many wrong codes lock the second factor."""
    return account.totp_locked_until is not None and account.totp_locked_until > now


def check_code(
    session: Session, account: Account, secret: str, code: str, now: dt.datetime
) -> bool:
    """Accept a TOTP code once, counting failures; the caller commits.

    Returns True when the code is right, not reused and the factor is not locked.
    """
    if is_locked(account, now):
        return False
    step = matching_step(secret, code, now)
    if step is not None:
        claimed = session.execute(
            update(Account)
            .where(Account.id == account.id, Account.totp_last_step < step)
            .values(totp_last_step=step, totp_failures=0, totp_locked_until=None)
            .execution_options(synchronize_session=False)
        )
        if affected_rows(claimed) == 1:
            session.refresh(account)
            return True
    register_failure(account, now)
    return False


def register_failure(account: Account, now: dt.datetime) -> None:
    """Count a wrong second factor; lock after `MAX_FAILURES`."""
    account.totp_failures += 1
    if account.totp_failures >= MAX_FAILURES:
        account.totp_locked_until = now + dt.timedelta(minutes=LOCK_MINUTES)
        account.totp_failures = 0


def use_recovery_code(session: Session, account: Account, code: str, now: dt.datetime) -> bool:
    """Spend one recovery code; each works once, even under concurrent use."""
    digest = recovery_code_digest(code)
    candidates = session.scalars(
        select(RecoveryCode).where(
            RecoveryCode.account_id == account.id, RecoveryCode.used_at.is_(None)
        )
    ).all()
    for candidate in candidates:
        if digests_equal(candidate.code_hash, digest):
            spent = session.execute(
                update(RecoveryCode)
                .where(RecoveryCode.id == candidate.id, RecoveryCode.used_at.is_(None))
                .values(used_at=now)
                .execution_options(synchronize_session=False)
            )
            if affected_rows(spent) == 1:
                return True
    return False
