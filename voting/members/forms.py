"""Forms of the members area."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired, FileSize
from wtforms import BooleanField, HiddenField, SearchField, SelectField
from wtforms.validators import Length, Optional

from voting.forms import StembusForm

MAX_IMPORT_BYTES = 5 * 1024 * 1024


class ImportUploadForm(StembusForm):
    """The CSV file exported from the CRM."""

    file = FileField(
        _l("Member list (CSV)"),
        validators=[
            FileRequired(_l("Choose the file to upload.")),
            FileAllowed(["csv", "txt"], _l("Choose a CSV file.")),
            FileSize(max_size=MAX_IMPORT_BYTES, message=_l("The file is larger than 5 MB.")),
        ],
    )


class ImportApplyForm(StembusForm):
    """Apply the previewed plan."""

    digest = HiddenField()
    confirm = BooleanField(_l("Yes, I checked the list of members that will be deactivated."))


class MemberSearchForm(StembusForm):
    """Search and filter the member list (GET, no CSRF needed)."""

    class Meta:
        csrf = False

    q = SearchField(
        _l("Search by name, e-mail address or member number"),
        validators=[Optional(), Length(max=100)],
    )
    branch = SelectField(_l("Branch"), coerce=str, validators=[Optional()])
