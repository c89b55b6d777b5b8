"""An election built through the services, with trustees whose tools run in the test.

`trustee_tools` runs each trustee's `voting.trustee.steps.next_step` against the server's
board, exactly as `stembus-trustee` does over HTTP, until the ceremony is complete.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from ballots import TrusteeSecret
from tests import factories
from tests.voting.web import sign_in
from voting.accounts.models import Account, Role
from voting.elections import ceremony, preparation
from voting.elections.lifecycle import open_voting
from voting.elections.models import Election, ElectorateKind, QuestionKind
from voting.elections.preparation import RuleChoice, RulePreset
from voting.elections.simulation import run_trustees_in_process
from voting.keys import Keyring

SECRET_KEY = "test-secret-key-that-is-long-enough-0123456789"
OPENS = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
CLOSES = dt.datetime(2026, 12, 10, 18, 0, tzinfo=dt.UTC)
DURING = OPENS + dt.timedelta(days=1)


@dataclass
class Setup:
    """An election with its officer, trustees (and their secrets) and voters."""

    election: Election
    officer: Account
    trustee_accounts: list[Account]
    voters: list[Account]
    keyring: Keyring
    secrets: dict[int, TrusteeSecret] = field(default_factory=dict)


def run_ceremony(session: Session, setup: Setup, now: dt.datetime) -> None:
    """Let every trustee's tool act until nobody has anything left to do (the same steps as
    `stembus-trustee`, run in this process)."""
    setup.secrets.update(run_trustees_in_process(session, setup.election, now))


def officer_client(app: Flask, db: Session, officer: Account) -> FlaskClient:
    """A browser signed in as `officer`, with the second step every officer needs (enrolled
    here if the account has none yet)."""
    auth = factories.auth_config()
    if officer.totp_secret is None:
        factories.enrol_totp(db, auth, officer)
    client = app.test_client()
    sign_in(client, officer.member.email, factories.PASSWORD, factories.totp_secret(auth, officer))
    return client


def make_election(
    db: Session, *, voters: int = 4, trustees: int = 3, threshold: int = 2, questions: int = 1
) -> Setup:
    """A draft election with a motion (and more questions), trustees and voters in Utrecht."""
    auth = factories.auth_config()
    officer = factories.account(db, auth, roles=(Role.OFFICER,))
    trustee_accounts = [
        factories.account(db, auth, roles=(Role.TRUSTEE,), name=f"Trustee {i}")
        for i in range(trustees)
    ]
    voter_accounts = [factories.account(db, auth, name=f"Voter {i}") for i in range(voters)]
    meeting = preparation.create_meeting(
        db,
        officer,
        title="ALV december",
        starts_local=dt.datetime(2026, 12, 12, 10, 0),  # wall-clock time in the meeting's zone
        timezone="Europe/Amsterdam",
        location="Utrecht",
        online=False,
        now=factories.NOW,
    )
    election = preparation.create_election(
        db,
        officer,
        meeting,
        title="Moties ALV",
        opens_local=dt.datetime(2026, 12, 1, 10, 0),  # wall-clock time in the meeting's zone
        closes_local=dt.datetime(2026, 12, 10, 19, 0),  # wall-clock time in the meeting's zone
        electorate_kind=ElectorateKind.ALL_MEMBERS,
        branch_id=None,
        cutoff=dt.date(2026, 11, 1),
        require_second_factor=False,
        now=factories.NOW,
    )
    motion = preparation.add_question(
        db,
        officer,
        election,
        kind=QuestionKind.MOTION,
        title="Motie 1: meer groen",
        text="De ALV besluit:\n\nmeer bomen te planten.\n\nen minder te maaien.",
        rule=RuleChoice(RulePreset.SIMPLE),
        now=factories.NOW,
    )
    extra = [
        lambda: preparation.add_question(
            db,
            officer,
            election,
            kind=QuestionKind.APPROVAL,
            title="Bestuur",
            text="Kies twee bestuursleden.",
            rule=RuleChoice(RulePreset.APPROVAL),
            options=["Anna", "Bram", "Chris"],
            seats=2,
            now=factories.NOW,
        ),
        lambda: preparation.add_question(
            db,
            officer,
            election,
            kind=QuestionKind.AMENDMENT,
            title="Amendement A op motie 1",
            text="Vervang 'bomen' door 'fruitbomen'.",
            rule=RuleChoice(RulePreset.SIMPLE),
            amends=motion,
            amends_paragraph=2,
            now=factories.NOW,
        ),
        lambda: preparation.add_question(
            db,
            officer,
            election,
            kind=QuestionKind.MULTIPLE_CHOICE,
            title="Datum volgende ALV",
            text="Kies een datum.",
            rule=RuleChoice(RulePreset.PLURALITY),
            options=["maart", "april", "mei"],
            now=factories.NOW,
        ),
    ]
    for make in extra[: questions - 1]:
        make()
    preparation.set_trustees(
        db, officer, election, [a.id for a in trustee_accounts], threshold, factories.NOW
    )
    return Setup(election, officer, trustee_accounts, voter_accounts, Keyring(SECRET_KEY))


def ready_and_open(db: Session, setup: Setup) -> None:
    """Run the ceremony and open voting."""
    ceremony.start_ceremony(db, setup.officer, setup.election, factories.NOW)
    run_ceremony(db, setup, factories.NOW)
    open_voting(db, setup.keyring, SECRET_KEY, setup.officer, setup.election, factories.NOW)


@pytest.fixture
def setup(db: Session) -> Setup:
    return make_election(db, questions=4)
