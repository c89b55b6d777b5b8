"""Forms of the consensus area; labels and messages are translatable.

Length limits here give a field error before anything reaches a service (THREATS T33); the
services check the same limits again, because they are the rule.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import HiddenInput

from voting.consensus.models import (
    DecisionRule,
    FallbackMode,
    GroupKind,
)
from voting.consensus.moderation import MAX_WHY
from voting.consensus.proposals import MAX_BODY, MAX_STATEMENT, MAX_TITLE
from voting.consensus.rules import CHOICE_LABELS, KIND_LABELS, MAX_REASON_LENGTH, RULE_NAMES
from voting.forms import StembusForm
from voting.moderation.clauses import CLAUSE_TEXTS

TOO_LONG = _l("Use at most %(max)d characters.")
# Links: up to 20 lines of a label and an address.
MAX_LINKS_TEXT = 20 * 720
MAX_NUMBERS_TEXT = 20_000

FALLBACK_LABELS = {
    FallbackMode.NONE: _l("No fallback vote: without consensus the proposal is not adopted"),
    FallbackMode.OPEN: _l("An open vote (by name) after the last round"),
    FallbackMode.SECRET: _l(
        "A secret vote (encrypted, counted by the Partijraad's trustees) after the last round"
    ),
}
THRESHOLDS = {
    "3/5": _l("At least 3/5 (60 %) of the votes cast"),
    "2/3": _l("At least 2/3 (about 67 %) of the votes cast"),
    "3/4": _l("At least 3/4 (75 %) of the votes cast"),
    "4/5": _l("At least 4/5 (80 %) of the votes cast"),
}


def _hidden_int() -> IntegerField:
    return IntegerField(widget=HiddenInput(), validators=[InputRequired()])


class GroupForm(StembusForm):
    """A group's name and default rules."""

    name = StringField(
        _l("Name of the group"),
        validators=[DataRequired(_l("Give the group a name.")), Length(max=120, message=TOO_LONG)],
    )
    description = TextAreaField(
        _l("What the group decides on (optional)"),
        validators=[Length(max=MAX_STATEMENT, message=TOO_LONG)],
    )
    kind = RadioField(
        _l("Kind of group"),
        choices=[SelectChoice(k.value, label) for k, label in KIND_LABELS.items()],
        default=GroupKind.BOARD.value,
        validators=[InputRequired(_l("Choose the kind of group."))],
    )
    branch = SelectField(_l("Branch"), choices=[], validate_choice=False)
    rule = RadioField(
        _l("Template"),
        choices=[SelectChoice(r.value, label) for r, label in RULE_NAMES.items()],
        default=DecisionRule.CONSENSUS.value,
        validators=[InputRequired(_l("Choose a template."))],
    )
    min_participation = IntegerField(
        _l("Minimum participation (percent of the members)"),
        default=50,
        validators=[
            InputRequired(_l("Give a percentage.")),
            NumberRange(0, 100, _l("Choose a percentage from 0 to 100.")),
        ],
        render_kw={"class": "short", "inputmode": "numeric"},
    )
    max_rounds = IntegerField(
        _l("Number of rounds"),
        default=3,
        validators=[
            InputRequired(_l("Give a number of rounds.")),
            NumberRange(1, 10, _l("Choose from 1 to 10 rounds.")),
        ],
        render_kw={"class": "short", "inputmode": "numeric"},
    )
    fallback = RadioField(
        _l("After the last round without consensus"),
        choices=[SelectChoice(m.value, label) for m, label in FALLBACK_LABELS.items()],
        default=FallbackMode.NONE.value,
        validators=[InputRequired(_l("Choose what happens after the last round."))],
    )
    threshold = SelectField(
        _l("Majority needed in the fallback vote"),
        choices=[SelectChoice(value, label) for value, label in THRESHOLDS.items()],
        default="2/3",
    )
    anonymous = BooleanField(_l("Positions are anonymous"))
    live_positions = BooleanField(_l("Show positions while a round is open"))


class NewGroupForm(GroupForm):
    """A new group: its settings, members and facilitators."""

    facilitators = TextAreaField(
        _l("Facilitators: member numbers"),
        validators=[
            DataRequired(_l("Name at least one facilitator.")),
            Length(max=MAX_NUMBERS_TEXT, message=TOO_LONG),
        ],
    )
    members = TextAreaField(
        _l("Other members: member numbers"),
        validators=[Length(max=MAX_NUMBERS_TEXT, message=TOO_LONG)],
    )


