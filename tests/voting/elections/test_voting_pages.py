"""Voting through the web: the ballot (all at once or one per screen), the review, the
receipt, the confirmation mail, the check page, and what must never leak (T17, T35)."""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
import logging
import re
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote, unquote

import pytest
from flask import Flask, url_for
from flask.testing import FlaskClient
from flask_babel import force_locale
from sqlalchemy import Engine, event, func, inspect, select, text
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict
from werkzeug.routing import BuildError

from audit.tracking import TrackingCode
from audit.verifier import verify_record
from ballots import decrypt_share
from tests import factories
from tests.mailsink import MailSink
from tests.voting.elections.conftest import Setup, make_election, officer_client, ready_and_open
from tests.voting.web import csrf_from, page_token, sign_in
from voting.accounts.models import Account
from voting.accounts.totp import qr_svg
from voting.db import utcnow
from voting.elections import ceremony, lifecycle, preparation, voter_views
from voting.elections.models import CastBallot, Election, QuestionKind
from voting.elections.preparation import RuleChoice, RulePreset
from voting.runtime import SETTINGS_KEY


def _open_now(db: Session, setup: Setup) -> Election:
    """Run the ceremony, open, and put the voting window around the real clock."""
    ready_and_open(db, setup)
    election = setup.election
    election.opens_at = utcnow() - dt.timedelta(hours=1)
    election.closes_at = utcnow() + dt.timedelta(hours=1)
    db.commit()
    return election


def _voter_client(app: Flask, voter: Account) -> FlaskClient:
    client = app.test_client()
    sign_in(client, voter.member.email, factories.PASSWORD)
    return client


def _cast(client: FlaskClient, slug: str, choices: dict[str, list[str]]) -> str:
    token = page_token(client, f"/vote/{slug}")
    data: list[tuple[str, str]] = [("csrf_token", token), ("mode", "all"), ("action", "cast")]
    for qid, keys in choices.items():
        data += [(qid, key) for key in keys] or [(qid, "")]
    response = client.post(f"/vote/{slug}", data=MultiDict(data))
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    return response.headers["Location"]


@pytest.fixture
def opened(db: Session) -> Setup:
    setup = make_election(db, voters=3, questions=2)
    _open_now(db, setup)
    return setup


def test_member_sees_the_ballot_with_rules_reviews_and_casts(
    app: Flask, db: Session, opened: Setup, mail: MailSink
) -> None:
    voter = opened.voters[0]
    client = _voter_client(app, voter)
    slug = opened.election.slug
    assert slug in client.get("/vote/").get_data(as_text=True)
    page = client.get(f"/vote/{slug}").get_data(as_text=True)
    assert "more than half of the votes cast are for" in page
    assert 'type="radio"' in page
    assert 'type="checkbox"' in page
    token = csrf_from(page)
    review = client.post(
        f"/vote/{slug}",
        data=MultiDict(
            [
                ("csrf_token", token),
                ("mode", "all"),
                ("action", "review"),
                ("q1", "voor"),
                ("q2", "o1"),
                ("q2", "o3"),
            ]
        ),
    )
    assert review.status_code == 200
    html = review.get_data(as_text=True)
    assert "Check your choices" in html
    assert 'name="q2" value="o3"' in html
    assert db.scalar(select(CastBallot)) is None  # reviewing casts nothing
    cast = client.post(
        f"/vote/{slug}",
        data=MultiDict(
            [
                ("csrf_token", token),
                ("mode", "all"),
                ("action", "cast"),
                ("q1", "voor"),
                ("q2", "o1"),
                ("q2", "o3"),
            ]
        ),
    )
    assert cast.status_code == 303
    receipt = client.get(cast.headers["Location"]).get_data(as_text=True)
    code = cast.headers["Location"].rsplit("/", 1)[1]
    assert code in receipt
    assert "<svg" in receipt
    download = client.get(cast.headers["Location"] + ".json")
    document = json.loads(download.get_data(as_text=True))
    assert document["tracking_code"] == code
    assert document["receipt"]["type"] == "receipt"
    [message] = mail.wait_for(1, to=voter.member.email)
    body = mail.body_of(message)
    assert code in body
    assert "does not say how you voted" in body


