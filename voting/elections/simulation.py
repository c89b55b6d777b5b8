"""`stembus simulate`: a complete election through the service's own code paths.

Members and accounts, the electorate, the key ceremony (each trustee's part run by the
same step functions as `stembus-trustee`), casting with revotes, closing, decryption by k
trustees, publication, and the election record written to a folder. It runs on a
virtual clock that starts now, against whatever database is configured, and uses a
branch of its own so real members are never touched. Afterwards its people leave (their
memberships end, their roles go): they never join a real vote's electorate.
"""

from __future__ import annotations

import datetime as dt
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from audit.log import Log
from audit.record import write_record
from ballots import TrusteeSecret, decrypt_share
from voting.accounts.models import Account, Role, RoleGrant
from voting.accounts.services import ensure_account
from voting.admin.services import grant_role
from voting.auditlog import SQLLogStore
from voting.elections import ceremony, lifecycle, preparation
from voting.elections.casting import cast_ballot
from voting.elections.models import Election, ElectorateKind, QuestionKind, Trustee
from voting.elections.preparation import RuleChoice, RulePreset
from voting.events import record_event
from voting.keys import Keyring
from voting.members.models import Branch, Member, MemberStatus
from voting.members.services import create_branch
from voting.names import skeleton
from voting.trustee.steps import Action, next_step

REVOTE_SHARE = 10  # one voter in ten changes their mind


@dataclass(frozen=True, slots=True)
class Plan:
    """What to simulate."""

    voters: int
    questions: int
    trustees: int
    threshold: int
    out: Path
    mixed: bool = True  # every tenth question a candidate election; False: motions only


def _members(
    session: Session, branch: Branch, tag: str, count: int, now: dt.datetime
) -> list[Account]:
    accounts = []
    for index in range(count):
        name = f"Simulated Member {index}"
        member = Member(
            number=f"{tag}{index:06d}"[:32],
            name=name,
            name_skeleton=skeleton(name),
            email=f"sim-{tag}-{index}@example.org",
            branch=branch,
            status=MemberStatus.ACTIVE,
            member_since=dt.date(2020, 1, 1),
            timezone=branch.timezone,
            created_at=now,
            updated_at=now,
        )
        session.add(member)
        session.flush()
        accounts.append(ensure_account(session, member, now))
    session.commit()
    return accounts


def _questions(
    session: Session,
    officer: Account,
    election: Election,
    count: int,
    now: dt.datetime,
    *,
    mixed: bool,
) -> None:
    for number in range(1, count + 1):
        if mixed and number % 10 == 0:
            preparation.add_question(
                session,
                officer,
                election,
                kind=QuestionKind.APPROVAL,
                title=f"Verkiezing {number}",
                text="Kies twee.",
                rule=RuleChoice(RulePreset.APPROVAL),
                options=["Anna", "Bram", "Chris", "Dewi"],
                seats=2,
                now=now,
            )
        else:
            preparation.add_question(
                session,
                officer,
                election,
                kind=QuestionKind.MOTION,
                title=f"Motie {number}",
                text=f"De ALV besluit tot maatregel {number}.",
                rule=RuleChoice(RulePreset.SIMPLE),
                now=now,
            )


def _choice(election: Election) -> dict[str, list[str]]:
    chosen: dict[str, list[str]] = {}
    for question in election.questions:
        keys = [o.key for o in question.options]
        if question.kind is QuestionKind.APPROVAL:
            chosen[question.qid] = sorted(secrets.SystemRandom().sample(keys, 2))
        else:
            pick = secrets.choice([*keys, ""])
            chosen[question.qid] = [pick] if pick else []
    return chosen


_POSTS = {
    Action.ANNOUNCE: ceremony.post_announcement,
    Action.DEAL: lambda s, t, p, n: ceremony.post_shares(s, t, p["items"], n),
    Action.COMPLAIN: lambda s, t, p, n: ceremony.post_complaints(s, t, p["items"], n),
    Action.ANSWER: lambda s, t, p, n: ceremony.post_answers(s, t, p["items"], n),
    Action.CONFIRM: lambda s, t, _p, n: ceremony.confirm(s, t, n),
}


def take_trustee_step(
    session: Session,
    election: Election,
    trustee: Trustee,
    held: dict[int, TrusteeSecret],
    now: dt.datetime,
) -> bool:
    """One move of `trustee` in the key ceremony, as `stembus-trustee` would make it through
    the trustee API; True if they acted. Their secret is kept in `held` (the tool would
    keep it in its sealed file)."""
    step = next_step(ceremony.board(session, election, trustee), held.get(trustee.index))
    if step.action in {Action.WAIT, Action.DONE}:
        return False
    if step.secret is not None:
        held[trustee.index] = step.secret
    payload = step.payload if isinstance(step.payload, dict) else {"items": step.payload or []}
    _POSTS[step.action](session, trustee, payload, now)
    return True


def run_trustees_in_process(
    session: Session, election: Election, now: dt.datetime
) -> dict[int, TrusteeSecret]:
    """Every trustee's part of the key ceremony, taken by the same steps as `stembus-trustee`
    (for simulations and the demo, where the trustees' secrets stay in this process)."""
    held: dict[int, TrusteeSecret] = {}
    while True:
        acted = False
        for trustee in election.trustees:
            acted = take_trustee_step(session, election, trustee, held, now) or acted
        if not acted:
            return held


@dataclass
class Prepared:
    """An election that is open, with its officer, voters and the trustees' secrets."""

    election: Election
    officer: Account
    voters: list[Account]
    secrets: dict[int, TrusteeSecret]
    opens: dt.datetime
    closes: dt.datetime


