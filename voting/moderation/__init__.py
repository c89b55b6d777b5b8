"""Moderation under the code of conduct: the clauses, the log of moderators' actions and its
export, and the moderators' overview of every queue (candidate Q&A, consensus reasons)."""
