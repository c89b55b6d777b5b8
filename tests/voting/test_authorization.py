"""Every route, every role against one policy table (THREATS T23).

The table below is the policy. A route that exists in the app but not in the table fails
`test_every_route_has_a_row`, so a new route cannot ship without a decision about who
may use it. Each case signs in as the role (with the second step where the role needs
it) and checks that the server allows or refuses, whatever the page shows.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests import factories
from tests.voting.consensus.policy import consensus_args
from tests.voting.qa.policy import qa_args
from tests.voting.web import page_token, sign_in
from voting.accounts.identity import auth_config
from voting.accounts.models import AccountToken, AuthSession, Role, RoleGrant, TokenPurpose
from voting.accounts.services import issue_token
from voting.members.models import ImportBatch

ROLES = (
    "anonymous",
    "member",
    "other_branch",
    "candidate",
    "moderator",
    "trustee",
    "officer",
    "admin",
)
ALLOW, DENY = "allow", "deny"


def everyone() -> dict[str, str]:
    return dict.fromkeys(ROLES, ALLOW)


def signed_in() -> dict[str, str]:
    return {role: DENY if role == "anonymous" else ALLOW for role in ROLES}


def only(*allowed: str) -> dict[str, str]:
    return {role: ALLOW if role in allowed else DENY for role in ROLES}


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # may hold {member_id}, {session_id}, {grant_id}, {batch_id}, {token}
    expected: dict[str, str]


OFFICERS = only("officer", "admin")
IN_GROUP = {**signed_in(), "other_branch": DENY}
IN_ELECTORATE = {**signed_in(), "other_branch": DENY}
QA_LOG = only("moderator", "officer", "admin")
POLICY: dict[str, Route] = {
    "static": Route("GET", "/static/css/stembus.css", everyone()),
    "pages.home": Route("GET", "/", everyone()),
    "pages.healthz": Route("GET", "/healthz", everyone()),
    "pages.language": Route("POST", "/language", everyone()),
    "pages.privacy": Route("GET", "/privacy", everyone()),
    "pages.accessibility": Route("GET", "/accessibility", everyone()),
    "accounts.login": Route("GET", "/login", everyone()),
    "accounts.logout": Route("POST", "/logout", signed_in()),
    "accounts.second_factor": Route("GET", "/login/second-factor", signed_in()),
    "accounts.second_factor_setup": Route("GET", "/account/second-factor/setup", signed_in()),
    "accounts.second_factor_disable": Route("POST", "/account/second-factor/disable", signed_in()),
    "accounts.recovery_codes": Route("POST", "/account/recovery-codes", signed_in()),
    "accounts.invitation": Route("GET", "/invitation/{token}", everyone()),
    "accounts.reset_request": Route("GET", "/reset", everyone()),
    "accounts.reset": Route("GET", "/reset/{reset_token}", everyone()),
    "accounts.overview": Route("GET", "/account", signed_in()),
    "accounts.preferences": Route("POST", "/account/preferences", signed_in()),
    "accounts.password": Route("GET", "/account/password", signed_in()),
    "accounts.sessions": Route("GET", "/account/sessions", signed_in()),
    "accounts.end_one_session": Route("POST", "/account/sessions/{session_id}/end", signed_in()),
    "accounts.end_other_sessions": Route("POST", "/account/sessions/end-others", signed_in()),
    "accounts.my_data": Route("GET", "/account/data", signed_in()),
    "accounts.my_data_download": Route("GET", "/account/data.json", signed_in()),
    "members.index": Route("GET", "/members", OFFICERS),
    "members.detail": Route("GET", "/members/{member_id}", OFFICERS),
    "members.invite_one": Route("POST", "/members/{member_id}/invite", OFFICERS),
    "members.invite_all": Route("POST", "/members/invite", OFFICERS),
    "members.export": Route("GET", "/members/export.csv", OFFICERS),
    "members.import_upload": Route("GET", "/members/import", OFFICERS),
    "members.import_preview": Route("GET", "/members/import/{batch_id}", OFFICERS),
    "members.import_apply": Route("POST", "/members/import/{batch_id}/apply", OFFICERS),
    # Branch pages: the branch's own members and officers; not members of other branches.
    "members.branch": Route("GET", "/branches/utrecht", {**signed_in(), "other_branch": DENY}),
    "admin.index": Route("GET", "/admin/", only("admin")),
    "admin.roles": Route("GET", "/admin/roles", only("admin")),
    "admin.revoke": Route("POST", "/admin/roles/{grant_id}/revoke", only("admin")),
    "admin.branches": Route("GET", "/admin/branches", only("admin")),
    "admin.disable": Route("POST", "/admin/members/{member_id}/disable", only("admin")),
    "admin.enable": Route("POST", "/admin/members/{member_id}/enable", only("admin")),
    "admin.events": Route("GET", "/admin/events", only("admin")),
    # Elections. Ids point at nothing: the gate is what this table tests (an allowed role
    # gets 404, a refused one 403 or the sign-in page); object checks have their own tests.
    "elections.meetings": Route("GET", "/meetings", OFFICERS),
    "elections.meeting": Route("GET", "/meetings/{none}", OFFICERS),
    "elections.manage": Route("GET", "/elections/{none}/manage", OFFICERS),
    "elections.add_question": Route("POST", "/elections/{none}/questions", OFFICERS),
    "elections.remove_question": Route(
        "POST", "/elections/{none}/questions/{none}/remove", OFFICERS
    ),
    "elections.trustees": Route("POST", "/elections/{none}/trustees", OFFICERS),
    "elections.start_ceremony": Route("POST", "/elections/{none}/ceremony", OFFICERS),
    "elections.resolve_complaints": Route("POST", "/elections/{none}/ceremony/resolve", OFFICERS),
    "elections.open_voting": Route("POST", "/elections/{none}/open", OFFICERS),
    "elections.close_voting": Route("POST", "/elections/{none}/close", OFFICERS),
    "elections.decrypt": Route("POST", "/elections/{none}/decrypt", OFFICERS),
    "elections.publish": Route("POST", "/elections/{none}/publish", OFFICERS),
    "elections.preview": Route("GET", "/elections/{none}/preview", OFFICERS),
    "elections.cancel": Route("POST", "/elections/{none}/cancel", OFFICERS),
    "elections.copy": Route("GET", "/elections/{none}/copy", OFFICERS),
    "vote.index": Route("GET", "/vote/", signed_in()),
    "vote.ballot": Route("GET", "/vote/no-such-vote", signed_in()),
    "vote.receipt": Route("GET", "/vote/no-such-vote/receipt/X", signed_in()),
    "vote.receipt_download": Route("GET", "/vote/no-such-vote/receipt/X.json", signed_in()),
    "vote.mine": Route("GET", "/vote/no-such-vote/mine", signed_in()),
    "public.check": Route("GET", "/check", everyone()),
    "public.audit": Route("GET", "/elections/no-such-vote/audit", everyone()),
    "public.heads": Route("GET", "/elections/no-such-vote/heads.json", everyone()),
    "public.record": Route("GET", "/elections/no-such-vote/record.zip", everyone()),
    "public.result": Route("GET", "/elections/no-such-vote/result", everyone()),
    "public.projector": Route("GET", "/meetings/{none}/projector", everyone()),
    "public.projector_state": Route("GET", "/meetings/{none}/projector.json", everyone()),
    "public.minutes": Route("GET", "/meetings/{none}/minutes", signed_in()),
    "public.minutes_csv": Route("GET", "/meetings/{none}/minutes.csv", signed_in()),
    "trustee.index": Route("GET", "/trustee", only("trustee")),
    "trustee.token": Route("POST", "/trustee/{none}/token", only("trustee")),
    # The trustee tool's API: no session, a bearer token (tests/voting/elections/test_trustee_api.py).
    "trustee_api.board": Route("GET", "/api/trustee/board", everyone()),
    "trustee_api.announcement": Route("POST", "/api/trustee/announcement", everyone()),
    "trustee_api.shares": Route("POST", "/api/trustee/shares", everyone()),
    "trustee_api.complaints": Route("POST", "/api/trustee/complaints", everyone()),
    "trustee_api.answers": Route("POST", "/api/trustee/answers", everyone()),
    "trustee_api.confirm": Route("POST", "/api/trustee/confirm", everyone()),
    "trustee_api.decryption": Route("POST", "/api/trustee/decryption", everyone()),
    # Consensus (tests/voting/consensus/policy.py): a national group facilitated by the
    # subject; every role but other_branch is a member; no role here facilitates.
    "consensus.index": Route("GET", "/consensus", signed_in()),
    "consensus.guidelines": Route("GET", "/consensus/guidelines", everyone()),
    "consensus.new_group": Route("GET", "/consensus/groups/new", OFFICERS),
    "consensus.group": Route("GET", "/consensus/groups/{group_id}", IN_GROUP),
    "consensus.group_settings": Route("GET", "/consensus/groups/{group_id}/settings", OFFICERS),
    "consensus.group_members": Route("GET", "/consensus/groups/{group_id}/members", OFFICERS),
    "consensus.add_members": Route("POST", "/consensus/groups/{group_id}/members/add", OFFICERS),
    "consensus.remove_member": Route(
        "POST", "/consensus/groups/{group_id}/members/{group_account_id}/remove", OFFICERS
    ),
    "consensus.set_facilitator": Route(
        "POST", "/consensus/groups/{group_id}/members/{group_account_id}/role", OFFICERS
    ),
    "consensus.new_proposal": Route("GET", "/consensus/groups/{group_id}/proposals/new", only()),
    "consensus.proposal": Route("GET", "/consensus/proposals/{proposal_id}", IN_GROUP),
    "consensus.take_position": Route(
        "POST", "/consensus/proposals/{proposal_id}/position", IN_GROUP
    ),
    "consensus.revise": Route("GET", "/consensus/proposals/{proposal_id}/revise", only()),
    "consensus.version": Route("GET", "/consensus/proposals/{proposal_id}/versions/1", IN_GROUP),
    "consensus.open_round": Route("GET", "/consensus/proposals/{proposal_id}/rounds/open", only()),
    "consensus.close_round": Route(
        "POST", "/consensus/proposals/{proposal_id}/rounds/close", only()
    ),
    "consensus.summary": Route("GET", "/consensus/rounds/{round_id}/summary", only()),
    "consensus.answer": Route("GET", "/consensus/positions/{position_id}/answer", only()),
    "consensus.report": Route("GET", "/consensus/positions/{position_id}/report", IN_GROUP),
    "consensus.fallback": Route("GET", "/consensus/proposals/{proposal_id}/fallback", only()),
    "consensus.fallback_vote": Route(
        "POST", "/consensus/proposals/{proposal_id}/fallback/vote", IN_GROUP
    ),
    "consensus.decide": Route("GET", "/consensus/proposals/{proposal_id}/decide", only()),
    "consensus.decision_record": Route(
        "GET", "/consensus/proposals/{proposal_id}/record", IN_GROUP
    ),
    "consensus.record_csv": Route("GET", "/consensus/proposals/{proposal_id}/record.csv", IN_GROUP),
    "consensus.reports": Route("GET", "/consensus/reports", only("moderator")),
    "consensus.hide": Route("POST", "/consensus/reports/{report_id}/hide", only("moderator")),
    "consensus.keep": Route("POST", "/consensus/reports/{report_id}/keep", only("moderator")),
    # Candidate Q&A (tests/voting/qa/policy.py): a Utrecht branch election, so other_branch
    # is outside the electorate; the candidate role stands in it; no role asked anything.
    "qa.index": Route("GET", "/qa", signed_in()),
    "qa.page": Route("GET", "/qa/{election_id}", IN_ELECTORATE),
    "qa.question": Route("GET", "/qa/questions/{question_id}", IN_ELECTORATE),
    "qa.compare": Route("GET", "/qa/{election_id}/compare", IN_ELECTORATE),
    "qa.candidate": Route("GET", "/qa/candidates/{candidate_id}", IN_ELECTORATE),
    "qa.photo": Route("GET", "/qa/candidates/{candidate_id}/photo", IN_ELECTORATE),
    "qa.ask": Route("GET", "/qa/{election_id}/ask", IN_ELECTORATE),
    "qa.mine": Route("GET", "/qa/{election_id}/mine", IN_ELECTORATE),
    "qa.withdraw_question": Route("POST", "/qa/questions/{pending_id}/withdraw", IN_ELECTORATE),
    "qa.appeal": Route("GET", "/qa/questions/{question_id}/appeal", IN_ELECTORATE),
    "qa.support": Route(
        "POST", "/qa/questions/{question_id}/support", {**IN_ELECTORATE, "candidate": DENY}
    ),
    "qa.report_question": Route("GET", "/qa/questions/{question_id}/report", IN_ELECTORATE),
    "qa.report_answer": Route("GET", "/qa/answers/{answer_id}/report", IN_ELECTORATE),
    "qa.profile": Route("GET", "/qa/candidates/{own_candidate_id}/profile", only("candidate")),
    "qa.to_answer": Route("GET", "/qa/{election_id}/to-answer", only("candidate")),
    "qa.answer": Route("GET", "/qa/questions/{question_id}/answer", only("candidate")),
    "qa.setup": Route("GET", "/qa/{election_id}/setup", OFFICERS),
    "qa.candidates": Route("GET", "/qa/{election_id}/candidates", OFFICERS),
    "qa.withdraw_candidate": Route("POST", "/qa/candidates/{candidate_id}/withdraw", OFFICERS),
    "qa.ballot": Route("POST", "/qa/{election_id}/ballot", OFFICERS),
    "qa.moderate": Route("GET", "/qa/{election_id}/moderate", only("moderator")),
    "qa.approve": Route("POST", "/qa/questions/{pending_id}/approve", only("moderator")),
    "qa.reject": Route("GET", "/qa/questions/{pending_id}/reject", only("moderator")),
    "qa.decide_appeal": Route("GET", "/qa/appeals/{appeal_id}", only("moderator")),
    "qa.shortlist": Route("POST", "/qa/questions/{question_id}/shortlist", only("moderator")),
    "qa.hide": Route("GET", "/qa/reports/{qa_report_id}", only("moderator")),
    "qa.keep": Route("POST", "/qa/reports/{qa_report_id}/keep", only("moderator")),
    "qa.moderation_log": Route("GET", "/qa/{election_id}/moderation-log", QA_LOG),
    "qa.moderation_log_csv": Route("GET", "/qa/{election_id}/moderation-log.csv", QA_LOG),
    "qa.projector": Route("GET", "/qa/{election_id}/live", IN_ELECTORATE),
    "qa.projector_state": Route("GET", "/qa/{election_id}/live.json", IN_ELECTORATE),
    "qa.live_control": Route("GET", "/qa/{election_id}/live/control", QA_LOG),
    "qa.live_show": Route("POST", "/qa/{election_id}/live/show", QA_LOG),
    "qa.live_finish": Route("POST", "/qa/{election_id}/live/finish", QA_LOG),
    "moderation.index": Route("GET", "/moderation", only("moderator")),
}

ROLE_GRANTS: dict[str, tuple[Role, ...]] = {
    "member": (),
    "other_branch": (),
    "candidate": (Role.CANDIDATE,),
    "moderator": (Role.MODERATOR,),
    "trustee": (Role.TRUSTEE,),
    "officer": (Role.OFFICER,),
    "admin": (Role.ADMIN,),
}


def test_every_route_has_a_row(app: Flask) -> None:
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints == set(POLICY), (
        f"routes without a policy row: {sorted(endpoints - set(POLICY))}; "
        f"rows without a route: {sorted(set(POLICY) - endpoints)}"
    )


def _arrange(
    app: Flask, db: Session, role: str, endpoint: str = ""
) -> tuple[FlaskClient, dict[str, object]]:
    """Sign in as `role`; make the objects the route arguments refer to."""
    with app.app_context():
        auth = auth_config()
    subject = factories.account(db, auth, name="Subject Person", branch_code="utrecht")
    admin = factories.account(db, auth, roles=(Role.ADMIN,), branch_code="utrecht")
    grant = db.scalar(select(RoleGrant).where(RoleGrant.account_id == admin.id))
    batch = ImportBatch(
        filename="x.csv", sha256="0" * 64, content=b"lidnummer;naam\n", created_at=factories.NOW
    )
    db.add(batch)
    token = issue_token(
        db, subject, TokenPurpose.INVITATION, factories.NOW, auth.invitation_lifetime * 1000
    )
    reset_token = issue_token(
        db, subject, TokenPurpose.RESET, factories.NOW, auth.reset_lifetime * 100000
    )
    db.commit()
    client = app.test_client()
    args: dict[str, object] = {
        "member_id": subject.member_id,
        "grant_id": grant.id if grant else 0,
        "batch_id": batch.id,
        "token": token,
        "reset_token": reset_token,
        "session_id": 0,
        "none": 999999,
    }
    if role != "anonymous":
        branch_code = "groningen" if role == "other_branch" else "utrecht"
        grants = ROLE_GRANTS[role]
        needs_totp = any(
            g in {Role.MODERATOR, Role.TRUSTEE, Role.OFFICER, Role.ADMIN} for g in grants
        )
        actor = factories.account(db, auth, roles=grants, totp=needs_totp, branch_code=branch_code)
        secret = factories.totp_secret(auth, actor) if needs_totp else None
        sign_in(client, actor.member.email, factories.PASSWORD, secret)
        own = db.scalar(
            select(AuthSession).where(
                AuthSession.account_id == actor.id, AuthSession.ended_at.is_(None)
            )
        )
        args["session_id"] = own.id if own else 0
    if endpoint.startswith("consensus."):
        in_group = role not in ("anonymous", "other_branch")
        args.update(consensus_args(db, subject, actor if in_group else None))
    if endpoint.startswith(("qa.", "moderation.")):
        args.update(qa_args(app, db, subject, actor if role != "anonymous" else None, role))
    assert (
        db.scalar(select(AccountToken).where(AccountToken.purpose == TokenPurpose.INVITATION))
        is not None
    )
    return client, args


def _is_denied(role: str, status: int, location: str) -> bool:
    if role == "anonymous":
        return status == 302 and location.startswith("/login")
    return status == 403


CASES = [(endpoint, role) for endpoint in POLICY for role in ROLES]


@pytest.mark.parametrize(("endpoint", "role"), CASES, ids=[f"{e}-{r}" for e, r in CASES])
def test_route_allows_or_refuses_role(app: Flask, db: Session, endpoint: str, role: str) -> None:
    route = POLICY[endpoint]
    client, args = _arrange(app, db, role, endpoint)
    path = route.path.format(**args)
    if route.method == "GET":
        response = client.get(path)
    else:
        token = page_token(client, "/privacy")
        response = client.post(path, data={"csrf_token": token})
    status = response.status_code
    location = response.headers.get("Location", "")
    response.close()  # static files are streamed from an open file
    denied = _is_denied(role, status, location)
    if route.expected[role] == DENY:
        assert denied, f"{role} reached {endpoint}: {status} {location}"
    else:
        assert not denied, f"{role} was refused {endpoint}: {status} {location}"
        assert status < 500, f"{endpoint} failed for {role}: {status}"
