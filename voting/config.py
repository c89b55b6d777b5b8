"""Deployment settings, read from environment variables in this one place.

`Settings.from_env` builds a frozen, checked `Settings`; `create_app` receives it. No other
module reads `os.environ`. Defaults are safe: there is no default `SECRET_KEY` and debug is
never on; the development defaults apply only when `STEMBUS_ENV=development`.
The variables are documented in docs/operations.md and .env.example.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import Final, Self

from voting.errors import ConfigError

DEVELOPMENT_SECRET_FILE: Final = "secret_key"  # noqa: S105  # a file name, not a secret
MIN_SECRET_KEY_LENGTH: Final = 32


class Environment(StrEnum):
    """Where the service runs; only production insists on TLS-only cookies and HSTS."""

    PRODUCTION = "production"
    DEVELOPMENT = "development"
    TEST = "test"


@dataclass(frozen=True, slots=True)
class PasswordHashing:
    """Argon2id cost parameters (RFC 9106 §4).

    The default is RFC 9106's second recommended option (t=3, 64 MiB, p=4). Tests use a
    cheaper profile of the same algorithm so that the suite stays fast.
    """

    time_cost: int = 3
    memory_cost_kib: int = 64 * 1024
    parallelism: int = 4


MAX_PROXY_HOPS: Final = 5

TEST_PASSWORD_HASHING: Final = PasswordHashing(time_cost=1, memory_cost_kib=1024, parallelism=1)


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything the service needs to know about its deployment."""

    env: Environment
    secret_key: str = field(repr=False)
    database_url: str
    base_url: str
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_user: str = ""
    smtp_password: str = field(default="", repr=False)
    smtp_starttls: bool = False
    mail_from: str = "Stembus <stembus@localhost>"
    ratelimit_storage_uri: str = "memory://"
    ratelimit_key_prefix: str = "stembus"
    log_level: str = "INFO"
    default_locale: str = "nl"
    instance_path: str = "instance"
    witness_path: str = ""
    session_idle_minutes: int = 30
    session_absolute_hours: int = 12
    invitation_days: int = 7
    reset_minutes: int = 60
    max_content_length: int = 8 * 1024 * 1024
    password_hashing: PasswordHashing = PasswordHashing()
    rate_limits_enabled: bool = True
    proxy_hops: int = 0
    """How many reverse proxies in front of the service append to X-Forwarded-For (and set
    X-Forwarded-Proto); 0 trusts neither header. Behind one nginx or Caddy it must be 1, or
    every member has the proxy's address and the per-address limits hold for all at once."""

    @property
    def is_production(self) -> bool:
        """True when cookies must be TLS-only and HSTS is sent."""
        return self.env is Environment.PRODUCTION

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Self:
        """Build settings from environment variables.

        Raises:
            ConfigError: naming the variable that is missing or malformed.
        """
        env_name = environ.get("STEMBUS_ENV", Environment.PRODUCTION.value)
        try:
            env = Environment(env_name)
        except ValueError as exc:
            raise ConfigError("STEMBUS_ENV", f"unknown environment {env_name!r}") from exc
        development = env is Environment.DEVELOPMENT
        instance_path = environ.get("STEMBUS_INSTANCE_PATH", "instance")

        secret_key = environ.get("SECRET_KEY", "")
        if not secret_key and development:
            secret_key = _development_secret(Path(instance_path))
        database_url = environ.get("DATABASE_URL", "")
        if not database_url and development:
            database_url = f"sqlite:///{Path(instance_path).resolve() / 'stembus.db'}"
        settings = cls(
            env=env,
            secret_key=secret_key,
            database_url=database_url,
            base_url=environ.get(
                "STEMBUS_BASE_URL", "http://127.0.0.1:5000" if development else ""
            ).rstrip("/"),
            smtp_host=environ.get("SMTP_HOST", "127.0.0.1"),
            smtp_port=_int(environ, "SMTP_PORT", 8025 if development else 25),
            smtp_user=environ.get("SMTP_USER", ""),
            smtp_password=environ.get("SMTP_PASSWORD", ""),
            smtp_starttls=_bool(environ, "SMTP_STARTTLS", default=False),
            mail_from=environ.get("MAIL_FROM", "Stembus <stembus@localhost>"),
            ratelimit_storage_uri=environ.get("RATELIMIT_STORAGE_URI", "memory://"),
            ratelimit_key_prefix=environ.get("RATELIMIT_KEY_PREFIX", "stembus"),
            rate_limits_enabled=_bool(environ, "RATELIMIT_ENABLED", default=True),
            proxy_hops=_int(environ, "STEMBUS_PROXY_HOPS", 0),
            log_level=environ.get("LOG_LEVEL", "INFO").upper(),
            default_locale=environ.get("DEFAULT_LOCALE", "nl"),
            instance_path=instance_path,
            witness_path=environ.get("STEMBUS_WITNESS_PATH", str(Path(instance_path) / "witness")),
            session_idle_minutes=_int(environ, "SESSION_IDLE_MINUTES", 30),
            session_absolute_hours=_int(environ, "SESSION_ABSOLUTE_HOURS", 12),
            # The test environment hashes passwords cheaply; it is never a deployment.
            password_hashing=TEST_PASSWORD_HASHING
            if env is Environment.TEST
            else PasswordHashing(),
        )
        settings.check()
        return settings

    def with_changes(self, **changes: object) -> Settings:
        """A copy with some fields changed (tests use it), checked again."""
        changed = replace(self, **changes)  # type: ignore[arg-type]  # dataclasses.replace takes **object
        changed.check()
        return changed

    def check(self) -> None:
        """Refuse settings that are unsafe or incomplete.

        Raises:
            ConfigError: naming the offending variable.
        """
        if len(self.secret_key) < MIN_SECRET_KEY_LENGTH:
            raise ConfigError(
                "SECRET_KEY", f"must be set to at least {MIN_SECRET_KEY_LENGTH} random characters"
            )
        if not self.database_url:
            raise ConfigError("DATABASE_URL", "must be set (sqlite:///… or postgresql+psycopg://…)")
        if not self.database_url.startswith(("sqlite", "postgresql")):
            raise ConfigError("DATABASE_URL", "only SQLite and PostgreSQL are supported")
        if self.is_production and not self.base_url.startswith("https://"):
            raise ConfigError("STEMBUS_BASE_URL", "must be the public https:// address")
        if self.default_locale not in {"nl", "en"}:
            raise ConfigError("DEFAULT_LOCALE", "must be nl or en")
        if self.log_level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ConfigError("LOG_LEVEL", "must be DEBUG, INFO, WARNING or ERROR")
        if not self.ratelimit_storage_uri.startswith(("memory://", "redis://", "rediss://")):
            raise ConfigError("RATELIMIT_STORAGE_URI", "must be memory:// or redis://host:port")
        if not 0 <= self.proxy_hops <= MAX_PROXY_HOPS:
            raise ConfigError("STEMBUS_PROXY_HOPS", f"must be 0 to {MAX_PROXY_HOPS}")
        if self.session_idle_minutes < 1 or self.session_absolute_hours < 1:
            raise ConfigError("SESSION_IDLE_MINUTES", "session lifetimes must be positive")


def _int(environ: Mapping[str, str], name: str, default: int) -> int:
    raw = environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(name, f"must be a whole number, not {raw!r}") from exc


def _bool(environ: Mapping[str, str], name: str, *, default: bool) -> bool:
    raw = environ.get(name, "").strip().lower()
    if raw == "":
        return default
    if raw in {"1", "true", "yes", "on"}:
        return True
    if raw in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(name, f"must be true or false, not {raw!r}")


def _development_secret(instance: Path) -> str:
    """A random key kept in the instance folder, so development sessions survive restarts."""
    path = instance / DEVELOPMENT_SECRET_FILE
    if path.exists():
        return path.read_text().strip()
    instance.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key
