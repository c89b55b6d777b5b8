"""The record reader (audit/record.py): strict about layout, shape and size, and a clean
`RecordUnreadable` for anything else, found by hypothesis over malformed inputs."""

from __future__ import annotations

import contextlib
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from audit import events
from audit.container import Limits
from audit.entries import parse_entry
from audit.errors import InvalidEntry, RecordUnreadable
from audit.record import Record, record_files, write_record
from audit.report import Report
from audit.verifier import verify_record
from ballots import canonical_json
from tests.audit.election import START, Built
from tests.audit.tamper import edit, load, save


def _unreadable(record: Path, check: str, file: str) -> RecordUnreadable:
    with pytest.raises(RecordUnreadable, match=check) as caught:
        Record.from_path(record)
    assert caught.value.file == file
    with pytest.raises(RecordUnreadable, match=check):
        verify_record(record, workers=1)
    return caught.value


def test_a_record_reads_its_header_heads_views_and_entries(pristine_record: Path) -> None:
    with Record.from_path(pristine_record) as record:
        assert record.header.election_id == "alv-2026"
        assert record.header.log_size == 21
        assert len(record.heads) == 21
        assert set(record.views) == {
            "election.json",
            "trustees.json",
            "electorate.json",
            "ballots.json",
            "tally.json",
            "shares.json",
            "result.json",
        }
        assert record.entry_indices == frozenset(range(21))
        assert record.unexpected == ()
        assert record.entry(0).startswith(b"{")


@pytest.mark.parametrize(
    ("change", "check"),
    [
        ({"format": "something-else"}, "record-format"),
        ({"version": 2}, "version"),
        ({"log_size": -1}, "range"),
        ({"log_size": 10**8}, "range"),
        ({"election_id": "Not An Id"}, "format"),
        ({"extra": True}, "unknown-field"),
    ],
)
def test_a_malformed_record_json_is_unreadable(
    record: Path, change: dict[str, object], check: str
) -> None:
    edit(record / "record.json", lambda r: r.update(change))
    _unreadable(record, check, "record.json")


@pytest.mark.parametrize(
    ("content", "check"),
    [
        ({"heads": "none", "version": 1}, "shape"),
        ({"version": 1}, "missing-field"),
        ({"heads": [], "version": 7}, "version"),
        ([], "shape"),
    ],
)
def test_a_malformed_heads_json_is_unreadable(record: Path, content: object, check: str) -> None:
    save(record / "heads.json", content)
    _unreadable(record, check, "heads.json")


@pytest.mark.parametrize("name", ["record.json", "heads.json"])
def test_a_record_without_its_header_or_heads_is_unreadable(record: Path, name: str) -> None:
    (record / name).unlink()
    _unreadable(record, "file-missing", name)


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"{",
        b'{"a":1, "b":2}',
        b'{"a":1,"a":2}',
        b'{"a":1.5}',
        b'{"a":NaN}',
        b'{"a":null}',
        b'{"a":123456789012345678901234567890}',
        b"[" * 100 + b"]" * 100,
        b"\xff\xfe",
    ],
)
def test_a_file_that_is_not_canonical_json_is_unreadable(record: Path, raw: bytes) -> None:
    (record / "result.json").write_bytes(raw)
    _unreadable(record, "json", "result.json")


@pytest.mark.parametrize(
    ("content", "check"),
    [
        ({"outcomes": [], "tally": {}, "version": 1, "counts": {}}, "unknown-field"),
        ({"outcomes": [], "version": 1}, "missing-field"),
        ({"outcomes": [], "tally": {}, "version": 0}, "version"),
    ],
)
def test_a_view_with_the_wrong_keys_is_unreadable(
    record: Path, content: object, check: str
) -> None:
    save(record / "result.json", content)
    _unreadable(record, check, "result.json")


def test_a_huge_file_is_refused_before_it_is_parsed(record: Path) -> None:
    with pytest.raises(RecordUnreadable, match="file-size"):
        Record.from_path(record, Limits(max_file_bytes=1000))


