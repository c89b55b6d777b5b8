"""Setting up a Q&A, admitting and withdrawing candidates, look-alike names (T34), the
ballot's options from the admitted candidates, and candidates' own profiles."""

from __future__ import annotations

import datetime as dt
import json
import unicodedata

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests import factories
from tests.voting.elections.conftest import make_election, ready_and_open, run_ceremony
from tests.voting.qa import arrange
from tests.voting.qa.arrange import KEYRING, NOW, wall
from voting.accounts.models import Role, RoleGrant
from voting.auditlog import AuditLogEntry
from voting.elections import ceremony
from voting.elections.models import ElectionOption
from voting.errors import Conflict, FieldError, Forbidden
from voting.events import Event
from voting.members.models import MemberStatus
from voting.qa import candidates as candidacy
from voting.qa import profiles
from voting.qa.models import QA, Candidate
from voting.qa.services import viewer


def _entries(db: Session, log_id: str) -> list[dict[str, object]]:
    rows = db.scalars(
        select(AuditLogEntry.entry)
        .where(AuditLogEntry.log_id == log_id)
        .order_by(AuditLogEntry.index)
    )
    return [json.loads(row) for row in rows]


def _period(opens: dt.datetime, closes: dt.datetime, **changes: object) -> candidacy.Period:
    return candidacy.Period(opens, closes, **changes)  # type: ignore[arg-type]


# ------------------------------------------------------------------ set-up


def test_set_up_records_the_period_in_the_log(db: Session) -> None:
    setup = arrange.set_up(db, candidates=())
    qa = setup.qa
    assert qa.opens_at == dt.datetime(2026, 11, 26, 13, 0, tzinfo=dt.UTC)  # 14:00 in Amsterdam
    assert qa.closes_at == dt.datetime(2026, 11, 30, 19, 0, tzinfo=dt.UTC)
    (entry,) = _entries(db, qa.log_id)
    assert entry["type"] == "qa-set-up"
    assert entry["election"] == setup.election.slug
    assert entry["max_pending"] == 3


def test_q_and_a_must_close_before_voting_opens_unless_it_continues_into_the_meeting(
    db: Session,
) -> None:
    setup = arrange.set_up(db, candidates=())
    after_opening = wall(2026, 12, 2, 12)
    with pytest.raises(FieldError) as refused:
        candidacy.set_up(
            db,
            setup.officer,
            setup.election.id,
            _period(arrange.OPENS_LOCAL, after_opening),
            KEYRING,
            NOW,
        )
    assert refused.value.field == "closes_at"
    qa = candidacy.set_up(
        db,
        setup.officer,
        setup.election.id,
        _period(arrange.OPENS_LOCAL, after_opening, continues_into_meeting=True),
        KEYRING,
        NOW,
    )
    assert qa.continues_into_meeting
    with pytest.raises(FieldError, match="one day after the meeting"):
        candidacy.set_up(
            db,
            setup.officer,
            setup.election.id,
            _period(arrange.OPENS_LOCAL, wall(2026, 12, 14, 12), continues_into_meeting=True),
            KEYRING,
            NOW,
        )


def test_a_closing_time_that_does_not_exist_on_the_dst_night_is_refused(db: Session) -> None:
    setup = arrange.set_up(db, candidates=())
    with pytest.raises(FieldError) as refused:
        candidacy.set_up(
            db,
            setup.officer,
            setup.election.id,
            _period(wall(2026, 3, 28, 12), wall(2026, 3, 29, 2, 30)),  # the clocks jump 02:00→03:00
            KEYRING,
            NOW,
        )
    assert refused.value.field in {"opens_at", "closes_at"}


