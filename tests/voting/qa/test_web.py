"""The Q&A pages through the test client, as a browser uses them: a whole round of ask →
moderate → upvote → answer → report → hide by forms; CSRF on every change (T25); hostile
text escaped or sanitised on every page, in mail and in the projector's JSON (T30); the
committee's CSV (T32); size limits (T33); isolated names (T34); rate limits per member."""

from __future__ import annotations

import csv
import io
import re
from html.parser import HTMLParser

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests import factories
from tests.mailsink import MailSink
from tests.voting.qa import arrange
from tests.voting.qa.arrange import KEYRING
from tests.voting.web import csrf_from, page_token, post_form, sign_in, summary_links
from voting.accounts.models import Account, Role
from voting.config import Settings
from voting.db import utcnow
from voting.events import Event
from voting.mail import SMTPMailer
from voting.moderation.clauses import Clause
from voting.qa import moderation, questions
from voting.qa.models import Candidate, QAAnswer, QAReport, Question, QuestionState, Upvote
from voting.spreadsheet import unescape_cell

PAYLOADS = (
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '"><svg onload=alert(1)>',
    "[klik](javascript:alert(1))",
    '<a href="javascript:alert(1)">klik</a>',
    "'><iframe src=javascript:alert(1)></iframe>",
    "{{ 7 * 7 }} ${7*7} <b onmouseover=alert(1)>vet</b>",
    "![x](http://evil.example/track.png)",
)


