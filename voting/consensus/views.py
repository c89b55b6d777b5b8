"""Routes of the consensus area: groups, proposals, rounds, the record, reports.

Each view parses its form, calls one service and renders or redirects. Access: any signed-in
member may open the area, and the services decide per group (members, facilitators, the
group's officers); setting groups up is for officers, reports are for moderators.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response as WerkzeugResponse
from wtforms import SelectChoice

from voting.accounts.models import Account
from voting.consensus import fallback as votes
from voting.consensus import moderation, proposals, record, rounds, services
from voting.consensus.anonymity import RoundKeys
from voting.consensus.diff import word_diff
from voting.consensus.forms import (
    AddMembersForm,
    ButtonForm,
    DeadlineForm,
    DecideForm,
    FallbackBallotForm,
    GroupForm,
    HideForm,
    NewGroupForm,
    PositionForm,
    ProposalForm,
    ReportForm,
    StartProposalForm,
    TextForm,
)
from voting.consensus.markup import render_markdown
from voting.consensus.models import DecisionGroup, DecisionRule, FallbackMode, GroupKind
from voting.consensus.rules import (
    CHOICE_LABELS,
    KIND_LABELS,
    OUTCOME_LABELS,
    POSITIONS,
    RULE_DESCRIPTIONS,
    RULE_NAMES,
    group_label,
    position_hint,
    position_label,
)
from voting.db import request_session, utcnow
from voting.errors import FieldError
from voting.keys import Keyring
from voting.members.models import Branch
from voting.members.services import officer_branch_ids
from voting.moderation.clauses import CLAUSE_TEXTS
from voting.runtime import current_keyring, current_mailer, current_settings
from voting.security import Access, access

bp = Blueprint("consensus", __name__, url_prefix="/consensus")
Reply = str | WerkzeugResponse | tuple[str, int]


def _keyring() -> Keyring:
    return current_keyring()


def _round_keys() -> RoundKeys:
    return RoundKeys(current_settings().secret_key)


def _actor() -> Account:
    account: Account = current_user.account
    return account


@bp.app_context_processor
def _helpers() -> dict[str, object]:
    return {
        "consensus_markdown": render_markdown,
        "rule_names": RULE_NAMES,
        "rule_descriptions": RULE_DESCRIPTIONS,
        "outcome_labels": OUTCOME_LABELS,
        "kind_labels": KIND_LABELS,
        "choice_labels": CHOICE_LABELS,
        "position_labels": position_label,
        "group_labels": group_label,
        "rule_texts": CLAUSE_TEXTS,
    }


# ------------------------------------------------------------------ overview and guidelines


@bp.route("")
@access(Access.MEMBER)
def index() -> Reply:
    """The member's groups and their proposals; officers' groups; the moderators' link."""
    db = request_session()
    account = _actor()
    mine = services.groups_of(db, account)
    managed = [g for g in services.managed_groups(db, account) if g not in mine]
    proposals_by_group = {g.id: record.group_proposals(db, g) for g in mine}
    return render_template(
        "consensus/index.html",
        groups=mine,
        managed=managed,
        proposals_by_group=proposals_by_group,
        is_officer=officer_branch_ids(account) != frozenset(),
    )


@bp.route("/guidelines")
@access(Access.PUBLIC)
def guidelines() -> Reply:
    """The Safe(r) Space guidelines, linked wherever people write."""
    return render_template("consensus/guidelines.html")


# ------------------------------------------------------------------ groups (officers)


def _branch_choices(form: GroupForm) -> None:
    account = _actor()
    allowed = officer_branch_ids(account)
    branches = request_session().scalars(select(Branch).order_by(Branch.name)).all()
    choices = [] if allowed is not None else [SelectChoice("", _("No branch (national)"))]
    choices += [
        SelectChoice(str(b.id), b.name) for b in branches if allowed is None or b.id in allowed
    ]
    form.branch.choices = choices


def _settings_from(form: GroupForm) -> services.GroupSettings:
    numerator, _slash, denominator = (form.threshold.data or "2/3").partition("/")
    branch = form.branch.data
    return services.GroupSettings(
        name=form.name.data or "",
        description=form.description.data or "",
        kind=GroupKind(form.kind.data),
        branch_id=int(branch) if branch and branch.isdigit() else None,
        rule=DecisionRule(form.rule.data),
        anonymous=bool(form.anonymous.data),
        live_positions=bool(form.live_positions.data),
        min_participation=form.min_participation.data,
        max_rounds=form.max_rounds.data,
        fallback=FallbackMode(form.fallback.data),
        fallback_numerator=int(numerator) if numerator.isdigit() else 0,
        fallback_denominator=int(denominator) if denominator.isdigit() else 0,
    )