def test_closing_before_opening_and_limits_out_of_range_are_refused(db: Session) -> None:
    setup = arrange.set_up(db, candidates=())
    cases = [
        (_period(arrange.CLOSES_LOCAL, arrange.OPENS_LOCAL), "closes_at"),
        (_period(arrange.OPENS_LOCAL, arrange.CLOSES_LOCAL, max_pending=0), "max_pending"),
        (_period(arrange.OPENS_LOCAL, arrange.CLOSES_LOCAL, max_questions=101), "max_questions"),
    ]
    for period, field in cases:
        with pytest.raises(FieldError) as refused:
            candidacy.set_up(db, setup.officer, setup.election.id, period, KEYRING, NOW)
        assert refused.value.field == field


def test_a_vote_without_a_candidate_election_gets_no_q_and_a(db: Session) -> None:
    built = make_election(db, questions=1)  # a motion only
    with pytest.raises(FieldError, match="no candidate election"):
        candidacy.set_up(
            db,
            built.officer,
            built.election.id,
            _period(wall(2026, 11, 26, 14), wall(2026, 11, 30, 20)),
            KEYRING,
            NOW,
        )
    assert db.scalar(select(func.count()).select_from(QA)) == 0


def test_only_officers_set_up_and_a_candidate_officer_cannot_manage_their_own_election(
    db: Session,
) -> None:
    setup = arrange.set_up(db, candidates=())
    with pytest.raises(Forbidden):
        candidacy.set_up(
            db,
            setup.moderator,
            setup.election.id,
            _period(arrange.OPENS_LOCAL, arrange.CLOSES_LOCAL),
            KEYRING,
            NOW,
        )
    second_officer = arrange.person(db, "Otto Officier", Role.OFFICER)
    candidacy.admit(
        db,
        setup.officer,
        setup.election.id,
        member_number=second_officer.member.number,
        display_name="",
        question_id=None,
        keyring=KEYRING,
        now=NOW,
    )
    with pytest.raises(Forbidden, match="candidate"):
        candidacy.election_for_officer(db, second_officer, setup.election.id)
    assert not viewer(db, second_officer, setup.election.id).can_manage


# ------------------------------------------------------------------ admitting


def test_admitted_candidate_gets_the_role_a_log_entry_and_an_event(db: Session) -> None:
    setup = arrange.set_up(db, candidates=())
    anna = arrange.admit(db, setup, "Anna de Vries")
    assert anna.display_name == "Anna de Vries"
    assert anna.question is not None
    assert anna.question.title == "Bestuur"
    assert Role.CANDIDATE in anna.account.role_set()
    entry = _entries(db, setup.qa.log_id)[-1]
    assert entry["type"] == "qa-candidate-admitted"
    assert entry == {
        "at": entry["at"],
        "candidate": anna.id,
        "index": entry["index"],
        "question": "q1",
        "type": "qa-candidate-admitted",
        "version": 1,
    }
    assert "Anna" not in json.dumps(_entries(db, setup.qa.log_id))
    assert db.scalar(
        select(Event).where(
            Event.action == "qa.candidate-admitted", Event.subject == f"account:{anna.account_id}"
        )
    )


def test_unknown_or_former_member_or_a_second_admission_is_refused(db: Session) -> None:
    setup = arrange.set_up(db, candidates=("Anna de Vries",))
    former = factories.member(db, name="Oud Lid", status=MemberStatus.ENDED)
    cases = [("999999999", "member_number"), (former.number, "member_number")]
    cases.append((setup.candidates[0].account.member.number, "member_number"))
    for number, field in cases:
        with pytest.raises(FieldError) as refused:
            candidacy.admit(
                db,
                setup.officer,
                setup.election.id,
                member_number=number,
                display_name="",
                question_id=None,
                keyring=KEYRING,
                now=NOW,
            )
        assert refused.value.field == field
    assert db.scalar(select(func.count()).select_from(Candidate)) == 1


CYRILLIC_A = "\u0410"  # CYRILLIC CAPITAL LETTER A, looks like the Latin A


