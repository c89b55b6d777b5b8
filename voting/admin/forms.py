"""Forms of the administration area."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Length, Regexp

from voting.accounts.readable import ROLE_LABELS
from voting.admin.services import GRANTABLE_ROLES
from voting.forms import StembusForm
from voting.members.models import TIME_ZONES


class GrantRoleForm(StembusForm):
    """Give a member a role."""

    member_number = StringField(
        _l("Member number"), validators=[DataRequired(_l("Enter a member number.")), Length(max=32)]
    )
    role = SelectField(
        _l("Role"), choices=[SelectChoice(r.value, ROLE_LABELS[r.value]) for r in GRANTABLE_ROLES]
    )
    branch = SelectField(_l("Only for branch (election officers)"), coerce=str)


class BranchForm(StembusForm):
    """Add a branch."""

    code = StringField(
        _l("Code"),
        validators=[
            DataRequired(_l("Enter a code.")),
            Length(max=40),
            Regexp(r"^[a-z0-9-]+$", message=_l("Use lower-case letters, digits and dashes.")),
        ],
    )
    name = StringField(_l("Name"), validators=[DataRequired(_l("Enter a name.")), Length(max=120)])
    timezone = SelectField(
        _l("Time zone"),
        choices=[
            SelectChoice(TIME_ZONES[0], _l("European Netherlands (Amsterdam)")),
            SelectChoice(TIME_ZONES[1], _l("Caribbean Netherlands (Kralendijk)")),
        ],
    )


class DisableAccountForm(StembusForm):
    """Why an account is switched off."""

    reason = StringField(
        _l("Reason"), validators=[DataRequired(_l("Give a reason.")), Length(max=200)]
    )