def test_unexpected_files_and_entries_are_listed_for_the_verifier(record: Path) -> None:
    (record / "notes.txt").write_text("hello")
    shutil.copy(record / "log" / "00000000.json", record / "log" / "00000099.json")
    with Record.from_path(record) as opened:
        assert opened.unexpected == ("notes.txt",)
        assert 99 in opened.entry_indices


def test_a_record_is_written_only_from_a_log_that_begins_with_its_election(
    election: Built, tmp_path: Path
) -> None:
    entries = election.log.entries()
    stray = events.officer_action("voting-opened", "officer-1", START)(0)
    with pytest.raises(InvalidEntry, match="lifecycle"):
        record_files([stray], [])
    with pytest.raises(InvalidEntry, match="lifecycle"):
        record_files([], [])
    with pytest.raises(InvalidEntry, match="entry-index"):
        record_files(entries[1:], [])
    path = write_record(tmp_path / "r", election.log)
    with pytest.raises(FileExistsError):
        write_record(path, election.log)


# ---------------------------------------------------------------- fuzzing


def _report_or_unreadable(path: Path) -> Report | RecordUnreadable:
    try:
        return verify_record(path, workers=1)
    except RecordUnreadable as error:
        return error


FILES = st.sampled_from(
    [
        "record.json",
        "heads.json",
        "ballots.json",
        "electorate.json",
        "election.json",
        "tally.json",
        "log/00000000.json",
        "log/00000004.json",
        "log/00000007.json",
        "log/00000017.json",
        "log/00000018.json",
        "log/00000020.json",
    ]
)
JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)


@st.composite
def mutations(draw: st.DrawFn) -> tuple[str, str, object]:
    name = draw(FILES)
    kind = draw(st.sampled_from(["bytes", "truncate", "delete", "value", "field", "deep", "huge"]))
    if kind == "bytes":
        return name, kind, draw(st.binary(max_size=64))
    if kind == "truncate":
        return name, kind, draw(st.integers(min_value=0, max_value=400))
    if kind in ("value", "field"):
        return name, kind, draw(JSON_VALUES)
    return name, kind, None


def _apply(record: Path, name: str, kind: str, payload: object) -> None:
    path = record / name
    if kind == "delete":
        path.unlink()
    elif kind == "bytes":
        path.write_bytes(payload)  # type: ignore[arg-type]
    elif kind == "truncate":
        path.write_bytes(path.read_bytes()[: int(payload)])  # type: ignore[call-overload]
    elif kind == "deep":
        path.write_bytes(b'{"a":' * 5000 + b"1" + b"}" * 5000)
    elif kind == "huge":
        path.write_bytes(b'{"version":1' + b"9" * 100_000 + b"}")
    elif kind == "value":
        try:
            path.write_bytes(canonical_json(payload))  # type: ignore[arg-type]
        except Exception:
            path.write_bytes(repr(payload).encode())
    else:
        value = load(path)
        key = sorted(value)[len(repr(payload)) % len(value)]
        value[key] = payload
        try:
            path.write_bytes(canonical_json(value))  # type: ignore[arg-type]
        except Exception:
            path.write_bytes(repr(value).encode())


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(mutations())
def test_any_change_to_a_record_gives_findings_or_a_clean_error(
    pristine_record: Path,
    tmp_path_factory: pytest.TempPathFactory,
    mutation: tuple[str, str, object],
) -> None:
    record = Path(shutil.copytree(pristine_record, tmp_path_factory.mktemp("fuzz") / "r"))
    name = mutation[0]
    before = (record / name).read_bytes()
    _apply(record, *mutation)
    changed = not (record / name).exists() or (record / name).read_bytes() != before
    outcome = _report_or_unreadable(record)
    if isinstance(outcome, Report):
        # Every change to a record is noticed; an edit that changed nothing is no change.
        assert outcome.ok is not changed
        assert all(f.file and f.entry and f.check for f in outcome.findings)
    else:
        assert outcome.check
        assert outcome.file


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300) | JSON_VALUES.map(repr).map(str.encode))
def test_any_bytes_as_a_log_entry_parse_or_raise_invalid_entry(raw: bytes) -> None:

    # Anything but InvalidEntry escaping here fails the test.
    with contextlib.suppress(InvalidEntry):
        parse_entry(raw, 0)
