"""The election's log (audit/log.py): appends, roots, heads that never go back, and the
start-up check that refuses a rewritten or restored log (T14, T21, T22)."""

from __future__ import annotations

import itertools
import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from audit import events
from audit.errors import Equivocation, InvalidHead, LogInconsistent
from audit.filestore import FileStore
from audit.head import SignedTreeHead, sign_head, timestamp_of
from audit.log import Log, parse_head
from audit.merkle import Frontier, root_from_leaf_hashes, verify_consistency, verify_inclusion
from audit.store import MemoryStore
from audit.tracking import TrackingCode
from ballots.canonical import canonical_json
from ballots.signing import SigningKey

KEY = SigningKey(bytes(range(32)))
NOW = datetime(2026, 11, 26, 20, 0, tzinfo=UTC)


def _log(n: int, log_id: str = "alv-2026") -> Log:
    log = Log(MemoryStore(), log_id)
    for i in range(n):
        log.append(events.officer_action("step", f"officer-{i}", NOW))
    return log


def test_appended_entries_hash_into_the_rfc9162_root() -> None:
    log = Log(MemoryStore(), "alv-2026")
    appended = log.append(events.voting_closed(NOW, 0))
    assert appended.index == 0
    assert appended.tracking_code == TrackingCode.from_leaf_hash(appended.leaf_hash)
    for i in range(6):
        log.append(events.officer_action("step", f"officer-{i}", NOW))
    hashes = log.store.leaf_hashes(0, 7)
    assert hashes[0] == appended.leaf_hash
    assert log.root() == root_from_leaf_hashes(hashes)
    assert log.entries(1, 2) == log.store.entries(1, 2)
    assert len(log.entries()) == log.size() == 7


def test_proofs_from_the_log_verify_against_its_roots() -> None:
    log = _log(11)
    hashes = log.store.leaf_hashes(0, 11)
    verify_inclusion(hashes[4], log.inclusion_proof(4, 9), log.root(9))
    verify_consistency(log.consistency_proof(5, 11), log.root(5), log.root(11))


def test_a_signed_head_covers_the_whole_log_and_is_stored() -> None:
    log = _log(5)
    head = log.sign_head(KEY, NOW)
    head.verify(KEY.verifying_key())
    assert head.head.size == 5
    assert head.head.root == log.root()
    assert head.head.timestamp == timestamp_of(NOW)
    assert log.heads() == [head]
    log.check_head(head, KEY.verifying_key())


def test_heads_from_the_frontier_and_from_the_leaves_sign_the_same_root(tmp_path: Path) -> None:
    with_frontier = Log(MemoryStore(), "alv-2026")  # a FrontierStore: no leaf reads for a head
    from_leaves = Log(FileStore(tmp_path / "log"), "alv-2026")  # a plain LogStore
    for i in range(13):
        for log in (with_frontier, from_leaves):
            log.append(events.officer_action("step", f"officer-{i}", NOW))
        first, second = (log.sign_head(KEY, NOW).head for log in (with_frontier, from_leaves))
        assert first == second
        assert first.root == root_from_leaf_hashes(from_leaves.store.leaf_hashes(0, i + 1))


class _StaleFrontier(MemoryStore):
    """A store defect: the frontier it reports lags one append behind."""

    def frontier(self) -> Frontier:
        return Frontier.of(self.leaf_hashes(0, self.size() - 1))


def test_a_frontier_of_another_size_is_a_store_defect_and_signs_nothing() -> None:
    log = Log(_StaleFrontier(), "alv-2026")
    log.append(events.officer_action("step", "officer", NOW))
    with pytest.raises(LogInconsistent, match="frontier"):
        log.sign_head(KEY, NOW)
    assert log.heads() == []


def test_a_clock_stepping_back_never_makes_a_head_go_back_in_time() -> None:
    log = _log(1)
    first = log.sign_head(KEY, NOW)
    log.append(events.voting_closed(NOW, 0))
    second = log.sign_head(KEY, NOW - timedelta(seconds=3))
    assert second.head.timestamp == first.head.timestamp
    assert second.head.size == 2


def test_a_naive_time_is_refused_and_stores_no_head() -> None:
    log = _log(1)
    with pytest.raises(InvalidHead, match="head-time"):
        log.sign_head(KEY, datetime(2026, 1, 1))  # noqa: DTZ001 - the naive time under test
    assert log.heads() == []


def test_heads_signed_while_others_append_never_go_back_in_size_or_time(tmp_path: Path) -> None:
    log = Log(FileStore(tmp_path), "alv-2026")
    barrier = threading.Barrier(4)

    def work(worker: int) -> None:
        barrier.wait()
        for i in range(15):
            log.append(events.officer_action("step", f"officer-{worker}", NOW))
            log.sign_head(KEY, NOW + timedelta(milliseconds=(i * 7 + worker * 13) % 40))

    threads = [threading.Thread(target=work, args=(w,)) for w in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    heads = log.heads()
    assert len(heads) == 60
    for earlier, later in itertools.pairwise(heads):
        assert later.head.size >= earlier.head.size
        assert later.head.timestamp >= earlier.head.timestamp
    for head in heads:
        log.check_head(head, KEY.verifying_key())


def test_a_log_restored_from_an_older_copy_is_refused_against_a_later_head() -> None:
    published = _log(8)
    head = published.sign_head(KEY, NOW)
    restored = _log(5)
    with pytest.raises(LogInconsistent, match="log-truncated"):
        restored.check_head(head, KEY.verifying_key())


def test_a_rewritten_log_is_an_equivocation_against_a_published_head() -> None:
    published = _log(8)
    head = published.sign_head(KEY, NOW)
    rewritten = Log(MemoryStore(), "alv-2026")
    for i in range(8):
        officer = "officer-x" if i == 3 else f"officer-{i}"
        rewritten.append(events.officer_action("step", officer, NOW))
    with pytest.raises(Equivocation, match="equivocation"):
        rewritten.check_head(head, KEY.verifying_key())


def test_a_head_of_another_log_or_key_is_refused() -> None:
    log = _log(3)
    other = _log(3, log_id="other-election").sign_head(KEY, NOW)
    with pytest.raises(InvalidHead, match="head-log"):
        log.check_head(other, KEY.verifying_key())
    foreign = sign_head(SigningKey(bytes(32)), log.sign_head(KEY, NOW).head)
    with pytest.raises(InvalidHead, match="head-signature"):
        log.check_head(foreign, KEY.verifying_key())


def test_a_stored_head_that_is_not_a_head_is_reported() -> None:
    with pytest.raises(InvalidHead, match="head-json"):
        parse_head(b"{not json")
    good = _log(1).sign_head(KEY, NOW)
    assert parse_head(canonical_json(good.to_json())) == good
    assert isinstance(good, SignedTreeHead)
    assert replace(good.head, size=2) != good.head
