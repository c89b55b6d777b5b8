"""Cancelling an open vote and copying it, in Chromium, with axe-core on every page.

The officer meets the error summary of an empty cancel form, then cancels with a reason;
the member who voted reads the cancellation on the list of votes and on the ballot page and
gets a mail; the public reads it on the audit page and the projector. Then the officer
copies the vote as a new draft (the name with "(kopie)", the times asked again) and lands on
its manage page. The texts checked are the Dutch words an officer or member reads.
"""

from __future__ import annotations

import datetime as dt

import pytest

from tests.e2e.conftest import NewVisitor
from tests.e2e.elections import local_field, open_vote
from tests.e2e.site import Person, Site
from tests.e2e.visitor import Visitor
from voting.accounts.models import Role
from voting.db import utcnow
from voting.elections.models import ElectionState

pytestmark = pytest.mark.e2e

TITLE = "Moties en verkiezingen"
REASON = "Een sleutelbeheerder deed niet mee. We stemmen opnieuw op de volgende ALV."


def _signed_in(new_visitor: NewVisitor, person: Person) -> Visitor:
    visitor = new_visitor()
    assert person.password is not None
    visitor.sign_in(person.email, person.password, person.totp_secret)
    return visitor


def test_an_officer_cancels_an_open_vote_and_copies_it(site: Site, new_visitor: NewVisitor) -> None:
    officer = site.officer()
    member = site.person(name="Mila Meijer")
    trustees = [
        site.person(name=name, roles=(Role.TRUSTEE,), totp=True)
        for name in ("Tineke Trustee", "Ties Trustee", "Tom Trustee")
    ]
    vote = open_vote(site, officer, trustees, title=TITLE)
    code = vote.cast(member, {"q1": ["voor"], "q2": [], "q3": ["o1"], "q4": ["o1", "o2"]})

    as_officer = _signed_in(new_visitor, officer)
    as_officer.goto(f"/elections/{vote.election_id}/manage")
    cancel = "form[action$='/cancel'] button[type=submit]"
    as_officer.click(cancel)
    summary = as_officer.page.locator(".error-summary a")
    assert summary.count() == 2
    assert summary.nth(0).get_attribute("href") == "#reason"
    assert summary.nth(1).get_attribute("href") == "#confirm"
    assert vote.state() is ElectionState.OPEN
    as_officer.page.get_by_label("Waarom wordt de stemming geannuleerd?").fill(REASON)
    as_officer.page.get_by_label("Ja, annuleer deze stemming.").check()
    as_officer.click(cancel)
    assert vote.state() is ElectionState.CANCELLED
    assert "De stemming is geannuleerd." in as_officer.notices()
    assert REASON in as_officer.page.locator("main .cancelled").inner_text()

    as_member = _signed_in(new_visitor, member)
    as_member.goto("/vote/")
    assert REASON in as_member.page.locator("main").inner_text()
    response = as_member.goto(f"/vote/{vote.slug}")
    assert response is not None
    assert response.status == 409
    assert "Deze stemming is geannuleerd." in as_member.page.locator("main").inner_text()
    [message] = site.mail.wait_for(1, to=member.email)
    assert message["Subject"] == f"Stemming geannuleerd: {TITLE}"
    body = site.mail.body_of(message)
    assert REASON in body
    assert code not in body

    public = new_visitor()
    public.goto(f"/elections/{vote.slug}/audit")
    assert REASON in public.page.locator("main").inner_text()
    public.goto(f"/meetings/{vote.meeting_id}/projector")
    assert REASON in public.page.locator("main").inner_text()

    as_officer.goto(f"/elections/{vote.election_id}/manage")
    as_officer.click(f"main a[href='/elections/{vote.election_id}/copy']")
    title = as_officer.page.locator("input[name=title]")
    assert title.input_value() == f"{TITLE} (kopie)"
    opens = utcnow() + dt.timedelta(days=14)
    as_officer.page.locator("input[name=opens_at]").fill(local_field(opens))
    as_officer.page.locator("input[name=closes_at]").fill(local_field(opens + dt.timedelta(days=7)))
    as_officer.click("main form button[type=submit]")
    assert as_officer.path.endswith("/manage")
    assert as_officer.path != f"/elections/{vote.election_id}/manage"
    assert as_officer.heading() == f"{TITLE} (kopie)"
    assert "Dit is een kopie van" in as_officer.notices()
