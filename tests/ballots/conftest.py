"""Fixtures for the ballots/ tests: one 2-of-3 ceremony per session and its elections."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from ballots import Election, Manifest, motion
from tests.ballots.ballots_fixtures import BLANK_CHOICES, Ceremony, full_manifest, run_ceremony


@pytest.fixture(scope="session")
def ceremony() -> Ceremony:
    """A 2-of-3 ceremony for the default election id."""
    return run_ceremony("alv-2026-11", 2, 3)


@pytest.fixture(scope="session")
def election(ceremony: Ceremony) -> Election:
    """The full manifest under the 2-of-3 key."""
    return Election.create(full_manifest(), ceremony.key)


@pytest.fixture(scope="session")
def motion_election(ceremony: Ceremony) -> Election:
    """Three motions only, for the threat tests."""
    manifest = Manifest(
        "alv-2026-11",
        "ALV",
        50,
        tuple(motion(f"m{i}", f"Motie {i}", f"tekst {i}") for i in range(1, 4)),
    )
    return Election.create(manifest, ceremony.key)


@pytest.fixture(scope="session")
def choices() -> Callable[..., dict[str, list[str]]]:
    """Valid choices for the full manifest, with overrides."""

    def make(**overrides: list[str]) -> dict[str, list[str]]:
        return {**BLANK_CHOICES, **overrides}

    return make