@bp.route("/groups/new", methods=["GET", "POST"])
@access(Access.OFFICER)
def new_group() -> Reply:
    """Set up a decision group."""
    form = NewGroupForm()
    _branch_choices(form)
    if form.validate_on_submit():
        try:
            group = services.create_group(
                request_session(),
                _actor(),
                _settings_from(form),
                form.members.data or "",
                form.facilitators.data or "",
                _keyring(),
                utcnow(),
            )
        except FieldError as error:
            form.add_service_error(error.field, error.message)
        else:
            flash(_("The group is set up."), "info")
            return redirect(url_for(".group", group_id=group.id))
    return render_template("consensus/group_form.html", form=form, group=None), (
        400 if form.errors else 200
    )


@bp.route("/groups/<int:group_id>")
@access(Access.MEMBER)
def group(group_id: int) -> Reply:
    """A group: its rules, members and proposals."""
    db = request_session()
    account = _actor()
    found = services.group_for_viewer(db, account, group_id)
    member = services.membership(db, found, account)
    return render_template(
        "consensus/group.html",
        group=found,
        members=record.group_members(db, found),
        proposals=record.group_proposals(db, found) if member is not None else [],
        is_member=member is not None,
        is_facilitator=member is not None and member.is_facilitator,
        is_manager=services.is_manager(account, found),
    )


@bp.route("/groups/<int:group_id>/settings", methods=["GET", "POST"])
@access(Access.OFFICER)
def group_settings(group_id: int) -> Reply:
    """Change a group's name and default rules."""
    db = request_session()
    found = services.group_for_manager(db, _actor(), group_id)
    form = GroupForm(obj=None if request.method == "POST" else _group_data(found))
    _branch_choices(form)
    if form.validate_on_submit():
        try:
            services.update_group(db, _actor(), group_id, _settings_from(form), utcnow())
        except FieldError as error:
            form.add_service_error(error.field, error.message)
        else:
            flash(_("The settings are saved. They apply to new proposals."), "info")
            return redirect(url_for(".group", group_id=group_id))
    return render_template("consensus/group_form.html", form=form, group=found), (
        400 if form.errors else 200
    )


class _GroupData:
    """A group as the settings form reads it."""

    def __init__(self, found: DecisionGroup) -> None:
        self.name = found.name
        self.description = found.description
        self.kind = found.kind.value
        self.branch = str(found.branch_id) if found.branch_id else ""
        self.rule = found.rule.value
        self.anonymous = found.anonymous
        self.live_positions = found.live_positions
        self.min_participation = found.min_participation
        self.max_rounds = found.max_rounds
        self.fallback = found.fallback.value
        self.threshold = f"{found.fallback_numerator}/{found.fallback_denominator}"


def _group_data(found: DecisionGroup) -> _GroupData:
    return _GroupData(found)


@bp.route("/groups/<int:group_id>/members", methods=["GET"])
@access(Access.OFFICER)
def group_members(group_id: int) -> Reply:
    """The member list of a group, for its officers."""
    return _members_page(group_id, AddMembersForm())


def _members_page(group_id: int, form: AddMembersForm) -> Reply:
    db = request_session()
    found = services.group_for_manager(db, _actor(), group_id)
    return render_template(
        "consensus/group_members.html",
        group=found,
        members=record.group_members(db, found),
        form=form,
    ), (400 if form.errors else 200)


@bp.route("/groups/<int:group_id>/members/add", methods=["POST"])
@access(Access.OFFICER)
def add_members(group_id: int) -> Reply:
    """Add members (or facilitators) by member number."""
    db = request_session()
    services.group_for_manager(db, _actor(), group_id)
    form = AddMembersForm()
    if form.validate_on_submit():
        try:
            added = services.add_members(
                db, _actor(), group_id, form.numbers.data, bool(form.as_facilitators.data), utcnow()
            )
        except FieldError as error:
            form.add_service_error(error.field, error.message)
        else:
            flash(_("%(count)d members added.", count=added), "info")
            return redirect(url_for(".group_members", group_id=group_id))
    return _members_page(group_id, form)


