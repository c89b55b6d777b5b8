"""Forms of the candidate Q&A; labels and messages are translatable.

The length limits here give a field error before anything reaches a service (THREATS
T33); the services check the same limits again, because they are the rule.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from voting.forms import StembusForm
from voting.moderation.clauses import CLAUSE_TEXTS, clause_number
from voting.qa.services import (
    MAX_ANSWER,
    MAX_DISPLAY_NAME,
    MAX_LINK_LABEL,
    MAX_LINKS,
    MAX_PROFILE_TEXT,
    MAX_PRONOUNS,
    MAX_QUESTION,
    MAX_URL,
    MAX_WHY,
)

TOO_LONG = _l("Use at most %(max)d characters.")
EVERYONE = "all"


def clause_choices() -> list[SelectChoice]:
    """The clauses of the code of conduct, numbered as on the guidelines page."""
    return [
        SelectChoice(clause.value, f"{clause_number(clause)}. {text}")
        for clause, text in CLAUSE_TEXTS.items()
    ]


class SetupForm(StembusForm):
    """The Q&A's period (wall-clock times in the meeting's zone) and limits per member."""

    opens_at = DateTimeLocalField(
        _l("The Q&A opens"), validators=[InputRequired(_l("Give a date and time."))]
    )
    closes_at = DateTimeLocalField(
        _l("The Q&A closes"), validators=[InputRequired(_l("Give a date and time."))]
    )
    continues_into_meeting = BooleanField(_l("The Q&A continues into the meeting"))
    max_pending = IntegerField(
        _l("Questions a member may have waiting for moderation"),
        default=3,
        validators=[
            InputRequired(_l("Give a number.")),
            NumberRange(1, 20, _l("Choose a number from 1 to 20.")),
        ],
        render_kw={"class": "short", "inputmode": "numeric"},
    )
    max_questions = IntegerField(
        _l("Questions a member may ask in all"),
        default=10,
        validators=[
            InputRequired(_l("Give a number.")),
            NumberRange(1, 100, _l("Choose a number from 1 to 100.")),
        ],
        render_kw={"class": "short", "inputmode": "numeric"},
    )


class AdmitForm(StembusForm):
    """Admit a member as a candidate."""

    member_number = StringField(
        _l("Member number"),
        validators=[DataRequired(_l("Give the member number.")), Length(max=32, message=TOO_LONG)],
        render_kw={"class": "short", "autocomplete": "off"},
    )
    display_name = StringField(
        _l("Name on the ballot and in the Q&A (optional)"),
        validators=[Length(max=MAX_DISPLAY_NAME, message=TOO_LONG)],
    )
    question = SelectField(_l("Candidate election"), choices=[], validate_choice=False)


class ButtonForm(StembusForm):
    """A form that is only a button (CSRF token included)."""


class ProfileForm(StembusForm):
    """A candidate's own profile."""

    display_name = StringField(
        _l("Your name as you wish to be addressed"),
        validators=[
            DataRequired(_l("Give your name.")),
            Length(max=MAX_DISPLAY_NAME, message=TOO_LONG),
        ],
    )
    pronouns = StringField(
        _l("Pronouns (optional)"), validators=[Length(max=MAX_PRONOUNS, message=TOO_LONG)]
    )
    motivation = TextAreaField(
        _l("Why you stand"), validators=[Length(max=MAX_PROFILE_TEXT, message=TOO_LONG)]
    )
    experience = TextAreaField(
        _l("Your experience"), validators=[Length(max=MAX_PROFILE_TEXT, message=TOO_LONG)]
    )
    links = TextAreaField(
        _l("Links (optional)"),
        validators=[Length(max=MAX_LINKS * (MAX_URL + MAX_LINK_LABEL + 2), message=TOO_LONG)],
    )
    photo = FileField(_l("Photo (optional)"))
    remove_photo = BooleanField(_l("Remove my photo"))


class AskForm(StembusForm):
    """A question to one candidate or to all."""

    candidate = RadioField(
        _l("Who is your question for?"),
        choices=[],
        validators=[InputRequired(_l("Choose who your question is for."))],
    )
    text = TextAreaField(
        _l("Your question"),
        validators=[
            DataRequired(_l("Write your question.")),
            Length(max=MAX_QUESTION, message=TOO_LONG),
        ],
    )
    anonymous = BooleanField(_l("Ask anonymously: other members do not see my name"))


class AnswerForm(StembusForm):
    """A candidate's answer."""

    text = TextAreaField(
        _l("Your answer"),
        validators=[
            DataRequired(_l("Write your answer.")),
            Length(max=MAX_ANSWER, message=TOO_LONG),
        ],
    )


class SupportForm(StembusForm):
    """Upvote a question (support "1") or withdraw the upvote ("0")."""

    support = HiddenField(validators=[InputRequired()])


class ReportForm(StembusForm):
    """Report a question or an answer."""

    why = TextAreaField(
        _l("Which guideline does it break, and how?"),
        validators=[
            DataRequired(_l("Say which guideline it breaks, and how.")),
            Length(max=MAX_WHY, message=TOO_LONG),
        ],
    )


class AppealForm(StembusForm):
    """The asker's appeal against a rejection."""

    text = TextAreaField(
        _l("Why should the question be published?"),
        validators=[
            DataRequired(_l("Say why the question should be published.")),
            Length(max=MAX_WHY, message=TOO_LONG),
        ],
    )


class ClauseForm(StembusForm):
    """A rejection or a hiding: the clause it breaks and why."""

    clause = RadioField(
        _l("Clause of the code of conduct"),
        choices=[],
        validators=[InputRequired(_l("Choose the clause of the code of conduct it breaks."))],
    )
    reason = TextAreaField(
        _l("Why (the author reads this)"),
        validators=[
            DataRequired(_l("Say why.")),
            Length(max=MAX_WHY, message=TOO_LONG),
        ],
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.clause.choices = clause_choices()


class AppealDecisionForm(StembusForm):
    """Another moderator's decision on an appeal."""

    decision = RadioField(
        _l("Decision"),
        choices=[
            SelectChoice("grant", _l("Grant the appeal: publish the question")),
            SelectChoice("refuse", _l("Refuse the appeal: the rejection stands")),
        ],
        validators=[InputRequired(_l("Choose a decision."))],
    )
    reason = TextAreaField(
        _l("Why (the asker reads this)"),
        validators=[DataRequired(_l("Say why.")), Length(max=MAX_WHY, message=TOO_LONG)],
    )


class KeepForm(StembusForm):
    """Dismiss the reports on an item, optionally saying why."""

    reason = TextAreaField(
        _l("Why it stays (optional)"),
        validators=[Optional(), Length(max=MAX_WHY, message=TOO_LONG)],
    )


class ShowForm(StembusForm):
    """Put a question on the projector."""

    question_id = HiddenField(validators=[InputRequired()])
