"""Proposal text as safe HTML: Markdown with raw HTML off, then nh3 (THREATS T30).

markdown-it-py renders CommonMark with HTML disabled, so `<script>` typed in a proposal is
text. Its output then goes through nh3 (ammonia) with a short allow-list: no images (they
would fetch from other sites), no style, no attributes but `href` and `start`, only http,
https and mailto links, and every link gets rel="nofollow noopener noreferrer". Headings
are moved down two levels so that a proposal's "# Title" becomes an <h3> under the page's
own <h1> and <h2> (a screen reader's list of headings stays in order).
"""

from __future__ import annotations

import functools
from typing import Final

import nh3
from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markupsafe import Markup

HEADING_SHIFT: Final = 2
ALLOWED_TAGS: Final = frozenset(
    {
        "a",
        "blockquote",
        "br",
        "code",
        "em",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "li",
        "ol",
        "p",
        "pre",
        "strong",
        "ul",
    }
)
ALLOWED_ATTRIBUTES: Final = {"a": {"href"}, "ol": {"start"}}
URL_SCHEMES: Final = frozenset({"http", "https", "mailto"})
LINK_REL: Final = "nofollow noopener noreferrer"


def _shift_headings(state: StateCore) -> None:
    for token in state.tokens:
        if token.type in ("heading_open", "heading_close"):
            level = min(int(token.tag[1]) + HEADING_SHIFT, 6)
            token.tag = f"h{level}"


@functools.cache
def _parser() -> MarkdownIt:
    parser = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    parser.disable("image")
    parser.core.ruler.push("shift_headings", _shift_headings)
    return parser


def render_markdown(text: str) -> Markup:
    """The text as sanitised HTML, safe to put in a page."""
    html = _parser().render(text)
    cleaned = nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel=LINK_REL,
        strip_comments=True,
    )
    return Markup(cleaned)  # noqa: S704  # nh3 output: the allow-list above is the guarantee
