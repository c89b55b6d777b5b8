"""Accounts: signing in, the second factor, one-time links, sessions and personal data."""
