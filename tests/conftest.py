"""Settings shared by every test package.

Fixtures for the web service live in tests/voting/conftest.py, so that the tests of
ballots/ and audit/ run with only the core installed.
"""

import os
import sys
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, settings

# "ci" is the default: enough examples to find structural bugs, few enough that the
# suite stays well under its time budget on two cores. "thorough" is for a deliberate,
# longer campaign: HYPOTHESIS_PROFILE=thorough make test.
settings.register_profile(
    "ci", max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "thorough", max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(autouse=True)
def _command_lines_speak_english_again() -> Iterator[None]:
    """The command-line tools keep their language in the process (voting/words.py): a test
    that ran one in Dutch must not leave Dutch words to the next test in the same worker.
    Looked up in sys.modules, so that the core's tests never import the web service."""
    yield
    words = sys.modules.get("voting.words")
    if words is not None:
        words.use("en")
