"""Consensus decisions: groups, proposals, rounds of positions, and the decision record.

See docs/consensus.md for the rules, the audit-log entries and the anonymity design.
"""
