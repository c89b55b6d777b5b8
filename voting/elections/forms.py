"""Forms for meetings, elections, questions and trustees."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from voting.elections.models import CANCEL_REASON_MAX, ElectorateKind, QuestionKind
from voting.elections.preparation import RulePreset
from voting.forms import StembusForm
from voting.members.models import TIME_ZONES

TIME_FORMAT = "%Y-%m-%dT%H:%M"


def _zones() -> list[SelectChoice]:
    return [
        SelectChoice(TIME_ZONES[0], _l("European Netherlands (Amsterdam)")),
        SelectChoice(TIME_ZONES[1], _l("Caribbean Netherlands (Kralendijk)")),
    ]


class MeetingForm(StembusForm):
    """A new meeting."""

    title = StringField(
        _l("Name of the meeting"),
        validators=[DataRequired(_l("Give the meeting a name.")), Length(max=200)],
    )
    starts_at = DateTimeLocalField(
        _l("Starts at"),
        format=TIME_FORMAT,
        validators=[InputRequired(_l("Give the date and time."))],
    )
    timezone = SelectField(_l("Time zone of the meeting"), choices=_zones())
    location = StringField(_l("Place"), validators=[Length(max=200)])
    online = BooleanField(_l("Members can also take part online"))


def _cutoff() -> DateField:
    """The cut-off date of membership; each form places it in its own order (the error
    summary lists fields in declaration order, as the page shows them)."""
    return DateField(
        _l("Member on or before"), validators=[InputRequired(_l("Give the cut-off date."))]
    )


class _VoteTimesForm(StembusForm):
    """The name and voting times of a vote: what a new vote and a copy both ask."""

    title = StringField(
        _l("Name of the vote"),
        validators=[DataRequired(_l("Give the vote a name.")), Length(max=200)],
    )
    opens_at = DateTimeLocalField(
        _l("Voting opens at"),
        format=TIME_FORMAT,
        validators=[InputRequired(_l("Give the opening time."))],
    )
    closes_at = DateTimeLocalField(
        _l("Voting closes at"),
        format=TIME_FORMAT,
        validators=[InputRequired(_l("Give the closing time."))],
    )


class ElectionForm(_VoteTimesForm):
    """A new vote under a meeting."""

    electorate = SelectField(
        _l("Who may vote"),
        choices=[
            SelectChoice(ElectorateKind.ALL_MEMBERS.value, _l("All members")),
            SelectChoice(ElectorateKind.BRANCH.value, _l("The members of one branch")),
            SelectChoice(ElectorateKind.COUNCIL.value, _l("The Partijraad")),
        ],
    )
    branch = SelectField(_l("Branch (if one branch votes)"), coerce=str, validators=[Optional()])
    cutoff = _cutoff()
    require_second_factor = BooleanField(_l("Voters must use the second step"))


class QuestionForm(StembusForm):
    """A question on the ballot."""

    kind = SelectField(
        _l("Kind of question"),
        choices=[
            SelectChoice(QuestionKind.MOTION.value, _l("Motion (for / against / abstain)")),
            SelectChoice(QuestionKind.AMENDMENT.value, _l("Amendment to a motion")),
            SelectChoice(
                QuestionKind.BUDGET_LINE.value, _l("Budget line (for / against / abstain)")
            ),
            SelectChoice(QuestionKind.MULTIPLE_CHOICE.value, _l("Multiple choice")),
            SelectChoice(QuestionKind.APPROVAL.value, _l("Candidate election (approval, seats)")),
        ],
    )
    title = StringField(
        _l("Title"), validators=[DataRequired(_l("Give the question a title.")), Length(max=200)]
    )
    text = TextAreaField(_l("Full text"), validators=[Length(max=20_000)])
    options = TextAreaField(
        _l("Options or candidates, one per line"), validators=[Length(max=10_000)]
    )
    seats = IntegerField(
        _l("Seats"),
        validators=[
            Optional(),
            NumberRange(min=1, max=60, message=_l("Choose a number of seats from 1 to 60.")),
        ],
    )
    min_selections = IntegerField(
        _l("Fewest choices per voter"),
        default=1,
        validators=[
            Optional(),
            NumberRange(
                min=0,
                max=60,
                message=_l("Choose the fewest choices per voter: a number from 0 to 60."),
            ),
        ],
    )
    max_selections = IntegerField(
        _l("Most choices per voter"),
        validators=[
            Optional(),
            NumberRange(
                min=1,
                max=60,
                message=_l("Choose the most choices per voter: a number from 1 to 60."),
            ),
        ],
    )
    amends = SelectField(_l("Amends motion"), coerce=str, validators=[Optional()])
    amends_paragraph = IntegerField(
        _l("Paragraph number"),
        validators=[
            Optional(),
            NumberRange(min=1, max=500, message=_l("Choose a paragraph number from 1 to 500.")),
        ],
    )
    rule = SelectField(
        _l("Majority rule"),
        choices=[
            SelectChoice(
                RulePreset.SIMPLE,
                _l("Simple majority: more than half of the votes cast are for"),
            ),
            SelectChoice(
                RulePreset.TWO_THIRDS, _l("Two-thirds majority (changes to the statutes)")
            ),
            SelectChoice(RulePreset.PLURALITY, _l("Most votes wins (multiple choice)")),
            SelectChoice(RulePreset.APPROVAL, _l("Candidates with most votes fill the seats")),
        ],
    )
    quorum_percent = IntegerField(
        _l("Quorum: at least this percentage of voters must take part"),
        validators=[
            Optional(),
            NumberRange(min=1, max=100, message=_l("Choose a quorum from 1 to 100 percent.")),
        ],
    )
    abstain_counts = BooleanField(_l("Abstentions count as votes cast"))
    blank_counts = BooleanField(_l("Blank votes count as votes cast"))
    tie = SelectField(
        _l("If it is a tie"),
        choices=[
            SelectChoice("rejected", _l("Rejected")),
            SelectChoice("chair", _l("The chair decides at the meeting")),
            SelectChoice("lot", _l("Decided by lot at the meeting")),
        ],
    )


class TrusteesForm(StembusForm):
    """Trustees and threshold."""

    trustees = SelectMultipleField(_l("Trustees"), coerce=str)
    threshold = IntegerField(
        _l("Trustees needed to decrypt"),
        validators=[
            InputRequired(_l("Give a number.")),
            NumberRange(
                min=1,
                max=15,
                message=_l("Choose how many trustees are needed: a number from 1 to 15."),
            ),
        ],
    )


class CancelForm(StembusForm):
    """Cancel a vote: a reason (shown on the vote's pages and mailed to those who voted) and a
    tick to confirm, so that one stray click cancels nothing."""

    reason = TextAreaField(
        _l("Why is the vote cancelled?"),
        validators=[
            DataRequired(_l("Say why the vote is cancelled.")),
            Length(
                max=CANCEL_REASON_MAX,
                message=_l(
                    "Keep the reason to %(count)d characters at most.", count=CANCEL_REASON_MAX
                ),
            ),
        ],
    )
    confirm = BooleanField(
        _l("Yes, cancel this vote. This cannot be undone."),
        validators=[DataRequired(_l("Tick the box to confirm that you cancel the vote."))],
    )


class CopyForm(_VoteTimesForm):
    """Copy a vote as a new draft: its name and the times, asked again (a copy never takes
    over a time that has passed)."""

    cutoff = _cutoff()


class CheckForm(StembusForm):
    """The public check page (GET, no CSRF)."""

    class Meta:
        csrf = False

    code = StringField(
        _l("Tracking code"),
        validators=[DataRequired(_l("Enter the tracking code from your receipt.")), Length(max=60)],
    )
