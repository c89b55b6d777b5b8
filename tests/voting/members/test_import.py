"""Member import from the CRM: formats, every problem with its line, dry run, idempotent
apply, nothing changed by a bad file, look-alike names (T34), safe CSV round trip (T32)."""

from __future__ import annotations

import datetime as dt
import unicodedata

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests import factories
from voting.events import Event
from voting.members.importer import parse_member_file
from voting.members.models import Member, MemberStatus
from voting.members.services import ImportRefused, apply_import, export_members_csv, plan_import

TODAY = dt.date(2026, 11, 26)
NOW = dt.datetime(2026, 11, 26, 12, tzinfo=dt.UTC)
HEADER = "lidnummer;naam;e-mail;afdeling;status;lid sinds"


def csv(*rows: str, header: str = HEADER, bom: bool = True) -> bytes:
    text = "\r\n".join([header, *rows]) + "\r\n"
    return (("\ufeff" if bom else "") + text).encode()


@pytest.fixture
def branches(db: Session) -> None:
    factories.branch(db, "utrecht", "Utrecht")
    factories.branch(db, "bonaire", "Bonaire", "America/Kralendijk")
    db.commit()


GOOD = csv(
    "1001;Anna de Vries;anna@example.org;utrecht;actief;2020-01-31",
    "1002;Bram Jansen;bram@example.org;Bonaire;actief;31-01-2021",
    "1003;Chris Bakker;chris@example.org;utrecht;geschorst;01/02/2022",
)


def _members(db: Session) -> dict[str, Member]:
    return {m.number: m for m in db.scalars(select(Member))}


# ------------------------------------------------------------------ reading the file


@pytest.mark.parametrize("bom", [True, False])
def test_semicolon_file_with_or_without_bom_is_read(bom: bool) -> None:
    parsed = parse_member_file(csv("1;A B;a@example.org;utrecht;actief;2020-01-01", bom=bom), TODAY)
    assert parsed.problems == ()
    assert parsed.rows[0].name == "A B"


def test_comma_file_with_english_headers_and_quotes_is_read() -> None:
    content = b'Member number,Name,Email,Branch,Status,Member since\r\n7,"Jansen, Piet",p@example.org,utrecht,active,2020-01-01\r\n'
    parsed = parse_member_file(content, TODAY)
    assert parsed.problems == ()
    assert parsed.rows[0].name == "Jansen, Piet"
    assert parsed.rows[0].status is MemberStatus.ACTIVE


@pytest.mark.parametrize(
    ("row", "column", "message"),
    [
        ("1;A;not-an-address;utrecht;actief;2020-01-01", "email", "not a valid e-mail"),
        (";A;a@example.org;utrecht;actief;2020-01-01", "number", "member number is missing"),
        ("1;;a@example.org;utrecht;actief;2020-01-01", "name", "name is missing"),
        ("1;A;a@example.org;utrecht;lid-af;2020-01-01", "status", "Unknown membership status"),
        ("1;A;a@example.org;utrecht;actief;31-31-2020", "member_since", "not a date"),
        ("1;A;a@example.org;utrecht;actief;2099-01-01", "member_since", "in the future"),
        (
            "1;A\u202eB;a@example.org;utrecht;actief;2020-01-01",
            "name",
            "changes the text direction",
        ),
        ("1;A\u0007B;a@example.org;utrecht;actief;2020-01-01", "name", "control character"),
        ("1/2;A;a@example.org;utrecht;actief;2020-01-01", "number", "letters and digits"),
        ("1;A;a@example.org", "branch", "branch is missing"),
    ],
)
def test_each_bad_row_is_reported_with_its_line_and_column(
    row: str, column: str, message: str
) -> None:
    parsed = parse_member_file(
        csv("9;Good Row;good@example.org;utrecht;actief;2020-01-01", row), TODAY
    )
    problems = [p for p in parsed.problems if p.column == column]
    assert problems, parsed.problems
    assert problems[0].line == 3
    assert message in str(problems[0].message)


def test_duplicate_member_number_and_address_name_the_other_line() -> None:
    parsed = parse_member_file(
        csv(
            "1;A;a@example.org;utrecht;actief;2020-01-01",
            "1;B;b@example.org;utrecht;actief;2020-01-01",
            "2;C;A@EXAMPLE.ORG;utrecht;actief;2020-01-01",
        ),
        TODAY,
    )
    messages = {(p.line, str(p.message)) for p in parsed.problems}
    assert (3, "Member number 1 is also on line 2.") in messages
    assert (4, "This e-mail address is also on line 2.") in messages


def test_missing_columns_are_named() -> None:
    parsed = parse_member_file(b"lidnummer;naam\r\n1;A\r\n", TODAY)
    assert {p.column for p in parsed.problems} == {"email", "branch", "status", "member_since"}
    assert all(p.line == 1 for p in parsed.problems)


