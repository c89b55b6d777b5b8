"""Signed tree heads (audit/head.py): shape, signature, succession in size and time (T14)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest

from audit.errors import InvalidHead
from audit.head import (
    HEAD_TYPE,
    SignedTreeHead,
    TreeHead,
    check_succession,
    moment_of,
    sign_head,
    timestamp_of,
)
from audit.merkle import EMPTY_ROOT, TreeHash
from ballots.canonical import JSONObject
from ballots.signing import SigningKey, sign_document

KEY = SigningKey(bytes(range(32)))
HEAD = TreeHead(log="alv-2026", size=3, root=TreeHash(bytes(32)), timestamp=1_790_000_000_000)


def test_a_signed_head_reads_back_and_verifies_with_the_log_key() -> None:
    signed = sign_head(KEY, HEAD)
    again = SignedTreeHead.from_json(signed.to_json())
    assert again == signed
    assert again.head == HEAD
    assert again.key_id == KEY.verifying_key().key_id
    again.verify(KEY.verifying_key())
    body = signed.to_json()["body"]
    assert body == {
        "log": "alv-2026",
        "root": "00" * 32,
        "size": 3,
        "timestamp": 1_790_000_000_000,
        "version": 1,
    }


def test_a_head_signed_by_another_key_is_rejected() -> None:
    signed = sign_head(SigningKey(bytes(32)), HEAD)
    with pytest.raises(InvalidHead, match="head-signature"):
        signed.verify(KEY.verifying_key())


def test_a_head_with_a_changed_field_fails_its_signature() -> None:
    signed = sign_head(KEY, HEAD)
    document = replace(signed.document, body={**HEAD.to_json(), "size": 4})
    forged = SignedTreeHead.from_json(document.to_json())
    with pytest.raises(InvalidHead, match="head-signature"):
        forged.verify(KEY.verifying_key())


def test_another_signed_document_is_not_a_head() -> None:
    receipt = sign_document(KEY, "receipt", HEAD.to_json())
    with pytest.raises(InvalidHead, match="head-shape"):
        SignedTreeHead.from_json(receipt.to_json())
    with pytest.raises(InvalidHead, match="head-shape"):
        SignedTreeHead.from_json({"type": HEAD_TYPE})


@pytest.mark.parametrize(
    ("change", "check"),
    [
        ({"size": -1}, "range"),
        ({"size": "3"}, "shape"),
        ({"size": True}, "shape"),
        ({"timestamp": -5}, "range"),
        ({"root": "00" * 31}, "format"),
        ({"root": "AA" * 32}, "format"),
        ({"log": "Not An Id"}, "format"),
        ({"version": 2}, "version"),
        ({"extra": 1}, "unknown-field"),
    ],
)
def test_a_malformed_head_body_is_rejected_by_field(change: JSONObject, check: str) -> None:
    body = {**HEAD.to_json(), **change}
    with pytest.raises(InvalidHead, match=check):
        TreeHead.from_json(body)


def test_a_head_body_missing_a_field_or_not_an_object_is_rejected() -> None:
    body = dict(HEAD.to_json())
    del body["root"]
    with pytest.raises(InvalidHead, match="missing-field"):
        TreeHead.from_json(body)
    with pytest.raises(InvalidHead, match="shape"):
        TreeHead.from_json([1, 2])


def test_sign_head_refuses_a_root_of_the_wrong_size() -> None:
    with pytest.raises(InvalidHead, match="head-shape"):
        sign_head(KEY, replace(HEAD, root=TreeHash(b"short")))


def test_time_going_backwards_between_heads_is_rejected() -> None:
    later = replace(HEAD, size=4, timestamp=HEAD.timestamp + 1)
    check_succession(HEAD, later)
    check_succession(HEAD, replace(HEAD, root=EMPTY_ROOT))
    with pytest.raises(InvalidHead, match="head-time"):
        check_succession(later, replace(later, size=5, timestamp=HEAD.timestamp))


def test_a_shrinking_log_between_heads_is_rejected() -> None:
    with pytest.raises(InvalidHead, match="head-size"):
        check_succession(HEAD, replace(HEAD, size=2, timestamp=HEAD.timestamp + 1))


def test_a_head_of_another_log_cannot_follow() -> None:
    with pytest.raises(InvalidHead, match="head-log"):
        check_succession(HEAD, replace(HEAD, log="other"))


def test_timestamps_are_utc_milliseconds_and_naive_times_are_refused() -> None:
    moment = datetime(2026, 10, 25, 1, 30, 0, 123456, tzinfo=UTC)
    stamp = timestamp_of(moment)
    assert stamp == 1_792_891_800_123
    assert moment_of(stamp) == moment.replace(microsecond=123000)
    bonaire = timezone(timedelta(hours=-4))
    assert timestamp_of(moment.astimezone(bonaire)) == stamp
    with pytest.raises(InvalidHead, match="head-time"):
        timestamp_of(datetime(2026, 10, 25, 1, 30))  # noqa: DTZ001 - the naive time under test
