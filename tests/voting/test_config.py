"""Settings come from the environment, are checked at start-up, and name a bad variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from voting.config import ConfigError, Environment, Settings

GOOD = {
    "STEMBUS_ENV": "production",
    "SECRET_KEY": "k" * 40,
    "DATABASE_URL": "postgresql+psycopg://stembus@db/stembus",
    "STEMBUS_BASE_URL": "https://stembus.example.org",
}


def test_production_settings_from_the_environment() -> None:
    settings = Settings.from_env(GOOD)
    assert settings.env is Environment.PRODUCTION
    assert settings.is_production
    assert settings.password_hashing.memory_cost_kib == 64 * 1024
    assert "k" * 40 not in repr(settings)


@pytest.mark.parametrize(
    ("changes", "variable"),
    [
        ({"SECRET_KEY": ""}, "SECRET_KEY"),
        ({"SECRET_KEY": "short"}, "SECRET_KEY"),
        ({"DATABASE_URL": ""}, "DATABASE_URL"),
        ({"DATABASE_URL": "mysql://x"}, "DATABASE_URL"),
        ({"STEMBUS_BASE_URL": "http://stembus.example.org"}, "STEMBUS_BASE_URL"),
        ({"STEMBUS_ENV": "staging"}, "STEMBUS_ENV"),
        ({"SMTP_PORT": "twenty-five"}, "SMTP_PORT"),
        ({"SMTP_STARTTLS": "maybe"}, "SMTP_STARTTLS"),
        ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL"),
        ({"RATELIMIT_STORAGE_URI": "memcached://x"}, "RATELIMIT_STORAGE_URI"),
        ({"SESSION_IDLE_MINUTES": "0"}, "SESSION_IDLE_MINUTES"),
    ],
)
def test_bad_or_missing_variable_is_named(changes: dict[str, str], variable: str) -> None:
    with pytest.raises(ConfigError) as raised:
        Settings.from_env({**GOOD, **changes})
    assert raised.value.variable == variable
    assert variable in str(raised.value)


def test_there_is_no_default_secret_outside_development() -> None:
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        Settings.from_env({"DATABASE_URL": "sqlite:///x.db", "STEMBUS_BASE_URL": "https://x"})


def test_development_defaults_keep_a_secret_in_the_instance_folder(tmp_path: Path) -> None:
    environ = {"STEMBUS_ENV": "development", "STEMBUS_INSTANCE_PATH": str(tmp_path)}
    first = Settings.from_env(environ)
    second = Settings.from_env(environ)
    assert first.secret_key == second.secret_key
    assert len(first.secret_key) >= 32
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
    assert first.database_url.startswith("sqlite:///")
    assert first.smtp_port == 8025
