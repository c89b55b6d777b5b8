"""The safe, high-level API of ballots/ (STYLE §1) and its dependency rules."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import ballots

PACKAGE = Path(ballots.__file__).parent
FORBIDDEN = (
    "audit",
    "voting",
    "flask",
    "sqlalchemy",
    "alembic",
    "random",
    "pickle",
    "logging",
    "os",
)


def test_every_exported_name_exists_and_is_documented() -> None:
    assert sorted(ballots.__all__) == list(ballots.__all__)
    for name in ballots.__all__:
        value = getattr(ballots, name)
        assert value.__doc__, name


def test_the_core_operations_are_exported() -> None:
    for name in (
        "encrypt_ballot",
        "validate_ballot",
        "validate_ballots",
        "check_fresh_ciphertexts",
        "tally_ballots",
        "decrypt_share",
        "verify_share",
        "combine_shares",
        "check_decrypted_tally",
        "count_election",
        "announce",
        "deal_shares",
        "receive_shares",
        "election_key",
        "finish_ceremony",
        "seal_secret",
        "open_secret",
        "sign_document",
        "verify_document",
        "canonical_json",
        "parse_canonical_json",
    ):
        assert name in ballots.__all__


def test_ballots_imports_only_the_standard_library_and_its_crypto_dependencies() -> None:
    for path in PACKAGE.glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            for name in names:
                assert name.split(".")[0] not in FORBIDDEN, f"{path.name} imports {name}"


def test_every_module_names_its_protocol_section() -> None:
    for path in PACKAGE.glob("*.py"):
        module = (
            importlib.import_module(f"ballots.{path.stem}") if path.stem != "__init__" else ballots
        )
        assert module.__doc__, path.name
        assert "protocol.md" in module.__doc__, path.name
        assert len(path.read_text().splitlines()) <= 400, path.name