def test_one_question_per_screen_carries_choices_in_the_form(
    app: Flask, db: Session, opened: Setup
) -> None:
    client = _voter_client(app, opened.voters[0])
    slug = opened.election.slug
    first = client.get(f"/vote/{slug}?mode=step").get_data(as_text=True)
    assert "Question 1 of 2" in first
    token = csrf_from(first)
    second = client.post(
        f"/vote/{slug}",
        data={"csrf_token": token, "mode": "step", "step": "1", "action": "next", "q1": "tegen"},
    )
    html = second.get_data(as_text=True)
    assert "Question 2 of 2" in html
    assert '<input type="hidden" name="q1" value="tegen">' in html
    with client.session_transaction() as session:
        assert "tegen" not in json.dumps(dict(session))
    too_many = client.post(
        f"/vote/{slug}",
        data=MultiDict(
            [
                ("csrf_token", token),
                ("mode", "step"),
                ("step", "2"),
                ("action", "review"),
                ("q1", "tegen"),
                ("q2", "o1"),
                ("q2", "o2"),
                ("q2", "o3"),
            ]
        ),
    )
    assert too_many.status_code == 400
    html = too_many.get_data(as_text=True)
    assert "at most 2" in html
    # The member's ticks stay, so they can remove one instead of starting again.
    for key in ("o1", "o2", "o3"):
        assert f'name="q2" value="{key}" checked' in html


@pytest.mark.parametrize(
    ("low", "high", "english", "dutch"),
    [
        (0, 2, "Choose at most 2.", "Kies maximaal 2."),
        (1, 1, "Choose exactly 1.", "Kies er precies 1."),
        (1, 3, "Choose at least 1 and at most 3.", "Kies minstens 1 en maximaal 3."),
    ],
)
def test_the_rule_on_the_number_of_choices_is_stated_in_few_words(
    app: Flask, low: int, high: int, english: str, dutch: str
) -> None:
    for locale, expected in (("en", english), ("nl", dutch)):
        with app.test_request_context(), force_locale(locale):
            assert voter_views._how_many(low, high) == expected


def _fields_of(page: str) -> str:
    return page[page.index('<fieldset class="question') : page.rindex("</fieldset>")]


def test_the_empty_ballot_kept_per_language_shows_nobody_elses_ticks(
    app: Flask, db: Session, opened: Setup
) -> None:
    slug = opened.election.slug
    first, second = (_voter_client(app, voter) for voter in opened.voters[:2])
    token = page_token(first, f"/vote/{slug}")
    wrong = first.post(  # the first voter's ticks come back to correct: not the shared copy
        f"/vote/{slug}",
        data=MultiDict(
            [("csrf_token", token), ("mode", "all"), ("action", "review"), ("q1", "voor")]
            + [("q2", key) for key in ("o1", "o2", "o3")]
        ),
    )
    assert wrong.status_code == 400
    assert 'value="voor" checked' in wrong.get_data(as_text=True)
    english = second.get(f"/vote/{slug}").get_data(as_text=True)
    assert "checked" not in english
    assert _fields_of(english) == _fields_of(first.get(f"/vote/{slug}").get_data(as_text=True))
    second.post("/language", data={"csrf_token": csrf_from(english), "locale": "nl"})
    dutch = second.get(f"/vote/{slug}").get_data(as_text=True)
    assert "Question 1 of 2" in english
    assert "Vraag 1 van 2" in dutch
    assert "Question 1 of 2" not in dutch