class _Markup(HTMLParser):
    """Collects what only an injection would put into one of our pages."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"{tag} {name}")
            if name in {"href", "src", "action"} and (value or "").lower().startswith(
                "javascript:"
            ):
                self.found.append(f"{tag} {name}={value}")
        if tag != "link" and any((found.get(n) or "").startswith("data:") for n in ("href", "src")):
            self.found.append(f"{tag} data: URL")
        rel = found.get("rel") or ""
        outward = (found.get("href") or "").startswith(("http://", "https://"))
        if tag == "a" and outward and not ("noopener" in rel and "noreferrer" in rel):
            # A link out is allowed, but it must not pass the page or the opener along.
            self.found.append(f"a without rel=noopener noreferrer: {found}")
        if tag in {"iframe", "svg", "object", "embed"}:
            self.found.append(tag)
        if tag == "script" and not dict(attrs).get("src", "").startswith("/static/"):
            self.found.append("script")
        if tag == "img" and not (dict(attrs).get("src") or "").startswith("/qa/candidates/"):
            self.found.append("img")


def _injected(html: str) -> list[str]:
    parser = _Markup()
    parser.feed(html)
    return parser.found


def _client(app: Flask, account: Account) -> FlaskClient:
    client = app.test_client()
    secret = factories.totp_secret(factories.auth_config(), account) if account.has_totp else None
    sign_in(client, account.member.email, factories.PASSWORD, secret)
    return client


def _count(db: Session, model: type) -> int:
    return db.scalar(select(func.count()).select_from(model)) or 0


@pytest.fixture
def context() -> None:
    """No request context around these tests: the test client pushes its own per request
    (an outer one would be reused by every request, with its `g` and its signed-in user)."""


@pytest.fixture
def setup(app: Flask, db: Session) -> arrange.Setup:
    with app.test_request_context():
        return arrange.set_up(db, around=utcnow(), max_pending=20, max_questions=100)


def test_ask_moderate_upvote_answer_report_and_hide_through_the_pages(
    app: Flask, db: Session, setup: arrange.Setup, mail: MailSink
) -> None:
    eid = setup.election.id
    anna = setup.candidates[0]
    member = _client(app, setup.asker)
    page = member.get(f"/qa/{eid}/ask").get_data(as_text=True)
    assert 'name="candidate"' in page
    response = post_form(
        member,
        f"/qa/{eid}/ask",
        {"candidate": str(anna.id), "text": "Hoe gaat u om met *kritiek*?", "anonymous": "y"},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"/qa/{eid}/mine"
    question = db.scalars(select(Question)).one()
    assert (question.candidate_id, question.anonymous) == (anna.id, True)
    assert "Waiting for a moderator" in member.get(f"/qa/{eid}/mine").get_data(as_text=True)

    moderator = _client(app, setup.moderator)
    queue = moderator.get(f"/qa/{eid}/moderate").get_data(as_text=True)
    assert setup.asker.member.name in queue  # moderators see who asked
    assert (
        moderator.post(
            f"/qa/questions/{question.id}/approve", data={"csrf_token": csrf_from(queue)}
        ).status_code
        == 302
    )
    db.refresh(question)
    assert question.state is QuestionState.APPROVED
    mail.wait_for(1, to=anna.account.member.email)

    voter = _client(app, setup.members[1])
    listed = voter.get(f"/qa/{eid}").get_data(as_text=True)
    assert "Hoe gaat u om met <em>kritiek</em>?" in listed
    assert setup.asker.member.name not in listed  # anonymous to other members
    assert "Asked anonymously" in listed
    voter.post(
        f"/qa/questions/{question.id}/support",
        data={"csrf_token": csrf_from(listed), "support": "1"},
    )
    assert _count(db, Upvote) == 1
    assert "1 upvote" in voter.get(f"/qa/{eid}").get_data(as_text=True)

    candidate = _client(app, anna.account)
    todo = candidate.get(f"/qa/{eid}/to-answer").get_data(as_text=True)
    assert f"/qa/questions/{question.id}/answer" in todo
    assert 'action="/qa/questions' not in todo or "support" not in todo  # no upvote button
    response = post_form(
        candidate, f"/qa/questions/{question.id}/answer", {"text": "Ik luister en leer."}
    )
    assert response.status_code == 302
    answer = db.scalars(select(QAAnswer)).one()
    mail.wait_for(1, to=setup.asker.member.email)

    shown = voter.get(f"/qa/questions/{question.id}").get_data(as_text=True)
    assert "Ik luister en leer." in shown
    response = post_form(
        voter, f"/qa/answers/{answer.id}/report", {"why": "Ontwijkend, en over een persoon."}
    )
    assert response.status_code == 302
    report = db.scalars(select(QAReport)).one()
    assert "Ik luister en leer." in voter.get(f"/qa/questions/{question.id}").get_data(as_text=True)

    decision = moderator.get(f"/qa/reports/{report.id}").get_data(as_text=True)
    assert setup.members[1].member.name in decision  # moderators see who reported
    response = moderator.post(
        f"/qa/reports/{report.id}",
        data={
            "csrf_token": csrf_from(decision),
            "clause": "with-people",
            "reason": "Over een persoon.",
        },
    )
    assert response.status_code == 302
    db.refresh(answer)
    assert answer.is_hidden
    after = voter.get(f"/qa/questions/{question.id}").get_data(as_text=True)
    assert "Ik luister en leer." not in after
    assert "A moderator hid this answer" in after
    assert "Talk with people, not about them." in after
    assert "Over een persoon." not in after  # the reason is for the author, not for everyone
    assert "Over een persoon." in candidate.get(f"/qa/{eid}/to-answer").get_data(as_text=True)
    log = moderator.get(f"/qa/{eid}/moderation-log").get_data(as_text=True)
    assert "Over een persoon." in log
    assert setup.members[1].member.name not in log  # the reporter is not in the log


def test_reject_with_clause_and_appeal_through_the_pages(
    app: Flask, db: Session, setup: arrange.Setup, mail: MailSink
) -> None:
    question = arrange.ask(db, setup, "Is Bram lui?", now=utcnow())
    moderator = _client(app, setup.moderator)
    response = post_form(moderator, f"/qa/questions/{question.id}/reject", {"reason": "Waarom."})
    assert response.status_code == 400
    assert "Choose the clause" in response.get_data(as_text=True)
    assert summary_links(response.get_data(as_text=True)) == ["clause"]
    response = post_form(
        moderator,
        f"/qa/questions/{question.id}/reject",
        {"clause": "with-people", "reason": "Over een persoon."},
    )
    assert response.status_code == 302
    member = _client(app, setup.asker)
    mine = member.get(f"/qa/{setup.election.id}/mine").get_data(as_text=True)
    assert "clause 2 of the code of conduct" in mine
    assert "Over een persoon." in mine
    response = post_form(
        member, f"/qa/questions/{question.id}/appeal", {"text": "Het gaat over zijn werk."}
    )
    assert response.status_code == 302
    appeal = moderation.queue(db, moderation.moderator_view(db, setup.moderator, setup.election.id))
    (lodged,) = appeal.appeals
    # The moderator who rejected it does not get the form; another one decides.
    queue = moderator.get(f"/qa/{setup.election.id}/moderate").get_data(as_text=True)
    assert f"/qa/appeals/{lodged.id}" not in queue
    other = _client(app, setup.second_moderator)
    response = post_form(
        other, f"/qa/appeals/{lodged.id}", {"decision": "grant", "reason": "Toch over beleid."}
    )
    assert response.status_code == 302
    db.refresh(question)
    assert question.is_public


def test_every_change_needs_the_csrf_token_and_nothing_changes_without_it(
    app: Flask, db: Session, setup: arrange.Setup, settings: Settings
) -> None:
    with app.test_request_context():  # the services render mail
        now = utcnow()
        question = arrange.ask(db, setup, now=now)
        moderation.approve(
            db, setup.moderator, question.id, KEYRING, settings, SMTPMailer(settings), now
        )
        waiting = arrange.ask(db, setup, "Wacht", now=now)
        answer = questions.answer(
            db,
            setup.candidates[0].account,
            question.id,
            "Ja.",
            KEYRING,
            settings,
            SMTPMailer(settings),
            now,
        )
        report = questions.report(db, setup.members[2], question.id, None, "Hm.", now)
    eid = setup.election.id
    before = (_count(db, Question), _count(db, Upvote), _count(db, QAReport))
    cases = [
        (setup.members[1], f"/qa/{eid}/ask", {"candidate": "all", "text": "Zonder token"}),
        (setup.members[1], f"/qa/questions/{question.id}/support", {"support": "1"}),
        (setup.members[1], f"/qa/questions/{question.id}/report", {"why": "x"}),
        (setup.members[1], f"/qa/answers/{answer.id}/report", {"why": "x"}),
        (setup.asker, f"/qa/questions/{waiting.id}/withdraw", {}),
        (setup.candidates[0].account, f"/qa/questions/{question.id}/answer", {"text": "Vervalst"}),
        (setup.moderator, f"/qa/questions/{waiting.id}/approve", {}),
        (
            setup.moderator,
            f"/qa/questions/{waiting.id}/reject",
            {"clause": "address", "reason": "x"},
        ),
        (setup.moderator, f"/qa/questions/{question.id}/shortlist", {"on": "1"}),
        (setup.moderator, f"/qa/reports/{report.id}", {"clause": "address", "reason": "x"}),
        (setup.moderator, f"/qa/reports/{report.id}/keep", {}),
        (setup.moderator, f"/qa/{eid}/live/show", {"question_id": str(question.id)}),
        (setup.officer, f"/qa/{eid}/candidates", {"member_number": setup.members[1].member.number}),
        (setup.officer, f"/qa/{eid}/ballot", {}),
        (setup.officer, f"/qa/candidates/{setup.candidates[1].id}/withdraw", {}),
    ]
    clients: dict[int, FlaskClient] = {}
    for account, path, data in cases:
        client = clients.setdefault(account.id, _client(app, account))
        response = client.post(path, data=data)
        assert response.status_code == 400, (path, response.status_code)
        assert "For your safety the form was not sent" in response.get_data(as_text=True)
    db.expire_all()
    assert (_count(db, Question), _count(db, Upvote), _count(db, QAReport)) == before
    assert db.get(Question, waiting.id).state is QuestionState.PENDING  # type: ignore[union-attr]
    assert db.get(QAAnswer, answer.id).text == "Ja."  # type: ignore[union-attr]
    assert db.get(QAReport, report.id).resolved_at is None  # type: ignore[union-attr]
    assert setup.candidates[1].withdrawn_at is None
    assert db.get(Question, question.id).shown_at is None  # type: ignore[union-attr]


def test_a_one_megabyte_question_gets_a_field_error_and_nothing_is_stored(
    app: Flask, db: Session, setup: arrange.Setup
) -> None:
    member = _client(app, setup.asker)
    response = post_form(
        member, f"/qa/{setup.election.id}/ask", {"candidate": "all", "text": "a" * 1024 * 1024}
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'class="error-summary"' in html
    assert "Use at most 1000 characters." in html
    assert 'aria-invalid="true"' in html
    assert _count(db, Question) == 0


def test_a_ten_megabyte_request_is_refused_whole(
    app: Flask, db: Session, setup: arrange.Setup
) -> None:
    member = _client(app, setup.asker)
    token = page_token(member, f"/qa/{setup.election.id}/ask")
    response = member.post(
        f"/qa/{setup.election.id}/ask",
        data={"csrf_token": token, "candidate": "all", "text": "a" * (10 * 1024 * 1024)},
    )
    assert response.status_code == 413
    assert _count(db, Question) == 0


def test_hostile_text_in_questions_answers_profiles_and_names_stays_text(
    app: Flask, db: Session, settings: Settings, mail: MailSink
) -> None:
    with app.test_request_context():  # the services render mail
        now = utcnow()
        setup = arrange.set_up(db, around=now, candidates=(), max_pending=20, max_questions=100)
        hostile = arrange.admit(db, setup, '<img src=x onerror=alert("name")>', now=now)
    candidate = hostile.account
    client = _client(app, candidate)
    response = post_form(
        client,
        f"/qa/candidates/{hostile.id}/profile",
        {
            "display_name": hostile.display_name,
            "pronouns": "<b onclick=alert(1)>x</b>",
            "motivation": "\n\n".join(PAYLOADS),
            "experience": "<script>alert(2)</script>",
            "links": "Site https://example.org/?q=<script>",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    mail.clear()
    with app.test_request_context():  # the services render mail
        for i, payload in enumerate(PAYLOADS):
            question = arrange.ask(db, setup, payload, by=setup.members[i % 3], now=now)
            moderation.approve(
                db, setup.moderator, question.id, KEYRING, settings, SMTPMailer(settings), now
            )
            questions.answer(
                db, candidate, question.id, payload, KEYRING, settings, SMTPMailer(settings), now
            )
    eid = setup.election.id
    reader = _client(app, setup.members[1])
    moderator = _client(app, setup.moderator)
    pages = [
        (reader, f"/qa/{eid}"),
        (reader, f"/qa/{eid}?order=newest"),
        (reader, f"/qa/{eid}/compare"),
        (reader, f"/qa/candidates/{hostile.id}"),
        (reader, f"/qa/{eid}/live"),
        (moderator, f"/qa/{eid}/moderate"),
        (moderator, f"/qa/{eid}/moderation-log"),
        (moderator, f"/qa/{eid}/live/control"),
        (client, f"/qa/{eid}/to-answer"),
    ]
    first = db.scalars(select(Question).order_by(Question.id)).first()
    assert first is not None
    pages.append((reader, f"/qa/questions/{first.id}"))
    pages.append((reader, f"/qa/questions/{first.id}/report"))
    for client_, path in pages:
        response = client_.get(path)
        assert response.status_code == 200, path
        html = response.get_data(as_text=True)
        assert _injected(html) == [], (path, _injected(html))
    compare = reader.get(f"/qa/{eid}/compare").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in compare  # shown as text, not dropped
    assert "<bdi>&lt;img src=x onerror=alert(&#34;name&#34;)&gt;</bdi>" in compare
    profile = reader.get(f"/qa/candidates/{hostile.id}").get_data(as_text=True)
    assert 'href="https://example.org/?q=&lt;script&gt;"' in profile
    state = reader.get(f"/qa/{eid}/live.json")
    assert state.mimetype == "application/json"
    raw = state.get_data(as_text=True)
    assert "<" not in raw  # escaped; the projector's script sets text
    assert ">" not in raw
    assert {item["text"] for item in state.get_json()["top"]} <= set(PAYLOADS)
    mail.wait_for(len(PAYLOADS), to=candidate.member.email)  # approvals; answers went to askers
    assert len(mail.messages) == 2 * len(PAYLOADS)
    for message in mail.messages:
        assert message.get_content_type() == "text/plain"  # no HTML part to inject into
        assert not message.is_multipart()


def test_the_committee_export_is_a_safe_attachment(
    app: Flask, db: Session, setup: arrange.Setup, settings: Settings
) -> None:
    with app.test_request_context():  # the services render mail
        question = arrange.ask(db, setup, now=utcnow())
        moderation.reject(
            db,
            setup.moderator,
            question.id,
            Clause.OWN_EXPERIENCE,
            "=1+1",
            KEYRING,
            settings,
            SMTPMailer(settings),
            utcnow(),
        )
    officer = _client(app, setup.officer)
    response = officer.get(f"/qa/{setup.election.id}/moderation-log.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    rows = list(
        csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")), delimiter=";")
    )
    assert rows[1][5] == "'=1+1"
    assert unescape_cell(rows[1][5]) == "=1+1"
    member = _client(app, setup.members[1])
    assert member.get(f"/qa/{setup.election.id}/moderation-log.csv").status_code == 403


def test_outsiders_get_no_q_and_a_and_names_are_isolated(
    app: Flask, db: Session, setup: arrange.Setup
) -> None:
    outsider = _client(app, setup.outsider)
    assert outsider.get(f"/qa/{setup.election.id}").status_code == 403
    assert "Bestuursverkiezing" not in outsider.get("/qa").get_data(as_text=True)
    member = _client(app, setup.asker)
    page = member.get(f"/qa/{setup.election.id}").get_data(as_text=True)
    assert "<bdi>Anna de Vries</bdi>" in page
    assert "Bestuursverkiezing" in member.get("/qa").get_data(as_text=True)


def test_asking_is_rate_limited_per_member(app: Flask, db: Session, setup: arrange.Setup) -> None:
    assert app.config["RATELIMIT_ENABLED"]
    member = _client(app, setup.asker)
    path = f"/qa/{setup.election.id}/ask"
    token = page_token(member, path)
    statuses = [
        member.post(
            path, data={"csrf_token": token, "candidate": "all", "text": f"Vraag {i}?"}
        ).status_code
        for i in range(11)
    ]
    assert statuses == [302] * 10 + [429]
    assert _count(db, Question) == 10
    # Another member behind the same address is not limited by the first.
    other = _client(app, setup.members[1])
    assert post_form(other, path, {"candidate": "all", "text": "Mijn vraag?"}).status_code == 302


def test_reporting_is_rate_limited_per_member(app: Flask, db: Session, settings: Settings) -> None:
    with app.test_request_context():  # the services render mail
        now = utcnow()
        setup = arrange.set_up(db, around=now, max_pending=20, max_questions=100)
        published = []
        for i in range(21):
            question = arrange.ask(db, setup, f"Vraag {i}?", by=setup.members[i % 2], now=now)
            published.append(
                moderation.approve(
                    db, setup.moderator, question.id, KEYRING, settings, SMTPMailer(settings), now
                )
            )
    reporter = _client(app, setup.members[2])
    token = page_token(reporter, f"/qa/questions/{published[0].id}/report")
    statuses = [
        reporter.post(
            f"/qa/questions/{q.id}/report", data={"csrf_token": token, "why": "Storend."}
        ).status_code
        for q in published
    ]
    assert statuses == [302] * 20 + [429]
    assert _count(db, QAReport) == 20


def test_get_never_changes_anything(app: Flask, db: Session, setup: arrange.Setup) -> None:
    question = arrange.ask(db, setup, now=utcnow())
    moderator = _client(app, setup.moderator)
    for path in (
        f"/qa/questions/{question.id}/approve",
        f"/qa/questions/{question.id}/shortlist",
        f"/qa/{setup.election.id}/live/show",
    ):
        assert moderator.get(path).status_code == 405
    moderator.get(f"/qa/questions/{question.id}/reject")
    db.refresh(question)
    assert question.state is QuestionState.PENDING


def test_setup_form_refuses_a_time_that_does_not_exist(
    app: Flask, db: Session, setup: arrange.Setup
) -> None:
    officer = _client(app, setup.officer)
    response = post_form(
        officer,
        f"/qa/{setup.election.id}/setup",
        {
            "opens_at": "2026-03-28T12:00",
            "closes_at": "2026-03-29T02:30",
            "max_pending": "3",
            "max_questions": "10",
        },
    )
    assert response.status_code == 400
    assert "clocks change" in response.get_data(as_text=True)


def test_the_officer_admits_through_the_form_and_look_alikes_are_refused_there(
    app: Flask, db: Session, setup: arrange.Setup
) -> None:
    officer = _client(app, setup.officer)
    newcomer = arrange.person(db, "Chris Cohen")
    spoof = arrange.person(db, "Iemand")
    response = post_form(
        officer,
        f"/qa/{setup.election.id}/candidates",
        {"member_number": spoof.member.number, "display_name": "\u0410nna de Vries"},
    )
    assert response.status_code == 400
    assert "looks like the name of another candidate" in response.get_data(as_text=True)
    response = post_form(
        officer, f"/qa/{setup.election.id}/candidates", {"member_number": newcomer.member.number}
    )
    assert response.status_code == 302
    listed = officer.get(f"/qa/{setup.election.id}/candidates").get_data(as_text=True)
    assert "Chris Cohen" in listed
    response = post_form(
        officer,
        f"/qa/{setup.election.id}/ballot",
        {},
        token_from=f"/qa/{setup.election.id}/candidates",
    )
    assert response.status_code == 302
    db.refresh(setup.election.questions[0])
    labels = [o.label for o in setup.election.questions[0].options]
    assert labels == ["Anna de Vries", "Bram Bakker", "Chris Cohen"]


def test_the_moderators_overview_counts_what_waits(
    app: Flask, db: Session, setup: arrange.Setup
) -> None:
    arrange.ask(db, setup, now=utcnow())
    moderator = _client(app, setup.moderator)
    html = moderator.get("/moderation").get_data(as_text=True)
    assert re.search(r"Bestuursverkiezing</a>: 1 decision waits", html)
    assert "/consensus/reports" in html


def test_an_officer_of_another_branch_runs_nothing_in_this_q_and_a(
    app: Flask, db: Session, setup: arrange.Setup
) -> None:
    """Object scope (T23) in the Q&A as in the votes: the Utrecht vote's Q&A is run by its own
    officers; an officer of Groningen gets 403 on every page and post, and nothing changes."""
    far = factories.account(
        db,
        factories.auth_config(),
        roles=(Role.OFFICER,),
        totp=True,
        officer_branch="groningen",
        branch_code="groningen",
        name="Officier Groningen",
    )
    client = _client(app, far)
    election = setup.election.id
    anna = setup.candidates[0]
    before = (_count(db, Candidate), _count(db, Event))
    for path in (
        f"/qa/{election}",
        f"/qa/{election}/setup",
        f"/qa/{election}/candidates",
        f"/qa/{election}/live/control",
    ):
        assert client.get(path).status_code == 403, path
    token = page_token(client, "/privacy")
    posts = {
        f"/qa/{election}/setup": {"opens_at": "2030-01-01T10:00", "closes_at": "2030-01-02T10:00"},
        f"/qa/{election}/candidates": {"member_number": setup.outsider.member.number},
        f"/qa/candidates/{anna.id}/withdraw": {},
        f"/qa/{election}/ballot": {},
        f"/qa/{election}/live/finish": {},
        f"/qa/{election}/live/show": {"question_id": "1"},
    }
    for path, data in posts.items():
        assert client.post(path, data={"csrf_token": token, **data}).status_code == 403, path
    db.expire_all()
    assert db.get(Candidate, anna.id).withdrawn_at is None
    assert (_count(db, Candidate), _count(db, Event)) == before
    assert "Bestuursverkiezing" not in client.get("/qa").get_data(as_text=True)
    # The vote's own officer still runs it.
    own = _client(app, setup.officer)
    assert own.get(f"/qa/{election}/candidates").status_code == 200
