"""The trustee's own tool (`stembus-trustee`): takes part in the key ceremony and decrypts
the tally at the meeting. Needs only ballots, audit and the standard library."""