def _statements_of(engine: Engine, request: Callable[[], object]) -> int:
    issued = 0

    def count(*_args: object) -> None:
        nonlocal issued
        issued += 1

    event.listen(engine, "before_cursor_execute", count)
    try:
        request()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return issued


def test_opening_the_ballot_and_casting_take_as_many_queries_for_any_ballot(
    app: Flask, db: Session, engine: Engine
) -> None:
    """No query per question or option: a 30-motion ballot costs what a 2-question one does."""
    counts = []
    for questions in (2, 7):
        setup = make_election(db, voters=2, questions=questions)
        slug = _open_now(db, setup).slug
        client = _voter_client(app, setup.voters[0])
        client.get(f"/vote/{slug}")  # the first visit renders the shared empty ballot
        choices = {q.qid: [q.options[-1].key] for q in setup.election.questions}
        counts.append(
            (
                _statements_of(engine, lambda c=client, s=slug: c.get(f"/vote/{s}")),
                _statements_of(engine, lambda c=client, s=slug, x=choices: _cast(c, s, x)),
                _statements_of(engine, lambda c=client, s=slug, x=choices: _cast(c, s, x)),
            )
        )
    assert counts[0] == counts[1]
    page, cast, recast = counts[0]
    assert page <= 5, counts
    assert cast <= page + 18, counts
    assert recast <= cast + 4, counts


def test_bad_choices_are_refused_and_nothing_is_cast(
    app: Flask, db: Session, opened: Setup
) -> None:
    client = _voter_client(app, opened.voters[0])
    slug = opened.election.slug
    token = page_token(client, f"/vote/{slug}")
    for data in (
        [("q1", "maybe"), ("q2", "o1")],  # not an option
        [("q1", "voor"), ("q1", "tegen"), ("q2", "o1")],  # two on a one-choice question
        [("q1", "voor"), ("q2", "o9")],  # unknown option
    ):
        response = client.post(
            f"/vote/{slug}",
            data=MultiDict([("csrf_token", token), ("mode", "all"), ("action", "cast"), *data]),
        )
        assert response.status_code == 400
    assert db.scalar(select(CastBallot)) is None


def test_revote_replaces_and_my_ballots_shows_both(app: Flask, db: Session, opened: Setup) -> None:
    client = _voter_client(app, opened.voters[1])
    slug = opened.election.slug
    _cast(client, slug, {"q1": ["voor"], "q2": ["o2"]})
    _cast(client, slug, {"q1": ["tegen"], "q2": []})
    html = client.get(f"/vote/{slug}/mine").get_data(as_text=True)
    assert html.count("replaced by a later vote") == 1
    assert "Turnout so far: 1 of" in html


def test_voter_outside_the_electorate_is_refused(app: Flask, db: Session, opened: Setup) -> None:
    late = factories.account(db, factories.auth_config(), name="Late Joiner")
    client = _voter_client(app, late)
    response = client.get(f"/vote/{opened.election.slug}")
    assert response.status_code == 403
    token = page_token(client, "/account")
    assert (
        client.post(
            f"/vote/{opened.election.slug}",
            data={"csrf_token": token, "action": "cast", "q1": "voor"},
        ).status_code
        == 403
    )
    assert db.scalar(select(CastBallot)) is None


def test_second_step_required_by_the_election(app: Flask, db: Session) -> None:
    setup = make_election(db, voters=1)
    setup.election.require_second_factor = True
    db.commit()
    election = _open_now(db, setup)
    client = _voter_client(app, setup.voters[0])
    token = page_token(client, f"/vote/{election.slug}")
    response = client.post(
        f"/vote/{election.slug}",
        data={"csrf_token": token, "mode": "all", "action": "cast", "q1": "voor"},
    )
    assert response.status_code == 403
    assert "second step" in response.get_data(as_text=True)


