"""A consensus decision in real browsers: an officer sets the group up, and two participants
go through three rounds (an objection, carried over and answered, then consensus), with
axe-core on every page; then the fallback vote, and a position without JavaScript.

Selectors use names, values and link targets rather than text, because the pages are
Dutch here and the wording may change; the checks on what the page says use the ids the
templates give (error summary, headings) or data from the database.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.e2e.conftest import NewVisitor
from tests.e2e.site import Person, Site
from tests.e2e.visitor import Visitor
from voting.accounts.models import Role
from voting.consensus.models import (
    DecisionGroup,
    Outcome,
    Position,
    PositionKind,
    Proposal,
    Report,
    ReportResolution,
    Round,
)

pytestmark = pytest.mark.e2e


def _signed_in(new_visitor: NewVisitor, person: Person, *, javascript: bool = True) -> Visitor:
    visitor = new_visitor(javascript=javascript)
    assert person.password is not None
    visitor.sign_in(person.email, person.password, person.totp_secret)
    return visitor


def _take(visitor: Visitor, proposal_id: int, kind: str, reason: str = "") -> None:
    visitor.goto(f"/consensus/proposals/{proposal_id}")
    visitor.page.locator(f"input[name=kind][value={kind}]").check()
    visitor.page.locator("textarea[name=reason]").fill(reason)
    visitor.click("form[action$='/position'] button[type=submit]")
    assert visitor.status == 200
    assert visitor.page.locator(".error-summary").count() == 0


def _close_now(visitor: Visitor, proposal_id: int) -> None:
    visitor.goto(f"/consensus/proposals/{proposal_id}")
    visitor.click("form[action$='/rounds/close'] button[type=submit]")


def _fill_and_send(visitor: Visitor, path: str, field: str, text: str) -> None:
    visitor.goto(path)
    visitor.page.locator(f"[name={field}]").fill(text)
    visitor.click("main form button[type=submit]")
    assert visitor.page.locator(".error-summary").count() == 0, visitor.page.url


def _answer_and_summarise(site: Site, facilitator: Visitor, proposal_id: int, number: int) -> None:
    with site.session() as session:
        found = session.scalars(
            select(Round).where(Round.proposal_id == proposal_id, Round.number == number)
        ).one()
        objections = session.scalars(
            select(Position.id).where(
                Position.round_id == found.id, Position.kind == PositionKind.OBJECT
            )
        ).all()
        round_id = found.id
    for position_id in objections:
        _fill_and_send(
            facilitator,
            f"/consensus/positions/{position_id}/answer",
            "text",
            f"Answer to the objection of round {number}.",
        )
    _fill_and_send(
        facilitator, f"/consensus/rounds/{round_id}/summary", "text", f"Summary of round {number}."
    )


def _revise(facilitator: Visitor, proposal_id: int, body: str) -> None:
    facilitator.goto(f"/consensus/proposals/{proposal_id}")
    facilitator.click(f"a[href$='/consensus/proposals/{proposal_id}/revise']")
    facilitator.page.locator("[name=body]").fill(body)
    facilitator.page.locator("[name=change_note]").fill("Changed after the objection.")
    facilitator.click("main form button[type=submit]")
    assert "/versions/" in facilitator.path  # the new version with its diff
    assert facilitator.page.locator(".diff ins").count() > 0


def _open_round(facilitator: Visitor, proposal_id: int) -> None:
    facilitator.goto(f"/consensus/proposals/{proposal_id}")
    facilitator.click(f"a[href$='/consensus/proposals/{proposal_id}/rounds/open']")
    facilitator.click("main form button[type=submit]")  # the deadline is filled in already
    assert facilitator.path == f"/consensus/proposals/{proposal_id}"


def test_three_rounds_to_consensus_with_two_participants(
    site: Site, new_visitor: NewVisitor
) -> None:
    officer = site.officer()
    anna = site.person(name="Anna Facilitator")
    bram = site.person(name="Bram Bezwaar")
    moderator = site.person(name="Mo Moderator", roles=(Role.MODERATOR,), totp=True)

    # The officer sets the group up through the form.
    as_officer = _signed_in(new_visitor, officer)
    as_officer.click(as_officer.menu_link("Besluiten"))
    as_officer.click("a[href$='/consensus/groups/new']")
    page = as_officer.page
    page.locator("[name=name]").fill("Werkgroep spandoeken")
    page.locator("input[name=kind][value=working-group]").check()
    page.locator("input[name=rule][value=consensus]").check()
    page.locator("[name=min_participation]").fill("100")
    page.locator("[name=max_rounds]").fill("3")
    page.locator("input[name=fallback][value=none]").check()
    page.locator("[name=facilitators]").fill(anna.number)
    page.locator("[name=members]").fill(bram.number)
    as_officer.click("main form button[type=submit]")
    with site.session() as session:
        group = session.scalars(select(DecisionGroup)).one()
        group_id = group.id
    assert as_officer.path == f"/consensus/groups/{group_id}"
    as_officer.click(f"a[href$='/consensus/groups/{group_id}/members']")

    # The facilitator starts the proposal and opens round 1.
    as_anna = _signed_in(new_visitor, anna)
    as_anna.goto("/consensus")
    as_anna.click(f"a[href$='/consensus/groups/{group_id}']")
    as_anna.click(f"a[href$='/consensus/groups/{group_id}/proposals/new']")
    as_anna.page.locator("[name=title]").fill("Groene spandoeken")
    as_anna.page.locator("[name=body]").fill("We drukken **groene** spandoeken.")
    as_anna.page.locator("[name=links]").fill("Offerte https://example.org/offerte.pdf")
    as_anna.click("main form button[type=submit]")
    with site.session() as session:
        proposal_id = session.scalars(select(Proposal.id)).one()
    _open_round(as_anna, proposal_id)

    # Round 1: Anna agrees, Bram objects.
    as_bram = _signed_in(new_visitor, bram)
    _take(as_anna, proposal_id, "agree")
    _take(as_bram, proposal_id, "object", "Groen verbleekt in de zon.")
    _close_now(as_anna, proposal_id)
    as_bram.goto(f"/consensus/proposals/{proposal_id}")
    assert "Groen verbleekt in de zon." in as_bram.page.locator("main").inner_text()

    # Anna reports nothing, but the moderator area is checked too: Anna reports Bram's
    # reason, the moderator keeps it.
    with site.session() as session:
        objection_id = session.scalars(
            select(Position.id).where(Position.kind == PositionKind.OBJECT)
        ).one()
    _fill_and_send(as_anna, f"/consensus/positions/{objection_id}/report", "why", "Check, please.")
    as_moderator = _signed_in(new_visitor, moderator)
    as_moderator.goto("/consensus/reports")
    as_moderator.click("form[action$='/keep'] button[type=submit]")

    # Between rounds: answer, summarise, revise (with a readable diff), open round 2.
    _answer_and_summarise(site, as_anna, proposal_id, 1)
    _revise(as_anna, proposal_id, "We drukken **groene** spandoeken met UV-bestendige inkt.")
    _open_round(as_anna, proposal_id)

    # Round 2: Bram's objection is carried over; he leaves it standing.
    as_bram.goto(f"/consensus/proposals/{proposal_id}")
    assert as_bram.page.locator("input[name=kind][value=object]").is_checked()
    _take(as_anna, proposal_id, "agree")
    _close_now(as_anna, proposal_id)
    _answer_and_summarise(site, as_anna, proposal_id, 2)
    _revise(as_anna, proposal_id, "We drukken **donkergroene** spandoeken met UV-inkt.")
    _open_round(as_anna, proposal_id)

    # Round 3: Bram withdraws his objection and agrees with a concern: consensus.
    _take(as_bram, proposal_id, "concerns", "Nog wat fel, maar goed.")
    _take(as_anna, proposal_id, "agree")
    _close_now(as_anna, proposal_id)
    as_anna.goto(f"/consensus/proposals/{proposal_id}")
    as_anna.click(f"a[href$='/consensus/proposals/{proposal_id}/decide']")
    as_anna.page.locator("[name=statement]").fill("Donkergroene spandoeken met UV-inkt.")
    as_anna.click("main form button[type=submit]")
    assert as_anna.path == f"/consensus/proposals/{proposal_id}/record"

    # Everyone reads the decision record: the concern is in the minority report.
    as_bram.goto(f"/consensus/proposals/{proposal_id}/record")
    record = as_bram.page.locator("main").inner_text()
    assert "Nog wat fel, maar goed." in record
    assert "Groen verbleekt in de zon." in record
    as_bram.goto(f"/consensus/proposals/{proposal_id}/versions/3")
    as_bram.assert_no_injected_markup()
    with site.session() as session:
        proposal = session.get(Proposal, proposal_id)
        assert proposal is not None
        assert proposal.outcome is Outcome.CONSENSUS
        assert [r.consensus for r in proposal.rounds] == [False, False, True]
        report = session.scalars(select(Report)).one()
        assert report.resolution is ReportResolution.KEPT


def test_fallback_vote_in_the_browser(site: Site, new_visitor: NewVisitor) -> None:
    from tests.voting.consensus import arrange

    anna = site.person(name="Anna Stem")
    bram = site.person(name="Bram Stem")
    with site.session() as session:
        facilitator = site.account_of(session, anna)
        member = site.account_of(session, bram)
        group = arrange.group(session, facilitator, [member], max_rounds=1)
        proposal = arrange.proposal(session, facilitator, group)
        proposal_id = proposal.id
    as_anna = _signed_in(new_visitor, anna)
    as_bram = _signed_in(new_visitor, bram)
    _open_round(as_anna, proposal_id)
    _take(as_bram, proposal_id, "object", "Te duur.")
    _take(as_anna, proposal_id, "agree")
    _close_now(as_anna, proposal_id)
    _answer_and_summarise(site, as_anna, proposal_id, 1)
    as_anna.goto(f"/consensus/proposals/{proposal_id}")
    as_anna.click(f"a[href$='/consensus/proposals/{proposal_id}/fallback']")
    as_anna.click("main form button[type=submit]")
    for visitor, choice in ((as_anna, "yes"), (as_bram, "no")):
        visitor.goto(f"/consensus/proposals/{proposal_id}")
        visitor.page.locator(f"input[name=choice][value={choice}]").check()
        visitor.click("form[action$='/fallback/vote'] button[type=submit]")
    with site.session() as session:
        voters = session.execute(select(Round.id).where(Round.proposal_id == proposal_id)).all()
        assert len(voters) == 1


def test_a_position_without_javascript(site: Site, new_visitor: NewVisitor) -> None:
    from tests.voting.consensus import arrange

    anna = site.person(name="Anna Zonder")
    bram = site.person(name="Bram Zonder")
    with site.session() as session:
        facilitator = site.account_of(session, anna)
        member = site.account_of(session, bram)
        group = arrange.group(session, facilitator, [member])
        proposal_id = arrange.proposal(session, facilitator, group).id
    as_anna = _signed_in(new_visitor, anna)
    _open_round(as_anna, proposal_id)
    as_bram = _signed_in(new_visitor, bram, javascript=False)
    _take(as_bram, proposal_id, "concerns", "Zonder JavaScript.")  # axe ran for Anna here
    with site.session() as session:
        position = session.scalars(select(Position)).one()
        assert (position.kind, position.reason) == (PositionKind.CONCERNS, "Zonder JavaScript.")
