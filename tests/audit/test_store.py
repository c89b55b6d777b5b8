"""The LogStore contract (audit/store.py, audit/filestore.py): atomic, ordered appends (T14, T21).

Every store is held to the same contract: an entry may depend on its own index, appends by
concurrent threads or processes never share an index and leave no gap, a failing factory
writes nothing, and a file store survives a torn write and reports an edited file.
"""

from __future__ import annotations

import json
import multiprocessing
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from audit.errors import StoreError
from audit.filestore import RECORD, FileStore
from audit.merkle import hash_leaf
from audit.store import LogStore, MemoryStore, read_all

WRITERS = 4
APPENDS_PER_WRITER = 40


def _entry(writer: int, seq: int) -> Callable[[int], bytes]:
    def make(index: int) -> bytes:
        return json.dumps({"index": index, "writer": writer, "seq": seq}).encode()

    return make


def _check_no_duplicate_and_no_gap(store: LogStore, writers: int, per_writer: int) -> None:
    entries = [json.loads(e) for e in read_all(store)]
    assert [e["index"] for e in entries] == list(range(writers * per_writer))
    assert sorted((e["writer"], e["seq"]) for e in entries) == [
        (w, s) for w in range(writers) for s in range(per_writer)
    ]
    assert store.leaf_hashes(0, store.size()) == [hash_leaf(e) for e in read_all(store)]


@pytest.fixture(params=["memory", "file"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> LogStore:
    if request.param == "memory":
        return MemoryStore()
    return FileStore(tmp_path / "log")


def test_an_entry_is_stored_at_the_index_its_factory_was_given(store: LogStore) -> None:
    assert store.size() == 0
    assert store.append(_entry(0, 0)) == 0
    assert store.append(_entry(0, 1)) == 1
    assert store.size() == 2
    assert json.loads(store.entries(1, 2)[0])["index"] == 1
    assert store.leaf_hashes(0, 2) == [hash_leaf(e) for e in store.entries(0, 2)]


def test_a_failing_factory_stores_nothing(store: LogStore) -> None:
    store.append(_entry(0, 0))

    def broken(index: int) -> bytes:
        raise ValueError(index)

    with pytest.raises(ValueError, match="1"):
        store.append(broken)
    assert store.size() == 1
    assert store.append(_entry(0, 1)) == 1


@pytest.mark.parametrize(("start", "end"), [(-1, 1), (0, 3), (2, 1)])
def test_reading_outside_the_log_is_refused(store: LogStore, start: int, end: int) -> None:
    store.append(_entry(0, 0))
    store.append(_entry(0, 1))
    with pytest.raises(StoreError, match="range"):
        store.entries(start, end)
    with pytest.raises(StoreError, match="range"):
        store.leaf_hashes(start, end)


def test_heads_are_stored_in_order_and_see_the_log_size_and_previous_head(
    store: LogStore,
) -> None:
    seen: list[tuple[int, bytes | None]] = []

    def head(size: int, latest: bytes | None) -> bytes:
        seen.append((size, latest))
        # A head factory reads the store (for the root) while holding the exclusion.
        assert len(store.leaf_hashes(0, size)) == size
        return f"head {size}".encode()

    assert store.heads() == []
    store.append_head(head)
    store.append(_entry(0, 0))
    assert store.append_head(head) == b"head 1"
    assert seen == [(0, None), (1, b"head 0")]
    assert store.heads() == [b"head 0", b"head 1"]


def test_concurrent_threads_never_share_an_index_or_leave_a_gap(store: LogStore) -> None:
    barrier = threading.Barrier(WRITERS)

    def write(writer: int) -> None:
        barrier.wait()
        for seq in range(APPENDS_PER_WRITER):
            store.append(_entry(writer, seq))
            if seq % 10 == 0:
                store.append_head(lambda size, _latest: str(size).encode())

    threads = [threading.Thread(target=write, args=(w,)) for w in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    _check_no_duplicate_and_no_gap(store, WRITERS, APPENDS_PER_WRITER)
    sizes = [int(h) for h in store.heads()]
    assert sizes == sorted(sizes)


def _process_writer(directory: str, writer: int, start: multiprocessing.synchronize.Event) -> None:
    store = FileStore(directory)
    start.wait()
    for seq in range(APPENDS_PER_WRITER):
        store.append(_entry(writer, seq))


def test_concurrent_processes_never_share_an_index_or_leave_a_gap(tmp_path: Path) -> None:
    context = multiprocessing.get_context("spawn")
    start = context.Event()
    directory = str(tmp_path / "log")
    FileStore(directory)
    processes = [
        context.Process(target=_process_writer, args=(directory, w, start)) for w in range(WRITERS)
    ]
    for process in processes:
        process.start()
    start.set()
    for process in processes:
        process.join(timeout=120)
        assert process.exitcode == 0
    _check_no_duplicate_and_no_gap(FileStore(directory), WRITERS, APPENDS_PER_WRITER)


def test_file_store_recovers_from_a_torn_append(tmp_path: Path) -> None:
    store = FileStore(tmp_path)
    store.append(_entry(0, 0))
    # A crash after writing data and half an index record: neither belongs to the log.
    with (tmp_path / "entries.dat").open("ab") as data:
        data.write(b"half-written entry")
    with (tmp_path / "entries.idx").open("ab") as index:
        index.write(b"\x00" * (RECORD.size // 2))
    reopened = FileStore(tmp_path)
    assert reopened.size() == 1
    assert reopened.append(_entry(0, 1)) == 1
    _check_no_duplicate_and_no_gap(reopened, 1, 2)
    assert (tmp_path / "entries.idx").stat().st_size == 2 * RECORD.size


def test_file_store_reports_an_edited_entry(tmp_path: Path) -> None:
    store = FileStore(tmp_path)
    store.append(_entry(0, 0))
    store.append_head(lambda size, _latest: b"head")
    raw = bytearray((tmp_path / "entries.dat").read_bytes())
    raw[2] ^= 1
    (tmp_path / "entries.dat").write_bytes(bytes(raw))
    with pytest.raises(StoreError, match="store-corrupt"):
        store.entries(0, 1)
    (tmp_path / "heads.dat").write_bytes(b"HEAD")
    with pytest.raises(StoreError, match="store-corrupt"):
        store.heads()


def test_file_store_reports_a_truncated_data_file(tmp_path: Path) -> None:
    store = FileStore(tmp_path)
    store.append(_entry(0, 0))
    (tmp_path / "entries.dat").write_bytes(b"{")
    with pytest.raises(StoreError, match="store-corrupt"):
        store.entries(0, 1)
