"""Demo data for development (`make run`): branches, about fifty members, and accounts
for every role, with random passwords that are printed and kept in the instance folder;
then something to try in every area: an open vote, a consensus round on a proposal of the
board, and the candidate Q&A of a Partijraad election.

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

from voting.accounts.models import PRIVILEGED_ROLES, Account, Role, RoleGrant
from voting.accounts.services import AuthConfig, ensure_account
from voting.accounts.totp import new_secret
from voting.config import Settings
from voting.keys import Keyring
from voting.mail import Mailer
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
    ("candidate", Role.CANDIDATE, "utrecht"),  # admitted to the demo Q&A (load_demo_qa)
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
        if role in PRIVILEGED_ROLES:
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


def _account_of(session: Session, logins: list[DemoLogin], label: str) -> Account:
    """The demo account made under `label` (see PEOPLE)."""
    email = next(login.email for login in logins if login.label == label)
    found = session.scalar(select(Account).join(Member).where(Member.email == email))
    assert found is not None  # the demo members were loaded first
    return found


def load_demo_consensus(
    session: Session, keyring: Keyring, secret_key: str, now: dt.datetime, logins: list[DemoLogin]
) -> str:
    """The board as a decision group with a proposal in its first round: the officer, the
    moderator and the administrator (its facilitator) took positions; the two demo
    members have not yet, so they can try it."""
    from voting.consensus import proposals, rounds, services
    from voting.consensus.anonymity import RoundKeys
    from voting.consensus.models import DecisionRule, FallbackMode, GroupKind, PositionKind

    officer, moderator, admin, member, bonaire = (
        _account_of(session, logins, label)
        for label in ("officer", "moderator", "admin", "member", "member-bonaire")
    )
    group = services.create_group(
        session,
        officer,
        services.GroupSettings(
            name="Bestuur (demo)",
            description="Het landelijk bestuur besluit bij consensus.",
            kind=GroupKind.BOARD,
            branch_id=None,
            rule=DecisionRule.CONSENSUS,
            anonymous=False,
            live_positions=False,
            min_participation=60,
            max_rounds=3,
            fallback=FallbackMode.OPEN,
            fallback_numerator=2,
            fallback_denominator=3,
        ),
        "\n".join(a.member.number for a in (officer, moderator, member, bonaire)),
        admin.member.number,
        keyring,
        now,
    )
    proposal = proposals.start_proposal(
        session,
        admin,
        group.id,
        proposals.ProposalText(
            title="Spandoeken voor alle afdelingen",
            body=(
                "Het bestuur koopt **vijf spandoeken**, één per afdeling, voor samen "
                "hoogstens € 1.500.\n\nDe afdelingen kiezen zelf de tekst."
            ),
        ),
        DecisionRule.CONSENSUS,
        7,
        keyring,
        now,
    )
    round_keys = RoundKeys(secret_key)
    opened = rounds.open_round(
        session, admin, proposal.id, now + dt.timedelta(days=7), 0, keyring, round_keys, now
    )
    for account, kind, reason in (
        (admin, PositionKind.AGREE, ""),
        (officer, PositionKind.AGREE, ""),
        (moderator, PositionKind.CONCERNS, "Bonaire heeft een spandoek in het Papiaments nodig."),
    ):
        rounds.submit_position(
            session, account, proposal.id, opened.id, kind, reason, 0, round_keys, now
        )
    return proposal.title


def load_demo_qa(
    session: Session,
    keyring: Keyring,
    settings: Settings,
    mailer: Mailer,
    now: dt.datetime,
    logins: list[DemoLogin],
) -> str:
    """A Partijraad election in preparation with its candidate Q&A open: two candidates
    (one is the demo candidate login), a published question to all of them with one
    answer, and a question waiting for the moderator."""
    from voting.elections import preparation
    from voting.elections.models import ElectorateKind, Meeting, QuestionKind
    from voting.elections.preparation import RuleChoice, RulePreset
    from voting.qa import candidates, moderation, questions
    from voting.qa.profiles import Profile, update_profile

    officer, moderator, candidate_login, member, bonaire = (
        _account_of(session, logins, label)
        for label in ("officer", "moderator", "candidate", "member", "member-bonaire")
    )
    meeting = session.scalar(select(Meeting).order_by(Meeting.id))
    assert meeting is not None  # the demo election was loaded first
    local = now.astimezone(ZoneInfo(meeting.timezone)).replace(tzinfo=None, second=0, microsecond=0)
    election = preparation.create_election(
        session,
        officer,
        meeting,
        title="Verkiezing Partijraad (demo)",
        opens_local=local + dt.timedelta(days=10),
        closes_local=local + dt.timedelta(days=13),
        electorate_kind=ElectorateKind.ALL_MEMBERS,
        branch_id=None,
        cutoff=now.date(),
        require_second_factor=False,
        now=now,
    )
    preparation.add_question(
        session,
        officer,
        election,
        kind=QuestionKind.APPROVAL,
        title="Partijraad (2 zetels)",
        text="Kies ten hoogste twee kandidaten.",
        rule=RuleChoice(RulePreset.APPROVAL),
        options=["Plaats 1", "Plaats 2"],
        seats=2,
        now=now,
    )
    candidates.set_up(
        session,
        officer,
        election.id,
        candidates.Period(local - dt.timedelta(minutes=1), local + dt.timedelta(days=9)),
        keyring,
        now,
    )
    second = session.scalar(
        select(Member)
        .where(
            Member.status == MemberStatus.ACTIVE,
            ~select(Account.id).where(Account.member_id == Member.id).exists(),
        )
        .order_by(Member.number)
    )
    assert second is not None  # fifty demo members, eight with an account
    admitted = [
        candidates.admit(
            session,
            officer,
            election.id,
            member_number=who.number,
            display_name="",
            question_id=None,
            keyring=keyring,
            now=now,
        )
        for who in (candidate_login.member, second)
    ]
    update_profile(
        session,
        candidate_login,
        admitted[0].id,
        Profile(
            display_name=admitted[0].display_name,
            pronouns="zij/haar",
            motivation="Ik wil dat elke afdeling gehoord wordt in de Partijraad.",
            experience="Vier jaar secretaris van de afdeling Utrecht.",
            links="",
        ),
        now,
    )
    to_all = questions.ask(
        session,
        member,
        election.id,
        candidate_id=None,
        text="Hoe betrekt u leden die niet naar vergaderingen kunnen komen?",
        anonymous=False,
        keyring=keyring,
        now=now,
    )
    moderation.approve(session, moderator, to_all.id, keyring, settings, mailer, now)
    questions.answer(
        session,
        candidate_login,
        to_all.id,
        "Met online stemmen en een vragenronde zoals deze.",
        keyring,
        settings,
        mailer,
        now,
    )
    questions.ask(
        session,
        bonaire,
        election.id,
        candidate_id=admitted[0].id,
        text="Komt u ook eens naar Bonaire?",
        anonymous=True,
        keyring=keyring,
        now=now,
    )
    return election.title
