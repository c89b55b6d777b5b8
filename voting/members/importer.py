"""Reading the member list that the CRM exports.

Accepts UTF-8 with or without a byte-order mark, `;` or `,` separated, with Dutch or
English column names. Every problem is reported with its line number (the header is
line 1) and the column it concerns; the caller refuses the whole file when there is any.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from typing import Final

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l

from voting.members.models import MemberStatus
from voting.names import NameRefused, clean_name
from voting.spreadsheet import unescape_cell

MAX_ROWS: Final = 50_000
MAX_NUMBER_LENGTH: Final = 32

COLUMNS: Final[dict[str, tuple[str, ...]]] = {
    "number": ("lidnummer", "member number", "member_number", "relatienummer", "nummer", "number"),
    "name": ("naam", "name", "volledige naam", "full name"),
    "email": ("e-mail", "email", "e-mailadres", "emailadres", "e-mail address", "email address"),
    "branch": ("afdeling", "branch"),
    "status": ("status", "lidmaatschapsstatus", "membership status"),
    "member_since": ("lid sinds", "member since", "member_since", "startdatum", "start date"),
}
COLUMN_LABELS: Final = {
    "number": _l("member number"),
    "name": _l("name"),
    "email": _l("e-mail address"),
    "branch": _l("branch"),
    "status": _l("membership status"),
    "member_since": _l("member since"),
}
STATUS_WORDS: Final = {
    "actief": MemberStatus.ACTIVE,
    "active": MemberStatus.ACTIVE,
    "lid": MemberStatus.ACTIVE,
    "geschorst": MemberStatus.SUSPENDED,
    "suspended": MemberStatus.SUSPENDED,
    "opgezegd": MemberStatus.ENDED,
    "beëindigd": MemberStatus.ENDED,
    "beeindigd": MemberStatus.ENDED,
    "inactief": MemberStatus.ENDED,
    "ended": MemberStatus.ENDED,
    "inactive": MemberStatus.ENDED,
}
DATE_FORMATS: Final = ("%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y", "%d.%m.%Y")


@dataclass(frozen=True, slots=True)
class Problem:
    """Something wrong in the file: the line (1 = header), the column, and why."""

    line: int
    column: str
    message: object


@dataclass(frozen=True, slots=True)
class MemberRow:
    """One valid line of the file."""

    line: int
    number: str
    name: str
    email: str
    branch: str
    status: MemberStatus
    member_since: dt.date


@dataclass(frozen=True, slots=True)
class ParsedFile:
    """The valid rows and the problems found."""

    rows: tuple[MemberRow, ...]
    problems: tuple[Problem, ...]


def parse_member_file(content: bytes, today: dt.date) -> ParsedFile:
    """Read a CRM export; never raises on bad content, it reports problems instead."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = content[: exc.start].count(b"\n") + 1
        return ParsedFile(
            (),
            (Problem(line, "", _l("The file is not UTF-8 text. Export it again as UTF-8 CSV.")),),
        )
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        return ParsedFile(
            (),
            (
                Problem(
                    1,
                    "",
                    _l("The file is empty."),
                ),
            ),
        )
    header_line = lines[0]
    delimiter = ";" if header_line.count(";") >= header_line.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter, strict=True)
    try:
        header = next(reader)
    except csv.Error:
        return ParsedFile(
            (), (Problem(1, "", _l("The first line cannot be read as column names.")),)
        )
    positions, problems = _map_header(header)
    if problems:
        return ParsedFile((), tuple(problems))
    rows: list[MemberRow] = []
    seen_numbers: dict[str, int] = {}
    seen_emails: dict[str, int] = {}
    try:
        for cells in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            if len(rows) + len(problems) >= MAX_ROWS:
                problems.append(
                    Problem(line, "", _l("The file has more than %(count)d lines.", count=MAX_ROWS))
                )
                break
            row, row_problems = _parse_row(line, cells, positions, today)
            problems.extend(row_problems)
            if row is None:
                continue
            duplicate = seen_numbers.get(row.number)
            if duplicate is not None:
                problems.append(
                    Problem(
                        line,
                        "number",
                        _l(
                            "Member number %(number)s is also on line %(other)d.",
                            number=row.number,
                            other=duplicate,
                        ),
                    )
                )
                continue
            duplicate = seen_emails.get(row.email)
            if duplicate is not None:
                problems.append(
                    Problem(
                        line,
                        "email",
                        _l("This e-mail address is also on line %(other)d.", other=duplicate),
                    )
                )
                continue
            seen_numbers[row.number] = line
            seen_emails[row.email] = line
            rows.append(row)
    except csv.Error:
        problems.append(
            Problem(reader.line_num, "", _l("This line cannot be read: check the quotes."))
        )
    return ParsedFile(tuple(rows), tuple(problems))


def _map_header(header: list[str]) -> tuple[dict[str, int], list[Problem]]:
    names = [unescape_cell(cell).strip().lower() for cell in header]
    positions: dict[str, int] = {}
    problems: list[Problem] = []
    for column, aliases in COLUMNS.items():
        found = [index for index, name in enumerate(names) if name in aliases]
        if not found:
            problems.append(
                Problem(
                    1,
                    column,
                    _l("The column “%(column)s” is missing.", column=COLUMN_LABELS[column]),
                )
            )
        else:
            positions[column] = found[0]
    return positions, problems


def _parse_row(
    line: int, cells: list[str], positions: dict[str, int], today: dt.date
) -> tuple[MemberRow | None, list[Problem]]:
    problems: list[Problem] = []
    values: dict[str, str] = {}
    for column, index in positions.items():
        value = unescape_cell(cells[index]).strip() if index < len(cells) else ""
        if not value:
            problems.append(
                Problem(
                    line, column, _l("The %(column)s is missing.", column=COLUMN_LABELS[column])
                )
            )
        values[column] = value
    if problems:
        return None, problems

    number = values["number"]
    if len(number) > MAX_NUMBER_LENGTH or not number.isalnum():
        problems.append(
            Problem(line, "number", _l("The member number may only hold letters and digits."))
        )
    try:
        name = clean_name(values["name"])
    except NameRefused as refused:
        problems.append(Problem(line, "name", refused.message))
        name = ""
    try:
        email = validate_email(values["email"], check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        problems.append(
            Problem(
                line,
                "email",
                _l("“%(value)s” is not a valid e-mail address.", value=values["email"][:80]),
            )
        )
        email = ""
    status = STATUS_WORDS.get(values["status"].lower())
    if status is None:
        problems.append(
            Problem(
                line,
                "status",
                _l(
                    "Unknown membership status “%(value)s”; use actief, geschorst or opgezegd.",
                    value=values["status"][:40],
                ),
            )
        )
    since = _parse_date(values["member_since"])
    if since is None:
        problems.append(
            Problem(
                line,
                "member_since",
                _l(
                    "“%(value)s” is not a date; use 2024-01-31 or 31-01-2024.",
                    value=values["member_since"][:40],
                ),
            )
        )
    elif since > today:
        problems.append(Problem(line, "member_since", _l("The date is in the future.")))
    if problems or status is None or since is None:
        return None, problems
    return MemberRow(line, number, name, email, values["branch"], status, since), []


def _parse_date(value: str) -> dt.date | None:
    for fmt in DATE_FORMATS:
        try:
            return dt.datetime.strptime(value, fmt).date()  # noqa: DTZ007  # a date, no time zone applies
        except ValueError:
            continue
    return None
