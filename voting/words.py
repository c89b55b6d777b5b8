"""The command-line tools' language: Dutch unless the user asks for English.

`stembus` and `stembus-trustee` speak from the service's own catalogue (voting/translations,
kept up to date with `make translations`), read with the standard library's gettext, so the
trustee tool needs no Flask. The user picks the language with `--language` or
STEMBUS_LANGUAGE. The trustee tool asks the server for its messages in the same language (the
Accept-Language header of the trustee API); `stembus` renders the services' messages in it.
"""

from __future__ import annotations

import gettext
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Final

LANGUAGES: Final = ("nl", "en")
DEFAULT_LANGUAGE: Final = "nl"
TRANSLATIONS: Final = Path(__file__).resolve().parent / "translations"


class _Catalogue:
    """The one catalogue a tool speaks from; its `main` chooses it before anything is said."""

    def __init__(self) -> None:
        self.language = "en"  # the source text, until `use` is called
        self.words: gettext.NullTranslations = gettext.NullTranslations()


_CURRENT: Final = _Catalogue()


def choose(given: str | None, environ: Mapping[str, str]) -> str:
    """The language to speak: `given` (from --language), else STEMBUS_LANGUAGE, else Dutch."""
    for candidate in (given, environ.get("STEMBUS_LANGUAGE")):
        if candidate:
            code = candidate.strip().lower().replace("-", "_").split("_", 1)[0]
            if code in LANGUAGES:
                return code
    return DEFAULT_LANGUAGE


def use(language: str, catalogues: Path = TRANSLATIONS) -> None:
    """Speak `language` from now on (one of LANGUAGES; English is the catalogue's source).

    Without its compiled catalogue (an installation built without `make`), the tool says so on
    standard error and speaks English, rather than pretending to speak Dutch.
    """
    if language == "en":
        _CURRENT.language, _CURRENT.words = "en", gettext.NullTranslations()
        return
    try:
        words = gettext.translation("messages", catalogues, languages=[language])
    except OSError:
        print(
            f"stembus: no {language} catalogue in {catalogues}; speaking English",
            file=sys.stderr,
        )
        _CURRENT.language, _CURRENT.words = "en", gettext.NullTranslations()
        return
    _CURRENT.language, _CURRENT.words = language, words


def current() -> str:
    """The language the tools speak."""
    return _CURRENT.language


def _(message: str, /, **values: object) -> str:
    """`message` in the tool's language, with `%(name)s` placeholders filled from `values`."""
    text = _CURRENT.words.gettext(message)
    return text % values if values else text
