"""Elections for the browser tests, built and moved on through the services.

A browser test drives the part of the journey it is about through the pages; what comes
before and after runs here, through the same service functions the pages call (no shortcut
into the database, except the voting window: see `Vote.open_now`). The trustees' part of
the key ceremony is what `stembus-trustee` does: `voting.trustee.steps.next_step` on the
server's board, run in-process (`take_ceremony_steps`), or the tool itself over HTTP
against the live server (`trustee_tool`).

Service calls run in an app context in Dutch, as an officer's requests would: the labels
of motion options (Voor / Tegen / Onthouding) are frozen in the officer's language.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask_babel import force_locale
from sqlalchemy.orm import Session

from ballots import TrusteeSecret, decrypt_share, seal_secret
from tests.e2e.site import Person, Site
from voting import create_app
from voting.db import utcnow
from voting.elections import ceremony, lifecycle, preparation
from voting.elections.casting import cast_ballot
from voting.elections.models import Election, ElectionState, ElectorateKind, Meeting, QuestionKind
from voting.elections.preparation import RuleChoice, RulePreset
from voting.elections.simulation import take_trustee_step
from voting.keys import Keyring
from voting.trustee.cli import main as trustee_main
from voting.trustee.steps import announcements_fingerprint

ZONE: Final = "Europe/Amsterdam"
PASSPHRASE: Final = "a long passphrase for the trustee file"

# The ballot of the journey: a motion of two paragraphs, an amendment to its second
# paragraph, a multiple-choice question and a candidate election (approval, two seats).
MOTION_TITLE: Final = "Motie A: fietsenstallingen"
MOTION_PARAGRAPHS: Final = (
    "De ALV constateert dat fietsen overal staan.",
    "De ALV besluit bij elk station een fietsenstalling te bouwen.",
)
MOTION_TEXT: Final = "\n\n".join(MOTION_PARAGRAPHS)
AMENDMENT_TITLE: Final = "Amendement A1: overdekt"
AMENDMENT_TEXT: Final = (
    "Vervang in alinea 2 'een fietsenstalling' door 'een overdekte fietsenstalling'."
)
CHOICE_TITLE: Final = "Plaats van de volgende ALV"
PLACES: Final = ("Zwolle-Noord", "Assen-Centrum", "Breda-Haven")
BOARD_TITLE: Final = "Verkiezing van het bestuur"
CANDIDATES: Final = ("Ayla Zilverberk", "Bas Koperwiek", "Cor Tinnegieter")


def local_field(moment: dt.datetime, zone: str = ZONE) -> str:
    """A moment as a datetime-local form field wants it: wall-clock time in `zone`."""
    return moment.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%dT%H:%M")


def open_window_now(site: Site, election_id: int) -> None:
    """Move an open vote's opening time to an hour ago, so members can vote now.

    The only step past the services: a new vote cannot open in the past, and the test
    cannot wait until tomorrow (as tests/voting/elections/test_voting_pages.py does).
    """
    with site.session() as session:
        election = session.get(Election, election_id)
        assert election is not None
        assert election.state is ElectionState.OPEN
        election.opens_at = utcnow() - dt.timedelta(hours=1)
        session.commit()


def take_ceremony_steps(
    site: Site, election_id: int, secrets: dict[int, TrusteeSecret], indexes: set[int]
) -> bool:
    """One move of each trustee in `indexes`, as their tools would make it; True if any acted.

    The trustees' secrets stay in `secrets` (the tool would keep them in its sealed file).
    """
    acted = False
    with site.session() as session:
        election = session.get(Election, election_id)
        assert election is not None
        for trustee in list(election.trustees):
            if trustee.index in indexes:
                acted = take_trustee_step(session, election, trustee, secrets, utcnow()) or acted
    return acted


def trustee_tool(
    monkeypatch: pytest.MonkeyPatch,
    token: str,
    command: str,
    server: str,
    secret_file: Path,
    *extra: str,
) -> int:
    """Run `stembus-trustee COMMAND` against the live server over HTTP; its exit code."""
    monkeypatch.setenv("STEMBUS_TRUSTEE_TOKEN", token)
    monkeypatch.setenv("STEMBUS_TRUSTEE_PASSPHRASE", PASSPHRASE)
    return trustee_main([command, "--server", server, "--secret-file", str(secret_file), *extra])


def read_aloud(site: Site, election_id: int) -> list[str]:
    """The tool's option with the announcements' fingerprint the trustees read aloud."""
    with site.session() as session:
        election = session.get(Election, election_id)
        assert election is not None
        found = announcements_fingerprint(ceremony.board(session, election, election.trustees[0]))
    assert found is not None
    return ["--announcements", found]


@dataclass
class Vote:
    """An election of the test's site, the people around it, and its trustees' secrets."""

    site: Site
    app: Flask
    officer: Person
    trustees: list[Person]
    election_id: int
    slug: str
    meeting_id: int
    secrets: dict[int, TrusteeSecret] = field(default_factory=dict)

    @property
    def keyring(self) -> Keyring:
        """The service's signing keys (from the site's secret key)."""
        return Keyring(self.site.settings.secret_key)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A database session inside an app context in Dutch, as a request would have."""
        with self.app.app_context(), force_locale("nl"), self.site.session() as session:
            yield session

    def election(self, session: Session) -> Election:
        """The election row, read fresh."""
        found = session.get(Election, self.election_id, populate_existing=True)
        assert found is not None
        return found

    def state(self) -> ElectionState:
        """Where the election is in its lifecycle."""
        with self.session() as session:
            return self.election(session).state

    def run_ceremony(self) -> None:
        """Start the key ceremony and let every trustee's tool act until it is complete."""
        with self.session() as session:
            election = self.election(session)
            ceremony.start_ceremony(
                session, self.site.account_of(session, self.officer), election, utcnow()
            )
        indexes = set(range(1, len(self.trustees) + 1))
        while take_ceremony_steps(self.site, self.election_id, self.secrets, indexes):
            pass
        assert self.state() is ElectionState.READY

    def open_now(self) -> None:
        """Open voting (as the officer's button does), from now on: see `open_window_now`."""
        with self.session() as session:
            lifecycle.open_voting(
                session,
                self.keyring,
                self.site.settings.secret_key,
                self.site.account_of(session, self.officer),
                self.election(session),
                utcnow(),
            )
        open_window_now(self.site, self.election_id)

    def cast(self, voter: Person, choices: Mapping[str, Sequence[str]]) -> str:
        """Cast a ballot for `voter` as the ballot page would; its tracking code."""
        with self.session() as session:
            receipt = cast_ballot(
                session,
                self.keyring,
                self.site.settings.secret_key,
                self.site.account_of(session, voter),
                self.election_id,
                choices,
                utcnow(),
                second_factor_done=False,
            )
        return receipt.tracking_code

    def close(self) -> None:
        """Close voting (the officer's button, or the closing time)."""
        with self.session() as session:
            lifecycle.close_voting(
                session,
                self.keyring,
                self.site.account_of(session, self.officer),
                self.election_id,
                utcnow(),
            )

    def send_share(self, index: int) -> None:
        """Trustee `index`'s partial decryption of the tally, received by the server."""
        with self.session() as session:
            election = self.election(session)
            share = decrypt_share(
                lifecycle.document(election), lifecycle.tally_of(election), self.secrets[index]
            )
            [seat] = [t for t in election.trustees if t.index == index]
            lifecycle.receive_share(session, self.keyring, seat, share.to_json(), utcnow())

    def count(self) -> None:
        """Combine the shares and count (the officer's button)."""
        with self.session() as session:
            lifecycle.decrypt(
                session, self.site.account_of(session, self.officer), self.election_id, utcnow()
            )

    def publish(self) -> None:
        """Publish the counted result (the officer's button)."""
        with self.session() as session:
            lifecycle.publish(
                session,
                self.keyring,
                self.site.account_of(session, self.officer),
                self.election_id,
                utcnow(),
            )

    def secret_file(self, index: int, folder: Path) -> Path:
        """Trustee `index`'s secret as `stembus-trustee` keeps it: sealed with the passphrase."""
        path = folder / f"{self.slug}-trustee-{index}.key"
        path.write_bytes(seal_secret(self.secrets[index], PASSPHRASE))
        path.chmod(0o600)
        return path


