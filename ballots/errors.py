"""The one error hierarchy of ballots/ (docs/protocol.md §I.14).

Every check in ballots/ raises a subclass of `BallotsError`; none returns False. The error names
the check that failed (a short kebab-case code such as ``challenge-sum`` or ``point-on-curve``)
and where: the question, the option, the field and, for the key ceremony and decryption, the
trustee. Messages never contain secret values.
"""

from __future__ import annotations


class BallotsError(Exception):
    """A value or proof failed a check of docs/protocol.md Part I.

    Attributes:
        check: the code of the failed check, e.g. ``"challenge-sum"``.
        question: the question id, when the check concerns one question.
        option: the option id, when it concerns one option.
        field: the JSON field or parameter that held the bad value.
        trustee: the trustee index, for ceremony and decryption checks.
    """

    def __init__(
        self,
        check: str,
        *,
        question: str | None = None,
        option: str | None = None,
        field: str | None = None,
        trustee: int | None = None,
        detail: str = "",
    ) -> None:
        self.check = check
        self.question = question
        self.option = option
        self.field = field
        self.trustee = trustee
        self.detail = detail
        super().__init__(self._message())

    def _message(self) -> str:
        parts = [f"check={self.check}"]
        if self.question is not None:
            parts.append(f"question={self.question}")
        if self.option is not None:
            parts.append(f"option={self.option}")
        if self.field is not None:
            parts.append(f"field={self.field}")
        if self.trustee is not None:
            parts.append(f"trustee={self.trustee}")
        text = " ".join(parts)
        return f"{text}: {self.detail}" if self.detail else text


class InvalidEncoding(BallotsError):
    """Bytes or JSON that are not in the one canonical form (§I.2, §I.3)."""


class InvalidPoint(BallotsError):
    """A point encoding that §I.1 rejects, or the identity where it is not allowed."""


class InvalidScalar(BallotsError):
    """A scalar that is not 32 bytes, is ≥ n, or is zero where zero is not allowed."""


class InvalidProof(BallotsError):
    """A zero-knowledge proof whose challenge or equations do not verify (§I.8, §I.10, §I.12)."""


class InvalidSignature(BallotsError):
    """A signed document that does not verify (§I.4)."""


class InvalidManifest(BallotsError):
    """A manifest or majority rule that breaks §I.7."""


class InvalidBallot(BallotsError):
    """A ballot that is malformed, has the wrong shape, or carries a failing proof (§I.9)."""


class DuplicateCiphertext(InvalidBallot):
    """A ballot that re-uses a ciphertext already seen in the election (T06, §I.9)."""


class CeremonyError(BallotsError):
    """A key-ceremony message that fails its checks, or a share that does not match (§I.10)."""


class SecretFileError(BallotsError):
    """A trustee secret file that cannot be opened: wrong passphrase, tampered, bad format."""


class InvalidShare(BallotsError):
    """A partial decryption whose proof or shape fails (§I.12)."""


class ThresholdNotMet(BallotsError):
    """Fewer than k valid decryption shares, or shares from too few distinct trustees."""


class DecryptionError(BallotsError):
    """A decrypted value outside [0, N]: the aggregate does not hold a valid count (§I.5)."""


class InvalidCount(BallotsError):
    """Counts or a result that do not fit the manifest or the counting rules (§I.13)."""
