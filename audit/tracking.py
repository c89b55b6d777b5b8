"""Tracking codes: a short, checkable name for one ballot's leaf in the log.

protocol.md Part II, §II.4. Sources: Douglas Crockford, "Base 32" (crockford.com/base32.html):
its alphabet, decoding aliases and mod-37 check symbol; RFC 9162 §2.1.1 for the leaf hash.

The code of a ballot is the first 120 bits of the RFC 9162 leaf hash of its ballot-cast entry,
written as 24 Crockford base32 symbols, followed by one check symbol (the 120-bit value modulo
37) and grouped in fives: `7DJ3K-M0QXA-2B9TW-RC4NE-H8V5*`. The leaf hash covers the encrypted
ballot, the voter's pseudonym, the log index and the server's signature, so two ballots with
the same choices still get different codes (fresh encryption randomness, T13); finding two
entries with equal codes needs about 2**60 hashes, and the verifier reports any duplicate.
The check symbol catches every single wrong symbol and every swap of two adjacent symbols.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Final, Self
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from audit.errors import InvalidTrackingCode

ALPHABET: Final = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
"""Crockford's 32 symbols: digits and letters without I, L, O and U."""

CHECK_ALPHABET: Final = ALPHABET + "*~$=U"
"""Crockford's 37 check symbols: value mod 37 indexes this string."""

ALIASES: Final = {"I": "1", "L": "1", "O": "0"}
"""Crockford decoding: I and L are read as 1, O as 0."""

CODE_BITS: Final = 120
"""Bits of the leaf hash a code carries (the first 15 bytes)."""

DATA_SYMBOLS: Final = CODE_BITS // 5
"""24 base32 symbols of data, then one check symbol."""

GROUP: Final = 5
"""Symbols per group in the displayed form."""

SEPARATORS: Final = frozenset("- ")
"""Characters a reader may type between groups; ignored when parsing."""


@dataclass(frozen=True, slots=True)
class TrackingCode:
    """A tracking code (protocol.md §II.4).

    `prefix` — the first 15 bytes of the ballot's leaf hash.
    """

    prefix: bytes

    @classmethod
    def from_leaf_hash(cls, leaf_hash: bytes) -> Self:
        """Return the code of the entry with this RFC 9162 leaf hash.

        Raises `InvalidTrackingCode` ("leaf-hash") unless `leaf_hash` has 32 bytes.
        """
        if len(leaf_hash) != 32:
            raise InvalidTrackingCode(
                "leaf-hash", f"a leaf hash has 32 bytes, not {len(leaf_hash)}"
            )
        return cls(prefix=bytes(leaf_hash[: CODE_BITS // 8]))

    @classmethod
    def parse(cls, text: str) -> Self:
        """Read a code as a person may type it: any case, with or without dashes or spaces,
        I and L for 1, O for 0.

        Raises `InvalidTrackingCode` naming the check: "code-length", "code-symbol" or
        "code-check".
        """
        symbols = [ALIASES.get(c, c) for c in text.strip().upper() if c not in SEPARATORS]
        if len(symbols) != DATA_SYMBOLS + 1:
            raise InvalidTrackingCode(
                "code-length", f"a tracking code has {DATA_SYMBOLS + 1} symbols, not {len(symbols)}"
            )
        value = 0
        for position, symbol in enumerate(symbols[:DATA_SYMBOLS]):
            digit = ALPHABET.find(symbol)
            if digit < 0:
                raise InvalidTrackingCode(
                    "code-symbol", f"symbol {position + 1} ({symbol!r}) is not Crockford base32"
                )
            value = value * 32 + digit
        if CHECK_ALPHABET.find(symbols[-1]) != value % 37:
            raise InvalidTrackingCode("code-check", "the check symbol does not match: a typo?")
        return cls(prefix=value.to_bytes(CODE_BITS // 8, "big"))

    def __str__(self) -> str:
        value = int.from_bytes(self.prefix, "big")
        data = "".join(
            ALPHABET[(value >> (5 * (DATA_SYMBOLS - 1 - i))) & 31] for i in range(DATA_SYMBOLS)
        )
        symbols = data + CHECK_ALPHABET[value % 37]
        return "-".join(symbols[i : i + GROUP] for i in range(0, len(symbols), GROUP))

    def is_code_of(self, leaf_hash: bytes) -> bool:
        """Return whether this is the code of the entry with `leaf_hash`."""
        return hmac.compare_digest(self.prefix, bytes(leaf_hash[: CODE_BITS // 8]))


def check_page_url(base_url: str, code: TrackingCode) -> str:
    """Return the check page's URL for `code`: `base_url` with the query parameter `code`.

    This is the payload of the receipt's QR code; the web service renders the QR image.
    Raises `InvalidTrackingCode` ("check-url") unless `base_url` is an absolute http(s) URL.
    """
    parts = urlsplit(base_url)
    if parts.scheme not in ("https", "http") or not parts.netloc:
        raise InvalidTrackingCode("check-url", "the check page needs an absolute http(s) URL")
    query = [*parse_qsl(parts.query, keep_blank_values=True), ("code", str(code))]
    return urlunsplit(parts._replace(query=urlencode(query), fragment=""))
