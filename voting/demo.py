"""Demo data for development (`make run`): branches, about fifty members, and accounts
for every role, with random passwords that are printed and kept in the instance folder.

Privileged demo accounts come with the second factor already set up, so that a
developer can try them at once: `stembus demo-code EMAIL` prints the current code.
Refuses to run outside development.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from voting.accounts.models import Account, Role, RoleGrant
from voting.accounts.services import AuthConfig, ensure_account
from voting.accounts.totp import new_secret
from voting.keys import Keyring
from voting.members.models import Branch, Member, MemberStatus
from voting.names import skeleton

CREDENTIALS_FILE = "demo-credentials.txt"
BRANCHES = (
    ("amsterdam", "Amsterdam", "Europe/Amsterdam"),
    ("utrecht", "Utrecht", "Europe/Amsterdam"),
    ("groningen", "Groningen", "Europe/Amsterdam"),
    ("rotterdam", "Rotterdam", "Europe/Amsterdam"),
    ("bonaire", "Bonaire", "America/Kralendijk"),
)
FIRST_NAMES = (
    "Anna",
    "Bram",
    "Chris",
    "Dewi",
    "Emre",
    "Fatima",
    "Gert",
    "Hilda",
    "Iris",
    "Jesse",
    "Karin",
    "Lars",
    "Mohamed",
    "Noor",
    "Olga",
    "Pieter",
    "Quinten",
    "Rosa",
    "Sanne",
    "Tim",
    "Ugo",
    "Vera",
    "Willem",
    "Yara",
    "Zeynep",
)
LAST_NAMES = (
    "de Vries",
    "Jansen",
    "Bakker",
    "Visser",
    "Smit",
    "Meijer",
    "de Boer",
    "Martis",
    "Mulder",
    "de Groot",
)
PEOPLE = (
    # (label, role, branch code): the first members get these accounts
    ("admin", Role.ADMIN, "amsterdam"),
    ("officer", Role.OFFICER, "utrecht"),
    ("moderator", Role.MODERATOR, "groningen"),
    ("trustee1", Role.TRUSTEE, "amsterdam"),
    ("trustee2", Role.TRUSTEE, "rotterdam"),
    ("trustee3", Role.TRUSTEE, "bonaire"),
    ("member", None, "utrecht"),
    ("member-bonaire", None, "bonaire"),
)


@dataclass(frozen=True, slots=True)
class DemoLogin:
    """One demo account's sign-in details."""

    label: str
    email: str
    password: str
    role: str


def has_data(session: Session) -> bool:
    """True when the database holds members already."""
    return bool(session.scalar(select(func.count()).select_from(Member)))