def test_check_page_finds_a_ballot_and_verifies_its_proof(
    app: Flask, db: Session, opened: Setup
) -> None:
    client = _voter_client(app, opened.voters[0])
    location = _cast(client, opened.election.slug, {"q1": ["voor"], "q2": ["o1"]})
    code = location.rsplit("/", 1)[1]
    public = app.test_client()
    found = public.get(f"/check?code={code.lower().replace('-', ' ')}")
    assert found.status_code == 200
    assert "Your ballot is in the log" in found.get_data(as_text=True)
    typo = code[:-1] + ("0" if code[-1] != "0" else "1")
    wrong = public.get(f"/check?code={typo}")
    assert wrong.status_code == 404
    assert "typo" in wrong.get_data(as_text=True) or "No ballot" in wrong.get_data(as_text=True)
    assert re.search(
        r"the signed log state of \d+ entries \(\d{1,2} \w{3} 20\d\d \d\d:\d\d:\d\d\)",
        found.get_data(as_text=True),
    )
    audit = public.get(f"/elections/{opened.election.slug}/audit").get_data(as_text=True)
    assert "Signed log states" in audit
    assert re.search(r'<time datetime="20\d\d-\d\d-\d\dT[\d:.]+\+00:00">', audit)
    heads = json.loads(
        public.get(f"/elections/{opened.election.slug}/heads.json").get_data(as_text=True)
    )
    assert heads["heads"][-1]["body"]["size"] >= 1


# ------------------------------------------------------------------ what must never leak

CANARY_OPTIONS = ("o1", "o2", "o3")


def _database_dump(db: Session) -> str:
    parts = []
    for table in inspect(db.get_bind()).get_table_names():
        for row in db.execute(text(f'SELECT * FROM "{table}"')):
            parts.append(repr(tuple(row)))
    return "\n".join(parts)


def _session_cookie_text(client: FlaskClient) -> str:
    cookie = client.get_cookie("stembus")
    assert cookie is not None
    payload = cookie.value.split(".")[1 if cookie.value.startswith(".") else 0]
    compressed = cookie.value.startswith(".")
    raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    return (zlib.decompress(raw) if compressed else raw).decode(errors="replace")


def test_the_choice_is_in_no_cookie_row_log_or_mail(
    app: Flask, db: Session, mail: MailSink, caplog: pytest.LogCaptureFixture
) -> None:
    """T35: cast a canary choice, then look everywhere the web shell writes."""
    setup = make_election(db, voters=1, questions=4)
    election = _open_now(db, setup)
    canary_label = "Canary-Option-7f3a"
    question = election.questions[3]  # multiple choice: maart / april / mei
    question.options[1].label = canary_label
    db.commit()
    # The canary's option key is o2; it appears in the manifest already. What must not
    # change is how often it appears anywhere, and no row may pair it with the voter.
    before = _database_dump(db)
    client = _voter_client(app, setup.voters[0])
    caplog.set_level(logging.DEBUG)
    location = _cast(
        client, election.slug, {"q1": ["voor"], "q2": ["o1"], "q3": ["tegen"], "q4": ["o2"]}
    )
    client.get(location)
    after = _database_dump(db)
    assert after.count(canary_label) == before.count(canary_label)
    assert after.count("'o2'") == before.count("'o2'")
    assert "o2" not in _session_cookie_text(client)
    assert canary_label not in caplog.text
    assert re.search(r"\bq4\b.*\bo2\b", caplog.text) is None
    [message] = mail.wait_for(1, to=setup.voters[0].member.email)
    assert canary_label not in mail.body_of(message)
    assert "o2" not in mail.body_of(message)


