"""The command-line tools' language (voting/words.py): the catalogue is found where the package
keeps it, and a missing one is said, not hidden."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from voting import words
from voting.words import _


def test_the_dutch_catalogue_is_found_next_to_the_package() -> None:
    words.use("nl")
    try:
        assert words.current() == "nl"
        assert _("database is up to date") == "de database is bijgewerkt"
        assert _("votes closed: %(count)d", count=3) == "stemmingen gesloten: 3"
    finally:
        words.use("en")
    assert _("database is up to date") == "database is up to date"


def test_a_missing_catalogue_is_said_and_the_tools_speak_english(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    words.use("nl", catalogues=tmp_path)
    assert words.current() == "en"  # what the trustee tool then asks the server for
    assert _("database is up to date") == "database is up to date"
    assert "no nl catalogue" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("given", "environment", "chosen"),
    [
        (None, {}, "nl"),
        ("en", {"STEMBUS_LANGUAGE": "nl"}, "en"),
        (None, {"STEMBUS_LANGUAGE": "en_GB.UTF-8"}, "en"),
        (None, {"STEMBUS_LANGUAGE": "fr"}, "nl"),
        (None, {"LANG": "en_US.UTF-8"}, "nl"),  # the party's language, whatever the computer's
    ],
)
def test_the_language_is_the_option_then_the_variable_then_dutch(
    given: str | None, environment: dict[str, str], chosen: str
) -> None:
    assert words.choose(given, environment) == chosen


def test_the_committed_catalogue_is_compiled_from_the_committed_translations() -> None:
    """The trustees install the tool with pip, where no make runs: the Dutch .mo in the
    repository must be the compiled .po of the same commit (`make translations` and a build
    keep the working copy's in step; this checks what was committed)."""
    root = Path(__file__).resolve().parents[2]
    if not (root / ".git").exists():
        pytest.skip("not a git checkout")
    path = "voting/translations/nl/LC_MESSAGES/messages"

    def committed(suffix: str) -> bytes:
        return subprocess.run(
            ["git", "show", f"HEAD:{path}{suffix}"],  # git from PATH, as make uses it
            cwd=root,
            capture_output=True,
            check=True,
        ).stdout

    compiled = io.BytesIO()
    write_mo(compiled, read_po(io.BytesIO(committed(".po"))))
    assert compiled.getvalue() == committed(".mo"), "run make translations and commit the .mo"