def prepare_vote(
    site: Site,
    officer: Person,
    trustees: list[Person],
    *,
    title: str = "Moties en verkiezingen",
    meeting_id: int | None = None,
    full: bool = True,
    threshold: int = 2,
) -> Vote:
    """A draft vote with its trustees: the journey's four questions, or one motion.

    Votes open tomorrow and close in a week (wall-clock time in Amsterdam); every member
    on today's list may vote.
    """
    app = create_app(site.settings, database=site.database)
    now = utcnow()
    zone = ZoneInfo(ZONE)
    with app.app_context(), force_locale("nl"), site.session() as session:
        actor = site.account_of(session, officer)
        if meeting_id is None:
            meeting = preparation.create_meeting(
                session,
                actor,
                title="ALV december",
                starts_local=(now + dt.timedelta(days=8)).astimezone(zone).replace(tzinfo=None),
                timezone=ZONE,
                location="Utrecht, Jaarbeurs",
                online=True,
                now=now,
            )
        else:
            found = session.get(Meeting, meeting_id)
            assert found is not None
            meeting = found
        election = preparation.create_election(
            session,
            actor,
            meeting,
            title=title,
            opens_local=(now + dt.timedelta(days=1)).astimezone(zone).replace(tzinfo=None),
            closes_local=(now + dt.timedelta(days=7)).astimezone(zone).replace(tzinfo=None),
            electorate_kind=ElectorateKind.ALL_MEMBERS,
            branch_id=None,
            cutoff=now.astimezone(zone).date(),
            require_second_factor=False,
            now=now,
        )
        motion = preparation.add_question(
            session,
            actor,
            election,
            kind=QuestionKind.MOTION,
            title=MOTION_TITLE,
            text=MOTION_TEXT,
            rule=RuleChoice(RulePreset.SIMPLE),
            now=now,
        )
        if full:
            preparation.add_question(
                session,
                actor,
                election,
                kind=QuestionKind.AMENDMENT,
                title=AMENDMENT_TITLE,
                text=AMENDMENT_TEXT,
                rule=RuleChoice(RulePreset.SIMPLE),
                amends=motion,
                amends_paragraph=2,
                now=now,
            )
            preparation.add_question(
                session,
                actor,
                election,
                kind=QuestionKind.MULTIPLE_CHOICE,
                title=CHOICE_TITLE,
                text="Waar houden we de volgende ALV?",
                rule=RuleChoice(RulePreset.PLURALITY),
                options=list(PLACES),
                now=now,
            )
            preparation.add_question(
                session,
                actor,
                election,
                kind=QuestionKind.APPROVAL,
                title=BOARD_TITLE,
                text="Kies er hoogstens twee.",
                rule=RuleChoice(RulePreset.APPROVAL),
                options=list(CANDIDATES),
                seats=2,
                now=now,
            )
        accounts = [site.account_of(session, t).id for t in trustees]
        preparation.set_trustees(session, actor, election, accounts, threshold, now)
        vote = Vote(site, app, officer, trustees, election.id, election.slug, meeting.id)
    return vote


def open_vote(
    site: Site,
    officer: Person,
    trustees: list[Person],
    *,
    title: str = "Moties en verkiezingen",
    meeting_id: int | None = None,
    full: bool = True,
) -> Vote:
    """A vote that is open now: prepared, its key made by the trustees, and opened."""
    vote = prepare_vote(site, officer, trustees, title=title, meeting_id=meeting_id, full=full)
    vote.run_ceremony()
    vote.open_now()
    return vote
