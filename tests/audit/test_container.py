"""Reading and writing a record's files within limits (audit/container.py, T10-style limits
for the verifier's input)."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest

from audit.container import READ_CHUNK_BYTES, Limits, RecordArchive, write_files
from audit.errors import RecordUnreadable

FILES = {"record.json": b"{}", "log/00000000.json": b'{"a":1}', "heads.json": b"[]"}


@pytest.fixture(params=["directory", "zip"])
def record(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    name = "record.zip" if request.param == "zip" else "record"
    return write_files(tmp_path / name, FILES)


def test_written_files_read_back_from_a_directory_or_zip(record: Path) -> None:
    with RecordArchive.open(record) as archive:
        assert archive.names() == frozenset(FILES)
        assert archive.has("record.json")
        for name, data in FILES.items():
            assert archive.read(name) == data


def test_a_zip_is_written_deterministically(tmp_path: Path) -> None:
    first = write_files(tmp_path / "a.zip", FILES).read_bytes()
    second = write_files(tmp_path / "b.zip", dict(reversed(FILES.items()))).read_bytes()
    assert first == second


def test_a_record_is_never_overwritten(record: Path) -> None:
    with pytest.raises(FileExistsError):
        write_files(record, FILES)


def test_a_name_outside_the_layout_is_refused_when_writing(tmp_path: Path) -> None:
    with pytest.raises(RecordUnreadable, match="file-name"):
        write_files(tmp_path / "r", {"../escape.json": b"{}"})
    assert not (tmp_path / "r").exists()


def test_a_failed_directory_write_leaves_nothing_behind(tmp_path: Path) -> None:
    files: dict[str, bytes] = {"a.json": b"{}", "b.json": 42}  # type: ignore[dict-item]
    with pytest.raises(TypeError):
        write_files(tmp_path / "r", files)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", ["../x.json", "/etc/passwd", "x.txt", "A.json", "a/b/c/d.json"])
def test_reading_a_name_outside_the_layout_is_refused(record: Path, name: str) -> None:
    with RecordArchive.open(record) as archive, pytest.raises(RecordUnreadable, match="file-name"):
        archive.read(name)


def test_reading_a_missing_file_names_it(record: Path) -> None:
    with (
        RecordArchive.open(record) as archive,
        pytest.raises(RecordUnreadable, match="file-missing") as caught,
    ):
        archive.read("tally.json")
    assert caught.value.file == "tally.json"


def test_a_file_beyond_the_size_limit_is_refused_without_reading_it_all(record: Path) -> None:
    with RecordArchive.open(record, Limits(max_file_bytes=3)) as archive:
        assert archive.read("heads.json") == b"[]"
        with pytest.raises(RecordUnreadable, match="file-size"):
            archive.read("log/00000000.json")


def test_a_record_beyond_the_total_limit_is_refused(record: Path) -> None:
    with RecordArchive.open(record, Limits(max_total_bytes=5)) as archive:
        archive.read("heads.json")
        with pytest.raises(RecordUnreadable, match="record-size"):
            archive.read("log/00000000.json")


def test_a_record_with_too_many_files_is_refused(record: Path) -> None:
    with pytest.raises(RecordUnreadable, match="file-count"):
        RecordArchive.open(record, Limits(max_files=2))


def test_a_zip_bomb_is_cut_at_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("record.json", b"0" * 10_000_000)
    assert path.stat().st_size < 100_000
    with (
        RecordArchive.open(path, Limits(max_file_bytes=1000)) as opened,
        pytest.raises(RecordUnreadable, match="file-size"),
    ):
        opened.read("record.json")


def test_a_zip_with_a_name_twice_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "twice.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("record.json", b"{}")
        with pytest.warns(UserWarning, match="Duplicate name"):
            archive.writestr("record.json", b"[]")
    with pytest.raises(RecordUnreadable, match="file-name"):
        RecordArchive.open(path)


def test_a_damaged_zip_member_is_an_io_error(tmp_path: Path) -> None:
    path = write_files(tmp_path / "r.zip", {"record.json": b"x" * 1000})
    raw = bytearray(path.read_bytes())
    start = raw.index(b"record.json") + len("record.json")
    raw[start + 2 : start + 6] = b"\xff\xff\xff\xff"
    path.write_bytes(bytes(raw))
    with RecordArchive.open(path) as archive, pytest.raises(RecordUnreadable, match="io"):
        archive.read("record.json")


def test_neither_directory_nor_zip_is_refused(tmp_path: Path) -> None:
    with pytest.raises(RecordUnreadable, match="record-missing"):
        RecordArchive.open(tmp_path / "absent")
    (tmp_path / "plain.json").write_text("{}")
    with pytest.raises(RecordUnreadable, match="zip"):
        RecordArchive.open(tmp_path / "plain.json")
    os.mkfifo(tmp_path / "fifo")
    with pytest.raises(RecordUnreadable, match="record-type"):
        RecordArchive.open(tmp_path / "fifo")


def test_symbolic_links_and_pipes_inside_a_directory_are_not_followed(tmp_path: Path) -> None:
    record = write_files(tmp_path / "r", FILES)
    secret = tmp_path / "secret.json"
    secret.write_text('{"secret":1}')
    (record / "tally.json").symlink_to(secret)
    os.mkfifo(record / "result.json")
    with RecordArchive.open(record) as archive:
        with pytest.raises(RecordUnreadable, match="io"):
            archive.read("tally.json")
        with pytest.raises(RecordUnreadable, match="file-type"):
            archive.read("result.json")


def test_a_zip_member_compressed_otherwise_or_encrypted_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bz.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_BZIP2) as archive:
        archive.writestr("record.json", b"{}")
    with RecordArchive.open(path) as opened, pytest.raises(RecordUnreadable, match="zip"):
        opened.read("record.json")
    stored = write_files(tmp_path / "s.zip", {"record.json": b"{}"})
    raw = bytearray(stored.read_bytes())
    # Set the "encrypted" flag (bit 0 of the general purpose flags) in the central directory.
    central = raw.index(b"PK\x01\x02")
    raw[central + 8] |= 1
    stored.write_bytes(bytes(raw))
    with RecordArchive.open(stored) as opened, pytest.raises(RecordUnreadable, match="zip"):
        opened.read("record.json")


def test_directory_entries_of_a_zip_are_not_files(tmp_path: Path) -> None:
    path = tmp_path / "dirs.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("log/", b"")
        archive.writestr("log/00000000.json", b"{}")
    with RecordArchive.open(path) as opened:
        assert opened.names() == frozenset({"log/00000000.json"})


@pytest.mark.parametrize(("limit", "fits"), [(3 << 20, True), ((5 << 19) - 1, False)])
def test_a_file_of_several_read_chunks_is_read_whole_or_refused(
    tmp_path: Path, limit: int, fits: bool
) -> None:
    # 2.5 MiB: three chunks of READ_CHUNK_BYTES; a byte under it must be refused.
    data = b"0" * (5 << 19)  # the archive reads bytes; JSON is checked later
    assert len(data) > 2 * READ_CHUNK_BYTES
    path = write_files(tmp_path / "big", {"record.json": data})
    with RecordArchive.open(path, Limits(max_file_bytes=limit)) as archive:
        if fits:
            assert archive.read("record.json") == data
        else:
            with pytest.raises(RecordUnreadable, match="file-size"):
                archive.read("record.json")
