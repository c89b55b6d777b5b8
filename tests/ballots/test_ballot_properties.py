"""Hypothesis properties of whole ballots (docs/protocol.md §I.8, §I.12)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ballots import (
    Ballot,
    Election,
    canonical_json,
    combine_shares,
    decrypt_share,
    encrypt_ballot,
    parse_ballot,
    tally_ballots,
    validate_ballot,
)
from tests.ballots.ballots_fixtures import Ceremony


@st.composite
def selections(draw: st.DrawFn, election: Election) -> dict[str, list[str]]:
    out = {}
    for q in election.manifest.questions:
        size = draw(st.integers(q.min_selections, q.max_selections))
        out[q.id] = draw(st.permutations(q.option_ids))[:size]
    return out


@settings(max_examples=10, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_valid_choice_encrypts_validates_and_decrypts_to_itself(
    election: Election, ceremony: Ceremony, data: st.DataObject
) -> None:
    choice = data.draw(selections(election))
    ballot = encrypt_ballot(election, "voter-p", choice)
    validate_ballot(election, ballot)
    again = parse_ballot(canonical_json(ballot.to_json()), election)
    assert again == ballot
    assert isinstance(again, Ballot)
    tally = tally_ballots(election, [ballot])
    shares = [decrypt_share(election, tally, s) for s in ceremony.secrets[1:]]
    result = combine_shares(election, tally, shares)
    for q in election.manifest.questions:
        assert result.counts_for(q.id) == {o: int(o in choice[q.id]) for o in q.option_ids}