@bp.route("/groups/<int:group_id>/members/<int:account_id>/remove", methods=["POST"])
@access(Access.OFFICER)
def remove_member(group_id: int, account_id: int) -> Reply:
    """Remove a member from a group."""
    db = request_session()
    services.group_for_manager(db, _actor(), group_id)
    if ButtonForm().validate_on_submit():
        services.change_member(
            db, _actor(), group_id, account_id, remove=True, facilitator=False, now=utcnow()
        )
        flash(_("The member is removed from the group."), "info")
    return redirect(url_for(".group_members", group_id=group_id))


@bp.route("/groups/<int:group_id>/members/<int:account_id>/role", methods=["POST"])
@access(Access.OFFICER)
def set_facilitator(group_id: int, account_id: int) -> Reply:
    """Make a member a facilitator, or not."""
    db = request_session()
    services.group_for_manager(db, _actor(), group_id)
    if ButtonForm().validate_on_submit():
        services.change_member(
            db,
            _actor(),
            group_id,
            account_id,
            remove=False,
            facilitator=request.form.get("facilitator") == "1",
            now=utcnow(),
        )
        flash(_("The change is saved."), "info")
    return redirect(url_for(".group_members", group_id=group_id))


# ------------------------------------------------------------------ proposals (facilitators)


def _text_from(form: ProposalForm) -> proposals.ProposalText:
    return proposals.ProposalText(
        title=form.title.data or "",
        body=form.body.data or "",
        links=form.links.data or "",
        change_note=form.change_note.data or "",
    )


@bp.route("/groups/<int:group_id>/proposals/new", methods=["GET", "POST"])
@access(Access.MEMBER)
def new_proposal(group_id: int) -> Reply:
    """Start a proposal in a group."""
    db = request_session()
    found = services.group_for_facilitator(db, _actor(), group_id)
    form = StartProposalForm()
    if request.method == "GET":
        form.rule.data = found.rule.value
        form.based_on.data = 0
    if form.validate_on_submit():
        try:
            proposal = proposals.start_proposal(
                db,
                _actor(),
                group_id,
                _text_from(form),
                DecisionRule(form.rule.data),
                form.round_days.data,
                _keyring(),
                utcnow(),
            )
        except FieldError as error:
            form.add_service_error(error.field, error.message)
        else:
            flash(_("The proposal is saved. Open the first round when it is ready."), "info")
            return redirect(url_for(".proposal", proposal_id=proposal.id))
    return render_template("consensus/proposal_form.html", form=form, group=found, proposal=None), (
        400 if form.errors else 200
    )


@bp.route("/proposals/<int:proposal_id>/revise", methods=["GET", "POST"])
@access(Access.MEMBER)
def revise(proposal_id: int) -> Reply:
    """Write a new version of a proposal."""
    db = request_session()
    proposal = services.proposal_for_facilitator(db, _actor(), proposal_id)
    current = proposals.latest_version(proposal)
    form = ProposalForm()
    if request.method == "GET":
        form.title.data, form.body.data = current.title, current.body
        form.links.data = proposals.links_text(current.links)
        form.based_on.data = current.number
    if form.validate_on_submit():
        try:
            version = proposals.revise_proposal(
                db,
                _actor(),
                proposal_id,
                _text_from(form),
                form.based_on.data,
                _keyring(),
                utcnow(),
            )
        except FieldError as error:
            form.add_service_error(error.field, error.message)
        else:
            flash(_("Version %(number)d is saved.", number=version.number), "info")
            return redirect(url_for(".version", proposal_id=proposal_id, number=version.number))
    return render_template(
        "consensus/proposal_form.html", form=form, group=proposal.group, proposal=proposal
    ), (400 if form.errors else 200)


@bp.route("/proposals/<int:proposal_id>/versions/<int:number>")
@access(Access.MEMBER)
def version(proposal_id: int, number: int) -> Reply:
    """One version, and what changed since the one before."""
    db = request_session()
    shown = record.version_of(db, _actor(), proposal_id, number)
    previous = record.version_of(db, _actor(), proposal_id, number - 1) if number > 1 else None
    title_diff = body_diff = change = None
    if previous is not None:
        title_diff, _title_change = word_diff(previous.title, shown.title)
        body_diff, change = word_diff(previous.body, shown.body)
    return render_template(
        "consensus/version.html",
        proposal=shown.proposal,
        version=shown,
        previous=previous,
        title_diff=title_diff,
        body_diff=body_diff,
        change=change,
    )


