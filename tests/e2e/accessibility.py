"""axe-core, run inside the page: every page a browser test visits must pass it.

axe-core comes from the `axe-playwright-python` package, which ships `axe.min.js`; we
use only that file, and run it ourselves so that we choose the options and the report.

How it gets into the page: the app's Content-Security-Policy says `script-src 'self'`,
so adding axe as a <script> tag would be blocked. Instead the file's source is handed
to `page.evaluate`, which runs through the DevTools protocol and is not subject to the
page's CSP. We deliberately do *not* use Playwright's `bypass_csp` context option: it
would switch the CSP off for the whole page, and the stored-XSS tests rely on the real
policy being in force, as it is for members.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.resources import files
from typing import Any, Final

from playwright.sync_api import Page

AXE_SOURCE: Final = (files("axe_playwright_python") / "axe.min.js").read_text(encoding="utf-8")
BLOCKING_IMPACTS: Final = frozenset({"serious", "critical"})
# How many offending elements to print per rule; the rest are counted.
NODES_SHOWN: Final = 5

_RUN_AXE: Final = """() => axe.run(document, {resultTypes: ["violations"]})
    .then(results => results.violations.map(v => ({
        id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
        nodes: v.nodes.map(n => ({target: n.target, html: n.html, summary: n.failureSummary})),
    })))"""


@dataclass(frozen=True, slots=True)
class Violation:
    """One axe rule that fails on the page, with the elements that fail it."""

    rule: str
    impact: str
    help: str
    help_url: str
    nodes: tuple[dict[str, Any], ...]

    def describe(self) -> str:
        """A readable paragraph: rule, impact, what to fix, and where."""
        lines = [f"[{self.impact}] {self.rule}: {self.help}", f"    {self.help_url}"]
        for node in self.nodes[:NODES_SHOWN]:
            target = " ".join(str(part) for part in node.get("target", []))
            lines.append(f"    at {target}")
            lines.append(f"       {str(node.get('html', ''))[:200]}")
            for summary_line in str(node.get("summary") or "").splitlines():
                lines.append(f"       {summary_line}")
        if len(self.nodes) > NODES_SHOWN:
            lines.append(f"    … and {len(self.nodes) - NODES_SHOWN} more element(s)")
        return "\n".join(lines)


class AccessibilityViolations(AssertionError):
    """axe found serious or critical problems on a page."""

    def __init__(self, url: str, violations: list[Violation]) -> None:
        self.url = url
        self.violations = violations
        report = "\n".join(v.describe() for v in violations)
        super().__init__(
            f"axe-core found {len(violations)} serious or critical problem(s) on {url}:\n{report}"
        )


def axe_violations(page: Page) -> list[Violation]:
    """Every axe violation on the page as it is now, of any impact."""
    if page.evaluate("() => typeof window.axe") == "undefined":
        page.evaluate(AXE_SOURCE)
    found = page.evaluate(_RUN_AXE)
    return [
        Violation(
            rule=str(item["id"]),
            impact=str(item["impact"]),
            help=str(item["help"]),
            help_url=str(item["helpUrl"]),
            nodes=tuple(item["nodes"]),
        )
        for item in found
    ]


def assert_accessible(page: Page) -> None:
    """Fail with a readable report when the page has serious or critical violations.

    Raises:
        AccessibilityViolations: listing each blocking rule and where it fails.
    """
    blocking = [v for v in axe_violations(page) if v.impact in BLOCKING_IMPACTS]
    if blocking:
        raise AccessibilityViolations(page.url, blocking)
