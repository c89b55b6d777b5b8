"""Stembus ballots: verifiable encrypted ballots with threshold trustees.

These are the safe, high-level operations (docs/protocol.md Part I); the web service uses only
the names in `__all__`. The modules behind them (group, proofs, batch verification) are the
"hazmat" level, for the verifier in audit/ and for tests.

Typical flow: the trustees run the ceremony (`announce`, `deal_shares`, `receive_shares`,
`answer_complaint`/`resolve_complaint`, `election_key`, `finish_ceremony`, kept in files with
`seal_secret`); officers freeze a `Manifest` into an `Election`; the server calls
`encrypt_ballot`, `validate_ballot` and `check_fresh_ciphertexts` for each cast; at closing
`tally_ballots`; at the meeting each trustee `decrypt_share`s, the server `verify_share`s and
`combine_shares`, and `count_election` applies the majority rules.
"""

from ballots.ballot import Ballot, max_ballot_bytes, parse_ballot
from ballots.canonical import JSONObject, JSONValue, canonical_json, parse_canonical_json
from ballots.ceremony import Announcement, TrusteeSecret, announce
from ballots.complaints import (
    Complaint,
    ComplaintAnswer,
    ComplaintCheck,
    Verdict,
    answer_complaint,
    resolve_complaint,
)
from ballots.counting import Outcome, QuestionOutcome, count_election, count_question
from ballots.decryption import DecryptionShare, decrypt_share, verify_share
from ballots.election import Election, ElectionKey
from ballots.encryption import encrypt_ballot
from ballots.errors import (
    BallotsError,
    CeremonyError,
    DecryptionError,
    DuplicateCiphertext,
    InvalidBallot,
    InvalidCount,
    InvalidEncoding,
    InvalidManifest,
    InvalidPoint,
    InvalidProof,
    InvalidScalar,
    InvalidShare,
    InvalidSignature,
    SecretFileError,
    ThresholdNotMet,
)
from ballots.keyfile import Argon2Parameters, open_secret, seal_secret
from ballots.manifest import Amends, Manifest, Option, Question, QuestionKind, motion, text_sha256
from ballots.result import DecryptedTally, check_decrypted_tally, combine_shares
from ballots.rules import Comparison, Fraction, MajorityRule, RuleKind, TieRule
from ballots.shares import (
    EncryptedShare,
    deal_shares,
    election_key,
    finish_ceremony,
    receive_shares,
)
from ballots.signing import (
    SignedDocument,
    SigningKey,
    VerifyingKey,
    key_id,
    sign_document,
    verify_document,
)
from ballots.tally import EncryptedTally, tally_ballots
from ballots.validation import (
    check_fresh_ciphertexts,
    ciphertext_keys,
    validate_ballot,
    validate_ballots,
)

__all__ = [
    "Amends",
    "Announcement",
    "Argon2Parameters",
    "Ballot",
    "BallotsError",
    "CeremonyError",
    "Comparison",
    "Complaint",
    "ComplaintAnswer",
    "ComplaintCheck",
    "DecryptedTally",
    "DecryptionError",
    "DecryptionShare",
    "DuplicateCiphertext",
    "Election",
    "ElectionKey",
    "EncryptedShare",
    "EncryptedTally",
    "Fraction",
    "InvalidBallot",
    "InvalidCount",
    "InvalidEncoding",
    "InvalidManifest",
    "InvalidPoint",
    "InvalidProof",
    "InvalidScalar",
    "InvalidShare",
    "InvalidSignature",
    "JSONObject",
    "JSONValue",
    "MajorityRule",
    "Manifest",
    "Option",
    "Outcome",
    "Question",
    "QuestionKind",
    "QuestionOutcome",
    "RuleKind",
    "SecretFileError",
    "SignedDocument",
    "SigningKey",
    "ThresholdNotMet",
    "TieRule",
    "TrusteeSecret",
    "Verdict",
    "VerifyingKey",
    "announce",
    "answer_complaint",
    "canonical_json",
    "check_decrypted_tally",
    "check_fresh_ciphertexts",
    "ciphertext_keys",
    "combine_shares",
    "count_election",
    "count_question",
    "deal_shares",
    "decrypt_share",
    "election_key",
    "encrypt_ballot",
    "finish_ceremony",
    "key_id",
    "max_ballot_bytes",
    "motion",
    "open_secret",
    "parse_ballot",
    "parse_canonical_json",
    "receive_shares",
    "resolve_complaint",
    "seal_secret",
    "sign_document",
    "tally_ballots",
    "text_sha256",
    "validate_ballot",
    "validate_ballots",
    "verify_document",
    "verify_share",
]
