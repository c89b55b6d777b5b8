"""The consensus pages through the test client, as a browser uses them: a whole decision by
forms, CSRF on every change (T25), hostile text escaped or sanitised (T30), a formula-safe
export (T32), size limits (T33), isolated names and NFC input (T34)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests import factories
from tests.voting.consensus import arrange
from tests.voting.web import csrf_from, page_token, post_form, sign_in, summary_links
from voting.accounts.models import Account, Role
from voting.consensus.models import (
    DecisionGroup,
    FallbackMode,
    Outcome,
    Position,
    PositionKind,
    Proposal,
    ProposalVersion,
    Report,
    Round,
)
from voting.db import utcnow
from voting.spreadsheet import unescape_cell

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def _client(app: Flask, account: Account) -> FlaskClient:
    client = app.test_client()
    secret = factories.totp_secret(factories.auth_config(), account) if account.has_totp else None
    sign_in(client, account.member.email, factories.PASSWORD, secret)
    return client


def _deadline(hours: int = 48, zone: str = "Europe/Amsterdam") -> str:
    return (
        (utcnow() + dt.timedelta(hours=hours)).astimezone(ZoneInfo(zone)).strftime("%Y-%m-%dT%H:%M")
    )


def _count(db: Session, model: type) -> int:
    return db.scalar(select(func.count()).select_from(model)) or 0


def _take(client: FlaskClient, proposal_id: int, kind: str, reason: str = ""):  # type: ignore[no-untyped-def]
    page = client.get(f"/consensus/proposals/{proposal_id}").get_data(as_text=True)
    round_id = page.split('name="round_id" type="hidden" value="')[1].split('"')[0]
    revision = page.split('name="revision" type="hidden" value="')[1].split('"')[0]
    return client.post(
        f"/consensus/proposals/{proposal_id}/position",
        data={
            "csrf_token": csrf_from(page),
            "round_id": round_id,
            "revision": revision,
            "kind": kind,
            "reason": reason,
        },
    )


def _open_round(client: FlaskClient, proposal_id: int) -> None:
    path = f"/consensus/proposals/{proposal_id}/rounds/open"
    page = client.get(path).get_data(as_text=True)
    after = page.split('name="after_round" type="hidden" value="')[1].split('"')[0]
    response = client.post(
        path, data={"csrf_token": csrf_from(page), "deadline": _deadline(), "after_round": after}
    )
    assert response.status_code == 302, response.get_data(as_text=True)


def test_a_whole_decision_through_the_pages(app: Flask, db: Session) -> None:
    officer = arrange.officer(db, totp=True)
    facilitator, member = arrange.people(db, 2, prefix="Web")
    as_officer = _client(app, officer)
    response = post_form(
        as_officer,
        "/consensus/groups/new",
        {
            "name": "Working group banners",
            "kind": "working-group",
            "branch": "",
            "rule": "consent",
            "min_participation": "100",
            "max_rounds": "2",
            "fallback": "none",
            "threshold": "2/3",
            "facilitators": facilitator.member.number,
            "members": member.member.number,
        },
    )
    assert response.status_code == 302
    group = db.scalar(select(DecisionGroup).where(DecisionGroup.name == "Working group banners"))
    assert group is not None

    as_facilitator = _client(app, facilitator)
    as_member = _client(app, member)
    response = post_form(
        as_facilitator,
        f"/consensus/groups/{group.id}/proposals/new",
        {
            "title": "Green banners",
            "body": "We print **green** banners.",
            "links": "Quote https://example.org/quote.pdf",
            "rule": "consent",
            "round_days": "7",
            "based_on": "0",
        },
    )
    assert response.status_code == 302
    proposal = db.scalar(select(Proposal).where(Proposal.group_id == group.id))
    assert proposal is not None
    _open_round(as_facilitator, proposal.id)

    assert _take(as_member, proposal.id, "object", "Green fades in the sun.").status_code == 302
    assert _take(as_facilitator, proposal.id, "agree").status_code == 302
    page = as_member.get(f"/consensus/proposals/{proposal.id}").get_data(as_text=True)
    assert "Your position (you can change it until the round closes)" in page
    assert "2 of 2 members have responded." in page

    close = as_facilitator.get(f"/consensus/proposals/{proposal.id}").get_data(as_text=True)
    first = db.scalar(select(Round).where(Round.proposal_id == proposal.id))
    assert first is not None
    response = as_facilitator.post(
        f"/consensus/proposals/{proposal.id}/rounds/close",
        data={"csrf_token": csrf_from(close), "round_id": str(first.id)},
    )
    assert response.status_code == 302
    db.refresh(first)
    assert first.consensus is False

    page = as_member.get(f"/consensus/proposals/{proposal.id}").get_data(as_text=True)
    assert "Green fades in the sun." in page
    assert "The facilitator has not answered this objection yet." in page
    objection = db.scalar(select(Position).where(Position.kind == PositionKind.OBJECT))
    assert objection is not None
    assert (
        post_form(
            as_facilitator,
            f"/consensus/positions/{objection.id}/answer",
            {"text": "We use UV-proof ink."},
        ).status_code
        == 302
    )
    assert (
        post_form(
            as_facilitator,
            f"/consensus/rounds/{first.id}/summary",
            {"text": "One objection: fading."},
        ).status_code
        == 302
    )
    response = post_form(
        as_facilitator,
        f"/consensus/proposals/{proposal.id}/revise",
        {
            "title": "Green banners",
            "body": "We print **green** banners with UV-proof ink.",
            "links": "",
            "change_note": "Ink that does not fade.",
            "based_on": "1",
        },
    )
    assert response.status_code == 302
    diff = as_member.get(f"/consensus/proposals/{proposal.id}/versions/2").get_data(as_text=True)
    assert '<ins><span class="visually-hidden">added: </span> with UV-proof ink</ins>.' in diff
    assert "removed:" not in diff

    _open_round(as_facilitator, proposal.id)
    page = as_member.get(f"/consensus/proposals/{proposal.id}").get_data(as_text=True)
    assert "Your objection from the round before still stands in this round." in page
    assert "We use UV-proof ink." in page  # the answer is shown beside the objection
    assert _take(as_member, proposal.id, "concerns", "Still a bit bright.").status_code == 302
    assert _take(as_facilitator, proposal.id, "agree").status_code == 302
    second = db.scalars(select(Round).where(Round.number == 2)).one()
    close = as_facilitator.get(f"/consensus/proposals/{proposal.id}").get_data(as_text=True)
    as_facilitator.post(
        f"/consensus/proposals/{proposal.id}/rounds/close",
        data={"csrf_token": csrf_from(close), "round_id": str(second.id)},
    )
    db.refresh(second)
    assert second.consensus is True
    response = post_form(
        as_facilitator,
        f"/consensus/proposals/{proposal.id}/decide",
        {"statement": "Green banners with UV-proof ink."},
    )
    assert response.status_code == 302
    db.refresh(proposal)
    assert proposal.outcome is Outcome.CONSENSUS
    record = as_member.get(f"/consensus/proposals/{proposal.id}/record").get_data(as_text=True)
    assert "Consensus: the proposal is adopted" in record
    assert "Still a bit bright." in record  # the minority report quotes the concern
    assert "Green fades in the sun." in record  # and the history keeps round 1
    assert "Green banners with UV-proof ink." in record


@pytest.fixture
def open_round(db: Session):  # type: ignore[no-untyped-def]
    facilitator, member = arrange.people(db, 2, prefix="Form")
    group = arrange.group(db, facilitator, [member])
    proposal = arrange.proposal(db, facilitator, group)
    now = utcnow()
    found = arrange.open_next(db, facilitator, proposal, now=now)
    return facilitator, member, proposal, found


def test_every_change_needs_the_csrf_token(app: Flask, db: Session, open_round) -> None:
    facilitator, member, proposal, found = open_round
    client = _client(app, member)
    data = {"round_id": str(found.id), "revision": "0", "kind": "agree", "reason": ""}
    assert client.post(f"/consensus/proposals/{proposal.id}/position", data=data).status_code == 400
    other = _client(app, facilitator)  # a token of another session does not work either
    forged = {**data, "csrf_token": page_token(other, "/consensus")}
    response = client.post(f"/consensus/proposals/{proposal.id}/position", data=forged)
    assert response.status_code == 400
    assert client.get(f"/consensus/proposals/{proposal.id}/position").status_code == 405
    assert _count(db, Position) == 0
    for path in (
        f"/consensus/proposals/{proposal.id}/rounds/close",
        f"/consensus/proposals/{proposal.id}/fallback/vote",
        f"/consensus/groups/{proposal.group_id}/members/add",
    ):
        assert other.post(path, data={"round_id": str(found.id)}).status_code == 400
    db.refresh(found)
    assert found.is_open


def test_hostile_text_is_escaped_on_every_page_and_markdown_is_sanitised(
    app: Flask, db: Session
) -> None:
    facilitator, member = arrange.people(db, 2, prefix="Hostile")
    member.member.name = f"Eve {XSS}"
    db.commit()
    group = arrange.group(db, facilitator, [member], name=f"Group {XSS}", live_positions=True)
    proposal = arrange.proposal(
        db, facilitator, group, title=f"Title {XSS}", body=f"Body {XSS}\n\n[x](javascript:alert(1))"
    )
    found = arrange.open_next(db, facilitator, proposal, now=utcnow())
    arrange.take(db, member, found, PositionKind.OBJECT, f"Reason {XSS}", now=utcnow())
    client = _client(app, member)
    pages = [
        "/consensus",
        f"/consensus/groups/{group.id}",
        f"/consensus/proposals/{proposal.id}",
        f"/consensus/proposals/{proposal.id}/versions/1",
        f"/consensus/proposals/{proposal.id}/record",
    ]
    for path in pages:
        html = client.get(path).get_data(as_text=True)
        assert "<script>" not in html, path
        assert "onerror=alert" not in html.replace("onerror=alert(1)&gt;", ""), path
        assert 'href="javascript' not in html, path
    html = client.get(f"/consensus/proposals/{proposal.id}").get_data(as_text=True)
    assert "Reason &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    assert "<bdi>Eve &lt;script&gt;" in html


def test_javascript_and_other_non_web_links_are_refused(app: Flask, db: Session) -> None:
    facilitator, member = arrange.people(db, 2, prefix="Linker")
    group = arrange.group(db, facilitator, [member])
    client = _client(app, facilitator)
    for bad in ("Evil javascript:alert(1)", "data:text/html,x", 'https://e.org/"onmouseover=x'):
        response = post_form(
            client,
            f"/consensus/groups/{group.id}/proposals/new",
            {
                "title": "T",
                "body": "B",
                "links": bad,
                "rule": "consent",
                "round_days": "7",
                "based_on": "0",
            },
        )
        assert response.status_code == 400
        assert "starts with https://" in response.get_data(as_text=True)
    assert _count(db, Proposal) == 0


def test_export_neutralises_formulas_and_reads_back_unchanged(app: Flask, db: Session) -> None:
    facilitator, member = arrange.people(db, 2, prefix="Sheet")
    member.member.name = '=HYPERLINK("http://evil","x")'
    db.commit()
    group = arrange.group(db, facilitator, [member])
    proposal = arrange.proposal(db, facilitator, group)
    found = arrange.open_next(db, facilitator, proposal)
    reasons = ["=1+2", "+SUM(A1)", "-3", "@cmd", "\tTab", "'quoted"]
    arrange.take(db, member, found, PositionKind.OBJECT, reasons[0])
    arrange.take(db, facilitator, found, PositionKind.CONCERNS, "@risk")
    arrange.close(db, found)
    response = _client(app, member).get(f"/consensus/proposals/{proposal.id}/record.csv")
    assert response.headers["Content-Type"].startswith("text/csv")
    assert response.headers["Content-Disposition"].startswith("attachment")
    rows = list(
        csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")), delimiter=";")
    )
    cells = [cell for row in rows[1:] for cell in row]
    assert "'=1+2" in cells
    assert "'@risk" in cells
    assert '\'=HYPERLINK("http://evil","x")' in cells
    for cell in cells:
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))
    assert "=1+2" in [unescape_cell(c) for c in cells]


def test_oversized_reason_gets_a_field_error_and_nothing_is_stored(
    app: Flask, db: Session, open_round
) -> None:
    _facilitator, member, proposal, _found = open_round
    client = _client(app, member)
    response = _take(client, proposal.id, "object", "x" * 5000)
    assert response.status_code == 400
    assert "Use at most 2000 characters." in response.get_data(as_text=True)
    assert _count(db, Position) == 0
    token = page_token(client, f"/consensus/proposals/{proposal.id}")
    huge = client.post(
        f"/consensus/proposals/{proposal.id}/position",
        data={"csrf_token": token, "reason": "x" * (10 * 1024 * 1024)},
    )
    assert huge.status_code == 413
    assert _count(db, Position) == 0


def test_empty_reason_for_an_objection_gets_a_field_error(
    app: Flask, db: Session, open_round
) -> None:
    _facilitator, member, proposal, _found = open_round
    response = _take(_client(app, member), proposal.id, "object", "   ")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "There is a problem" in page
    assert "Give a reason for this position." in page
    assert _count(db, Position) == 0
    no_kind = _take(_client(app, member), proposal.id, "", "")
    assert no_kind.status_code == 400
    assert summary_links(no_kind.get_data(as_text=True)) == ["kind"]


def test_reason_is_stored_in_nfc(app: Flask, db: Session, open_round) -> None:
    _facilitator, member, proposal, _found = open_round
    assert (
        _take(_client(app, member), proposal.id, "concerns", "Cafe\u0301 budget").status_code == 302
    )
    position = db.scalar(select(Position))
    assert position is not None
    assert position.reason == "Caf\u00e9 budget"


def test_position_for_a_closed_round_gets_a_clear_refusal(
    app: Flask, db: Session, open_round
) -> None:
    facilitator, member, proposal, found = open_round
    client = _client(app, member)
    page = client.get(f"/consensus/proposals/{proposal.id}").get_data(as_text=True)
    arrange.take(db, facilitator, found, PositionKind.AGREE, now=utcnow())
    arrange.take(db, member, found, PositionKind.AGREE, now=utcnow())
    from voting.consensus import rounds

    rounds.close_round(
        db, found.id, arrange.KEYRING, arrange.ROUND_KEYS, utcnow(), actor=facilitator
    )
    response = client.post(
        f"/consensus/proposals/{proposal.id}/position",
        data={
            "csrf_token": csrf_from(page),
            "round_id": str(found.id),
            "revision": "1",
            "kind": "object",
            "reason": "Too late.",
        },
    )
    assert response.status_code == 409
    assert "This round is closed. Your position was not saved." in response.get_data(as_text=True)
    assert db.scalar(select(Position).where(Position.kind == PositionKind.OBJECT)) is None


def test_anonymous_group_says_so_where_positions_are_taken(app: Flask, db: Session) -> None:
    facilitator, member = arrange.people(db, 2, prefix="Anon")
    group = arrange.group(db, facilitator, [member], anonymous=True)
    proposal = arrange.proposal(db, facilitator, group)
    arrange.open_next(db, facilitator, proposal, now=utcnow())
    page = _client(app, member).get(f"/consensus/proposals/{proposal.id}").get_data(as_text=True)
    assert "Positions in this group are anonymous." in page
    assert "the key is deleted when the round closes" in page


def test_deadline_is_shown_in_the_members_own_time_zone(app: Flask, db: Session) -> None:
    factories.branch(db, "bonaire", timezone="America/Kralendijk")
    (facilitator,) = arrange.people(db, 1, prefix="Host")
    (member,) = arrange.people(db, 1, prefix="Bonaire", branch_code="bonaire")
    group = arrange.group(db, facilitator, [member])
    proposal = arrange.proposal(db, facilitator, group)
    found = arrange.open_next(db, facilitator, proposal, now=utcnow())
    page = _client(app, member).get(f"/consensus/proposals/{proposal.id}").get_data(as_text=True)
    local = found.deadline.astimezone(ZoneInfo("America/Kralendijk"))
    # To the minute, in the member's zone and language ("Dec 3, 2026, 1:51 AM").
    assert f"{local:%b} {local.day}, {local.year}, {local:%-I:%M}" in page
    assert "America/Kralendijk" in page


def test_report_and_answer_forms_refuse_empty_text(app: Flask, db: Session) -> None:
    facilitator, member = arrange.people(db, 2, prefix="Empty")
    group = arrange.group(db, facilitator, [member])
    proposal = arrange.proposal(db, facilitator, group)
    found = arrange.open_next(db, facilitator, proposal)
    objection = arrange.take(db, member, found, PositionKind.OBJECT, "No.")
    arrange.close(db, found)
    response = post_form(
        _client(app, facilitator), f"/consensus/positions/{objection.id}/report", {"why": ""}
    )
    assert response.status_code == 400
    response = post_form(
        _client(app, facilitator), f"/consensus/positions/{objection.id}/answer", {"text": ""}
    )
    assert response.status_code == 400
    assert _count(db, Report) == 0


def test_branch_officer_sets_up_groups_only_in_their_branch(app: Flask, db: Session) -> None:
    officer = arrange.officer(db, totp=True, branch="utrecht")
    (local,) = arrange.people(db, 1, prefix="Local")
    (far,) = arrange.people(db, 1, prefix="Far", branch_code="groningen")
    client = _client(app, officer)
    page = client.get("/consensus/groups/new").get_data(as_text=True)
    assert "Groningen" not in page
    form = {
        "name": "Utrecht board",
        "kind": "branch-board",
        "rule": "consensus",
        "min_participation": "50",
        "max_rounds": "3",
        "fallback": "none",
        "threshold": "2/3",
        "facilitators": local.member.number,
        "members": far.member.number,
    }
    groningen = factories.branch(db, "groningen")
    response = post_form(client, "/consensus/groups/new", {**form, "branch": str(groningen.id)})
    assert response.status_code == 400
    utrecht = factories.branch(db, "utrecht")
    response = post_form(client, "/consensus/groups/new", {**form, "branch": str(utrecht.id)})
    assert response.status_code == 400
    assert "outside your branches" in response.get_data(as_text=True)
    assert _count(db, DecisionGroup) == 0
    response = post_form(
        client, "/consensus/groups/new", {**form, "branch": str(utrecht.id), "members": ""}
    )
    assert response.status_code == 302
    assert _count(db, DecisionGroup) == 1


def test_officer_manages_members_and_a_group_keeps_a_facilitator(app: Flask, db: Session) -> None:
    officer = arrange.officer(db, totp=True)
    facilitator, member = arrange.people(db, 2, prefix="Kept")
    (newcomer,) = arrange.people(db, 1, prefix="New")
    group = arrange.group(db, facilitator, [member], by=officer)
    client = _client(app, officer)
    path = f"/consensus/groups/{group.id}/members"
    response = post_form(
        client, f"{path}/add", {"numbers": newcomer.member.number}, token_from=path
    )
    assert response.status_code == 302
    response = post_form(client, f"{path}/add", {"numbers": "no-such-number"}, token_from=path)
    assert response.status_code == 400
    token = page_token(client, path)
    response = client.post(f"{path}/{facilitator.id}/remove", data={"csrf_token": token})
    assert response.status_code == 409
    assert "at least one facilitator" in response.get_data(as_text=True)
    client.post(f"{path}/{member.id}/role", data={"csrf_token": token, "facilitator": "1"})
    client.post(f"{path}/{facilitator.id}/remove", data={"csrf_token": token})
    db.expire_all()
    names = {
        m.account.member.name: m.is_facilitator for m in db.get(DecisionGroup, group.id).members
    }  # type: ignore[union-attr]
    assert names == {member.member.name: True, newcomer.member.name: False}


def test_members_data_download_lists_their_named_positions(
    app: Flask, db: Session, open_round
) -> None:
    _facilitator, member, _proposal, found = open_round
    arrange.take(db, member, found, PositionKind.CONCERNS, "Mind the budget.", now=utcnow())
    client = _client(app, member)
    data = client.get("/account/data.json").get_json()
    assert [p["reason"] for p in data["consensus"]["positions"]] == ["Mind the budget."]
    # The page shows the same in words: the section, the position's name and the reason.
    page = client.get("/account/data").get_data(as_text=True)
    assert "Your positions in consensus rounds" in page
    assert "<td>Agree with concerns</td>" in page
    assert "<td>Mind the budget.</td>" in page
    assert "<td>concerns</td>" not in page  # not the stored code


def test_a_second_revision_from_the_same_page_is_refused(app: Flask, db: Session) -> None:
    facilitator, member = arrange.people(db, 2, prefix="Twice")
    group = arrange.group(db, facilitator, [member])
    proposal = arrange.proposal(db, facilitator, group)
    client = _client(app, facilitator)
    path = f"/consensus/proposals/{proposal.id}/revise"
    token = page_token(client, path)
    data = {
        "csrf_token": token,
        "title": "T",
        "body": "New text",
        "links": "",
        "change_note": "",
        "based_on": "1",
    }
    assert client.post(path, data=data).status_code == 302
    second = client.post(path, data={**data, "body": "Other text"})
    assert second.status_code == 409
    assert "Someone saved a newer version" in second.get_data(as_text=True)
    assert _count(db, ProposalVersion) == 2


def test_look_alike_names_in_a_group_are_flagged_and_names_are_isolated(
    app: Flask, db: Session
) -> None:
    officer = arrange.officer(db, totp=True)
    (facilitator,) = arrange.people(db, 1, prefix="Host")
    auth = factories.auth_config()
    latin = factories.account(db, auth, name="Ali Veli")
    cyrillic = factories.account(db, auth, name="\u0410li Veli")  # Cyrillic capital A
    arabic = factories.account(db, auth, name="\u0645\u062d\u0645\u062f Veli")
    group = arrange.group(db, facilitator, [latin, cyrillic, arabic], by=officer)
    page = _client(app, officer).get(f"/consensus/groups/{group.id}/members").get_data(as_text=True)
    assert page.count("looks like another name") == 2
    assert f"({cyrillic.member.number})" in page
    assert "<bdi>\u0645\u062d\u0645\u062f Veli</bdi>" in page
    member_view = _client(app, latin).get(f"/consensus/groups/{group.id}").get_data(as_text=True)
    assert member_view.count("looks like another name") == 2
    assert cyrillic.member.number not in member_view  # numbers are for officers


def test_officer_changes_group_settings_through_the_form(app: Flask, db: Session) -> None:
    officer = arrange.officer(db, totp=True)
    facilitator, member = arrange.people(db, 2, prefix="Set")
    group = arrange.group(db, facilitator, [member], by=officer)
    client = _client(app, officer)
    path = f"/consensus/groups/{group.id}/settings"
    page = client.get(path).get_data(as_text=True)
    assert 'value="Board"' in page
    form = {
        "name": "Renamed board",
        "kind": "board",
        "branch": "",
        "rule": "consent",
        "min_participation": "60",
        "max_rounds": "2",
        "fallback": "open",
        "threshold": "3/4",
    }
    bad = post_form(client, path, {**form, "anonymous": "y", "live_positions": "y"})
    assert bad.status_code == 400
    assert "Anonymous positions cannot be shown" in bad.get_data(as_text=True)
    assert post_form(client, path, form).status_code == 302
    db.refresh(group)
    assert (group.name, group.max_rounds, group.fallback_numerator) == ("Renamed board", 2, 3)


def test_facilitator_pages_show_what_is_there_and_refuse_bad_input(app: Flask, db: Session) -> None:
    facilitator, member = arrange.people(db, 2, prefix="Pages")
    group = arrange.group(db, facilitator, [member], max_rounds=1)
    proposal = arrange.proposal(db, facilitator, group)
    client = _client(app, facilitator)
    # A deadline in the past: the service refuses it at the field.
    path = f"/consensus/proposals/{proposal.id}/rounds/open"
    past = (utcnow() - dt.timedelta(days=1)).astimezone(ZoneInfo("Europe/Amsterdam"))
    response = post_form(
        client, path, {"deadline": past.strftime("%Y-%m-%dT%H:%M"), "after_round": "0"}
    )
    assert response.status_code == 400
    assert "at least one hour from now" in response.get_data(as_text=True)
    # The same text again is no new version.
    response = post_form(
        client,
        f"/consensus/proposals/{proposal.id}/revise",
        {"title": "A new banner", "body": proposal.versions[0].body, "based_on": "1"},
    )
    assert response.status_code == 400
    assert "same as the current version" in response.get_data(as_text=True)
    now = utcnow()
    found = arrange.open_next(db, facilitator, proposal, now=now - dt.timedelta(days=8))
    objection = arrange.take(
        db, member, found, PositionKind.OBJECT, "No.", now=now - dt.timedelta(days=8)
    )
    # The proposal page closes the round lazily at its deadline.
    page = client.get(f"/consensus/proposals/{proposal.id}").get_data(as_text=True)
    db.refresh(found)
    assert not found.is_open
    assert "No." in page
    # A stale close button changes nothing.
    response = post_form(
        client,
        f"/consensus/proposals/{proposal.id}/rounds/close",
        {"round_id": str(found.id)},
        token_from=f"/consensus/proposals/{proposal.id}",
    )
    assert response.status_code == 302
    proposals_answer = f"/consensus/positions/{objection.id}/answer"
    assert post_form(client, proposals_answer, {"text": "First answer."}).status_code == 302
    assert "First answer." in client.get(proposals_answer).get_data(as_text=True)
    summary = f"/consensus/rounds/{found.id}/summary"
    assert post_form(client, summary, {"text": "A summary."}).status_code == 302
    assert "A summary." in client.get(summary).get_data(as_text=True)
    # The fallback vote: the page, starting it, and voting through the forms.
    fallback_path = f"/consensus/proposals/{proposal.id}/fallback"
    assert client.get(fallback_path).status_code == 200
    deadline = _deadline()
    assert (
        post_form(client, fallback_path, {"deadline": deadline, "after_round": "1"}).status_code
        == 302
    )
    vote_path = f"/consensus/proposals/{proposal.id}/fallback/vote"
    as_member = _client(app, member)
    no_choice = post_form(
        as_member, vote_path, {"revision": "0"}, token_from=f"/consensus/proposals/{proposal.id}"
    )
    assert no_choice.status_code == 400
    assert summary_links(no_choice.get_data(as_text=True)) == ["choice"]
    assert "<title>Error: " in no_choice.get_data(as_text=True)
    for voter, choice in ((as_member, "no"), (client, "yes")):
        response = post_form(
            voter,
            vote_path,
            {"choice": choice, "revision": "0"},
            token_from=f"/consensus/proposals/{proposal.id}",
        )
        assert response.status_code == 302
    page = as_member.get(f"/consensus/proposals/{proposal.id}").get_data(as_text=True)
    assert re.search(r'<input checked[^>]*name="choice"[^>]*value="no"', page)
    decide = client.get(f"/consensus/proposals/{proposal.id}/decide")
    assert decide.status_code == 200


def test_member_reports_and_moderator_keeps_through_the_pages(app: Flask, db: Session) -> None:
    facilitator, member = arrange.people(db, 2, prefix="Flow")
    moderator = factories.account(
        db, factories.auth_config(), name="Mod Flow", roles=(Role.MODERATOR,), totp=True
    )
    group = arrange.group(db, facilitator, [member])
    proposal = arrange.proposal(db, facilitator, group)
    found = arrange.open_next(db, facilitator, proposal)
    objection = arrange.take(db, member, found, PositionKind.OBJECT, "Rude words.")
    arrange.close(db, found)
    path = f"/consensus/positions/{objection.id}/report"
    response = post_form(_client(app, facilitator), path, {"why": "Please look."})
    assert response.status_code == 302
    report = db.scalar(select(Report))
    assert report is not None
    as_moderator = _client(app, moderator)
    response = post_form(
        as_moderator, f"/consensus/reports/{report.id}/keep", {}, token_from="/consensus/reports"
    )
    assert response.status_code == 302
    db.refresh(report)
    assert report.resolved_at is not None
    again = post_form(
        as_moderator,
        f"/consensus/reports/{report.id}/hide",
        {"rule": "address"},
        token_from="/consensus/reports",
    )
    assert again.status_code == 409
    assert "already decided" in again.get_data(as_text=True)
    no_rule = post_form(
        as_moderator, f"/consensus/reports/{report.id}/hide", {}, token_from="/consensus/reports"
    )
    assert no_rule.status_code == 302  # back to the list, with a message


@pytest.mark.parametrize(
    ("fallback", "expected"),
    [
        ("open", "Na 1 ronde zonder consensus stemt de groep over versie 1."),
        ("secret", "Na 1 ronde zonder consensus stemt de groep over versie 1."),
    ],
)
def test_the_fallback_page_counts_rounds_in_good_dutch_and_says_who_sees_the_names(
    app: Flask, db: Session, fallback: str, expected: str
) -> None:
    facilitator, member = arrange.people(db, 2, prefix="Vangnet")
    group = arrange.group(db, facilitator, [member], max_rounds=1, fallback=FallbackMode(fallback))
    proposal = arrange.proposal(db, facilitator, group)
    found = arrange.open_next(db, facilitator, proposal, now=utcnow() - dt.timedelta(days=8))
    arrange.take(
        db, member, found, PositionKind.OBJECT, "Nee.", now=utcnow() - dt.timedelta(days=8)
    )
    client = _client(app, facilitator)
    client.post("/language", data={"csrf_token": page_token(client, "/"), "locale": "nl"})
    client.get(f"/consensus/proposals/{proposal.id}")  # closes the round at its deadline
    page = client.get(f"/consensus/proposals/{proposal.id}/fallback").get_data(as_text=True)
    assert expected in page
    assert "1 rondes" not in page
    assert "ziet iedereen" not in page
    if fallback == "open":
        assert "ziet de groep elke naam en elke stem" in page