def prepare(
    session: Session, keyring: Keyring, secret_key: str, plan: Plan, now: dt.datetime
) -> Prepared:
    """Members, trustees, a meeting and an election with `plan.questions` questions, the key
    ceremony, and opening (voting opens one minute after `now`)."""
    tag = f"s{secrets.token_hex(3)}"
    branch = create_branch(
        session, f"sim-{tag}", f"Simulation {tag}", "Europe/Amsterdam", None, now
    )
    officer, *others = _members(session, branch, tag, plan.voters + plan.trustees + 1, now)
    grant_role(session, None, officer.member.number, Role.OFFICER, None, now)
    trustee_accounts, voters = others[: plan.trustees], others[plan.trustees :]
    for account in trustee_accounts:
        grant_role(session, None, account.member.number, Role.TRUSTEE, None, now)
    meeting = preparation.create_meeting(
        session,
        officer,
        title=f"Simulated ALV {tag}",
        starts_local=(now + dt.timedelta(days=1)).replace(tzinfo=None),
        timezone="UTC",
        location="",
        online=True,
        now=now,
    )
    opens, closes = now + dt.timedelta(minutes=1), now + dt.timedelta(hours=2)
    election = preparation.create_election(
        session,
        officer,
        meeting,
        title=f"Simulation {tag}",
        opens_local=opens.replace(tzinfo=None),
        closes_local=closes.replace(tzinfo=None),
        electorate_kind=ElectorateKind.BRANCH,
        branch_id=branch.id,
        cutoff=now.date(),
        require_second_factor=False,
        now=now,
    )
    _questions(session, officer, election, plan.questions, now, mixed=plan.mixed)
    preparation.set_trustees(
        session, officer, election, [a.id for a in trustee_accounts], plan.threshold, now
    )
    ceremony.start_ceremony(session, officer, election, now)
    held = run_trustees_in_process(session, election, now)
    lifecycle.open_voting(session, keyring, secret_key, officer, election, now)
    return Prepared(election, officer, voters, held, opens, closes)


def finish(
    session: Session, keyring: Keyring, prepared: Prepared, threshold: int, out: Path
) -> int:
    """Close, let `threshold` trustees decrypt, count, publish, and write the record."""
    election = prepared.election
    tally = lifecycle.close_voting(session, keyring, prepared.officer, election.id, prepared.closes)
    doc = lifecycle.document(election)
    seats = {t.index: t for t in election.trustees}
    for index in sorted(prepared.secrets)[:threshold]:
        share = decrypt_share(doc, tally, prepared.secrets[index])
        lifecycle.receive_share(session, keyring, seats[index], share.to_json(), prepared.closes)
    lifecycle.decrypt(session, prepared.officer, election.id, prepared.closes)
    lifecycle.publish(session, keyring, prepared.officer, election.id, prepared.closes)
    write_record(out, Log(SQLLogStore(session, election.slug), election.slug))
    return tally.ballots_counted


def retire(session: Session, election: Election, now: dt.datetime) -> int:
    """After the run, the simulation's people leave the party: their memberships end and their
    roles go, so that they never join a real vote's electorate, the Partijraad or a list of
    trustees. The vote, its record and its branch stay. Returns how many were retired."""
    branch_id = election.electorate_branch_id
    members = session.scalars(select(Member).where(Member.branch_id == branch_id)).all()
    accounts = session.scalars(
        select(Account.id).where(Account.member_id.in_([m.id for m in members]))
    ).all()
    for member in members:
        member.status = MemberStatus.ENDED
        member.updated_at = now
    session.execute(delete(RoleGrant).where(RoleGrant.account_id.in_(accounts)))
    record_event(
        session,
        action="simulation.retired",
        actor_id=None,
        now=now,
        subject=f"election:{election.id}",
        details={"members": len(members)},
    )
    session.commit()
    return len(members)


def simulate(session: Session, keyring: Keyring, secret_key: str, plan: Plan) -> dict[str, object]:
    """Run the whole election; returns a summary (times in seconds)."""
    started = time.perf_counter()
    timings: dict[str, float] = {}

    def lap(name: str, since: float) -> float:
        now_t = time.perf_counter()
        timings[name] = round(now_t - since, 3)
        return now_t

    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    prepared = prepare(session, keyring, secret_key, plan, now)
    election = prepared.election
    mark = lap("prepare_ceremony_open", started)
    cast = revotes = 0
    voting_time = prepared.opens + dt.timedelta(seconds=1)
    for number, voter in enumerate(prepared.voters):
        cast_ballot(
            session,
            keyring,
            secret_key,
            voter,
            election.id,
            _choice(election),
            voting_time,
            second_factor_done=False,
        )
        cast += 1
        if number % REVOTE_SHARE == 0:
            cast_ballot(
                session,
                keyring,
                secret_key,
                voter,
                election.id,
                _choice(election),
                voting_time,
                second_factor_done=False,
            )
            cast += 1
            revotes += 1
    mark = lap("casting", mark)
    counted = finish(session, keyring, prepared, plan.threshold, plan.out)
    retired = retire(session, election, dt.datetime.now(dt.UTC))
    lap("close_decrypt_publish_record", mark)
    return {
        "election": election.slug,
        "voters": plan.voters,
        "questions": plan.questions,
        "trustees": plan.trustees,
        "threshold": plan.threshold,
        "ballots_cast": cast,
        "revotes": revotes,
        "counted": counted,
        "record": str(plan.out),
        "members_retired": retired,
        "seconds": timings,
        "seconds_total": round(time.perf_counter() - started, 3),
    }