def test_receipts_for_different_choices_have_equal_length(
    app: Flask, db: Session, opened: Setup
) -> None:
    """T17: the response does not grow or shrink with the choice."""
    lengths = set()
    for voter, choice in zip(
        opened.voters[:2], ({"q1": ["voor"], "q2": ["o1", "o2"]}, {"q1": [], "q2": []}), strict=True
    ):
        client = _voter_client(app, voter)
        location = _cast(client, opened.election.slug, choice)
        page = client.get(location).get_data(as_text=True)
        code = unquote(location.rsplit("/", 1)[1])
        # The page holds its tracking code and a QR code of the check link: both depend on
        # the random code alone, so they are masked; everything else must be equally long.
        # The check symbol may be one of * ~ $ =, which links percent-encode.
        with app.test_request_context():
            check_url = "http://stembus.test" + url_for("public.check", code=code)
        svg = qr_svg(check_url)
        assert svg in page
        masked = page.replace(svg, "QR")
        for form in {quote(code, safe=""), quote(code), code}:
            masked = masked.replace(form, "C" * len(code))
        lengths.add(len(masked))
    assert len(lengths) == 1


RESULT_MARKS = ("outcome-", "chart-bar", "voor: ", "Voor: ", "aangenomen", "verworpen")
"""How a count shows on any page or export: the outcome's class and the bars of the chart, an
option with its count (minutes), the statutes' words for an outcome."""


def _every_get_path(app: Flask, values: dict[str, object]) -> list[str]:
    """Every GET route of the app, its arguments taken from `values` (others get a value
    that finds nothing)."""
    adapter = app.url_map.bind("stembus.test")
    paths = []
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()) or rule.endpoint == "static":
            continue
        for unknown in ("x", 999999):  # a text, or a number for an <int:…> argument
            arguments = {name: values.get(name, unknown) for name in rule.arguments}
            try:
                paths.append(adapter.build(rule.endpoint, arguments))
                break
            except (ValueError, BuildError):
                continue
    return paths


def _crawl_finds_no_counts(
    app: Flask, clients: dict[str, FlaskClient], paths: list[str], state: str
) -> None:
    for who, client in clients.items():
        for path in paths:
            response = client.get(path)
            status = response.status_code
            body = response.get_data()
            response.close()
            assert status < 500, (state, who, path, status)
            if path.endswith(".zip"):
                # The record holds the log: no published result in it, and no trustee's
                # decryption share before the decryption at the meeting.
                if status == 200:
                    with zipfile.ZipFile(io.BytesIO(body)) as record:
                        types = {
                            json.loads(record.read(name)).get("type")
                            for name in record.namelist()
                            if name.startswith("log/")
                        }
                    assert "ballot-cast" in types or state in {"draft", "ceremony"}
                    assert "result-published" not in types
                    assert state == "decrypted" or "decryption-share" not in types
                continue
            text = body.decode("utf-8", "replace")
            for mark in RESULT_MARKS:
                assert mark not in text, (state, who, path, mark)


@pytest.mark.parametrize("state", ["draft", "ceremony", "open", "closed", "decrypted"])
def test_no_route_shows_counts_before_the_decryption(app: Flask, db: Session, state: str) -> None:
    """T17: every GET route of the app, crawled as a visitor, a voter who voted and an
    officer, in every state of a vote up to the decryption at the meeting. After the
    decryption only the officers' preview shows the counts (to check them before they are
    published)."""
    setup = make_election(db, voters=3, questions=2)
    election = setup.election
    voter_client = _voter_client(app, setup.voters[0])
    as_officer = officer_client(app, db, setup.officer)
    code = "x"
    if state == "ceremony":
        ceremony.start_ceremony(db, setup.officer, election, factories.NOW)
    elif state != "draft":
        _open_now(db, setup)
        location = _cast(voter_client, election.slug, {"q1": ["voor"], "q2": ["o1"]})
        _cast(_voter_client(app, setup.voters[1]), election.slug, {"q1": ["voor"], "q2": ["o2"]})
        code = location.rsplit("/", 1)[1]
    if state in {"closed", "decrypted"}:
        tally = lifecycle.close_voting(db, setup.keyring, setup.officer, election.id, utcnow())
        if state == "decrypted":
            doc = lifecycle.document(election)
            for trustee in election.trustees[:2]:
                share = decrypt_share(doc, tally, setup.secrets[trustee.index])
                lifecycle.receive_share(db, setup.keyring, trustee, share.to_json(), utcnow())
            lifecycle.decrypt(db, setup.officer, election.id, utcnow())
    values: dict[str, object] = {
        "slug": election.slug,
        "election_id": election.id,
        "meeting_id": election.meeting_id,
        "code": code,
    }
    paths = _every_get_path(app, values)
    assert len(paths) > 40
    clients = {"visitor": app.test_client(), "voter": voter_client, "officer": as_officer}
    preview = f"/elections/{election.id}/preview"
    if state == "decrypted":
        assert "outcome-" in as_officer.get(preview).get_data(as_text=True)
        paths.remove(preview)
        for who in ("visitor", "voter"):
            assert "outcome-" not in clients[who].get(preview).get_data(as_text=True)
    _crawl_finds_no_counts(app, clients, paths, state)
    assert as_officer.get(f"/elections/{election.slug}/result").status_code == 404


