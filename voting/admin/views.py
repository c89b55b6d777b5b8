"""Routes of the administration area."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response as WerkzeugResponse
from wtforms import SelectChoice

from voting.accounts.models import Account, Role, RoleGrant
from voting.accounts.services import disable_account, enable_account
from voting.admin.forms import BranchForm, DisableAccountForm, GrantRoleForm
from voting.admin.services import account_of_member, grant_role, recent_events, revoke_role
from voting.db import request_session, utcnow
from voting.errors import Conflict, FieldError
from voting.members.models import Branch
from voting.members.services import create_branch
from voting.security import Access, access

bp = Blueprint("admin", __name__, url_prefix="/admin")
Reply = str | WerkzeugResponse | tuple[str, int]


@bp.route("/")
@access(Access.ADMIN)
def index() -> Reply:
    """The administration start page."""
    return render_template("admin/index.html")


def _branch_choices() -> list[SelectChoice]:
    branches = request_session().scalars(select(Branch).order_by(Branch.name))
    return [SelectChoice("", _("All branches"))] + [
        SelectChoice(str(b.id), b.name) for b in branches
    ]


@bp.route("/roles", methods=["GET", "POST"])
@access(Access.ADMIN)
def roles() -> Reply:
    """Who holds which role; give a role."""
    db = request_session()
    form = GrantRoleForm()
    form.branch.choices = _branch_choices()
    status = 200
    if form.validate_on_submit():
        try:
            grant_role(
                db,
                current_user.account,
                form.member_number.data,
                Role(form.role.data),
                int(form.branch.data) if form.branch.data else None,
                utcnow(),
            )
        except (FieldError, Conflict) as error:
            db.rollback()
            form.add_service_error(getattr(error, "field", ""), error.message)
            status = 400
        else:
            flash(_("The role is given."), "info")
            return redirect(url_for(".roles"))
    elif form.errors:
        status = 400
    grants = db.scalars(
        select(RoleGrant)
        .options(selectinload(RoleGrant.account).selectinload(Account.member))
        .where(RoleGrant.role != Role.CANDIDATE)
        .order_by(RoleGrant.role, RoleGrant.id)
    ).all()
    branches = {b.id: b for b in db.scalars(select(Branch))}
    return render_template("admin/roles.html", form=form, grants=grants, branches=branches), status


@bp.route("/roles/<int:grant_id>/revoke", methods=["POST"])
@access(Access.ADMIN)
def revoke(grant_id: int) -> Reply:
    """Take a role away."""
    revoke_role(request_session(), current_user.account, grant_id, utcnow())
    flash(_("The role is taken away."), "info")
    return redirect(url_for(".roles"))


@bp.route("/branches", methods=["GET", "POST"])
@access(Access.ADMIN)
def branches() -> Reply:
    """The branches; add one."""
    db = request_session()
    form = BranchForm()
    status = 200
    if form.validate_on_submit():
        try:
            create_branch(
                db,
                form.code.data,
                form.name.data,
                form.timezone.data,
                current_user.account,
                utcnow(),
            )
        except Conflict as error:
            db.rollback()
            form.add_service_error("code", error.message)
            status = 400
        else:
            flash(_("The branch is added."), "info")
            return redirect(url_for(".branches"))
    elif form.errors:
        status = 400
    rows = db.scalars(select(Branch).order_by(Branch.name)).all()
    return render_template("admin/branches.html", form=form, branches=rows), status


@bp.route("/members/<int:member_id>/disable", methods=["POST"])
@access(Access.ADMIN)
def disable(member_id: int) -> Reply:
    """Switch an account off; its sessions end at once."""
    db = request_session()
    form = DisableAccountForm()
    if not form.validate_on_submit():
        flash(_("Give a reason."), "error")
    else:
        disable_account(
            db, account_of_member(db, member_id), current_user.account, utcnow(), form.reason.data
        )
        flash(_("The account is disabled. It is signed out everywhere."), "info")
    return redirect(url_for("members.detail", member_id=member_id))


@bp.route("/members/<int:member_id>/enable", methods=["POST"])
@access(Access.ADMIN)
def enable(member_id: int) -> Reply:
    """Switch an account on again."""
    db = request_session()
    enable_account(db, account_of_member(db, member_id), current_user.account, utcnow())
    flash(_("The account is enabled."), "info")
    return redirect(url_for("members.detail", member_id=member_id))


@bp.route("/events")
@access(Access.ADMIN)
def events() -> Reply:
    """The event table: who did what, when."""
    page = max(1, request.args.get("page", 1, type=int) or 1)
    action = request.args.get("action", "")[:64]
    rows, total = recent_events(request_session(), action=action, page=page)
    return render_template("admin/events.html", rows=rows, total=total, page=page, action=action)