def test_a_name_that_looks_like_another_candidates_is_refused(db: Session) -> None:
    setup = arrange.set_up(db, candidates=("Anna de Vries",))
    other = arrange.person(db, "Iemand Anders")
    for look_alike in (f"{CYRILLIC_A}nna de Vries", "Anna  de Vries", "Anna de Vr\u0456es"):
        with pytest.raises(FieldError, match="another candidate") as refused:
            candidacy.admit(
                db,
                setup.officer,
                setup.election.id,
                member_number=other.member.number,
                display_name=look_alike,
                question_id=None,
                keyring=KEYRING,
                now=NOW,
            )
        assert refused.value.field == "display_name"
    assert db.scalar(select(func.count()).select_from(Candidate)) == 1


def test_the_same_name_typed_in_nfd_is_the_same_name(db: Session) -> None:
    setup = arrange.set_up(db, candidates=("José Peña",))
    other = arrange.person(db, "Iemand Anders")
    decomposed = unicodedata.normalize("NFD", "José Peña")
    assert decomposed != "José Peña"
    with pytest.raises(FieldError, match="another candidate"):
        candidacy.admit(
            db,
            setup.officer,
            setup.election.id,
            member_number=other.member.number,
            display_name=decomposed,
            question_id=None,
            keyring=KEYRING,
            now=NOW,
        )


def test_a_name_that_looks_like_another_members_is_refused(db: Session) -> None:
    setup = arrange.set_up(db, candidates=())
    arrange.person(db, "Karel Appel")
    impostor = arrange.person(db, "Piet Puk")
    for name in ("Karel Appel", "K\u0430rel Appel"):  # the second with a Cyrillic small a
        with pytest.raises(FieldError, match="another member"):
            candidacy.admit(
                db,
                setup.officer,
                setup.election.id,
                member_number=impostor.member.number,
                display_name=name,
                question_id=None,
                keyring=KEYRING,
                now=NOW,
            )


def test_own_registered_name_is_allowed_even_when_another_member_shares_it(
    db: Session,
) -> None:
    setup = arrange.set_up(db, candidates=())
    arrange.person(db, "Jan Jansen")
    namesake = arrange.person(db, "Jan Jansen")
    admitted = candidacy.admit(
        db,
        setup.officer,
        setup.election.id,
        member_number=namesake.member.number,
        display_name="",
        question_id=None,
        keyring=KEYRING,
        now=NOW,
    )
    assert admitted.display_name == "Jan Jansen"


def test_a_look_alike_spelling_of_ones_own_name_is_refused(db: Session) -> None:
    setup = arrange.set_up(db, candidates=())
    ali = arrange.person(db, "Ali Bakir")
    with pytest.raises(FieldError, match="your own name"):
        candidacy.admit(
            db,
            setup.officer,
            setup.election.id,
            member_number=ali.member.number,
            display_name=f"{CYRILLIC_A}li Bakir",
            question_id=None,
            keyring=KEYRING,
            now=NOW,
        )


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("Anna \u202ede Vries", "direction"),  # right-to-left override
        ("Anna\u200bde Vries", "invisible"),  # zero-width space
        ("   ", "empty"),
        ("A" * 101, "100 characters"),
    ],
)
def test_hidden_characters_and_overlong_names_are_refused(
    db: Session, name: str, message: str
) -> None:
    setup = arrange.set_up(db, candidates=())
    other = arrange.person(db, "Iemand Anders")
    with pytest.raises(FieldError, match=message):
        candidacy.admit(
            db,
            setup.officer,
            setup.election.id,
            member_number=other.member.number,
            display_name=name,
            question_id=None,
            keyring=KEYRING,
            now=NOW,
        )


