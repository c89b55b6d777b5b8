"""Races staged on PostgreSQL with real connections (tests/voting/concurrency.py): the limit
of questions per member holds when one member sends two at once (any number of workers, no
Redis), and two moderators deciding on one question at once cannot both win."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from tests.voting.concurrency import (
    committed_engine,
    requires_postgres,
    run_in_thread,
    wait_until_blocked,
)
from tests.voting.qa import arrange
from tests.voting.qa.arrange import KEYRING, NOW
from voting.accounts.models import Account
from voting.config import Settings
from voting.db import Database
from voting.errors import Conflict, FieldError
from voting.mail import SMTPMailer
from voting.moderation.clauses import Clause
from voting.moderation.models import ModerationAction
from voting.qa import moderation, questions
from voting.qa.models import QA, Candidate, QAAnswer, Question, QuestionState

pytestmark = [requires_postgres, pytest.mark.postgres]


@pytest.fixture
def race_engine(tmp_path: Path) -> Iterator[Engine]:
    yield from committed_engine(tmp_path, "qa_race")


def _arranged(engine: Engine) -> tuple[int, int, int, int, int]:
    with Database(engine).session() as session:
        setup = arrange.set_up(session, max_pending=1, max_questions=10)
        return (
            setup.election.id,
            setup.qa.id,
            setup.asker.id,
            setup.moderator.id,
            setup.second_moderator.id,
        )


def _account(session: Session, account_id: int) -> Account:
    found = session.get(Account, account_id)
    assert found is not None
    return found


def _ask(election_id: int, account_id: int, text: str):  # type: ignore[no-untyped-def]
    def work(session: Session) -> object:
        return questions.ask(
            session,
            _account(session, account_id),
            election_id,
            candidate_id=None,
            text=text,
            anonymous=False,
            keyring=KEYRING,
            now=NOW,
        ).id

    return work


def test_two_questions_sent_at_once_cannot_both_pass_the_last_free_place(
    race_engine: Engine,
) -> None:
    election_id, qa_id, asker_id, _moderator_id, _second_id = _arranged(race_engine)
    with Database(race_engine).session() as first:
        # The first question is being saved and holds the Q&A's row.
        first.execute(select(QA).where(QA.id == qa_id).with_for_update())
        thread, second = run_in_thread(race_engine, _ask(election_id, asker_id, "Tweede?"))
        blocked = wait_until_blocked(race_engine, second)
        _ask(election_id, asker_id, "Eerste?")(first)
    thread.join(30)
    assert blocked, "asking did not wait for the Q&A's lock"
    assert isinstance(second.error, FieldError), second.error
    with Database(race_engine).session() as session:
        stored = session.scalars(select(Question.text).where(Question.asker_id == asker_id)).all()
        assert stored == ["Eerste?"]


def test_two_moderators_deciding_at_once_cannot_both_win(
    race_engine: Engine, settings: Settings
) -> None:
    election_id, _qa_id, asker_id, moderator_id, second_id = _arranged(race_engine)
    with Database(race_engine).session() as session:
        question_id = _ask(election_id, asker_id, "Mag dit?")(session)
        session.commit()

    def reject(session: Session) -> object:
        return moderation.reject(
            session,
            _account(session, second_id),
            question_id,  # type: ignore[arg-type]
            Clause.ADDRESS,
            "Nee.",
            KEYRING,
            settings,
            SMTPMailer(settings),
            NOW,
        )

    with Database(race_engine).session() as first:
        # The first moderator's decision is under way and holds the question's row.
        first.execute(select(Question).where(Question.id == question_id).with_for_update())
        thread, second = run_in_thread(race_engine, reject)
        blocked = wait_until_blocked(race_engine, second)
        moderation.approve(
            first,
            _account(first, moderator_id),
            question_id,  # type: ignore[arg-type]
            KEYRING,
            settings,
            SMTPMailer(settings),
            NOW,
        )
    thread.join(30)
    assert blocked, "the second decision did not wait for the first"
    assert isinstance(second.error, Conflict), second.error
    with Database(race_engine).session() as session:
        question = session.get(Question, question_id)
        assert question is not None
        assert question.state is QuestionState.APPROVED
        assert question.clause is None
        actions = session.scalar(select(func.count()).select_from(ModerationAction))
        assert actions == 1


def test_the_same_answer_sent_twice_at_once_is_stored_once_and_the_second_is_told(
    race_engine: Engine, settings: Settings
) -> None:
    election_id, _qa_id, asker_id, moderator_id, _second_id = _arranged(race_engine)
    with Database(race_engine).session() as session:
        question_id = _ask(election_id, asker_id, "Uw plan?")(session)
        session.commit()
        moderation.approve(
            session,
            _account(session, moderator_id),
            question_id,  # type: ignore[arg-type]
            KEYRING,
            settings,
            SMTPMailer(settings),
            NOW,
        )
        candidate = session.scalars(select(Candidate).order_by(Candidate.id)).first()
        assert candidate is not None
        candidate_id, candidate_account_id = candidate.id, candidate.account_id

    def answer(session: Session) -> object:
        return questions.answer(
            session,
            _account(session, candidate_account_id),
            question_id,  # type: ignore[arg-type]
            "Tweede tab.",
            KEYRING,
            settings,
            SMTPMailer(settings),
            NOW,
        ).id

    with Database(race_engine).session() as first:
        # The first tab's answer is inserted, not yet committed.
        first.add(
            QAAnswer(
                question_id=question_id,
                candidate_id=candidate_id,
                text="Eerste tab.",
                created_at=NOW,
            )
        )
        first.flush()
        thread, second = run_in_thread(race_engine, answer)
        blocked = wait_until_blocked(race_engine, second)
        first.commit()
    thread.join(30)
    assert blocked, "the second answer did not wait at the unique index"
    assert isinstance(second.error, Conflict), second.error  # a clear refusal, not a 500
    with Database(race_engine).session() as session:
        texts = session.scalars(select(QAAnswer.text)).all()
        assert texts == ["Eerste tab."]