def _deadline_default(days: int) -> str:
    zone = ZoneInfo(_actor().member.timezone)
    local = (utcnow() + dt.timedelta(days=days)).astimezone(zone)
    return local.strftime("%Y-%m-%dT%H:00")


def _deadline_of(form: DeadlineForm) -> dt.datetime:
    return rounds.deadline_from_local(form.deadline.data, _actor().member.timezone)


@bp.route("/proposals/<int:proposal_id>/rounds/open", methods=["GET", "POST"])
@access(Access.MEMBER)
def open_round(proposal_id: int) -> Reply:
    """Open the next round on the newest version."""
    db = request_session()
    proposal = services.proposal_for_facilitator(db, _actor(), proposal_id)
    form = DeadlineForm()
    if request.method == "GET":
        form.deadline.raw_data = [_deadline_default(proposal.round_days)]
        form.after_round.data = len(proposal.rounds)
    if form.validate_on_submit():
        try:
            opened = rounds.open_round(
                db,
                _actor(),
                proposal_id,
                _deadline_of(form),
                form.after_round.data,
                _keyring(),
                _round_keys(),
                utcnow(),
            )
        except FieldError as error:
            form.add_service_error(error.field, error.message)
        else:
            flash(_("Round %(number)d is open.", number=opened.number), "info")
            return redirect(url_for(".proposal", proposal_id=proposal_id))
    page = record.proposal_page(db, _actor(), proposal_id, _round_keys())
    return render_template("consensus/open_round.html", form=form, page=page), (
        400 if form.errors else 200
    )


@bp.route("/proposals/<int:proposal_id>/rounds/close", methods=["POST"])
@access(Access.MEMBER)
def close_round(proposal_id: int) -> Reply:
    """Close the open round before its deadline, once everyone has responded."""
    db = request_session()
    proposal = services.proposal_for_facilitator(db, _actor(), proposal_id)
    form = ButtonForm()
    if form.validate_on_submit() and form.round_id.data is not None:
        current = proposals.open_round_of(proposal)
        if current is None or current.id != form.round_id.data:
            flash(_("This round is already closed. Nothing has changed."), "warning")
        else:
            rounds.close_round(db, current.id, _keyring(), _round_keys(), utcnow(), actor=_actor())
            flash(_("The round is closed."), "info")
    return redirect(url_for(".proposal", proposal_id=proposal_id))


@bp.route("/rounds/<int:round_id>/summary", methods=["GET", "POST"])
@access(Access.MEMBER)
def summary(round_id: int) -> Reply:
    """Write the summary of a closed round."""
    db = request_session()
    found = services.round_for_facilitator(db, _actor(), round_id)
    form = TextForm()
    if request.method == "GET" and found.summary:
        form.text.data = found.summary
    if form.validate_on_submit():
        try:
            proposals.write_summary(db, _actor(), round_id, form.text.data, _keyring(), utcnow())
        except FieldError as error:
            form.add_service_error(error.field, error.message)
        else:
            flash(_("The summary is saved."), "info")
            return redirect(url_for(".proposal", proposal_id=found.proposal_id))
    view = record.round_view(db, found, _actor(), is_facilitator=True, own=None, latest=True)
    return render_template("consensus/summary.html", form=form, view=view), (
        400 if form.errors else 200
    )


@bp.route("/positions/<int:position_id>/answer", methods=["GET", "POST"])
@access(Access.MEMBER)
def answer(position_id: int) -> Reply:
    """Answer an objection, a concern or a question."""
    db = request_session()
    position = proposals.answerable_position(db, _actor(), position_id)
    existing = proposals.current_answer(db, position)
    form = TextForm()
    if request.method == "GET" and existing is not None:
        form.text.data = existing.text
    if form.validate_on_submit():
        try:
            proposals.answer_position(
                db, _actor(), position_id, form.text.data, _keyring(), utcnow()
            )
        except FieldError as error:
            form.add_service_error(error.field, error.message)
        else:
            flash(_("Your answer is saved."), "info")
            return redirect(url_for(".proposal", proposal_id=position.round.proposal_id))
    return render_template(
        "consensus/answer.html",
        form=form,
        position=position,
        label=position_label(position.round.proposal.rule, position.kind),
        author=position.account.member.name if position.account else None,
    ), (400 if form.errors else 200)


