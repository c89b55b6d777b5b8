"""The election journey of issue 6 in Chromium, with axe-core on every page it shows.

1. An officer prepares a vote through the forms; the trustees make its key (one with the
   real `stembus-trustee` over HTTP, with a token from the Trustee page); voting opens and
   a member sees the texts as the officer wrote them.
2. A member votes with the keyboard alone, one question per screen and all on one page,
   meets the error summary, reviews, casts, keeps the receipt, votes again, and sees the
   earlier ballot replaced; the confirmation mails never say the choice.
3. Anyone checks a tracking code on the public check page (in English), and reads the
   signed heads on the audit page.
4. Before the count, no page shows a result, for anyone (THREATS T17).
5. At the meeting: closing, partial decryptions (one through the tool), counting, the
   preview, publishing; the result page, the projector (updating itself with JavaScript,
   refreshing without), the minutes and their CSV, and the record that verifies.

Selectors use names, values, ids and link targets; the texts checked are the Dutch (or,
on the check page, English) words a member reads, where those words are the point.
Services build what a test is not about (tests/e2e/elections.py).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, unquote

import pytest
from sqlalchemy import select

from audit.tracking import TrackingCode
from audit.verifier import verify_record
from ballots import TrusteeSecret
from tests.e2e.conftest import NewVisitor
from tests.e2e.elections import (
    AMENDMENT_TEXT,
    AMENDMENT_TITLE,
    BOARD_TITLE,
    CANDIDATES,
    CHOICE_TITLE,
    MOTION_PARAGRAPHS,
    MOTION_TITLE,
    PLACES,
    Vote,
    local_field,
    open_vote,
    open_window_now,
    read_aloud,
    take_ceremony_steps,
    trustee_tool,
)
from tests.e2e.site import Person, Site
from tests.e2e.visitor import Focused, Visitor
from voting.accounts.models import Role
from voting.db import utcnow
from voting.elections.models import CastBallot, Election, ElectionState
from voting.keys import Keyring
from voting.witness import check_receipt

pytestmark = pytest.mark.e2e


def _signed_in(new_visitor: NewVisitor, person: Person, *, javascript: bool = True) -> Visitor:
    visitor = new_visitor(javascript=javascript)
    assert person.password is not None
    visitor.sign_in(person.email, person.password, person.totp_secret)
    return visitor


def _trustees(site: Site) -> list[Person]:
    return [
        site.person(name=name, roles=(Role.TRUSTEE,), totp=True)
        for name in ("Tineke Trustee", "Ties Trustee", "Tom Trustee")
    ]


def _progress(visitor: Visitor) -> list[list[str]]:
    """The ceremony's progress table on the manage page, cell by cell."""
    rows = visitor.page.locator("main table tbody tr")
    return [
        [cell.strip() for cell in rows.nth(i).locator("td").all_inner_texts()]
        for i in range(rows.count())
    ]


def page_texts(visitor: Visitor, selector: str) -> list[str]:
    """The inner texts of the elements `selector` finds, trimmed."""
    return [text.strip() for text in visitor.page.locator(selector).all_inner_texts()]


def _make_token(visitor: Visitor, election_id: int) -> str:
    """Make a tool token on the Trustee page (reached from the menu); the token shown once."""
    visitor.click("header nav a[href='/trustee']")
    visitor.click(f"form[action$='/trustee/{election_id}/token'] button[type=submit]")
    token = visitor.page.locator(".notice .secret").inner_text().strip()
    assert len(token) >= 32
    return token


def _error_summary(visitor: Visitor) -> list[tuple[str, str]]:
    """The error summary's entries (link target, text); focus must be in the summary."""
    summary = visitor.page.locator(".error-summary")
    assert summary.count() == 1, f"no error summary at {visitor.page.url}"
    assert visitor.focus_is_in(".error-summary"), "focus did not move to the error summary"
    links = summary.locator("a")
    return [
        (str(links.nth(i).get_attribute("href")), links.nth(i).inner_text().strip())
        for i in range(links.count())
    ]


# --------------------------------------------------------------------- 1. preparing


def _add_question(visitor: Visitor, kind: str, title: str, rule: str, **fields: str) -> None:
    page = visitor.page
    form = page.locator("form[action$='/questions']")
    form.locator("[name=kind]").select_option(kind)
    form.locator("[name=title]").fill(title)
    form.locator("[name=rule]").select_option(rule)
    for name, value in fields.items():
        target = form.locator(f"[name={name}]")
        if name == "amends":
            target.select_option(label=value)
        else:
            target.fill(value)
    visitor.click(form.locator("button[type=submit]"))


