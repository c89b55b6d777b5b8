"""Members and branches: the member import from the CRM, lists and invitations."""
