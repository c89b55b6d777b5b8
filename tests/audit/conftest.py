"""Shared fixtures of the audit tests: one real election, built once per session.

Building runs a key ceremony, encrypts and proves every ballot and decrypts the tally, so it
is done once; tests that change the record work on a copy in their own tmp_path.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.audit.election import Built, run_election, write


@pytest.fixture(scope="session")
def election() -> Built:
    """The complete election of tests/audit/election.py (do not append to its log)."""
    return run_election()


@pytest.fixture(scope="session")
def pristine_record(election: Built, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The election's record as a directory (never modify it: use `record`)."""
    return write(election, tmp_path_factory.mktemp("pristine") / "record")


@pytest.fixture
def record(pristine_record: Path, tmp_path: Path) -> Path:
    """A private copy of the election's record, to tamper with."""
    return Path(shutil.copytree(pristine_record, tmp_path / "record"))
