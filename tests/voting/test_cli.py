"""The `stembus` command, run against a real database and SMTP server."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from tests.mailsink import MailSink
from tests.voting.conftest import base_settings, fresh_database_url
from voting.cli import main
from voting.db import Database, make_engine
from voting.members.models import Member


@pytest.fixture
def environment(tmp_path: Path, mail: MailSink, monkeypatch: pytest.MonkeyPatch) -> str:
    url = fresh_database_url(tmp_path, "cli")
    settings = base_settings(url, mail.port)
    for name, value in {
        "STEMBUS_ENV": "test",
        "SECRET_KEY": settings.secret_key,
        "DATABASE_URL": url,
        "STEMBUS_BASE_URL": "http://stembus.test",
        "SMTP_PORT": str(mail.port),
        "STEMBUS_INSTANCE_PATH": str(tmp_path / "instance"),
    }.items():
        monkeypatch.setenv(name, value)
    return url


def _run(*args: str, language: str = "en") -> tuple[int, str]:
    result = CliRunner().invoke(main, ["--language", language, *args])
    return result.exit_code, result.output


def test_migrate_add_branch_import_invite_and_grant(
    environment: str, tmp_path: Path, mail: MailSink
) -> None:
    assert _run("migrate") == (0, "database is up to date\n")
    assert _run("add-branch", "utrecht", "Utrecht")[0] == 0
    members = tmp_path / "leden.csv"
    members.write_text(
        "\ufefflidnummer;naam;e-mail;afdeling;status;lid sinds\n"
        "1;Anna de Vries;anna@example.org;utrecht;actief;2020-01-01\n"
        "2;Bram Jansen;bram@example.org;utrecht;actief;2020-01-01\n",
        encoding="utf-8",
    )
    code, output = _run("import-members", str(members), "--dry-run")
    assert code == 0
    assert "added 2" in output
    assert "nothing has changed" in output
    engine = make_engine(environment)
    with Database(engine).session() as session:
        assert session.scalars(select(Member)).all() == []
    code, output = _run("import-members", str(members))
    assert code == 0, output
    with Database(engine).session() as session:
        assert len(session.scalars(select(Member)).all()) == 2
    code, output = _run("invite", "--all-pending")
    assert code == 0, output
    assert "invited 2" in output
    assert len(mail.wait_for(1, to="anna@example.org")) == 1
    code, output = _run("grant-role", "1", "admin")
    assert code == 0, output
    code, output = _run("grant-role", "1", "admin")
    assert code == 1
    assert "already" in output
    engine.dispose()


def test_import_of_a_bad_file_exits_non_zero_and_names_the_line(
    environment: str, tmp_path: Path
) -> None:
    _run("migrate")
    _run("add-branch", "utrecht", "Utrecht")
    members = tmp_path / "leden.csv"
    members.write_text(
        "lidnummer;naam;e-mail;afdeling;status;lid sinds\n1;A;bad;utrecht;actief;2020-01-01\n"
    )
    code, output = _run("import-members", str(members))
    assert code == 1
    assert "line 2" in output
    assert "nothing has changed" in output


def test_bad_setting_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STEMBUS_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    code, output = _run("migrate")
    assert code == 1
    assert "SECRET_KEY" in output


def test_output_is_dutch_unless_asked_for_english(
    environment: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The command speaks Dutch by default, the services' own messages included, and English
    with --language en or STEMBUS_LANGUAGE=en."""
    monkeypatch.delenv("STEMBUS_LANGUAGE", raising=False)
    plain = CliRunner()
    result = plain.invoke(main, ["migrate"])
    assert (result.exit_code, result.output) == (0, "de database is bijgewerkt\n")
    assert plain.invoke(main, ["add-branch", "utrecht", "Utrecht"]).output == (
        "afdeling utrecht toegevoegd\n"
    )
    refused = plain.invoke(main, ["grant-role", "1", "unknown-role"])
    assert refused.exit_code == 2  # click's own usage error
    missing = plain.invoke(main, ["grant-role", "--branch", "nergens", "1", "officer"])
    assert missing.exit_code == 1
    assert "onbekende afdeling nergens" in missing.output
    nobody = plain.invoke(main, ["grant-role", "999", "admin"])  # a service's own message
    assert nobody.exit_code == 1
    assert "Er is geen lid met dit lidnummer." in nobody.output
    monkeypatch.setenv("STEMBUS_LANGUAGE", "en")
    assert plain.invoke(main, ["migrate"]).output == "database is up to date\n"
    assert plain.invoke(main, ["--language", "nl", "migrate"]).output == (
        "de database is bijgewerkt\n"
    )