def test_officer_prepares_a_vote_and_the_trustees_make_its_key(
    site: Site, new_visitor: NewVisitor, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    officer = site.officer()
    trustees = _trustees(site)
    member = site.person(name="Mila Meijer")
    now = utcnow()

    # A meeting, and a vote under it, through the forms.
    as_officer = _signed_in(new_visitor, officer)
    as_officer.click("header nav a[href='/meetings']")
    page = as_officer.page
    page.locator("[name=title]").fill("ALV december")
    page.locator("[name=starts_at]").fill(local_field(now + dt.timedelta(days=8)))
    page.locator("[name=timezone]").select_option("Europe/Amsterdam")
    page.locator("[name=location]").fill("Utrecht, Jaarbeurs")
    page.locator("[name=online]").check()
    as_officer.click("main form button[type=submit]")
    meeting = re.fullmatch(r"/meetings/(\d+)", as_officer.path)
    assert meeting is not None, as_officer.path
    page.locator("[name=title]").fill("Moties en verkiezingen")
    page.locator("[name=opens_at]").fill(local_field(now + dt.timedelta(days=1)))
    page.locator("[name=closes_at]").fill(local_field(now + dt.timedelta(days=7)))
    page.locator("[name=electorate]").select_option("all-members")
    page.locator("[name=cutoff]").fill(local_field(now)[:10])
    as_officer.click("main form button[type=submit]")
    manage = re.fullmatch(r"/elections/(\d+)/manage", as_officer.path)
    assert manage is not None, as_officer.path
    election_id = int(manage.group(1))

    # The four questions; the amendment is first pinned to a paragraph that does not exist.
    _add_question(as_officer, "motion", MOTION_TITLE, "simple", text="\n\n".join(MOTION_PARAGRAPHS))
    amendment = {"text": AMENDMENT_TEXT, "amends": f"1. {MOTION_TITLE}"}
    _add_question(
        as_officer, "amendment", AMENDMENT_TITLE, "simple", **amendment, amends_paragraph="3"
    )
    assert as_officer.status == 400
    assert _error_summary(as_officer) == [
        ("#amends_paragraph", "Kies de alinea van de motie die het amendement wijzigt.")
    ]
    field = page.locator("[name=amends_paragraph]")
    assert field.get_attribute("aria-invalid") == "true"
    assert "amends_paragraph-error" in str(field.get_attribute("aria-describedby"))
    _add_question(
        as_officer, "amendment", AMENDMENT_TITLE, "simple", **amendment, amends_paragraph="2"
    )
    assert as_officer.status == 200
    _add_question(
        as_officer, "multiple-choice", CHOICE_TITLE, "plurality", options="\n".join(PLACES)
    )
    _add_question(
        as_officer,
        "approval",
        BOARD_TITLE,
        "approval",
        options="\n".join(CANDIDATES),
        seats="2",
    )
    assert page.locator("main ol.questions > li").count() == 4
    # The motion's paragraphs are numbered as the amendment cites them.
    assert page.locator("main ol.questions > li").first.locator("ol.paragraphs > li").count() > 1

    # Three trustees, two needed; then the ceremony starts and shows everyone's steps.
    trustee_boxes = page.locator("input[name=trustees]")
    assert trustee_boxes.count() == 3
    for i in range(3):
        trustee_boxes.nth(i).check()
    page.locator("form[action$='/trustees'] [name=threshold]").fill("2")
    as_officer.click("form[action$='/trustees'] button[type=submit]")
    as_officer.click("form[action$='/ceremony'] button[type=submit]")
    assert _progress(as_officer) == [[str(i), *["nog niet"] * 4] for i in (1, 2, 3)]

    # Trustee 1 makes a token on the Trustee page and runs stembus-trustee over HTTP;
    # trustees 2 and 3 run the tool's steps in-process.
    with site.session() as session:
        election = session.get(Election, election_id)
        assert election is not None
        index_of: dict[int | None, int] = {t.account_id: t.index for t in election.trustees}
        slug = election.slug
    assert [index_of[t.account_id] for t in trustees] == [1, 2, 3]
    as_trustee = _signed_in(new_visitor, trustees[0])
    token = _make_token(as_trustee, election_id)
    secret_file = tmp_path / "trustee-1.key"
    held: dict[int, TrusteeSecret] = {}
    agreed: list[str] = []
    for round_number in range(1, 7):
        take_ceremony_steps(site, election_id, held, {2, 3})
        assert trustee_tool(monkeypatch, token, "ceremony", site.url, secret_file, *agreed) == 0
        if round_number == 1:
            # Everyone announced; trustee 1's tool deals only once the trustees have read
            # the announcements' fingerprint aloud and it is given.
            as_officer.goto(f"/elections/{election_id}/manage")
            assert _progress(as_officer) == [
                ["1", "ja", "nog niet", "nog niet", "nog niet"],
                ["2", "ja", "nog niet", "nog niet", "nog niet"],
                ["3", "ja", "nog niet", "nog niet", "nog niet"],
            ]
            agreed = read_aloud(site, election_id)
        with site.session() as session:
            found = session.get(Election, election_id)
            assert found is not None
            if found.state is ElectionState.READY:
                break
    else:
        pytest.fail("the key ceremony did not complete")
    assert secret_file.stat().st_mode & 0o077 == 0

    # The officer freezes and opens voting.
    as_officer.goto(f"/elections/{election_id}/manage")
    as_officer.click("form[action$='/open'] button[type=submit]")
    with site.session() as session:
        opened = session.get(Election, election_id)
        assert opened is not None
        assert opened.state is ElectionState.OPEN
        assert opened.electorate_size == 5  # the officer, three trustees and Mila
        frozen = json.loads(str(opened.election_json))
    questions = frozen["manifest"]["questions"]
    assert [q["kind"] for q in questions] == [
        "motion",
        "amendment",
        "multiple-choice",
        "approval",
    ]
    assert questions[1]["amends"] == {"question": "q1", "paragraph": "p2"}
    assert questions[3]["seats"] == 2

    # The member reads the ballot as the officer wrote it: two numbered paragraphs, and
    # the amendment pinned to the second.
    open_window_now(site, election_id)
    as_member = _signed_in(new_visitor, member)
    as_member.click("header nav a[href='/vote/']")
    as_member.click(f"main a[href='/vote/{slug}']")
    paragraphs = page_texts(as_member, "#q1 .question-text p")
    assert paragraphs == [f"{n}. {text}" for n, text in enumerate(MOTION_PARAGRAPHS, 1)]
    assert "alinea 2 van vraag 1" in as_member.page.locator("#q2").inner_text()


# --------------------------------------------------------------------- 2. voting


def _tab_and_press(visitor: Visitor, key: str, matches: Callable[[Focused], bool]) -> None:
    visitor.tab_to(matches)
    visitor.page.keyboard.press(key)


def _with_id(element_id: str) -> Callable[[Focused], bool]:
    return lambda focused: focused.id == element_id


def _question_number(visitor: Visitor) -> str:
    return visitor.page.locator(".question-number").inner_text().strip()


def test_member_votes_twice_with_the_keyboard_alone(site: Site, new_visitor: NewVisitor) -> None:
    officer = site.officer()
    member = site.person(name="Mila Meijer")  # on the list when voting opens
    vote = open_vote(site, officer, _trustees(site))
    slug = vote.slug
    as_member = _signed_in(new_visitor, member)
    keys = as_member.page.keyboard

    # From the menu to the ballot, one question per screen. No mouse from here on.
    as_member.tab_to(lambda f: f.href == "/vote/")
    as_member.press("Enter")
    as_member.tab_to(lambda f: f.href == f"/vote/{slug}?mode=step")
    as_member.press("Enter")
    assert _question_number(as_member) == "Vraag 1 van 4"
    assert (
        "Onthoudingen en blanco stemmen tellen niet mee"
        in as_member.page.locator("#q1-rule").inner_text()
    )
    as_member.tab_to(lambda f: f.name == "q1")  # the first option: Voor
    keys.press("Space")
    as_member.press("Enter")  # Enter in a question goes on to the next one
    assert _question_number(as_member) == "Vraag 2 van 4"
    as_member.tab_to(lambda f: f.name == "q2")
    keys.press("ArrowDown")  # Tegen
    as_member.press("Enter")
    assert _question_number(as_member) == "Vraag 3 van 4", "Enter went back, not on"
    as_member.tab_to(lambda f: f.name == "q3")
    keys.press("ArrowDown")  # the second place
    as_member.press("Enter")
    assert _question_number(as_member) == "Vraag 4 van 4"

    # Three candidates for two seats: the error summary takes the focus and leads back.
    for option in ("o1", "o2", "o3"):
        _tab_and_press(as_member, "Space", _with_id(f"q4-{option}"))
    as_member.tab_to(lambda f: f.value == "review")
    as_member.press("Enter")
    assert as_member.status == 400
    assert _error_summary(as_member) == [("#q4", "Vraag 4: kies maximaal 2.")]
    as_member.tab_to(lambda f: f.href == "#q4", limit=1)
    keys.press("Enter")
    # The next Tab lands on the question's first box; the three ticks are kept to correct.
    assert as_member.tab_to(lambda _f: True, limit=1).id == "q4-o1"
    assert as_member.page.locator("#q4 .error-message").count() == 1
    assert as_member.page.locator("#q4 input:checked").count() == 3
    _tab_and_press(as_member, "Space", lambda f: f.id == "q4-o3")
    assert as_member.page.locator("#q4 input:checked").count() == 2
    as_member.tab_to(lambda f: f.value == "review")
    as_member.press("Enter")

    # The review lists every choice; casting leads to the receipt.
    assert _reviewed(as_member) == [
        "Voor",
        "Tegen",
        PLACES[1],
        f"{CANDIDATES[0]}, {CANDIDATES[1]}",
    ]
    as_member.tab_to(lambda f: f.value == "cast")
    as_member.press("Enter")
    first_code = _receipt(site, as_member, vote)

    # Again, all on one page: a missing choice and too many, both in the summary.
    as_member.tab_to(lambda f: f.href == "/vote/")
    as_member.press("Enter")
    as_member.tab_to(lambda f: f.href == f"/vote/{slug}")
    as_member.press("Enter")
    assert as_member.page.locator("fieldset.question").count() == 4
    as_member.tab_to(lambda f: f.name == "q1")
    keys.press("ArrowDown")  # Tegen
    for option in ("o1", "o2", "o3"):
        _tab_and_press(as_member, "Space", _with_id(f"q4-{option}"))
    as_member.tab_to(lambda f: f.value == "review")
    as_member.press("Enter")
    assert as_member.status == 400
    assert _error_summary(as_member) == [
        ("#q3", "Vraag 3: kies een optie."),
        ("#q4", "Vraag 4: kies maximaal 2."),
    ]
    for qid in ("q3", "q4"):  # the rule, the number of choices and the error, all present
        described = str(as_member.page.locator(f"#{qid}").get_attribute("aria-describedby"))
        assert described.split() == [f"{qid}-rule", f"{qid}-limit", f"{qid}-error"]
        for target in described.split():
            assert as_member.page.locator(f"#{target}").count() == 1
    assert as_member.page.locator("#q1-tegen").is_checked()  # the valid choice stays
    as_member.tab_to(lambda f: f.name == "q3")
    keys.press("ArrowDown")
    keys.press("ArrowDown")  # the third place
    assert as_member.page.locator("#q4 input:checked").count() == 3  # kept to correct
    for option in ("o1", "o2"):  # untick two: the third candidate stays
        _tab_and_press(as_member, "Space", _with_id(f"q4-{option}"))
    as_member.tab_to(lambda f: f.value == "review")
    as_member.press("Enter")
    assert _reviewed(as_member) == [
        "Tegen",
        "Blanco (geen keuze)",
        PLACES[2],
        CANDIDATES[2],
    ]
    as_member.tab_to(lambda f: f.value == "cast")
    as_member.press("Enter")
    second_code = _receipt(site, as_member, vote)
    assert second_code != first_code

    # My ballots: the first is replaced by the second.
    as_member.tab_to(lambda f: f.href == "/vote/")
    as_member.press("Enter")
    as_member.tab_to(lambda f: f.href == f"/vote/{slug}/mine")
    as_member.press("Enter")
    rows = as_member.page.locator("main table tbody tr")
    assert [row.locator("td").all_inner_texts()[1:] for row in rows.all()] == [
        [first_code, "nee, vervangen door een latere stem"],
        [second_code, "ja"],
    ]
    assert _reflows(as_member) <= 320

    # Two confirmations, each with its code and nothing of the choices.
    mails = site.mail.wait_for(2, to=member.email)
    bodies = [site.mail.body_of(mail) for mail in mails]
    assert [code in body for body in bodies for code in (first_code, second_code)] == [
        True,
        False,
        False,
        True,
    ]
    for body in bodies:
        assert "Niemand kan dat zien" in body
        for label in (*PLACES, *CANDIDATES, "Voor", "Tegen", "Blanco"):
            assert label not in body


def _reviewed(visitor: Visitor) -> list[str]:
    """The choices on the review page, question by question (without the Change buttons)."""
    return list(
        visitor.page.eval_on_selector_all(
            "main dl.summary dd", "els => els.map(e => e.firstChild.textContent.trim())"
        )
    )


def _receipt(site: Site, visitor: Visitor, vote: Vote) -> str:
    """Check the receipt page and its signed download; the tracking code."""
    prefix = f"/vote/{vote.slug}/receipt/"
    assert visitor.path.startswith(prefix), visitor.path
    code = unquote(visitor.path.removeprefix(prefix))
    TrackingCode.parse(code)  # a well-formed code, check symbol and all
    page = visitor.page
    assert page.locator(".tracking-code").inner_text().strip() == code
    assert _reflows(visitor) <= 320
    assert page.locator("figure.qr svg").is_visible()
    check_link = page.locator("figure.qr figcaption a")
    assert unquote(str(check_link.get_attribute("href"))) == f"{site.url}/check?code={code}"
    visitor.tab_to(lambda f: unquote(f.href).endswith(f"/receipt/{code}.json"))
    with page.expect_download() as download:
        page.keyboard.press("Enter")
    raw = Path(download.value.path()).read_bytes()
    document = json.loads(raw)
    assert (document["election_id"], document["tracking_code"]) == (vote.slug, code)
    with site.session() as session:
        assert check_receipt(session, Keyring(site.settings.secret_key), raw) is None
        stored = session.scalars(select(CastBallot).where(CastBallot.tracking_code == code)).one()
    assert document["log_index"] == stored.log_index
    return code


# --------------------------------------------------------------------- 3. checking


def _reflows(visitor: Visitor) -> int:
    """How wide the page is at 320 CSS pixels (WCAG 1.4.10: no sideways scrolling)."""
    size = visitor.page.viewport_size
    visitor.page.set_viewport_size({"width": 320, "height": 640})
    try:
        return int(visitor.page.evaluate("() => document.documentElement.scrollWidth"))
    finally:
        if size is not None:
            visitor.page.set_viewport_size(size)


def _check_code(visitor: Visitor, typed: str) -> None:
    """Type a code into the check page's field and send it with Enter."""
    visitor.tab_to(lambda f: f.name == "code")
    visitor.page.keyboard.press("Control+A")
    visitor.page.keyboard.type(typed)
    visitor.press("Enter")


def test_anyone_checks_a_tracking_code_and_reads_the_signed_heads(
    site: Site, visitor: Visitor
) -> None:
    member = site.person(name="Mila Meijer")
    vote = open_vote(site, site.officer(), _trustees(site), full=False)
    replaced = vote.cast(member, {"q1": ["voor"]})
    counted = vote.cast(member, {"q1": ["tegen"]})
    with site.session() as session:
        cast_rows = session.execute(select(CastBallot.tracking_code, CastBallot.log_index)).all()
        index_of = {code: index for code, index in cast_rows}

    # No sign-in; in English. The code as someone might type it off paper.
    visitor.goto("/")
    visitor.choose_language("en")
    visitor.tab_to(lambda f: f.href == "/check")
    visitor.press("Enter")
    _check_code(visitor, counted.lower().replace("-", " "))
    assert visitor.status == 200
    found = visitor.page.locator("main section[role=status]")
    assert found.locator("h2").inner_text() == "Your ballot is in the log"
    facts = page_texts(visitor, "main section[role=status] dd")
    assert facts[0] == "Moties en verkiezingen"
    assert facts[1] == str(index_of[counted])
    assert facts[3].startswith("Yes, this is the voter")
    assert _reflows(visitor) <= 320
    _check_code(visitor, replaced)
    assert page_texts(visitor, "main section[role=status] dd")[3].startswith("No: the same voter")

    # A typo, and a well-formed code that no ballot has: the error is at the field.
    typo = counted[:-1] + ("0" if counted[-1] != "0" else "1")
    unknown = str(TrackingCode(prefix=bytes(15)))
    for typed, message in (
        (typo, "the last character does not match; there may be a typo."),
        (unknown, "No ballot has this tracking code."),
    ):
        _check_code(visitor, typed)
        assert visitor.status == 404
        [(target, text)] = _error_summary(visitor)
        assert target == "#code"
        assert message in text
        field = visitor.page.locator("input[name=code]")
        assert field.get_attribute("aria-invalid") == "true"
        described = str(field.get_attribute("aria-describedby")).split()
        assert message in visitor.page.locator(f"#{described[-1]}").inner_text()
        assert visitor.page.locator("main section[role=status]").count() == 0

    # The audit page lists the signed heads, newest first, as heads.json has them.
    _check_code(visitor, counted)
    visitor.click(f"main a[href='/elections/{vote.slug}/audit']")
    heads = visitor.page.request.get(f"{site.url}/elections/{vote.slug}/heads.json").json()
    bodies = [head["body"] for head in reversed(heads["heads"])]
    rows = visitor.page.locator("main table tbody tr")
    assert [row.locator("td").all_inner_texts()[::2] for row in rows.all()] == [
        [str(body["size"]), body["root"]] for body in bodies
    ]
    # The time reads as a date and time; the machine-readable one is exactly the head's.
    signed_at = [
        dt.datetime.fromisoformat(str(row.locator("time").get_attribute("datetime")))
        for row in rows.all()
    ]
    assert [round(t.timestamp() * 1000) for t in signed_at] == [b["timestamp"] for b in bodies]
    assert re.fullmatch(
        r"\d{1,2} \w{3} 20\d\d \d\d:\d\d:\d\d", rows.first.locator("time").inner_text()
    )
    assert int(bodies[0]["size"]) > index_of[counted]


# --------------------------------------------------------------------- 4. no early results

# What a result looks like in a page: its sections, outcome words, charts and bars.
RESULT_MARKERS = "section.result, .outcome, svg.chart, .chart-bar"
RESULT_HTML = ('class="result"', "outcome-", 'class="chart"', "chart-bar")


def _crawl(
    site: Site, visitors: dict[str, Visitor], pages: list[str], vote: Vote, *, browse: bool
) -> None:
    """Every page of the journey, and its downloads, as each visitor: no result anywhere.

    Each page is fetched with the visitor's cookies; with `browse`, the pages the visitor
    may see are also opened in the browser (and checked with axe-core).
    """
    state = vote.state().value
    for who, visitor in visitors.items():
        api = visitor.page.request
        for path in pages:
            where = f"{path} as {who} ({state})"
            response = api.get(site.url + path)
            assert response.status in {200, 403, 404, 409}, where
            html = response.text()
            assert not [marker for marker in RESULT_HTML if marker in html], where
            if browse and response.ok and not response.url.startswith(f"{site.url}/login"):
                visitor.goto(path)
                assert visitor.page.locator(RESULT_MARKERS).count() == 0, where
        meeting = f"{site.url}/meetings/{vote.meeting_id}"
        assert api.get(f"{meeting}/projector.json").json()["published"] == []
        minutes = api.get(f"{meeting}/minutes.csv")
        if minutes.headers["content-type"].startswith("text/csv"):
            assert len(minutes.text().strip().splitlines()) == 1, f"minutes rows as {who}"
        record = api.get(f"{site.url}/elections/{vote.slug}/record.zip").body()
        with zipfile.ZipFile(io.BytesIO(record)) as archive:
            names = archive.namelist()
            assert "result.json" not in names
            assert not any(b'"outcomes"' in archive.read(name) for name in names), who


def test_no_page_shows_a_result_before_the_count(site: Site, new_visitor: NewVisitor) -> None:
    """T17: while voting is open, and once closed with k shares in, nobody sees a count."""
    officer = site.officer()
    member = site.person(name="Mila Meijer")
    vote = open_vote(site, officer, _trustees(site))
    code = vote.cast(member, {"q1": ["voor"], "q2": [], "q3": ["o1"], "q4": ["o1", "o2"]})
    slug, meeting, election = vote.slug, vote.meeting_id, vote.election_id
    pages = [
        "/",
        "/vote/",
        f"/vote/{slug}",
        f"/vote/{slug}?mode=step",
        f"/vote/{slug}/mine",
        f"/vote/{slug}/receipt/{quote(code)}",
        f"/check?code={quote(code)}",
        f"/elections/{slug}/audit",
        f"/elections/{slug}/result",
        "/meetings",
        f"/meetings/{meeting}",
        f"/meetings/{meeting}/projector",
        f"/meetings/{meeting}/minutes",
        f"/elections/{election}/manage",
        f"/elections/{election}/preview",
        f"/elections/{election}/copy",
    ]
    visitors = {
        "anonymous": new_visitor(),
        "member": _signed_in(new_visitor, member),
        "officer": _signed_in(new_visitor, officer),
    }
    _crawl(site, visitors, pages, vote, browse=False)
    vote.close()
    vote.send_share(1)
    vote.send_share(2)
    _crawl(site, visitors, pages, vote, browse=True)
    assert vote.state() is ElectionState.CLOSED


# --------------------------------------------------------------------- 5. at the meeting

# Three members' ballots: the motion is adopted, the amendment rejected (abstentions do
# not count), the second place wins, and the first two candidates are elected.
BALLOTS = (
    {"q1": ["voor"], "q2": ["tegen"], "q3": ["o2"], "q4": ["o1", "o2"]},
    {"q1": ["voor"], "q2": ["tegen"], "q3": ["o2"], "q4": ["o1", "o2"]},
    {"q1": ["tegen"], "q2": ["onthouding"], "q3": ["o1"], "q4": ["o3"]},
)


@dataclass(frozen=True)
class Shown:
    """One question's result as a page shows it."""

    outcome: str  # in words (the page shows it in capitals)
    rule: str
    chart: str  # the chart's title; hidden from screen readers, as the table repeats it
    bars: int
    rows: list[list[str]]  # the table: option, votes, share


def _results(visitor: Visitor) -> list[Shown]:
    """Each result section on the page."""
    out = []
    for section in visitor.page.locator("main section.result").all():
        chart = section.locator("svg.chart[aria-hidden=true]")
        out.append(
            Shown(
                section.locator(".outcome").inner_text().strip().lower(),
                section.locator(".rule").inner_text().strip(),
                str(chart.locator("title").text_content()),
                chart.locator("rect.chart-bar").count(),
                [
                    [" ".join(cell.split()) for cell in row.locator("th, td").all_inner_texts()]
                    for row in section.locator("tbody tr").all()
                ],
            )
        )
    return out


def test_at_the_meeting_the_result_is_counted_published_and_projected(
    site: Site, new_visitor: NewVisitor, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    officer = site.officer()
    trustees = _trustees(site)
    voters = [site.person(name=f"Kiezer {n}") for n in (1, 2, 3)]
    vote = open_vote(site, officer, trustees)
    budget = open_vote(
        site, officer, trustees, title="Begroting 2027", meeting_id=vote.meeting_id, full=False
    )
    for voter, choices in zip(voters, BALLOTS, strict=True):
        vote.cast(voter, choices)
    for voter in voters[:2]:
        budget.cast(voter, {"q1": ["voor"]})

    # The officer closes voting from the manage page.
    as_officer = _signed_in(new_visitor, officer)
    as_officer.click("header nav a[href='/meetings']")
    as_officer.click(f"main a[href='/meetings/{vote.meeting_id}']")
    as_officer.click(f"main a[href='/elections/{vote.election_id}/manage']")
    as_officer.click("form[action$='/close'] button[type=submit]")
    assert vote.state() is ElectionState.CLOSED

    # Trustee 1 decrypts with stembus-trustee (a new token from the Trustee page, the
    # secret file from the ceremony); trustee 2's share comes through the services.
    as_trustee = _signed_in(new_visitor, trustees[0])
    token = _make_token(as_trustee, vote.election_id)
    secret_file = vote.secret_file(1, tmp_path)
    assert trustee_tool(monkeypatch, token, "decrypt", site.url, secret_file) == 0
    vote.send_share(2)

    # The officer counts, looks at the preview, and publishes.
    as_officer.goto(f"/elections/{vote.election_id}/manage")
    assert "1, 2" in as_officer.page.locator("main").inner_text()
    as_officer.click("form[action$='/decrypt'] button[type=submit]")
    assert vote.state() is ElectionState.DECRYPTED
    public = new_visitor()  # counted is not published: the public sees nothing yet
    public.goto(f"/elections/{vote.slug}/result")
    assert public.status == 404
    public.goto(f"/meetings/{vote.meeting_id}/projector")
    assert public.page.locator(RESULT_MARKERS).count() == 0
    as_officer.click(f"main a[href='/elections/{vote.election_id}/preview']")
    assert as_officer.page.locator("main .notice-warning").count() == 1
    preview = _results(as_officer)
    as_officer.goto(f"/elections/{vote.election_id}/manage")
    as_officer.click("form[action$='/publish'] button[type=submit]")
    assert vote.state() is ElectionState.PUBLISHED

    # The public result: outcomes in the statutes' words, the rule, a chart and a table.
    public.goto(f"/elections/{vote.slug}/result")
    results = _results(public)
    assert results == preview
    assert _reflows(public) <= 320
    assert [r.outcome for r in results] == ["aangenomen", "verworpen", "aangenomen", "gekozen"]
    rules = [r.rule for r in results]
    assert "Onthoudingen en blanco stemmen tellen niet mee als uitgebrachte stem." in rules[0]
    assert rules[1] == rules[0]
    assert rules[2].startswith("De optie met de meeste stemmen wint.")
    assert rules[3].startswith("De kandidaten met de meeste stemmen krijgen de plaatsen.")
    assert [r.bars for r in results] == [3, 3, 3, 3]
    assert [r.chart for r in results] == [
        f"Grafiek van de stemmen bij: {title}"
        for title in (MOTION_TITLE, AMENDMENT_TITLE, CHOICE_TITLE, BOARD_TITLE)
    ]
    assert results[0].rows == [
        ["Voor", "2", "66,7%"],
        ["Tegen", "1", "33,3%"],
        ["Onthouding", "0", "—"],
        ["Blanco", "0", "—"],
    ]
    assert results[1].rows[:3] == [
        ["Voor", "0", "0,0%"],
        ["Tegen", "2", "100,0%"],
        ["Onthouding", "1", "—"],
    ]
    place_rows = results[2].rows
    assert [row[:2] for row in place_rows[:3]] == [
        [PLACES[0], "1"],
        [f"{PLACES[1]} meeste stemmen", "2"],
        [PLACES[2], "0"],
    ]
    assert results[3].rows == [
        [f"{CANDIDATES[0]} gekozen", "2", "66,7%"],
        [f"{CANDIDATES[1]} gekozen", "2", "66,7%"],
        [CANDIDATES[2], "1", "33,3%"],
    ]

    # The projector, with JavaScript: large, high contrast, and it updates in place when the
    # second vote closes and when it is published (it polls projector.json).
    projector = new_visitor()
    with projector.page.expect_response(lambda r: r.url.endswith("/projector.json")):
        projector.goto(f"/meetings/{vote.meeting_id}/projector")
    assert projector.page.locator("main article.projector-election").count() == 1
    assert len(_results(projector)) == 4
    assert projector.page.locator("meta[http-equiv=refresh]").count() == 0
    # Text half as large again as on other pages, white on black; headings (with the
    # outcome) larger still.
    body, *headings = projector.page.evaluate(
        """() => ['body', 'h1', '.projector-title', 'section.result h2'].map(s => {
            const style = getComputedStyle(document.querySelector(s));
            return [parseFloat(style.fontSize), style.color, style.backgroundColor]; })"""
    )
    assert body == [27.0, "rgb(255, 255, 255)", "rgb(0, 0, 0)"]
    assert all(size > 27 for size, _color, _background in headings), headings
    projector.page.evaluate("() => { window.notReloaded = true; }")
    budget.close()
    # The closing state's root hash appears for trustees and witnesses to write down.
    projector.page.wait_for_selector("main section.projector-election .root-hash")
    budget.send_share(2)
    budget.send_share(3)
    budget.count()
    as_officer.goto(f"/elections/{budget.election_id}/manage")
    as_officer.click("form[action$='/publish'] button[type=submit]")
    projector.page.wait_for_function(
        "() => document.querySelectorAll('main article.projector-election').length === 2"
    )
    assert projector.page.evaluate("() => window.notReloaded") is True  # updated in place
    assert projector.page.locator("main section.projector-election").count() == 0
    assert "bijgewerkt" in projector.page.locator("#projector-status").inner_text()
    projector.audit()
    titles = page_texts(projector, "main article.projector-election .projector-title")
    assert titles == ["Moties en verkiezingen", "Begroting 2027"]
    projector.page.goto("about:blank")  # stop polling

    # Without JavaScript, the page refreshes itself instead.
    plain = new_visitor(javascript=False)
    plain.goto(f"/meetings/{vote.meeting_id}/projector")
    refresh = plain.page.locator("meta[http-equiv=refresh]")
    assert refresh.count() == 1
    assert refresh.get_attribute("content") == "20"
    assert plain.page.locator("main article.projector-election").count() == 2
    plain.page.goto("about:blank")  # before the refresh loads an unchecked page

    # The minutes, printable and as CSV, list every decision with its rule and counts.
    as_officer.click(f"main a[href='/meetings/{vote.meeting_id}']")
    as_officer.click(f"main a[href='/meetings/{vote.meeting_id}/minutes']")
    decisions = as_officer.page.locator("main table tbody tr")
    assert decisions.count() == 5
    assert "Voor: 2; Tegen: 1; Onthouding: 0" in decisions.nth(0).inner_text()
    as_officer.tab_to(lambda f: f.href.endswith("/minutes.csv"))
    with as_officer.page.expect_download() as download:
        as_officer.page.keyboard.press("Enter")
    text = Path(download.value.path()).read_text("utf-8-sig")
    table = list(csv.reader(io.StringIO(text), delimiter=";"))  # as Dutch spreadsheets read it
    assert table[0] == [  # in the reader's language
        "Naam van de stemming",
        "Nummer van de vraag",
        "Vraag",
        "Beslisregel",
        "Uitkomst",
        "Kiezers",
        "Uitgebrachte stemmen",
        "Telling",
    ]
    assert [row[1:3] + row[4:7] for row in table[1:]] == [
        ["1", MOTION_TITLE, "aangenomen", "3", "3"],
        ["2", AMENDMENT_TITLE, "verworpen", "3", "2"],
        ["3", CHOICE_TITLE, "aangenomen", "3", "3"],
        ["4", BOARD_TITLE, "gekozen", "3", "3"],
        ["1", MOTION_TITLE, "aangenomen", "2", "2"],
    ]
    assert all(row[3] for row in table[1:])

    # The election record from the audit page verifies.
    public.click(f"main a[href='/elections/{vote.slug}/audit']")
    public.tab_to(lambda f: f.href.endswith("/record.zip"))
    with public.page.expect_download() as record:
        public.page.keyboard.press("Enter")
    report = verify_record(Path(record.value.path()), [], 1)
    assert report.ok, "\n".join(report.lines())