def test_non_utf8_file_names_the_line() -> None:
    content = HEADER.encode() + b"\n1;Ren\xe9;r@example.org;utrecht;actief;2020-01-01\n"
    parsed = parse_member_file(content, TODAY)
    assert parsed.problems[0].line == 2
    assert "not UTF-8" in str(parsed.problems[0].message)


def test_unbalanced_quote_is_reported_not_raised() -> None:
    parsed = parse_member_file(csv('1;"A;a@example.org;utrecht;actief;2020-01-01'), TODAY)
    assert parsed.problems


def test_empty_file_is_reported() -> None:
    assert "empty" in str(parse_member_file(b"", TODAY).problems[0].message)


def test_names_are_stored_in_nfc(db: Session, branches: None) -> None:
    decomposed = unicodedata.normalize("NFD", "Émile Zoë")
    apply_import(
        db,
        csv(f"1;{decomposed};e@example.org;utrecht;actief;2020-01-01"),
        expected_digest=None,
        confirm_mass_deactivation=False,
        actor=None,
        now=NOW,
    )
    name = _members(db)["1"].name
    assert name == unicodedata.normalize("NFC", "Émile Zoë")
    assert name != decomposed


# ------------------------------------------------------------------ plan and apply


def test_dry_run_changes_nothing(db: Session, branches: None) -> None:
    plan = plan_import(db, GOOD, TODAY)
    assert plan.counts()["added"] == 3
    assert _members(db) == {}


def test_apply_adds_members_with_their_branch_time_zone_and_logs_it(
    db: Session, branches: None
) -> None:
    plan = plan_import(db, GOOD, TODAY)
    apply_import(
        db,
        GOOD,
        expected_digest=plan.digest(),
        confirm_mass_deactivation=False,
        actor=None,
        now=NOW,
    )
    members = _members(db)
    assert members["1002"].timezone == "America/Kralendijk"
    assert members["1003"].status is MemberStatus.SUSPENDED
    assert members["1002"].member_since == dt.date(2021, 1, 31)
    event = db.scalar(select(Event).where(Event.action == "members.imported"))
    assert event is not None
    assert event.details["added"] == 3


def test_applying_twice_changes_nothing_the_second_time(db: Session, branches: None) -> None:
    apply_import(
        db, GOOD, expected_digest=None, confirm_mass_deactivation=False, actor=None, now=NOW
    )
    snapshot = {n: (m.name, m.email, m.status, m.updated_at) for n, m in _members(db).items()}
    plan = apply_import(
        db,
        GOOD,
        expected_digest=None,
        confirm_mass_deactivation=False,
        actor=None,
        now=NOW + dt.timedelta(days=1),
    )
    assert plan.counts() == {
        "added": 0,
        "changed": 0,
        "deactivated": 0,
        "unchanged": 3,
        "problems": 0,
        "warnings": 0,
    }
    assert {
        n: (m.name, m.email, m.status, m.updated_at) for n, m in _members(db).items()
    } == snapshot


def test_changes_deactivations_and_reactivations(db: Session, branches: None) -> None:
    apply_import(
        db, GOOD, expected_digest=None, confirm_mass_deactivation=False, actor=None, now=NOW
    )
    update = csv(
        "1001;Anna de Vries-Bakker;anna@example.org;utrecht;actief;2020-01-31",
        "1003;Chris Bakker;chris@example.org;utrecht;actief;2022-02-01",
    )
    plan = plan_import(db, update, TODAY)
    assert [(c.number, c.fields) for c in plan.changed] == [
        ("1001", ("name",)),
        ("1003", ("status",)),
    ]
    assert plan.deactivated == (("1002", "Bram Jansen"),)
    assert plan.needs_mass_confirmation  # one of three is more than 10 %
    with pytest.raises(ImportRefused, match="deactivate many"):
        apply_import(
            db,
            update,
            expected_digest=plan.digest(),
            confirm_mass_deactivation=False,
            actor=None,
            now=NOW,
        )
    apply_import(
        db,
        update,
        expected_digest=plan.digest(),
        confirm_mass_deactivation=True,
        actor=None,
        now=NOW,
    )
    members = _members(db)
    assert members["1002"].status is MemberStatus.ENDED
    assert members["1003"].status is MemberStatus.ACTIVE
    assert members["1001"].name == "Anna de Vries-Bakker"


def test_file_with_one_bad_row_changes_nothing(db: Session, branches: None) -> None:
    apply_import(
        db, GOOD, expected_digest=None, confirm_mass_deactivation=False, actor=None, now=NOW
    )
    before = {n: (m.name, m.email, m.status) for n, m in _members(db).items()}
    events = db.scalar(select(func.count()).select_from(Event))
    bad = csv(
        "1001;Someone Else;anna@example.org;utrecht;actief;2020-01-31",
        "1004;New Person;new@example.org;nowhere;actief;2020-01-31",
    )
    plan = plan_import(db, bad, TODAY)
    assert [(p.line, p.column) for p in plan.problems] == [(3, "branch")]
    with pytest.raises(ImportRefused, match="problems"):
        apply_import(
            db, bad, expected_digest=None, confirm_mass_deactivation=True, actor=None, now=NOW
        )
    db.rollback()
    assert {n: (m.name, m.email, m.status) for n, m in _members(db).items()} == before
    assert db.scalar(select(func.count()).select_from(Event)) == events


