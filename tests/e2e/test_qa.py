"""Candidate Q&A in real browsers, with axe-core on every page: a member asks, a moderator
publishes, another member upvotes, the candidate answers, a member reports the answer and
a moderator hides it; the projector follows live mode without a reload; hostile text in
questions, answers and profiles opens no dialog and leaves no markup (T30); a forged form
from another origin is refused (T25).

Selectors use names, values and link targets rather than text, because the pages are
Dutch here and the wording may change (and the Dutch catalogue may still lag behind).
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests import factories
from tests.e2e.conftest import NewVisitor
from tests.e2e.server import LiveServer
from tests.e2e.site import Site
from tests.e2e.test_csrf import SAME_SITE, _forge
from tests.e2e.visitor import Visitor
from tests.voting.qa import arrange
from voting.accounts.models import Account
from voting.db import utcnow
from voting.qa import questions
from voting.qa.models import QAAnswer, QAReport, Question, QuestionState, Upvote

pytestmark = pytest.mark.e2e

PAYLOADS = (
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '"><svg onload=alert(1)>',
    "[klik](javascript:alert(1))",
    '<a href="javascript:alert(1)">klik</a>',
    "'><iframe src=javascript:alert(1)></iframe>",
    "<b onmouseover=alert(1)>vet</b> {{ 7 * 7 }}",
)


class Cast:
    """The people of one test and the ids their pages need."""

    def __init__(self, site: Site) -> None:
        with site.session() as session:
            setup = arrange.set_up(session, around=utcnow(), max_pending=20, max_questions=100)
            self.election_id = setup.election.id
            self.candidate_id = setup.candidates[0].id
            self.accounts = {
                "asker": setup.asker.id,
                "voter": setup.members[1].id,
                "reporter": setup.members[2].id,
                "moderator": setup.moderator.id,
                "second_moderator": setup.second_moderator.id,
                "officer": setup.officer.id,
                "candidate": setup.candidates[0].account_id,
            }
            self.secrets = {
                key: factories.totp_secret(site.auth, account)
                for key, account in (
                    ("moderator", setup.moderator),
                    ("second_moderator", setup.second_moderator),
                    ("officer", setup.officer),
                )
            }
            self.emails = {
                key: session.get(Account, account_id).member.email  # type: ignore[union-attr]
                for key, account_id in self.accounts.items()
            }
            session.commit()

    def visitor(self, new_visitor: NewVisitor, who: str, *, javascript: bool = True) -> Visitor:
        """A browser signed in as one of the cast."""
        visitor = new_visitor(javascript=javascript)
        visitor.sign_in(self.emails[who], factories.PASSWORD, self.secrets.get(who))
        return visitor


def _send(visitor: Visitor) -> None:
    visitor.click("main form[method=post] button[type=submit]")
    assert visitor.page.locator(".error-summary").count() == 0, visitor.page.url


def test_ask_moderate_upvote_answer_report_and_hide(site: Site, new_visitor: NewVisitor) -> None:
    cast = Cast(site)
    eid = cast.election_id

    # A member finds the Q&A through the menu and asks all candidates a question.
    asker = cast.visitor(new_visitor, "asker")
    asker.click("header nav a[href$='/qa']")
    asker.click(f"main a[href$='/qa/{eid}']")
    asker.click(f"main a.button[href$='/qa/{eid}/ask']")
    asker.page.locator("input[name=candidate][value=all]").check()
    asker.page.locator("textarea[name=text]").fill(
        "Wat doet u voor de **jongeren** in de afdeling?"
    )
    _send(asker)
    assert asker.path == f"/qa/{eid}/mine"
    with site.session() as session:
        question = session.scalars(select(Question)).one()
        question_id = question.id
        assert question.state is QuestionState.PENDING

    # A moderator publishes it.
    moderator = cast.visitor(new_visitor, "moderator")
    moderator.click("header nav a[href$='/moderation']")
    moderator.click(f"main a[href$='/qa/{eid}/moderate']")
    moderator.click(f"form[action$='/qa/questions/{question_id}/approve'] button")
    with site.session() as session:
        assert session.get(Question, question_id).state is QuestionState.APPROVED  # type: ignore[union-attr]
    site.mail.wait_for(1, to=cast.emails["candidate"])

    # Another member upvotes it; the page shows the count.
    voter = cast.visitor(new_visitor, "voter")
    voter.goto(f"/qa/{eid}")
    assert voter.page.locator("main").inner_text().count("jongeren") == 1
    voter.click(f"form[action$='/qa/questions/{question_id}/support'] button")
    with site.session() as session:
        assert len(session.scalars(select(Upvote)).all()) == 1
    assert (
        voter.page.locator(
            f"form[action$='/qa/questions/{question_id}/support'] button[aria-pressed=true]"
        ).count()
        == 1
    )

    # The candidate answers from their list.
    candidate = cast.visitor(new_visitor, "candidate")
    candidate.goto(f"/qa/{eid}/to-answer")
    candidate.click(f"main a[href$='/qa/questions/{question_id}/answer']")
    candidate.page.locator("textarea[name=text]").fill("Een jongerenraad, elk kwartaal.")
    _send(candidate)
    assert candidate.path == f"/qa/questions/{question_id}"
    site.mail.wait_for(1, to=cast.emails["asker"])
    candidate.goto(f"/qa/{eid}/compare")

    # A member reports the answer; it stays visible.
    reporter = cast.visitor(new_visitor, "reporter")
    reporter.goto(f"/qa/questions/{question_id}")
    with site.session() as session:
        answer_id = session.scalars(select(QAAnswer.id)).one()
    reporter.click(f"main a[href$='/qa/answers/{answer_id}/report']")
    reporter.page.locator("textarea[name=why]").fill("Dit beantwoordt de vraag niet en is reclame.")
    _send(reporter)
    assert "Een jongerenraad" in reporter.page.locator("main").inner_text()

    # The moderator hides it under a clause, saying why.
    moderator.goto(f"/qa/{eid}/moderate")
    with site.session() as session:
        report_id = session.scalars(select(QAReport.id)).one()
    moderator.click(f"main a[href$='/qa/reports/{report_id}']")
    moderator.page.locator("input[name=clause][value=own-experience]").check()
    moderator.page.locator("textarea[name=reason]").fill("Spreek vanuit je eigen ervaring.")
    moderator.click(f"form[action$='/qa/reports/{report_id}'] button[type=submit]")
    assert moderator.path == f"/qa/{eid}/moderate"
    reporter.goto(f"/qa/questions/{question_id}")
    shown = reporter.page.locator("main").inner_text()
    assert "Een jongerenraad" not in shown
    assert reporter.page.locator(".qa-hidden").count() == 1
    site.mail.wait_for(1, to=cast.emails["candidate"])  # the author is told why

    # The log, for the candidate committee.
    officer = cast.visitor(new_visitor, "officer")
    officer.goto(f"/qa/{eid}/candidates")
    officer.click(f"main a[href$='/qa/{eid}/moderation-log']")
    log = officer.page.locator("main table").inner_text()
    assert "Spreek vanuit je eigen ervaring." in log
    assert officer.page.locator(f"a[href$='/qa/{eid}/moderation-log.csv']").count() == 1


def test_the_projector_follows_live_mode_without_a_reload(
    site: Site, new_visitor: NewVisitor
) -> None:
    cast = Cast(site)
    eid = cast.election_id
    with site.session() as session:
        setup_ids = [
            questions.ask(
                session,
                session.get(Account, cast.accounts[who]),  # type: ignore[arg-type]
                eid,
                candidate_id=None,
                text=text,
                anonymous=False,
                keyring=arrange.KEYRING,
                now=utcnow(),
            ).id
            for who, text in (("asker", "Eerste vraag?"), ("voter", "Tweede vraag?"))
        ]
    moderator = cast.visitor(new_visitor, "moderator")
    for question_id in setup_ids:
        moderator.goto(f"/qa/{eid}/moderate")
        moderator.click(f"form[action$='/qa/questions/{question_id}/approve'] button")

    beamer = cast.visitor(new_visitor, "officer")
    beamer.goto(f"/qa/{eid}/live")
    assert beamer.page.locator("#live-top li").count() == 2
    beamer.page.evaluate("window.stillTheSamePage = true")

    moderator.goto(f"/qa/{eid}/live/control")
    moderator.click(f"main form[action$='/live/show']:has(input[value='{setup_ids[1]}']) button")
    beamer.page.locator("#live-current .qa-live-text").filter(has_text="Tweede vraag?").wait_for()
    assert beamer.page.evaluate("window.stillTheSamePage") is True  # updated, not reloaded
    assert beamer.page.locator("#live-top li").count() == 1
    beamer.audit()

    moderator.click("main form[action$='/live/finish'] button")
    beamer.page.locator("#live-current .qa-live-empty").wait_for()
    assert beamer.page.evaluate("window.stillTheSamePage") is True
    beamer.audit()


def test_hostile_text_opens_no_dialog_and_leaves_no_markup(
    site: Site, new_visitor: NewVisitor
) -> None:
    cast = Cast(site)
    eid = cast.election_id
    candidate = cast.visitor(new_visitor, "candidate")
    candidate.goto(f"/qa/candidates/{cast.candidate_id}/profile")
    candidate.page.locator("textarea[name=motivation]").fill("\n\n".join(PAYLOADS))
    candidate.page.locator("input[name=pronouns]").fill(PAYLOADS[1][:40])
    candidate.page.locator("textarea[name=links]").fill("Site https://example.org/?q=<script>")
    _send(candidate)

    asker = cast.visitor(new_visitor, "asker")
    for payload in PAYLOADS[:4]:
        asker.goto(f"/qa/{eid}/ask")
        asker.page.locator("input[name=candidate][value=all]").check()
        asker.page.locator("textarea[name=text]").fill(payload)
        _send(asker)
    moderator = cast.visitor(new_visitor, "moderator")
    moderator.goto(f"/qa/{eid}/moderate")
    moderator.assert_no_injected_markup()
    with site.session() as session:
        ids = session.scalars(select(Question.id).order_by(Question.id)).all()
    for question_id in ids:
        moderator.goto(f"/qa/{eid}/moderate")
        moderator.click(f"form[action$='/qa/questions/{question_id}/approve'] button")
    for question_id, payload in zip(ids, PAYLOADS[3:], strict=False):
        candidate.goto(f"/qa/questions/{question_id}/answer")
        candidate.page.locator("textarea[name=text]").fill(payload)
        _send(candidate)

    reader = cast.visitor(new_visitor, "voter")
    for path in (
        f"/qa/{eid}",
        f"/qa/{eid}/compare",
        f"/qa/candidates/{cast.candidate_id}",
        f"/qa/questions/{ids[0]}",
        f"/qa/{eid}/live",
    ):
        reader.goto(path)
        reader.assert_no_injected_markup()
    reader.goto(f"/qa/{eid}/compare")
    text = reader.page.locator("main").inner_text()
    assert "<script>alert(1)</script>" in text  # shown as text, not dropped
    assert reader.dialogs == []
    assert reader.script_problems == []


def test_a_forged_question_from_another_origin_is_refused(
    site: Site, new_visitor: NewVisitor, other_server: LiveServer
) -> None:
    cast = Cast(site)
    asker = cast.visitor(new_visitor, "asker")
    status, cookie = _forge(
        asker,
        other_server,
        SAME_SITE,
        f"/qa/{cast.election_id}/ask",
        {"candidate": "all", "text": "Vervalste vraag"},
    )
    assert status == 400
    assert "stembus=" in cookie  # the cookie came along: the CSRF token is what refused it
    with site.session() as session:
        assert session.scalars(select(Question)).all() == []


def test_reject_appeal_and_a_second_moderator_decides_and_the_officer_changes_the_period(
    site: Site, new_visitor: NewVisitor
) -> None:
    cast = Cast(site)
    eid = cast.election_id
    asker = cast.visitor(new_visitor, "asker")
    asker.goto(f"/qa/{eid}/ask")
    asker.page.locator(f"input[name=candidate][value='{cast.candidate_id}']").check()
    asker.page.locator("textarea[name=text]").fill("Waarom is de ander zo lui?")
    _send(asker)
    with site.session() as session:
        question_id = session.scalars(select(Question.id)).one()

    moderator = cast.visitor(new_visitor, "moderator")
    moderator.goto(f"/qa/{eid}/moderate")
    moderator.click(f"main a[href$='/qa/questions/{question_id}/reject']")
    moderator.click("main form button[type=submit]")  # nothing chosen: the errors, with axe
    assert moderator.page.locator(".error-summary").count() == 1
    moderator.page.locator("input[name=clause][value=with-people]").check()
    moderator.page.locator("textarea[name=reason]").fill("Dit gaat over een persoon.")
    _send(moderator)
    site.mail.wait_for(1, to=cast.emails["asker"])

    asker.goto(f"/qa/{eid}/mine")
    asker.click(f"main a[href$='/qa/questions/{question_id}/appeal']")
    asker.page.locator("textarea[name=text]").fill("Ik vraag naar zijn inzet, niet naar hem.")
    _send(asker)

    other = cast.visitor(new_visitor, "second_moderator")
    other.goto(f"/qa/{eid}/moderate")
    other.click("main a[href*='/qa/appeals/']")
    other.page.locator("input[name=decision][value=grant]").check()
    other.page.locator("textarea[name=reason]").fill("Het gaat over inzet: dat mag.")
    _send(other)
    with site.session() as session:
        assert session.get(Question, question_id).is_public  # type: ignore[union-attr]

    officer = cast.visitor(new_visitor, "officer")
    officer.goto(f"/qa/{eid}/candidates")
    officer.click(f"main a[href$='/qa/{eid}/setup']")
    officer.page.locator("input[name=max_pending]").fill("5")
    _send(officer)
    assert officer.path == f"/qa/{eid}/candidates"