def test_the_record_is_built_once_per_state_of_the_log_and_verifies(
    app: Flask, opened: Setup, tmp_path: Path
) -> None:
    """A record of thousands of ballots is large: it is built once per state of the log and
    kept, never rebuilt per download; a new ballot makes a new record."""
    slug = opened.election.slug
    anyone = app.test_client()
    folder = Path(app.extensions[SETTINGS_KEY].instance_path) / "records"

    def download() -> bytes:
        response = anyone.get(f"/elections/{slug}/record.zip")
        assert response.status_code == 200
        assert response.mimetype == "application/zip"
        assert f"{slug}-record.zip" in response.headers["Content-Disposition"]
        data = response.get_data()
        response.close()
        return data

    first = download()
    kept = sorted(folder.glob(f"{slug}-*.zip"))
    assert len(kept) == 1
    built_at = kept[0].stat().st_mtime_ns
    assert download() == first
    assert kept[0].stat().st_mtime_ns == built_at  # served again, not rebuilt
    _cast(_voter_client(app, opened.voters[0]), slug, {"q1": ["voor"], "q2": ["o1"]})
    second = download()
    assert second != first
    assert [p.name for p in folder.glob(f"{slug}-*.zip")] != [kept[0].name]
    assert len(list(folder.glob(f"{slug}-*.zip"))) == 1
    path = tmp_path / "record.zip"
    path.write_bytes(second)
    report = verify_record(path, workers=1)
    # Voting is still open: only the checks of the tally and outcome cannot run yet.
    problems = [f for f in report.findings if not f.detail.startswith("could not run")]
    assert problems == []
    assert {c.name: c.items for c in report.checks}["ballot-proof"] == 1


def test_the_ballot_numbers_paragraphs_as_amendments_count_them(app: Flask, db: Session) -> None:
    """Text pasted from a word processor has 'empty' lines holding spaces and CR LF line
    breaks: the ballot and the officer's page number paragraphs exactly as an amendment
    cites them (preparation.paragraphs_of)."""
    setup = make_election(db, voters=1, questions=1)
    pasted = "De ALV besluit:\r\n  \r\nEen.\r\n\t\r\nTwee.\r\n\r\nDrie."
    motion = preparation.add_question(
        db,
        setup.officer,
        setup.election,
        kind=QuestionKind.MOTION,
        title="Motie geplakt",
        text=pasted,
        rule=RuleChoice(RulePreset.SIMPLE),
        now=factories.NOW,
    )
    assert preparation.paragraphs_of(pasted) == ["De ALV besluit:", "Een.", "Twee.", "Drie."]
    preparation.add_question(
        db,
        setup.officer,
        setup.election,
        kind=QuestionKind.AMENDMENT,
        title="Amendement op de laatste alinea",
        text="Vervang 'Drie.' door 'Vier.'",
        rule=RuleChoice(RulePreset.SIMPLE),
        amends=motion,
        amends_paragraph=4,
        now=factories.NOW,
    )
    officer = officer_client(app, db, setup.officer)
    manage = officer.get(f"/elections/{setup.election.id}/manage").get_data(as_text=True)
    assert "<li>Drie.</li>" in manage
    assert "(Motion)" in manage
    election = _open_now(db, setup)
    page = _voter_client(app, setup.voters[0]).get(f"/vote/{election.slug}").get_data(as_text=True)
    numbered = re.findall(r'<span class="muted">(\d+)\.</span> ([^<]+)</p>', page)
    assert ("4", "Drie.") in numbered
    assert ("3", "Twee.") in numbered
    assert "changes paragraph 4 of question 2" in page


