"""Member lists as the CRM exports them, and uploading one through the officer's pages."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass

from playwright.sync_api import FilePayload, Locator

from tests.e2e.site import Person
from tests.e2e.visitor import Visitor

HEADER = ("lidnummer", "naam", "e-mail", "afdeling", "status", "lid sinds")


@dataclass(frozen=True, slots=True)
class CrmRow:
    """One line of the export, as text."""

    number: str
    name: str
    email: str
    branch: str = "utrecht"
    status: str = "actief"
    since: str = "2020-01-01"

    @classmethod
    def of(cls, person: Person, **changes: str) -> CrmRow:
        """The line the CRM would export for someone already seeded (as the factories made them)."""
        fields = {"number": person.number, "name": person.name, "email": person.email}
        fields.update(changes)
        return cls(**fields)

    def cells(self) -> tuple[str, ...]:
        """The cells in the export's column order."""
        return (self.number, self.name, self.email, self.branch, self.status, self.since)


def crm_export(rows: Sequence[CrmRow], *, delimiter: str = ";", bom: bool = True) -> bytes:
    """A CSV file like a Dutch CRM writes it: a byte-order mark, `;`-separated, CRLF lines.

    Cells are quoted only where CSV needs it (a quote or separator inside), so payloads
    reach the app exactly as given.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerows(row.cells() for row in rows)
    return (("\ufeff" if bom else "") + buffer.getvalue()).encode("utf-8")


def choose_csv(field: Locator, content: bytes, filename: str = "leden.csv") -> None:
    """Put a CSV file into a file input, as if chosen in the file dialog."""
    payload: FilePayload = {"name": filename, "mimeType": "text/csv", "buffer": content}
    field.set_input_files(files=[payload])


def upload_member_file(visitor: Visitor, content: bytes, filename: str = "leden.csv") -> None:
    """From the members list, open the import, upload `content`, and land on the dry run."""
    visitor.goto("/members")
    visitor.click(visitor.page.get_by_role("link", name="Ledenlijst importeren"))
    choose_csv(visitor.page.get_by_label("Ledenlijst (CSV)"), content, filename)
    visitor.click(visitor.page.get_by_role("button", name="Uploaden en controleren"))
    assert re.fullmatch(r"/members/import/\d+", visitor.path), f"no dry run, at {visitor.path}"


def summary_value(visitor: Visitor, term: str) -> str:
    """The value next to a term in the page's summary list (<dl class=summary>)."""
    term_cell: Locator = visitor.page.locator("dl.summary dt").filter(
        has_text=re.compile(rf"^\s*{re.escape(term)}\s*$")
    )
    return term_cell.locator("xpath=following-sibling::dd[1]").inner_text().strip()