def test_plan_that_changed_since_the_preview_is_refused(db: Session, branches: None) -> None:
    preview = plan_import(db, GOOD, TODAY)
    factories.member(
        db, number="1002", email="bram@example.org", name="Bram Jansen", branch_code="utrecht"
    )
    db.commit()
    with pytest.raises(ImportRefused, match="changed since the preview"):
        apply_import(
            db,
            GOOD,
            expected_digest=preview.digest(),
            confirm_mass_deactivation=False,
            actor=None,
            now=NOW,
        )


def test_address_of_a_member_missing_from_the_file_cannot_be_taken(
    db: Session, branches: None
) -> None:
    factories.member(db, number="5", email="taken@example.org")
    db.commit()
    plan = plan_import(db, csv("6;New;taken@example.org;utrecht;actief;2020-01-01"), TODAY)
    assert [p.column for p in plan.problems] == ["email"]


def test_two_members_may_swap_addresses(db: Session, branches: None) -> None:
    apply_import(
        db, GOOD, expected_digest=None, confirm_mass_deactivation=False, actor=None, now=NOW
    )
    swapped = csv(
        "1001;Anna de Vries;bram@example.org;utrecht;actief;2020-01-31",
        "1002;Bram Jansen;anna@example.org;Bonaire;actief;31-01-2021",
        "1003;Chris Bakker;chris@example.org;utrecht;geschorst;01/02/2022",
    )
    apply_import(
        db, swapped, expected_digest=None, confirm_mass_deactivation=False, actor=None, now=NOW
    )
    members = _members(db)
    assert (members["1001"].email, members["1002"].email) == (
        "bram@example.org",
        "anna@example.org",
    )


# ------------------------------------------------------------------ look-alike names (T34)


def test_confusable_names_are_flagged_on_import(db: Session, branches: None) -> None:
    factories.member(db, number="1", name="Ali Yilmaz")
    db.commit()
    cyrillic = "\u0410li Yilmaz"  # Cyrillic capital A
    plan = plan_import(
        db,
        csv(
            "1;Ali Yilmaz;m1@example.org;utrecht;actief;2020-01-01",
            f"2;{cyrillic};ali2@example.org;utrecht;actief;2020-01-01",
            "3;Jan Jansen;jan1@example.org;utrecht;actief;2020-01-01",
            "4;Jan Jansen;jan2@example.org;utrecht;actief;2020-01-01",
        ),
        TODAY,
    )
    assert plan.is_applicable
    # Both rows of the pair are flagged; two people with the very same name are not.
    assert [w.line for w in plan.warnings] == [2, 3]
    assert "looks like" in str(plan.warnings[0].message)


# ------------------------------------------------------------------ export (T32)

PAYLOADS = [
    '=HYPERLINK("http://evil.example","x")',
    "+31 6 1234",
    "-2+3",
    "@SUM(A1)",
    "\tTabbed",
    "'=Already quoted",
]


def test_export_neutralises_formulas_and_reimports_unchanged(db: Session, branches: None) -> None:
    auth = factories.auth_config()
    officer = factories.account(db, auth, name="Officer Person")
    from voting.accounts.models import Role
    from voting.admin.services import grant_role

    grant_role(db, None, officer.member.number, Role.OFFICER, None, NOW)
    for index, payload in enumerate(PAYLOADS):
        factories.member(
            db,
            number=f"77{index}",
            name=payload.strip() if payload.startswith("\t") else payload,
            email=f"p{index}@example.org",
        )
    db.commit()
    exported = export_members_csv(db, officer, NOW)
    for line in exported.splitlines()[1:]:
        name_cell = line.split(";")[1].strip('"')
        assert not name_cell.startswith(("=", "+", "-", "@", "\t", "\r")), line
    plan = plan_import(db, exported.encode(), TODAY)
    assert plan.problems == ()
    assert plan.changed == ()
    assert plan.added == ()
    assert plan.deactivated == ()


def test_spreadsheet_escape_round_trips_any_text() -> None:
    from hypothesis import given
    from hypothesis import strategies as st

    from voting.spreadsheet import FORMULA_STARTS, escape_cell, unescape_cell

    @given(st.text())
    def round_trip(text: str) -> None:
        escaped = escape_cell(text)
        assert unescape_cell(escaped) == text
        assert not escaped.startswith(FORMULA_STARTS)

    round_trip()