def test_a_title_with_a_line_break_is_refused_and_never_breaks_the_mail(
    app: Flask, db: Session, mail: MailSink
) -> None:
    """A crafted title with a line break gets a message on the field; and should one reach
    the database another way, the cast still ends on its receipt with a one-line Subject
    (EmailMessage refuses a header with a line break, after the ballot was committed)."""
    setup = make_election(db, voters=1)
    client = officer_client(app, db, setup.officer)
    elections = db.scalar(select(func.count()).select_from(Election))
    page = client.get(f"/elections/{setup.election.id}/copy").get_data(as_text=True)
    response = client.post(
        f"/elections/{setup.election.id}/copy",
        data={
            "csrf_token": csrf_from(page),
            "title": "Moties ALV\nBcc: x@evil.example",
            "opens_at": "2030-01-01T10:00",
            "closes_at": "2030-01-08T10:00",
            "cutoff": "2026-11-01",
        },
    )
    assert response.status_code == 400
    assert "Use one line" in response.get_data(as_text=True)
    assert db.scalar(select(func.count()).select_from(Election)) == elections
    election = _open_now(db, setup)
    election.title = "Moties ALV\r\nBcc: x@evil.example"
    db.commit()
    voter = _voter_client(app, setup.voters[0])
    assert "/receipt/" in _cast(voter, election.slug, {"q1": ["voor"]})
    [message] = mail.wait_for(1, to=setup.voters[0].member.email)
    assert message["Subject"].endswith("Moties ALV Bcc: x@evil.example")
    assert message["Bcc"] is None


def _described_by(html: str, element_id: str) -> list[str]:
    tag = re.search(rf'<fieldset[^>]* id="{element_id}"[^>]*>', html)
    assert tag is not None, element_id
    found = re.search(r'aria-describedby="([^"]*)"', tag.group(0))
    return found.group(1).split() if found else []


def test_each_question_is_described_by_its_rule_and_number_of_choices_always(
    app: Flask, db: Session
) -> None:
    setup = make_election(db, voters=1, questions=4)
    slug = _open_now(db, setup).slug
    client = _voter_client(app, setup.voters[0])
    for path in (f"/vote/{slug}", f"/vote/{slug}?mode=step"):
        html = client.get(path).get_data(as_text=True)
        assert "<title>Error" not in html
        for qid in re.findall(r'<fieldset class="question[^"]*" id="(q\d+)"', html):
            ids = _described_by(html, qid)
            assert ids == [f"{qid}-rule", f"{qid}-limit"]
            for target in ids:
                assert f'id="{target}"' in html
    html = client.get(f"/vote/{slug}").get_data(as_text=True)
    assert re.search(r'id="q1-limit">Choose one option\.<', html)
    assert re.search(r'id="q2-limit">Choose at most 2\.<', html)