class AddMembersForm(StembusForm):
    """Add members to a group by member number."""

    numbers = TextAreaField(
        _l("Member numbers"),
        validators=[
            DataRequired(_l("Enter at least one member number.")),
            Length(max=MAX_NUMBERS_TEXT, message=TOO_LONG),
        ],
    )
    as_facilitators = BooleanField(_l("They are facilitators"))


class ProposalForm(StembusForm):
    """The text of a proposal version."""

    title = StringField(
        _l("Title"),
        validators=[DataRequired(_l("Give a title.")), Length(max=MAX_TITLE, message=TOO_LONG)],
    )
    body = TextAreaField(
        _l("Proposal"),
        validators=[
            DataRequired(_l("Write the proposal.")),
            Length(max=MAX_BODY, message=TOO_LONG),
        ],
        render_kw={"rows": 14},
    )
    links = TextAreaField(
        _l("Background documents (optional)"),
        validators=[Length(max=MAX_LINKS_TEXT, message=TOO_LONG)],
        render_kw={"rows": 4, "spellcheck": "false"},
    )
    change_note = TextAreaField(
        _l("What changed, and why (optional)"),
        validators=[Length(max=MAX_STATEMENT, message=TOO_LONG)],
        render_kw={"rows": 4},
    )
    based_on = _hidden_int()


class StartProposalForm(ProposalForm):
    """A new proposal: its text, its rule and the usual length of a round."""

    rule = RadioField(
        _l("Decision rule"),
        choices=[SelectChoice(r.value, label) for r, label in RULE_NAMES.items()],
        validators=[InputRequired(_l("Choose a decision rule."))],
    )
    round_days = IntegerField(
        _l("Length of a round, in days"),
        default=7,
        validators=[
            InputRequired(_l("Give a number of days.")),
            NumberRange(1, 60, _l("Choose from 1 to 60 days.")),
        ],
        render_kw={"class": "short", "inputmode": "numeric"},
    )


class DeadlineForm(StembusForm):
    """Open a round or the fallback vote until a deadline."""

    deadline = DateTimeLocalField(
        _l("Deadline"),
        format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"],
        validators=[DataRequired(_l("Give the date and time, like 2026-12-01 20:00."))],
    )
    after_round = _hidden_int()


class PositionForm(StembusForm):
    """A participant's position in a round."""

    kind = RadioField(
        _l("Your position"),
        choices=[],
        validate_choice=False,
        validators=[InputRequired(_l("Choose one of the positions."))],
    )
    reason = TextAreaField(
        _l("Your reason"),
        validators=[Length(max=MAX_REASON_LENGTH, message=TOO_LONG)],
        render_kw={"rows": 6},
    )
    round_id = _hidden_int()
    revision = _hidden_int()


class TextForm(StembusForm):
    """One text: an answer, a round summary."""

    text = TextAreaField(
        _l("Text"),
        validators=[
            DataRequired(_l("Write the text.")),
            Length(max=MAX_STATEMENT, message=TOO_LONG),
        ],
        render_kw={"rows": 8},
    )


class DecideForm(StembusForm):
    """Close a proposal with its outcome statement."""

    statement = TextAreaField(
        _l("Outcome statement"),
        validators=[
            DataRequired(_l("Write the outcome statement.")),
            Length(max=MAX_STATEMENT, message=TOO_LONG),
        ],
        render_kw={"rows": 8},
    )


class ReportForm(StembusForm):
    """Report a reason to the moderators."""

    why = TextAreaField(
        _l("Why should a moderator look at this?"),
        validators=[
            DataRequired(_l("Say which guideline the reason breaks, and how.")),
            Length(max=MAX_WHY, message=TOO_LONG),
        ],
        render_kw={"rows": 5},
    )


class HideForm(StembusForm):
    """Hide a reported reason under one of the guidelines."""

    rule = RadioField(
        _l("The guideline it breaks"),
        choices=[SelectChoice(r.value, text) for r, text in CLAUSE_TEXTS.items()],
        validators=[InputRequired(_l("Choose the guideline the reason breaks."))],
    )


class FallbackBallotForm(StembusForm):
    """A vote in the open fallback vote."""

    choice = RadioField(
        _l("Your vote"),
        choices=[SelectChoice(c.value, label) for c, label in CHOICE_LABELS.items()],
        validators=[InputRequired(_l("Choose yes, no or abstain."))],
    )
    revision = _hidden_int()


class ButtonForm(StembusForm):
    """A form that is only a button (CSRF token included)."""

    round_id = IntegerField(widget=HiddenInput(), validators=[Optional()])
