"""Backups of the database: SQLite's online backup, or pg_dump / pg_restore for PostgreSQL.

A restored database may be older than what voters hold receipts for; `stembus restore`
therefore runs the witness check afterwards (voting/witness.py) and says so when a log no
longer extends a head that was already published (THREATS T22).
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy import make_url


class BackupError(Exception):
    """A backup or restore could not be made; the message says why."""


def _libpq_url(database_url: str) -> str:
    url = make_url(database_url)
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _sqlite_path(database_url: str) -> Path:
    database = make_url(database_url).database
    if not database or database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return Path(database)


def backup(database_url: str, target: Path) -> None:
    """Write a consistent copy of the database to `target` (which must not exist)."""
    if target.exists():
        raise BackupError(f"{target} exists already")
    if database_url.startswith("sqlite"):
        source = sqlite3.connect(_sqlite_path(database_url))
        copy = sqlite3.connect(target)
        try:
            with copy:
                source.backup(copy)
        finally:
            copy.close()
            source.close()
        return
    tool = shutil.which("pg_dump")
    if tool is None:
        raise BackupError("pg_dump is not installed")
    done = subprocess.run(
        [tool, "--format=custom", f"--file={target}", _libpq_url(database_url)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise BackupError(done.stderr.strip() or "pg_dump failed")


def restore(database_url: str, source: Path) -> None:
    """Replace the database's contents with a backup made by `backup`."""
    if not source.exists():
        raise BackupError(f"{source} does not exist")
    if database_url.startswith("sqlite"):
        target = sqlite3.connect(_sqlite_path(database_url))
        backup_copy = sqlite3.connect(source)
        try:
            with target:
                backup_copy.backup(target)
        finally:
            backup_copy.close()
            target.close()
        return
    tool = shutil.which("pg_restore")
    if tool is None:
        raise BackupError("pg_restore is not installed")
    done = subprocess.run(
        [
            tool,
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            f"--dbname={_libpq_url(database_url)}",
            str(source),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise BackupError(done.stderr.strip() or "pg_restore failed")