@bp.route("/proposals/<int:proposal_id>/fallback", methods=["GET", "POST"])
@access(Access.MEMBER)
def fallback(proposal_id: int) -> Reply:
    """Start the fallback vote."""
    db = request_session()
    proposal = services.proposal_for_facilitator(db, _actor(), proposal_id)
    form = DeadlineForm()
    if request.method == "GET":
        form.deadline.raw_data = [_deadline_default(proposal.round_days)]
        form.after_round.data = len(proposal.rounds)
    if form.validate_on_submit():
        try:
            votes.open_fallback(db, _actor(), proposal_id, _deadline_of(form), _keyring(), utcnow())
        except FieldError as error:
            form.add_service_error(error.field, error.message)
        else:
            flash(_("The vote has started."), "info")
            return redirect(url_for(".proposal", proposal_id=proposal_id))
    page = record.proposal_page(db, _actor(), proposal_id, _round_keys())
    return render_template("consensus/fallback.html", form=form, page=page), (
        400 if form.errors else 200
    )


@bp.route("/proposals/<int:proposal_id>/decide", methods=["GET", "POST"])
@access(Access.MEMBER)
def decide(proposal_id: int) -> Reply:
    """Close the proposal with an outcome statement."""
    db = request_session()
    services.proposal_for_facilitator(db, _actor(), proposal_id)
    form = DecideForm()
    if form.validate_on_submit():
        try:
            proposals.decide(db, _actor(), proposal_id, form.statement.data, _keyring(), utcnow())
        except FieldError as error:
            form.add_service_error(error.field, error.message)
        else:
            flash(_("The proposal is closed. The decision record is below."), "info")
            return redirect(url_for(".decision_record", proposal_id=proposal_id))
    page = record.proposal_page(db, _actor(), proposal_id, _round_keys())
    outcome = proposals.outcome_of(db, page.proposal)
    return render_template("consensus/decide.html", form=form, page=page, outcome=outcome), (
        400 if form.errors else 200
    )


# ------------------------------------------------------------------ taking part


def _position_form(page: record.ProposalPage, form: PositionForm | None = None) -> PositionForm:
    rule = page.proposal.rule
    form = form or PositionForm(formdata=None)
    form.kind.choices = [SelectChoice(k.value, position_label(rule, k)) for k in POSITIONS[rule]]
    if page.open_round is not None and not form.round_id.data:
        form.round_id.data = page.open_round.id
        mine = page.my_position
        form.revision.data = mine.revision if mine is not None else 0
        if mine is not None:
            form.kind.data, form.reason.data = mine.kind.value, mine.reason
    return form


def _vote_form(
    page: record.ProposalPage, form: FallbackBallotForm | None = None
) -> FallbackBallotForm:
    form = form or FallbackBallotForm(formdata=None)
    if page.my_vote is not None and form.revision.data is None:
        form.revision.data = page.my_vote.revision
        form.choice.data = page.my_vote.choice.value if page.my_vote.choice else None
    return form


def _proposal_page(
    proposal_id: int,
    position_form: PositionForm | None = None,
    vote_form: FallbackBallotForm | None = None,
) -> Reply:
    db = request_session()
    page = record.proposal_page(db, _actor(), proposal_id, _round_keys())
    hints = {k.value: position_hint(page.proposal.rule, k) for k in POSITIONS[page.proposal.rule]}
    failed = (position_form is not None and position_form.errors) or (
        vote_form is not None and vote_form.errors
    )
    return render_template(
        "consensus/proposal.html",
        page=page,
        form=_position_form(page, position_form),
        vote_form=_vote_form(page, vote_form),
        button=ButtonForm(formdata=None),
        hints=hints,
    ), (400 if failed else 200)


@bp.route("/proposals/<int:proposal_id>")
@access(Access.MEMBER)
def proposal(proposal_id: int) -> Reply:
    """A proposal: the text, the open round and your position, the last round's result."""
    db = request_session()
    services.proposal_for_member(db, _actor(), proposal_id)
    record.refresh(db, _keyring(), _round_keys(), proposal_id, utcnow())
    return _proposal_page(proposal_id)