def test_withdrawing_takes_the_role_away_unless_they_stand_elsewhere(db: Session) -> None:
    setup = arrange.set_up(db, candidates=("Anna de Vries",))
    anna = setup.candidates[0]
    candidacy.withdraw(db, setup.officer, anna.id, KEYRING, NOW)
    db.refresh(anna.account)
    assert Role.CANDIDATE not in anna.account.role_set()
    assert _entries(db, setup.qa.log_id)[-1]["type"] == "qa-candidate-withdrawn"
    with pytest.raises(Conflict):
        candidacy.withdraw(db, setup.officer, anna.id, KEYRING, NOW)
    # Admitted again, and in a second election: withdrawing from one keeps the role.
    candidacy.admit(
        db,
        setup.officer,
        setup.election.id,
        member_number=anna.account.member.number,
        display_name="",
        question_id=None,
        keyring=KEYRING,
        now=NOW,
    )
    other = arrange.election(db, setup.officer, title="Partijraad")
    candidacy.set_up(
        db,
        setup.officer,
        other.id,
        _period(arrange.OPENS_LOCAL, arrange.CLOSES_LOCAL),
        KEYRING,
        NOW,
    )
    candidacy.admit(
        db,
        setup.officer,
        other.id,
        member_number=anna.account.member.number,
        display_name="",
        question_id=None,
        keyring=KEYRING,
        now=NOW,
    )
    candidacy.withdraw(db, setup.officer, anna.id, KEYRING, NOW)
    db.refresh(anna.account)
    assert Role.CANDIDATE in anna.account.role_set()
    grants = db.scalars(
        select(RoleGrant).where(
            RoleGrant.account_id == anna.account_id, RoleGrant.role == Role.CANDIDATE
        )
    ).all()
    assert len(grants) == 1


# ------------------------------------------------------------------ the ballot


def test_admitted_candidates_become_the_ballot_options_of_a_draft_in_name_order(
    db: Session,
) -> None:
    setup = arrange.set_up(db, candidates=("Bram Bakker", "Anna de Vries", "Chris Cohen"))
    done = candidacy.sync_ballot(db, setup.officer, setup.election.id, NOW)
    assert (done.replaced, done.linked, done.unmatched) == (1, 3, ())
    question = setup.election.questions[0]
    db.refresh(question)
    assert [(o.key, o.label) for o in question.options] == [
        ("o1", "Anna de Vries"),
        ("o2", "Bram Bakker"),
        ("o3", "Chris Cohen"),
    ]
    for candidate in setup.candidates:
        db.refresh(candidate)
        assert candidate.option is not None
        assert candidate.option.label == candidate.display_name


def test_fewer_candidates_than_seats_leaves_the_ballot_unchanged(db: Session) -> None:
    setup = arrange.set_up(db, candidates=("Anna de Vries",))
    with pytest.raises(FieldError):
        candidacy.sync_ballot(db, setup.officer, setup.election.id, NOW)
    db.rollback()
    labels = db.scalars(select(ElectionOption.label).order_by(ElectionOption.position)).all()
    assert labels == ["Plaats 1", "Plaats 2"]


def test_once_the_vote_is_fixed_candidates_are_linked_by_the_name_on_the_ballot(
    db: Session,
) -> None:
    built = make_election(db, questions=2)  # the approval question lists Anna, Bram, Chris
    candidacy.set_up(
        db,
        built.officer,
        built.election.id,
        _period(wall(2026, 11, 26, 14), wall(2026, 11, 30, 20)),
        KEYRING,
        NOW,
    )
    anna = arrange.person(db, "Anna")
    dirk = arrange.person(db, "Dirk")
    approval = built.election.questions[1]
    for account in (anna, dirk):
        candidacy.admit(
            db,
            built.officer,
            built.election.id,
            member_number=account.member.number,
            display_name="",
            question_id=approval.id,
            keyring=KEYRING,
            now=NOW,
        )
    ceremony.start_ceremony(db, built.officer, built.election, NOW)
    run_ceremony(db, built, NOW)
    done = candidacy.sync_ballot(db, built.officer, built.election.id, NOW)
    assert (done.replaced, done.linked, done.unmatched) == (0, 1, ("Dirk",))
    assert [o.label for o in approval.options] == ["Anna", "Bram", "Chris"]


# ------------------------------------------------------------------ profiles


