"""Administration: roles, branches, accounts and the event table."""
