"""CSV that is safe to open in a spreadsheet, and its exact inverse for re-import.

A cell that starts with = + - @ TAB or CR is a formula to Excel and LibreOffice (OWASP
"CSV injection"); such cells get a leading apostrophe, which spreadsheets show as plain
text. A cell that already starts with an apostrophe gets one more, so that
`unescape_cell`, which removes exactly one apostrophe before a formula character or an
apostrophe, turns every exported cell back into its original (THREATS T32).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Final

FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r")
ESCAPE: Final = "'"


def escape_cell(value: object) -> str:
    """The cell as text, neutralised if a spreadsheet would read it as a formula."""
    text = "" if value is None else str(value)
    return ESCAPE + text if text.startswith((*FORMULA_STARTS, ESCAPE)) else text


def unescape_cell(text: str) -> str:
    """Undo `escape_cell`: drop an apostrophe that precedes a formula character or another apostrophe."""
    if text.startswith(ESCAPE) and text[1:].startswith((*FORMULA_STARTS, ESCAPE)):
        return text[1:]
    return text


def write_csv(
    header: Sequence[str], rows: Iterable[Sequence[object]], *, delimiter: str = ";"
) -> str:
    """A CSV document (with a BOM, so that Excel reads UTF-8) with every cell escaped."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(
        buffer, delimiter=delimiter, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n"
    )
    writer.writerow([escape_cell(cell) for cell in header])
    for row in rows:
        writer.writerow([escape_cell(cell) for cell in row])
    return buffer.getvalue()
