"""The officer's manage page through the test client: every error is at its field, and the
error summary leads to it."""

from __future__ import annotations

import re

from flask import Flask
from sqlalchemy.orm import Session

from tests.voting.elections.conftest import make_election, officer_client
from tests.voting.web import page_token, summary_links


def test_too_few_trustees_shows_the_error_at_the_checkboxes_and_the_summary_leads_there(
    app: Flask, db: Session
) -> None:
    setup = make_election(db, voters=1)
    client = officer_client(app, db, setup.officer)
    manage = f"/elections/{setup.election.id}/manage"
    response = client.post(
        f"/elections/{setup.election.id}/trustees",
        data={
            "csrf_token": page_token(client, manage),
            "trustees": str(setup.trustee_accounts[0].id),
            "threshold": "2",
        },
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert summary_links(html) == ["trustees"]
    assert "<title>Error: " in html
    group = re.search(r'<fieldset id="trustees"[^>]*>', html)
    assert group is not None
    assert 'aria-describedby="trustees-error"' in group.group(0)
    error = re.search(r'<p class="error-message" id="trustees-error">(.*?)</p>', html, re.S)
    assert error is not None
    assert "trustees" in error.group(1).lower()


def test_each_number_out_of_range_says_which_number_it_is(app: Flask, db: Session) -> None:
    setup = make_election(db, voters=1)
    client = officer_client(app, db, setup.officer)
    manage = f"/elections/{setup.election.id}/manage"
    client.post("/language", data={"csrf_token": page_token(client, manage), "locale": "nl"})
    response = client.post(
        f"/elections/{setup.election.id}/questions",
        data={
            "csrf_token": page_token(client, manage),
            "kind": "multiple-choice",
            "title": "Datum",
            "options": "maart\napril",
            "rule": "plurality",
            "tie": "rejected",
            "seats": "0",
            "min_selections": "61",
            "max_selections": "99",
            "amends_paragraph": "0",
            "quorum_percent": "101",
        },
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    summary = html[html.index('class="error-summary"') :]
    summary = summary[: summary.index("</div>")]
    assert re.findall(r'<a href="#([a-z_]+)">', summary) == [
        "seats",
        "min_selections",
        "max_selections",
        "amends_paragraph",
        "quorum_percent",
    ]
    for message in (
        "Kies een aantal plaatsen van 1 tot en met 60.",
        "Kies het minste aantal keuzes per kiezer: een getal van 0 tot en met 60.",
        "Kies het grootste aantal keuzes per kiezer: een getal van 1 tot en met 60.",
        "Kies een alineanummer van 1 tot en met 500.",
        "Kies een quorum van 1 tot en met 100 procent.",
    ):
        assert message in summary
    assert "Nummer moet" not in html
