"""What the verifier found: findings, the checks that ran, and the report that holds both.

protocol.md Part II, §II.8. A finding names the file of the record, the entry within it and
the check that failed (DESIGN: "what is wrong and where, never just 'invalid'"). Every check
the verifier knows is reported with the number of items it covered, or with the reason it
could not run; a check that could not run is itself a finding, so an incomplete verification
never exits 0.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum

from audit.errors import AuditError


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing the verifier found wrong.

    `file` — the record file ("log/00000012.json", "heads.json", …);
    `entry` — where in it ("ballot 12", "head 3", "question q1", or "-" for the whole file);
    `check` — the rule that failed (stable, kebab-case); `detail` — what was found.
    """

    file: str
    entry: str
    check: str
    detail: str

    def to_json(self) -> dict[str, str]:
        """Return the finding as a JSON object (for `--json`)."""
        return {"check": self.check, "detail": self.detail, "entry": self.entry, "file": self.file}


class CheckStatus(StrEnum):
    """Whether a check ran."""

    RAN = "ran"
    NOT_RUN = "not-run"


@dataclass(frozen=True, slots=True)
class CheckResult:
    """One check of the verifier: how many items it covered and how many failed.

    `reason` says why the check, or a part of it, could not run; empty when all of it ran.
    """

    name: str
    status: CheckStatus
    items: int
    failed: int
    reason: str

    def to_json(self) -> dict[str, str | int]:
        """Return the result as a JSON object (for `--json`)."""
        return {
            "failed": self.failed,
            "items": self.items,
            "name": self.name,
            "reason": self.reason,
            "status": str(self.status),
        }


@dataclass(slots=True)
class _Tally:
    items: int = 0
    failed: int = 0
    reasons: list[str] = field(default_factory=list)
    ran: bool = False


@dataclass(slots=True)
class Findings:
    """The verifier's notebook while it runs: checks in the order they were declared, the
    items each covered, and the findings. Turned into an immutable `Report` at the end."""

    _checks: dict[str, _Tally] = field(default_factory=dict)
    _findings: list[Finding] = field(default_factory=list)

    def declare(self, *names: str) -> None:
        """Announce checks; any declared check that never runs is reported as not run."""
        for name in names:
            self._checks.setdefault(name, _Tally())

    def covered(self, check: str, items: int = 1) -> None:
        """Record that `check` ran over `items` more items."""
        tally = self._checks.setdefault(check, _Tally())
        tally.ran = True
        tally.items += items

    def add(self, file: str, entry: str, check: str, detail: str) -> None:
        """Record a finding of `check` (which counts as run) at `file`/`entry`."""
        tally = self._checks.setdefault(check, _Tally())
        tally.ran = True
        tally.failed += 1
        self._findings.append(Finding(file=file, entry=entry, check=check, detail=detail))

    def skip(self, check: str, reason: str) -> None:
        """Record that `check` (or a part of it, if it ran on other items) could not run, and
        why. This is a finding too: a verification with a gap never passes."""
        tally = self._checks.setdefault(check, _Tally())
        if reason in tally.reasons:
            return
        tally.reasons.append(reason)
        if tally.ran:
            tally.failed += 1
        self._findings.append(
            Finding(file="-", entry="-", check=check, detail=f"could not run: {reason}")
        )

    @contextmanager
    def item(self, check: str, file: str, entry: str) -> Iterator[None]:
        """Cover one item of `check`; an `AuditError` raised inside becomes a finding."""
        self.covered(check)
        try:
            yield
        except AuditError as error:
            self.add(file, entry, check, f"{error.check}: {error.detail}")

    def report(self) -> Report:
        """Freeze into a `Report`; declared checks that neither ran nor were skipped are
        reported as not run."""
        for name, tally in self._checks.items():
            if not tally.ran and not tally.reasons:
                self.skip(name, "the verifier did not reach it")
        checks = tuple(
            CheckResult(
                name=name,
                status=CheckStatus.RAN if tally.ran else CheckStatus.NOT_RUN,
                items=tally.items,
                failed=tally.failed,
                reason="; ".join(tally.reasons),
            )
            for name, tally in self._checks.items()
        )
        return Report(checks=checks, findings=tuple(self._findings))


@dataclass(frozen=True, slots=True)
class Report:
    """The verifier's answer: every check with its coverage, and every finding."""

    checks: tuple[CheckResult, ...]
    findings: tuple[Finding, ...]

    @property
    def ok(self) -> bool:
        """True when every check ran and nothing was found."""
        return not self.findings

    def findings_of(self, check: str) -> tuple[Finding, ...]:
        """Return the findings of one check."""
        return tuple(f for f in self.findings if f.check == check)

    def to_json(self) -> dict[str, object]:
        """Return the report as a JSON object (for `--json`)."""
        return {
            "checks": [c.to_json() for c in self.checks],
            "findings": [f.to_json() for f in self.findings],
            "ok": self.ok,
        }

    def lines(self) -> Iterable[str]:
        """Return the report as lines of text for people."""
        for check in self.checks:
            if check.status is CheckStatus.RAN:
                state = "ok" if not check.failed else f"{check.failed} FAILED"
                yield f"{check.name:<24} {check.items:>8} items  {state}"
            else:
                yield f"{check.name:<24} {'-':>8}        NOT RUN: {check.reason}"
        for finding in self.findings:
            yield f"FINDING {finding.file} [{finding.entry}] {finding.check}: {finding.detail}"
        yield "RESULT: all checks hold" if self.ok else f"RESULT: {len(self.findings)} findings"
