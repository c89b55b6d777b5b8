"""A fresh, migrated database for every browser test, cheaply.

Running the migrations for every test costs seconds on PostgreSQL, so they run once per
test process into a template; each test then gets a copy: a file copy for SQLite, and
`CREATE DATABASE … TEMPLATE …` for PostgreSQL (a file-level copy inside the server). The
template itself is made by the unit tests' helpers, so both suites build the schema the
same way.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from sqlalchemy import make_url, text

from tests.voting.conftest import fresh_database_url, migrated_engine
from voting.db import make_engine


class DatabaseTemplate:
    """A database migrated to the newest schema, to be copied for each test."""

    def __init__(self, tmp_root: Path, name: str) -> None:
        self.url = fresh_database_url(tmp_root, name)
        engine = migrated_engine(self.url)
        # No connection may stay open: PostgreSQL refuses to copy a template in use,
        # and SQLite folds its write-ahead log back into the file on the last close.
        engine.dispose()
        self._parsed = make_url(self.url)

    @property
    def is_sqlite(self) -> bool:
        """True for a SQLite file, False for PostgreSQL."""
        return self._parsed.get_backend_name() == "sqlite"

    def copy(self, tmp_path: Path, name: str) -> str:
        """A new database with the template's schema (and nothing else); returns its URL.

        SQLite: a file in `tmp_path`. PostgreSQL: the database `name` next to the
        template, dropped first if an earlier test left it behind.
        """
        if self.is_sqlite:
            source = Path(str(self._parsed.database))
            target = tmp_path / f"{name}.db"
            shutil.copyfile(source, target)
            return f"sqlite:///{target}"
        database = f"{self._parsed.database}_{name}".replace("-", "_")
        admin = make_engine(self.url, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
                connection.execute(
                    text(f'CREATE DATABASE "{database}" TEMPLATE "{self._parsed.database}"')
                )
        finally:
            admin.dispose()
        return self._parsed.set(database=database).render_as_string(hide_password=False)
