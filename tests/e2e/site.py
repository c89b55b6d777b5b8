"""The app under test, as the browser sees it: a fresh database, real SMTP, a live server.

Unlike the unit tests, nothing here is rolled back: the browser's requests run in the
server's threads and commit for real. Isolation comes from a database of its own for
every test (a new SQLite file, or a PostgreSQL database dropped and created again),
built by the Alembic migrations through the unit tests' own helpers.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests import factories
from tests.mailsink import MailSink
from voting.accounts.models import Account, Role
from voting.accounts.services import AuthConfig
from voting.config import Settings
from voting.db import Database
from voting.members.models import Member


@dataclass(frozen=True, slots=True)
class Person:
    """Someone the test seeded: what they would type to sign in, and their ids."""

    name: str
    email: str
    number: str
    member_id: int
    password: str | None = None
    totp_secret: str | None = None
    account_id: int | None = None


class Site:
    """The running app of one test, and ways to seed and inspect its database."""

    def __init__(self, url: str, settings: Settings, database: Database, mail: MailSink) -> None:
        self.url = url
        self.settings = settings
        self.database = database
        self.mail = mail
        self.auth = AuthConfig.from_settings(settings)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A database session for arranging and asserting; the caller commits."""
        with self.database.session() as session:
            yield session

    def person(
        self,
        *,
        roles: Sequence[Role] = (),
        totp: bool = False,
        password: str = factories.PASSWORD,
        name: str = "Jan Jansen",
        branch_code: str = "utrecht",
        email: str | None = None,
        number: str | None = None,
    ) -> Person:
        """A member with an account and a password, roles, and a second factor if asked."""
        with self.session() as session:
            account = factories.account(
                session,
                self.auth,
                roles=tuple(roles),
                password=password,
                name=name,
                branch_code=branch_code,
                email=email,
                number=number,
            )
            secret = factories.enrol_totp(session, self.auth, account) if totp else None
            person = Person(
                name=account.member.name,
                email=account.member.email,
                number=account.member.number,
                member_id=account.member.id,
                password=password,
                totp_secret=secret,
                account_id=account.id,
            )
            session.commit()
        return person

    def officer(self, name: str = "Olga Officier", **changes: str) -> Person:
        """A national election officer with a second factor."""
        return self.person(roles=(Role.OFFICER,), totp=True, name=name, **changes)

    def member(
        self,
        *,
        name: str = "Jan Jansen",
        branch_code: str = "utrecht",
        email: str | None = None,
        number: str | None = None,
    ) -> Person:
        """A member from the member list, without an account yet."""
        with self.session() as session:
            member = factories.member(
                session, name=name, branch_code=branch_code, email=email, number=number
            )
            person = Person(
                name=member.name, email=member.email, number=member.number, member_id=member.id
            )
            session.commit()
        return person

    def account_of(self, session: Session, person: Person) -> Account:
        """The person's account row, read fresh."""
        account = session.scalar(select(Account).where(Account.member_id == person.member_id))
        assert account is not None, f"{person.email} has no account"
        return account

    def member_count(self) -> int:
        """How many members the database holds."""
        with self.session() as session:
            return int(session.scalar(select(func.count()).select_from(Member)) or 0)