def load_demo_data(
    session: Session, auth: AuthConfig, now: dt.datetime, instance: Path
) -> list[DemoLogin]:
    """Create the demo branches, members and accounts; returns the logins."""
    branches = {}
    for code, name, timezone in BRANCHES:
        branch = Branch(code=code, name=name, timezone=timezone, created_at=now)
        session.add(branch)
        branches[code] = branch
    members: list[Member] = []
    for index in range(50):
        first = FIRST_NAMES[index % len(FIRST_NAMES)]
        last = LAST_NAMES[(index // len(FIRST_NAMES) + index) % len(LAST_NAMES)]
        code = BRANCHES[index % len(BRANCHES)][0] if index >= len(PEOPLE) else PEOPLE[index][2]
        name = f"{first} {last}"
        member = Member(
            number=f"{10001 + index}",
            name=name,
            name_skeleton=skeleton(name),
            email=f"{first.lower()}.{last.lower().replace(' ', '')}.{10001 + index}@example.org",
            branch=branches[code],
            status=MemberStatus.ENDED if index % 17 == 16 else MemberStatus.ACTIVE,
            member_since=dt.date(2015 + index % 10, 1 + index % 12, 1 + index % 28),
            timezone=branches[code].timezone,
            created_at=now,
            updated_at=now,
        )
        session.add(member)
        members.append(member)
    session.flush()
    logins: list[DemoLogin] = []
    for member, (label, role, _code) in zip(members, PEOPLE, strict=False):
        account = ensure_account(session, member, now)
        password = secrets.token_urlsafe(12)
        account.password_hash = auth.passwords.hash(password)
        account.password_changed_at = now
        if role is not None:
            session.add(RoleGrant(account=account, role=role, granted_at=now))
            account.totp_secret = auth.totp_box.seal(account.id, new_secret())
            account.totp_enabled_at = now
        logins.append(DemoLogin(label, member.email, password, role.value if role else "member"))
    session.commit()
    _save_credentials(instance, logins)
    return logins


def _save_credentials(instance: Path, logins: list[DemoLogin]) -> None:
    path = instance / CREDENTIALS_FILE
    path.write_text("".join(f"{login.role}\t{login.email}\t{login.password}\n" for login in logins))
    path.chmod(0o600)


def saved_logins(instance: Path) -> list[DemoLogin]:
    """The demo logins written when the demo data was made."""
    path = instance / CREDENTIALS_FILE
    if not path.exists():
        return []
    logins = []
    for line in path.read_text().splitlines():
        role, email, password = line.split("\t")
        logins.append(DemoLogin(role, email, password, role))
    return logins


def current_code(session: Session, auth: AuthConfig, email: str, now: dt.datetime) -> str | None:
    """The current TOTP code of a demo account (development only)."""
    import pyotp  # only this development helper needs it directly

    account = session.scalar(
        select(Account).join(Member).where(Member.email == email.strip().lower())
    )
    if account is None or account.totp_secret is None:
        return None
    secret = auth.totp_box.open(account.id, account.totp_secret)
    return str(pyotp.TOTP(secret).at(now))


DEMO_PASSPHRASE = "demo passphrase for trustee {index}"  # noqa: S105  # printed for the demo on purpose


def load_demo_election(
    session: Session, keyring: Keyring, secret_key: str, now: dt.datetime, instance: Path
) -> str:
    """An ALV with an open vote (three motions, an amendment and a board election) whose
    trustees are the three demo trustees; their secret files are written to the instance
    folder so that `stembus-trustee decrypt` can be tried after closing."""
    from ballots import seal_secret
    from voting.elections import ceremony, lifecycle, preparation
    from voting.elections.models import ElectorateKind, QuestionKind
    from voting.elections.preparation import RuleChoice, RulePreset
    from voting.elections.simulation import run_trustees_in_process

    officer = session.scalar(
        select(Account)
        .join(RoleGrant, RoleGrant.account_id == Account.id)
        .where(RoleGrant.role == Role.OFFICER)
    )
    trustees = list(
        session.scalars(
            select(Account)
            .join(RoleGrant, RoleGrant.account_id == Account.id)
            .where(RoleGrant.role == Role.TRUSTEE)
            .order_by(Account.id)
        )
    )
    assert officer is not None  # the demo members were loaded first
    local = now.astimezone(ZoneInfo("Europe/Amsterdam")).replace(
        tzinfo=None, second=0, microsecond=0
    )
    meeting = preparation.create_meeting(
        session,
        officer,
        title="ALV december (demo)",
        starts_local=local + dt.timedelta(days=14),
        timezone="Europe/Amsterdam",
        location="Utrecht",
        online=True,
        now=now,
    )
    election = preparation.create_election(
        session,
        officer,
        meeting,
        title="Moties en bestuursverkiezing (demo)",
        opens_local=local + dt.timedelta(minutes=1),
        closes_local=local + dt.timedelta(days=13),
        electorate_kind=ElectorateKind.ALL_MEMBERS,
        branch_id=None,
        cutoff=now.date(),
        require_second_factor=False,
        now=now,
    )
    motion = preparation.add_question(
        session,
        officer,
        election,
        kind=QuestionKind.MOTION,
        title="Motie A: meer groen in de wijk",
        text="De ALV constateert dat er weinig bomen staan in nieuwe wijken.\n\nDe ALV besluit dat de afdelingen bij elke gemeente pleiten voor een boom per woning.",
        rule=RuleChoice(RulePreset.SIMPLE),
        now=now,
    )
    preparation.add_question(
        session,
        officer,
        election,
        kind=QuestionKind.AMENDMENT,
        title="Amendement A1 op motie A",
        text="Vervang in alinea 2 'een boom per woning' door 'twee bomen per woning'.",
        rule=RuleChoice(RulePreset.SIMPLE),
        amends=motion,
        amends_paragraph=2,
        now=now,
    )
    preparation.add_question(
        session,
        officer,
        election,
        kind=QuestionKind.MOTION,
        title="Statutenwijziging: digitaal stemmen",
        text="De ALV besluit de statuten te wijzigen zodat leden digitaal kunnen stemmen.",
        rule=RuleChoice(RulePreset.TWO_THIRDS),
        now=now,
    )
    preparation.add_question(
        session,
        officer,
        election,
        kind=QuestionKind.APPROVAL,
        title="Verkiezing bestuur (2 zetels)",
        text="Kies ten hoogste twee kandidaten.",
        rule=RuleChoice(RulePreset.APPROVAL),
        options=["Iris Mulder", "Lars de Groot", "Noor Visser"],
        seats=2,
        now=now,
    )
    preparation.set_trustees(session, officer, election, [t.id for t in trustees], 2, now)
    ceremony.start_ceremony(session, officer, election, now)
    held = run_trustees_in_process(session, election, now)
    for index, secret in held.items():
        path = instance / f"trustee-{index}.key"
        path.write_bytes(seal_secret(secret, DEMO_PASSPHRASE.format(index=index)))
        path.chmod(0o600)
    lifecycle.open_voting(session, keyring, secret_key, officer, election, now)
    return election.title
