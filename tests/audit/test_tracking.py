"""Tracking codes (audit/tracking.py): Crockford base32 with a mod-37 check symbol (T13)."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from audit.errors import InvalidTrackingCode
from audit.tracking import ALPHABET, CHECK_ALPHABET, TrackingCode, check_page_url

LEAF = hashlib.sha256(b"a leaf").digest()
leaf_hashes = st.binary(min_size=32, max_size=32)


def test_code_is_five_groups_of_five_from_the_first_120_bits_of_the_leaf_hash() -> None:
    code = TrackingCode.from_leaf_hash(LEAF)
    text = str(code)
    groups = text.split("-")
    assert [len(g) for g in groups] == [5, 5, 5, 5, 5]
    value = int.from_bytes(LEAF[:15], "big")
    expected = "".join(ALPHABET[(value >> (5 * (23 - i))) & 31] for i in range(24))
    assert text.replace("-", "") == expected + CHECK_ALPHABET[value % 37]
    assert code.is_code_of(LEAF)
    assert not code.is_code_of(hashlib.sha256(b"another leaf").digest())


def test_known_answer_for_the_all_zero_and_all_one_prefixes() -> None:
    assert str(TrackingCode(bytes(15))) == "00000-00000-00000-00000-00000"
    ones = TrackingCode(b"\xff" * 15)
    # 2**36 ≡ 1 (mod 37), so 2**120 ≡ 2**12 = 4096 ≡ 26 and 2**120 - 1 ≡ 25: symbol "S".
    assert (2**120 - 1) % 37 == 25
    assert str(ones) == "ZZZZZ-ZZZZZ-ZZZZZ-ZZZZZ-ZZZZS"


@given(leaf_hashes)
def test_a_code_reads_back_as_typed_in_any_case_and_spacing(leaf: bytes) -> None:
    code = TrackingCode.from_leaf_hash(leaf)
    text = str(code)
    assert TrackingCode.parse(text) == code
    assert TrackingCode.parse(text.lower().replace("-", " ")) == code
    assert TrackingCode.parse(text.replace("-", "")) == code


def test_crockford_aliases_are_read_as_digits() -> None:
    code = TrackingCode(bytes(14) + b"\x01")
    text = str(code)
    assert text.startswith("00000")
    assert TrackingCode.parse("oOo0O" + text[5:]) == code
    one = TrackingCode((1 << 115).to_bytes(15, "big"))
    assert str(one).startswith("1")
    assert TrackingCode.parse("i" + str(one)[1:]) == one
    assert TrackingCode.parse("L" + str(one)[1:]) == one


@given(leaf_hashes, st.integers(0, 23), st.integers(1, 31))
def test_any_single_wrong_symbol_is_caught_by_the_check(leaf: bytes, at: int, delta: int) -> None:
    symbols = list(str(TrackingCode.from_leaf_hash(leaf)).replace("-", ""))
    symbols[at] = ALPHABET[(ALPHABET.index(symbols[at]) + delta) % 32]
    with pytest.raises(InvalidTrackingCode, match="code-check"):
        TrackingCode.parse("".join(symbols))


@given(leaf_hashes, st.integers(0, 22))
def test_any_swap_of_two_adjacent_symbols_is_caught(leaf: bytes, at: int) -> None:
    symbols = list(str(TrackingCode.from_leaf_hash(leaf)).replace("-", ""))
    if symbols[at] == symbols[at + 1]:
        return
    symbols[at], symbols[at + 1] = symbols[at + 1], symbols[at]
    with pytest.raises(InvalidTrackingCode, match="code-check"):
        TrackingCode.parse("".join(symbols))


@pytest.mark.parametrize("text", ["", "ABCDE", "0" * 26, "0" * 24])
def test_a_code_of_the_wrong_length_is_refused(text: str) -> None:
    with pytest.raises(InvalidTrackingCode, match="code-length"):
        TrackingCode.parse(text)


@pytest.mark.parametrize("bad", ["U", "*", "!", "é"])
def test_a_symbol_outside_the_alphabet_is_refused(bad: str) -> None:
    with pytest.raises(InvalidTrackingCode, match="code-symbol"):
        TrackingCode.parse("0000" + bad + "0" * 20)


def test_check_symbols_beyond_base32_are_used() -> None:
    value = 36  # ≡ 36 (mod 37): the check symbol is "U"
    code = TrackingCode(value.to_bytes(15, "big"))
    assert str(code).endswith("U")
    assert TrackingCode.parse(str(code)) == code


def test_a_leaf_hash_of_the_wrong_size_is_refused() -> None:
    with pytest.raises(InvalidTrackingCode, match="leaf-hash"):
        TrackingCode.from_leaf_hash(b"\x00" * 31)


def test_check_page_url_carries_the_code_for_the_qr_code() -> None:
    code = TrackingCode.from_leaf_hash(LEAF)
    url = check_page_url("https://stem.example.nl/check", code)
    assert url == f"https://stem.example.nl/check?code={code}"
    with_query = check_page_url("https://stem.example.nl/check?lang=nl#top", code)
    assert with_query == f"https://stem.example.nl/check?lang=nl&code={code}"
    symbol_36 = TrackingCode((36).to_bytes(15, "big"))
    assert "%24" not in check_page_url("http://localhost/c", symbol_36)


@pytest.mark.parametrize("base", ["/check", "ftp://example.nl/check", "https:///check"])
def test_check_page_url_needs_an_absolute_http_url(base: str) -> None:
    with pytest.raises(InvalidTrackingCode, match="check-url"):
        check_page_url(base, TrackingCode(bytes(15)))


def test_equal_choices_give_different_codes_because_the_leaves_differ() -> None:
    # Two ballots differ at least in their randomness and pseudonym, hence in their leaf hash.
    first = TrackingCode.from_leaf_hash(hashlib.sha256(b"ballot 1").digest())
    second = TrackingCode.from_leaf_hash(hashlib.sha256(b"ballot 2").digest())
    assert first != second
    assert str(first) != str(second)
