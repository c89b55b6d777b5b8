"""audit: the election's append-only log, its signed heads, the election record and the
independent verifier (protocol.md Part II)."""