@bp.route("/proposals/<int:proposal_id>/position", methods=["POST"])
@access(Access.MEMBER)
def take_position(proposal_id: int) -> Reply:
    """Take or change your position in the open round."""
    db = request_session()
    services.proposal_for_member(db, _actor(), proposal_id)
    form = PositionForm()
    if form.validate_on_submit():
        try:
            rounds.submit_position(
                db,
                _actor(),
                proposal_id,
                form.round_id.data,
                form.kind.data,
                form.reason.data or "",
                form.revision.data,
                _round_keys(),
                utcnow(),
            )
        except FieldError as error:
            form.add_service_error(error.field, error.message)
        else:
            flash(_("Your position is saved. You can change it until the round closes."), "info")
            return redirect(url_for(".proposal", proposal_id=proposal_id) + "#position")
    return _proposal_page(proposal_id, position_form=form)


@bp.route("/proposals/<int:proposal_id>/fallback/vote", methods=["POST"])
@access(Access.MEMBER)
def fallback_vote(proposal_id: int) -> Reply:
    """Cast or change your vote in the open fallback vote."""
    db = request_session()
    services.proposal_for_member(db, _actor(), proposal_id)
    form = FallbackBallotForm()
    if form.validate_on_submit():
        try:
            votes.cast_fallback(
                db, _actor(), proposal_id, form.choice.data, form.revision.data, utcnow()
            )
        except FieldError as error:
            form.add_service_error(error.field, error.message)
        else:
            flash(_("Your vote is saved. You can change it until the vote closes."), "info")
            return redirect(url_for(".proposal", proposal_id=proposal_id) + "#vote")
    return _proposal_page(proposal_id, vote_form=form)


@bp.route("/positions/<int:position_id>/report", methods=["GET", "POST"])
@access(Access.MEMBER)
def report(position_id: int) -> Reply:
    """Report a reason to the moderators."""
    db = request_session()
    position = moderation.readable_position(db, _actor(), position_id)
    form = ReportForm()
    if form.validate_on_submit():
        try:
            moderation.report_reason(db, _actor(), position_id, form.why.data, utcnow())
        except FieldError as error:
            form.add_service_error(error.field, error.message)
        else:
            flash(_("Thank you. A moderator will look at it."), "info")
            return redirect(url_for(".proposal", proposal_id=position.round.proposal_id))
    return render_template(
        "consensus/report.html",
        form=form,
        position=position,
        label=position_label(position.round.proposal.rule, position.kind),
    ), (400 if form.errors else 200)


# ------------------------------------------------------------------ the decision record


@bp.route("/proposals/<int:proposal_id>/record")
@access(Access.MEMBER)
def decision_record(proposal_id: int) -> Reply:
    """The outcome, the minority report and every round."""
    found = record.decision_record(request_session(), _actor(), proposal_id)
    return render_template("consensus/record.html", record=found)


@bp.route("/proposals/<int:proposal_id>/record.csv")
@access(Access.MEMBER)
def record_csv(proposal_id: int) -> Response:
    """The positions of every closed round as a spreadsheet (formula-safe)."""
    text = record.record_csv(request_session(), _actor(), proposal_id)
    return Response(
        text.encode("utf-8"),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="proposal-{proposal_id}.csv"'},
    )


# ------------------------------------------------------------------ moderation


@bp.route("/reports")
@access(Access.MODERATOR)
def reports() -> Reply:
    """Reports waiting for a moderator."""
    open_reports = moderation.open_reports(request_session())
    return render_template(
        "consensus/reports.html",
        reports=open_reports,
        hide_form=HideForm(formdata=None),
        button=ButtonForm(formdata=None),
    )


@bp.route("/reports/<int:report_id>/hide", methods=["POST"])
@access(Access.MODERATOR)
def hide(report_id: int) -> Reply:
    """Hide a reported reason under a guideline; its author is told."""
    form = HideForm()
    if not form.validate_on_submit():
        flash(_("Choose the guideline the reason breaks."), "error")
        return redirect(url_for(".reports"))
    moderation.hide_reason(
        request_session(),
        _actor(),
        report_id,
        form.rule.data,
        _keyring(),
        current_settings(),
        current_mailer(),
        utcnow(),
    )
    flash(_("The reason is hidden and its author is told."), "info")
    return redirect(url_for(".reports"))


@bp.route("/reports/<int:report_id>/keep", methods=["POST"])
@access(Access.MODERATOR)
def keep(report_id: int) -> Reply:
    """Keep a reported reason."""
    if ButtonForm().validate_on_submit():
        moderation.keep_reason(request_session(), _actor(), report_id, utcnow())
        flash(_("The reason stays. The report is closed."), "info")
    return redirect(url_for(".reports"))