def _profile(**changes: str) -> profiles.Profile:
    values = {"display_name": "Anna de Vries", **changes}
    return profiles.Profile(**values)


def test_candidate_writes_their_profile_and_only_their_own(db: Session) -> None:
    setup = arrange.set_up(db)
    anna, bram = setup.candidates
    saved = profiles.update_profile(
        db,
        anna.account,
        anna.id,
        _profile(
            pronouns="zij/haar",
            motivation="Ik wil **meer** groen.",
            experience="Penningmeester\r\nsinds 2020",
            links="Mijn site https://anna.example/\nhttps://example.org/cv",
        ),
        NOW,
    )
    assert saved.pronouns == "zij/haar"
    assert saved.experience == "Penningmeester\nsinds 2020"
    assert saved.links == [
        {"label": "Mijn site", "url": "https://anna.example/"},
        {"label": "https://example.org/cv", "url": "https://example.org/cv"},
    ]
    with pytest.raises(Forbidden):
        profiles.update_profile(db, bram.account, anna.id, _profile(), NOW)


@pytest.mark.parametrize(
    "links",
    [
        "Klik javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "file:///etc/passwd",
        "https://",
        "Zes\n" + "\n".join(f"https://e{i}.example/" for i in range(6)),
        "Tab https://exa\u202emple.org/",
    ],
)
def test_links_other_than_web_addresses_are_refused(db: Session, links: str) -> None:
    setup = arrange.set_up(db)
    anna = setup.candidates[0]
    with pytest.raises(FieldError) as refused:
        profiles.update_profile(db, anna.account, anna.id, _profile(links=links), NOW)
    assert refused.value.field == "links"
    db.refresh(anna)
    assert anna.links == []


def test_display_name_is_fixed_once_the_ballot_is(db: Session) -> None:
    built = make_election(db, questions=2)
    candidacy.set_up(
        db,
        built.officer,
        built.election.id,
        _period(wall(2026, 11, 26, 14), wall(2026, 11, 30, 20)),
        KEYRING,
        NOW,
    )
    anna = arrange.person(db, "Anna")
    standing = candidacy.admit(
        db,
        built.officer,
        built.election.id,
        member_number=anna.member.number,
        display_name="",
        question_id=built.election.questions[1].id,
        keyring=KEYRING,
        now=NOW,
    )
    ready_and_open(db, built)
    with pytest.raises(FieldError, match="ballot"):
        profiles.update_profile(db, anna, standing.id, _profile(display_name="Anna B."), NOW)
    saved = profiles.update_profile(
        db, anna, standing.id, _profile(display_name="Anna", motivation="Nog steeds."), NOW
    )
    assert saved.motivation == "Nog steeds."


def test_pronouns_on_two_lines_and_profile_text_over_the_limit_are_refused(db: Session) -> None:
    setup = arrange.set_up(db)
    anna = setup.candidates[0]
    for changes, field in (
        ({"pronouns": "zij\nhaar"}, "pronouns"),
        ({"motivation": "x" * 4001}, "motivation"),
        ({"experience": "nul\x00byte"}, "experience"),
    ):
        with pytest.raises(FieldError) as refused:
            profiles.update_profile(db, anna.account, anna.id, _profile(**changes), NOW)
        assert refused.value.field == field
    db.refresh(anna)
    assert (anna.pronouns, anna.motivation, anna.experience) == ("", "", "")


def test_withdrawn_candidate_cannot_edit_and_an_outsider_cannot_read(db: Session) -> None:
    setup = arrange.set_up(db)
    anna = setup.candidates[0]
    with pytest.raises(Forbidden):
        profiles.readable_candidate(db, setup.outsider, anna.id)
    assert profiles.readable_candidate(db, setup.asker, anna.id) == anna
    candidacy.withdraw(db, setup.officer, anna.id, KEYRING, NOW)
    with pytest.raises(Conflict):
        profiles.update_profile(db, anna.account, anna.id, _profile(), NOW)
