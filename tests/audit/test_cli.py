"""`python -m audit` (audit/__main__.py): exit codes, output, and a run with only ballots and
audit importable (DESIGN: the verifier runs on a laptop without the web service)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from audit import events
from audit.__main__ import main
from audit.head import TreeHead, sign_head
from audit.tracking import TrackingCode
from ballots import SigningKey, canonical_json
from tests.audit.election import LOG_KEY, Built, open_election, write
from tests.audit.tamper import edit, entry_file, find_entries, flip_b64, load


def _code(record: Path, row: int = 0) -> str:
    rows = load(record / "ballots.json")["ballots"]
    return str(rows[row]["tracking_code"])  # type: ignore[index]


def test_verify_exits_0_and_lists_every_check(
    pristine_record: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["verify", str(pristine_record), "--workers", "1"]) == 0
    out = capsys.readouterr().out
    assert "ballot-proof                    8 items  ok" in out
    assert out.rstrip().endswith("RESULT: all checks hold")


def test_verify_exits_1_and_names_file_entry_and_check(
    record: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    index = find_entries(record, "ballot-cast")[0]

    def change(entry: dict[str, object]) -> None:
        option = entry["ballot"]["questions"][0]["options"][0]  # type: ignore[index]
        option["proof"] = flip_b64(option["proof"], 40)

    edit(entry_file(record, index), change)
    assert main(["verify", str(record), "--workers", "1"]) == 1
    out = capsys.readouterr().out
    assert f"FINDING log/{index:08d}.json [ballot-cast {index}] ballot-proof:" in out
    assert "ballot-proof                    8 items  1 FAILED" in out


def test_verify_json_is_the_report(
    pristine_record: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["verify", str(pristine_record), "--json", "--workers", "1"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is True
    assert report["findings"] == []
    assert {c["name"] for c in report["checks"]} >= {"ballot-proof", "equivocation", "outcome"}


def test_verify_exits_2_when_the_record_cannot_be_read(
    record: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (record / "record.json").unlink()
    assert main(["verify", str(record)]) == 2
    assert "record.json" in capsys.readouterr().err


def test_verify_with_the_witness_heads_of_this_log(
    election: Built, pristine_record: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    heads = election.log.heads()
    saved = tmp_path / "witness.json"
    saved.write_bytes(canonical_json([heads[4].to_json(), heads[-1].to_json()]))
    assert main(["verify", str(pristine_record), "--witness", str(saved), "--workers", "1"]) == 0
    assert "witness                         2 items  ok" in capsys.readouterr().out
    one = tmp_path / "one.json"
    one.write_bytes(canonical_json(heads[7].to_json()))
    assert main(["verify", str(pristine_record), "--witness", str(one), "--workers", "1"]) == 0
    whole = tmp_path / "heads.json"
    whole.write_bytes((pristine_record / "heads.json").read_bytes())
    assert main(["verify", str(pristine_record), "--witness", str(whole), "--workers", "1"]) == 0


def test_verify_with_a_witness_head_of_a_forked_log_exits_1(
    pristine_record: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fork = open_election()
    fork.cast("v1", {"m1": ["voor"], "locatie": []})
    saved = tmp_path / "witness.json"
    saved.write_bytes(canonical_json(fork.log.heads()[-1].to_json()))
    assert main(["verify", str(pristine_record), "--witness", str(saved), "--workers", "1"]) == 1
    out = capsys.readouterr().out
    assert "FINDING --witness [witness head 0] equivocation: first-root" in out


def test_a_witness_head_not_signed_by_the_log_key_is_a_witness_finding(
    election: Built, pristine_record: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:

    head = election.log.heads()[-1].head
    saved = tmp_path / "witness.json"
    stranger = sign_head(SigningKey(bytes(32)), head).to_json()
    other_log = sign_head(LOG_KEY, TreeHead("other", head.size, head.root, 1)).to_json()
    longer = sign_head(LOG_KEY, TreeHead(head.log, head.size + 1, head.root, 1)).to_json()
    saved.write_bytes(canonical_json({"heads": [stranger, other_log, longer], "version": 1}))
    assert main(["verify", str(pristine_record), "--witness", str(saved), "--workers", "1"]) == 1
    out = capsys.readouterr().out
    assert "FINDING --witness [witness head 0] witness:" in out
    assert "FINDING --witness [witness head 1] witness: head of log 'other'" in out
    assert "FINDING --witness [witness head 2] equivocation: the witness saw 22" in out


@pytest.mark.parametrize(
    ("content", "check"),
    [(b"not json", "json"), (b'"a head"', "shape"), (b'[{"type":"x"}]', "head-shape")],
)
def test_an_unreadable_witness_file_exits_2(
    pristine_record: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    content: bytes,
    check: str,
) -> None:
    saved = tmp_path / "witness.json"
    saved.write_bytes(content)
    assert main(["verify", str(pristine_record), "--witness", str(saved)]) == 2
    assert check in capsys.readouterr().err
    assert main(["verify", str(pristine_record), "--witness", str(tmp_path / "absent")]) == 2


def test_check_proves_a_ballot_is_in_the_log(
    pristine_record: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = _code(pristine_record, 0)
    assert main(["check", str(pristine_record), code.lower().replace("-", " ")]) == 0
    out = capsys.readouterr().out
    assert f"ballot {code} is entry 6 of the log: superseded by ballot 10" in out
    assert "inclusion proof (5 hashes) verified against the signed head of size 21" in out
    assert main(["check", str(pristine_record), _code(pristine_record, 2), "--json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["counted"] is True
    assert answer["head"]["size"] == 21


def test_check_of_a_ballot_in_a_cancelled_vote_says_nothing_counts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    built = open_election()
    built.cast("v1", {"m1": ["voor"], "locatie": []})
    built.append(events.voting_cancelled(built.tick()))
    record = write(built, tmp_path / "record")
    code = _code(record, 0)
    assert main(["check", str(record), code]) == 0
    assert "the vote was cancelled: no ballot counts" in capsys.readouterr().out
    assert main(["check", str(record), code, "--json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert (answer["counted"], answer["cancelled"]) == (False, True)


def test_check_of_an_unknown_code_exits_1(
    pristine_record: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    unknown = str(TrackingCode(bytes(15)))
    assert main(["check", str(pristine_record), unknown]) == 1
    assert "not-in-log" in capsys.readouterr().out


def test_check_against_a_head_that_does_not_include_the_ballot_exits_1(
    record: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = _code(record, 3)
    edit(entry_file(record, 5), lambda e: e.update(action="edited"))
    assert main(["check", str(record), code, "--json"]) == 1
    assert json.loads(capsys.readouterr().out)["check"] == "inclusion-root"


def test_check_of_a_mistyped_code_or_unreadable_record_exits_2(
    pristine_record: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = _code(pristine_record)
    typo = ("1" if code[0] != "1" else "2") + code[1:]
    assert main(["check", str(pristine_record), typo]) == 2
    assert "code-check" in capsys.readouterr().err
    assert main(["check", str(tmp_path / "absent"), code]) == 2


def test_the_verifier_runs_without_the_web_service_installed(pristine_record: Path) -> None:
    script = (
        "import sys, runpy\n"
        "for name in ('flask', 'sqlalchemy', 'alembic', 'voting', 'qrcode'):\n"
        "    sys.modules[name] = None\n"
        "sys.argv = ['audit', 'verify', sys.argv[1], '--workers', '2']\n"
        "runpy.run_module('audit', run_name='__main__', alter_sys=True)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(pristine_record)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=Path(__file__).parents[2],
    )
    assert done.returncode == 0, done.stderr
    assert "RESULT: all checks hold" in done.stdout
    blocked = subprocess.run(
        [sys.executable, "-c", script.replace("run_module('audit'", "run_module('voting'")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert blocked.returncode != 0