def test_the_error_summary_names_each_question_and_links_to_it(app: Flask, db: Session) -> None:
    setup = make_election(db, voters=1, questions=4)
    slug = _open_now(db, setup).slug
    client = _voter_client(app, setup.voters[0])
    client.post("/language", data={"csrf_token": page_token(client, "/vote/"), "locale": "nl"})
    token = page_token(client, f"/vote/{slug}")
    response = client.post(
        f"/vote/{slug}",
        data=MultiDict(
            [("csrf_token", token), ("mode", "all"), ("action", "review"), ("q1", "voor")]
            + [("q2", key) for key in ("o1", "o2", "o3")]
        ),
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    start = html.index('class="error-summary"')
    summary = html[start : html.index("</ul>", start)]
    entries = re.findall(r'<li><a href="#(q\d+)">([^<]*)</a></li>', summary)
    assert entries == [("q2", "Vraag 2: kies maximaal 2."), ("q4", "Vraag 4: kies een optie.")]
    assert "minstens" not in summary
    assert "<title>Fout: " in html
    for qid, _entry in entries:
        assert _described_by(html, qid) == [f"{qid}-rule", f"{qid}-limit", f"{qid}-error"]
        assert f'id="{qid}-error"' in html


def test_a_poll_is_a_stemming_and_a_ballot_telt_mee_in_dutch(
    app: Flask, db: Session, opened: Setup
) -> None:
    """The noun "Vote" (the poll) is "Stemming", not the verb "Stemmen"."""
    client = _voter_client(app, opened.voters[0])
    code = _cast(client, opened.election.slug, {"q1": ["voor"], "q2": ["o1"]}).rsplit("/", 1)[1]
    public = app.test_client()
    public.post("/language", data={"csrf_token": page_token(public, "/"), "locale": "nl"})
    found = public.get(f"/check?code={code}").get_data(as_text=True)
    assert "<dt>Stemming</dt>" in found
    assert "<dt>Telt mee?</dt>" in found
    assert "<dt>Stemmen</dt>" not in found
    assert "<dt>Telling</dt>" not in found
    officer = officer_client(app, db, opened.officer)
    officer.post("/language", data={"csrf_token": page_token(officer, "/"), "locale": "nl"})
    meetings = officer.get("/meetings").get_data(as_text=True)
    assert '<th scope="col">Stemmingen</th>' in meetings
    meeting = officer.get(f"/meetings/{opened.election.meeting_id}").get_data(as_text=True)
    assert '<th scope="col">Stemming</th>' in meeting
    assert "<h2>Stemmingen</h2>" in meeting
    trustee = officer_client(app, db, opened.trustee_accounts[0])  # any account with TOTP
    trustee.post("/language", data={"csrf_token": page_token(trustee, "/"), "locale": "nl"})
    seats = trustee.get("/trustee").get_data(as_text=True)
    assert '<th scope="col">Stemming</th>' in seats


def test_the_check_page_gives_an_example_code_in_the_real_format(app: Flask) -> None:
    public = app.test_client()
    for locale in ("en", "nl"):
        public.post("/language", data={"csrf_token": page_token(public, "/"), "locale": locale})
        page = public.get("/check").get_data(as_text=True)
        hint = re.search(r'<p class="hint" id="code-hint">([^<]*)</p>', page)
        assert hint is not None
        [example] = re.findall(r"\b[0-9A-Z]{5}(?:-[0-9A-Z]{5}){4}\b", hint.group(1))
        assert str(TrackingCode.parse(example)) == example
        assert "…" not in hint.group(1)


def test_the_receipt_names_its_code_by_the_heading_and_hides_the_qr_image(
    app: Flask, db: Session, opened: Setup
) -> None:
    client = _voter_client(app, opened.voters[0])
    location = _cast(client, opened.election.slug, {"q1": ["voor"], "q2": ["o1"]})
    page = client.get(location).get_data(as_text=True)
    code = location.rsplit("/", 1)[1]
    assert f'<p class="tracking-code">{code}</p>' in page  # no aria-label on a plain <p>
    figure = page[page.index('<figure class="qr">') : page.index("</figure>")]
    assert '<div aria-hidden="true"><svg' in figure  # the caption's link says it all
    assert re.search(r"<figcaption>[^<]*<a href=", figure)
