"""The k-of-n key ceremony and the election key (docs/protocol.md §I.7, §I.10; THREATS T15)."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest
from nacl.public import Box, PrivateKey, PublicKey

from ballots import (
    Announcement,
    CeremonyError,
    Complaint,
    ComplaintAnswer,
    ComplaintCheck,
    Election,
    ElectionKey,
    EncryptedShare,
    InvalidEncoding,
    TrusteeSecret,
    Verdict,
    announce,
    answer_complaint,
    canonical_json,
    deal_shares,
    election_key,
    finish_ceremony,
    parse_canonical_json,
    receive_shares,
    resolve_complaint,
)
from ballots._messages import share_plaintext
from ballots.election import TrusteeCommitments, fingerprint
from ballots.group import GENERATOR, N, Point, Scalar
from ballots.proofs import SchnorrProof
from tests.ballots.ballots_fixtures import Ceremony, full_manifest, run_ceremony


def _round_trip(value: Any, cls: Any) -> Any:
    return cls.from_json(parse_canonical_json(canonical_json(value.to_json()), max_bytes=1 << 20))


def test_honest_ceremony_gives_consistent_shares_and_keys(ceremony: Ceremony) -> None:
    key = ceremony.key
    assert key.qualified == (1, 2, 3)
    for s in ceremony.secrets:
        assert s.share is not None
        assert Point.mul_base(s.share) == key.verification_key(s.trustee)
    # Any two shares interpolate to the same joint secret: K = x * G.
    x1, x2 = ceremony.secrets[0].share, ceremony.secrets[1].share
    assert x1 is not None
    assert x2 is not None
    secret = (x1 * 2 - x2) % N  # Lagrange at 0 for {1, 2}: 2*x1 - x2
    assert Point.mul_base(secret) == key.joint_key
    assert _round_trip(key, ElectionKey) == key
    for a in ceremony.announcements:
        assert _round_trip(a, Announcement) == a
        assert len(a.digest()) == 64


def test_trustee_secret_is_kept_out_of_repr_and_round_trips(ceremony: Ceremony) -> None:
    secret = ceremony.secrets[0]
    text = repr(secret)
    assert "box_secret_key" not in text
    assert str(secret.share) not in text
    assert _round_trip(secret, TrusteeSecret) == secret
    assert secret != dataclasses.replace(secret, share=1)
    assert secret != "a secret"
    assert hash(secret) == hash(_round_trip(secret, TrusteeSecret))


@pytest.mark.parametrize(("k", "n"), [(1, 1), (1, 2), (3, 5)])
def test_ceremony_works_for_other_thresholds(k: int, n: int) -> None:
    result = run_ceremony("vote-x", k, n)
    assert len(result.key.commitments) == n
    assert all(len(c.coefficients) == k for c in result.key.commitments)


def test_share_not_matching_commitments_gets_a_complaint_and_the_dealer_is_disqualified() -> None:
    pairs = [announce("vote-y", i, 2, 3) for i in (1, 2, 3)]
    secrets = [s for s, _ in pairs]
    announcements = [a for _, a in pairs]
    messages = [m for s in secrets for m in deal_shares(s, announcements)]
    # Dealer 1 cheats towards trustee 3: a share off by one, properly encrypted and sent.
    cheat = share_plaintext("vote-y", 1, 3, (secrets[0].polynomial(3) + 1) % N)
    box = Box(PrivateKey(secrets[0].box_secret_key), PublicKey(announcements[2].box_key))
    messages = [
        EncryptedShare("vote-y", 1, 3, bytes(box.encrypt(cheat)))
        if (m.dealer, m.recipient) == (1, 3)
        else m
        for m in messages
    ]
    shares, complaints = receive_shares(secrets[2], announcements, messages)
    assert [(c.election_id, c.dealer, c.complainant, c.check) for c in complaints] == [
        ("vote-y", 1, 3, ComplaintCheck.COMMITMENT)
    ]
    assert 1 not in shares
    complaint = _round_trip(complaints[0], Complaint)

    # The honest answer reveals the true share: the complaint is dismissed and trustee 3 uses it.
    answer = _round_trip(answer_complaint(secrets[0], announcements, complaint), ComplaintAnswer)
    assert resolve_complaint(announcements[0], complaint, answer) is Verdict.DISMISSED
    # A dealer that answers with the wrong share, the wrong pair, or not at all is disqualified.
    wrong = dataclasses.replace(answer, share=(answer.share + 1) % N)
    assert resolve_complaint(announcements[0], complaint, wrong) is Verdict.DISQUALIFIED
    other = dataclasses.replace(answer, complainant=2)
    assert resolve_complaint(announcements[0], complaint, other) is Verdict.DISQUALIFIED
    assert resolve_complaint(announcements[0], complaint, None) is Verdict.DISQUALIFIED

    key = election_key(announcements, disqualified={1})
    assert key.qualified == (2, 3)
    finals = []
    for s in secrets[1:]:
        got, _ = receive_shares(s, announcements, messages)
        finals.append(finish_ceremony(s, key, got))
    x2, x3 = finals[0].share, finals[1].share
    assert x2 is not None
    assert x3 is not None
    assert Point.mul_base((3 * x2 - 2 * x3) % N) == key.joint_key  # Lagrange at 0 for {2, 3}


def test_undecryptable_missing_or_misaddressed_shares_get_complaints() -> None:
    pairs = [announce("vote-z", i, 2, 3) for i in (1, 2, 3)]
    secrets = [s for s, _ in pairs]
    announcements = [a for _, a in pairs]
    messages = [m for s in secrets for m in deal_shares(s, announcements)]
    tampered = []
    for m in messages:
        if (m.dealer, m.recipient) == (1, 3):
            tampered.append(
                dataclasses.replace(m, ciphertext=m.ciphertext[:-1] + bytes([m.ciphertext[-1] ^ 1]))
            )
        elif (m.dealer, m.recipient) == (2, 3):
            tampered.append(dataclasses.replace(m, election_id="vote-other"))
        else:
            tampered.append(m)
    _, complaints = receive_shares(secrets[2], announcements, tampered)
    assert [(c.dealer, c.check) for c in complaints] == [
        (1, ComplaintCheck.DECRYPT),
        (2, ComplaintCheck.CONTEXT),
    ]
    _, complaints = receive_shares(
        secrets[1], announcements, [m for m in messages if m.dealer != 3]
    )
    assert [(c.dealer, c.check) for c in complaints] == [(3, ComplaintCheck.DECRYPT)]


def test_the_dealer_answers_only_a_complaint_sealed_by_its_complainant() -> None:
    """The board is the server's: a complaint it made up in an honest trustee's name would,
    once answered, reveal that trustee's share to it (k of them give the election's secret).
    So the dealer answers only a complaint whose seal opens with the complainant's key to the
    complaint itself (protocol.md §I.10 steps 3-4)."""
    secrets, announcements, messages = _dealt("vote-f")
    wrong = share_plaintext("vote-f", 1, 3, (secrets[0].polynomial(3) + 1) % N)  # dealer 1 cheats
    box = Box(PrivateKey(secrets[0].box_secret_key), PublicKey(announcements[2].box_key))
    cheated = _replace_message(messages, 1, 3, bytes(box.encrypt(wrong)))
    _, (genuine,) = receive_shares(secrets[2], announcements, cheated)
    assert genuine.check is ComplaintCheck.COMMITMENT
    assert answer_complaint(secrets[0], announcements, genuine).share == secrets[0].polynomial(3)
    made_up = [
        dataclasses.replace(genuine, seal=bytes(len(genuine.seal))),  # no seal at all
        dataclasses.replace(genuine, complainant=2),  # trustee 3's seal, in trustee 2's name
        dataclasses.replace(genuine, check=ComplaintCheck.DECRYPT),  # another complaint
        dataclasses.replace(genuine, seal=genuine.seal[:-1] + bytes([genuine.seal[-1] ^ 1])),
    ]
    for forged in made_up:
        forged = _round_trip(forged, Complaint)
        with pytest.raises(CeremonyError, match="complaint-seal"):
            answer_complaint(secrets[0], announcements, forged)
    with pytest.raises(CeremonyError, match="complaint-context"):  # trustee 3 did not announce
        answer_complaint(secrets[0], announcements[:2], genuine)
    with pytest.raises(CeremonyError, match="complaint-context"):  # "from" the dealer itself
        answer_complaint(secrets[0], announcements, dataclasses.replace(genuine, complainant=1))


@pytest.mark.parametrize("tampering", ["dropped", "garbled", "re-addressed", "reflected"])
def test_a_share_the_server_dropped_or_changed_gets_a_complaint_the_dealer_does_not_answer(
    tampering: str,
) -> None:
    """The server cannot make an honest trustee complain for real and so learn the dealer's
    share from the answer: a complaint names the message it is about, and the dealer answers
    only about a message that opens with its own key pair with the complainant."""
    secrets, announcements, messages = _dealt("vote-d")
    sent = next(m for m in messages if (m.dealer, m.recipient) == (1, 3))
    other = next(m for m in messages if (m.dealer, m.recipient) == (1, 2))
    changed = {
        "dropped": None,
        "garbled": sent.ciphertext[:-1] + bytes([sent.ciphertext[-1] ^ 1]),
        "re-addressed": other.ciphertext,  # dealer 1's share for trustee 2, shown to trustee 3
        # Trustee 3's own message to dealer 1, shown back to trustee 3 as dealer 1's: the two
        # directions share one Box key, so it opens for both of them.
        "reflected": next(m for m in messages if (m.dealer, m.recipient) == (3, 1)).ciphertext,
    }[tampering]
    _, (complaint,) = receive_shares(
        secrets[2], announcements, _replace_message(messages, 1, 3, changed)
    )
    assert complaint.check in {ComplaintCheck.DECRYPT, ComplaintCheck.CONTEXT}
    complaint = _round_trip(complaint, Complaint)
    assert complaint.received == changed
    with pytest.raises(CeremonyError, match="complaint-share"):
        answer_complaint(secrets[0], announcements, complaint)


def _dealt(
    election_id: str,
) -> tuple[list[TrusteeSecret], list[Announcement], list[EncryptedShare]]:
    pairs = [announce(election_id, i, 2, 3) for i in (1, 2, 3)]
    secrets = [s for s, _ in pairs]
    announcements = [a for _, a in pairs]
    return secrets, announcements, [m for s in secrets for m in deal_shares(s, announcements)]


def _replace_message(
    messages: list[EncryptedShare], dealer: int, recipient: int, ciphertext: bytes | None
) -> list[EncryptedShare]:
    """The messages with dealer's one for recipient replaced (or left out, for None)."""
    out = []
    for m in messages:
        if (m.dealer, m.recipient) != (dealer, recipient):
            out.append(m)
        elif ciphertext is not None:
            out.append(dataclasses.replace(m, ciphertext=ciphertext))
    return out


def test_share_with_wrong_plaintext_context_gets_a_complaint() -> None:
    pairs = [announce("vote-w", i, 1, 2) for i in (1, 2)]
    secrets = [s for s, _ in pairs]
    announcements = [a for _, a in pairs]
    box = Box(PrivateKey(secrets[0].box_secret_key), PublicKey(announcements[1].box_key))
    for plaintext in (
        share_plaintext("vote-w", 1, 1, secrets[0].polynomial(2)),  # says it is for trustee 1
        b"not json",
        canonical_json({"version": 1}),
    ):
        message = EncryptedShare("vote-w", 1, 2, bytes(box.encrypt(plaintext)))
        _, complaints = receive_shares(secrets[1], announcements, [message])
        assert [c.check for c in complaints] == [ComplaintCheck.CONTEXT]


def test_coefficient_without_valid_proof_of_knowledge_is_rejected() -> None:
    _, a = announce("vote-v", 1, 2, 2)
    bad_proof = SchnorrProof(a.proofs[1].h, Scalar((a.proofs[1].s.value + 1) % N))
    with pytest.raises(CeremonyError, match="coefficient-proof") as info:
        dataclasses.replace(a, proofs=(a.proofs[0], bad_proof)).verify()
    assert (info.value.trustee, info.value.detail) == (1, "coefficient 1")
    # A proof copied from another coefficient does not verify either.
    with pytest.raises(CeremonyError, match="coefficient-proof"):
        dataclasses.replace(a, proofs=(a.proofs[1], a.proofs[0])).verify()
    # Nor an honest announcement moved to another election or trustee.
    with pytest.raises(CeremonyError, match="coefficient-proof"):
        dataclasses.replace(a, election_id="vote-u").verify()
    with pytest.raises(CeremonyError, match="coefficient-proof"):
        dataclasses.replace(a, trustee=2).verify()


@pytest.mark.parametrize(
    ("change", "check"),
    [
        ({"threshold": 3}, "threshold"),
        ({"trustee": 3}, "trustee-index"),
        ({"box_key": b"\x01" * 31}, "box-key"),
        ({"proofs": ()}, "coefficient-count"),
    ],
)
def test_malformed_announcements_are_rejected(change: dict[str, Any], check: str) -> None:
    _, a = announce("vote-t", 1, 2, 2)
    with pytest.raises(CeremonyError, match=check):
        dataclasses.replace(a, **change).verify()


def test_identity_coefficient_is_rejected() -> None:
    _, a = announce("vote-s", 1, 1, 1)
    identity = GENERATOR - GENERATOR
    with pytest.raises(CeremonyError, match="point-identity"):
        dataclasses.replace(a, coefficients=(identity,)).verify()


def test_announcements_from_other_ceremonies_are_refused() -> None:
    s1, a1 = announce("vote-r", 1, 2, 3)
    _, a2 = announce("vote-r", 2, 2, 3)
    _, other = announce("vote-q", 3, 2, 3)
    with pytest.raises(CeremonyError, match="announcement-context"):
        deal_shares(s1, [a1, a2, other])
    with pytest.raises(CeremonyError, match="announcement-duplicate"):
        deal_shares(s1, [a1, a2, a2])
    with pytest.raises(CeremonyError, match="announcement-context"):
        election_key([a1, a2, other])
    with pytest.raises(CeremonyError, match="announcement-duplicate"):
        election_key([a1, a2, a2])
    with pytest.raises(CeremonyError, match="qualified"):
        election_key([a1])
    with pytest.raises(CeremonyError, match="qualified"):
        election_key([])
    with pytest.raises(CeremonyError, match="complaint-context"):
        answer_complaint(s1, [a1, a2], Complaint("vote-r", 2, 1, ComplaintCheck.DECRYPT, None, b""))


def test_finishing_needs_every_qualified_share_and_the_right_sum(ceremony: Ceremony) -> None:
    secret = dataclasses.replace(ceremony.secrets[0], share=None)
    with pytest.raises(CeremonyError, match="share-missing"):
        finish_ceremony(secret, ceremony.key, {1: 5})
    with pytest.raises(CeremonyError, match="verification-key"):
        finish_ceremony(secret, ceremony.key, {1: 5, 2: 6, 3: 7})
    with pytest.raises(CeremonyError, match="announcement-context"):
        finish_ceremony(dataclasses.replace(secret, election_id="x"), ceremony.key, {})


@pytest.mark.parametrize(
    ("k", "n", "trustee"), [(0, 1, 1), (3, 2, 1), (2, 51, 1), (1, 2, 3), (1, 2, 0)]
)
def test_impossible_parameters_are_refused(k: int, n: int, trustee: int) -> None:
    with pytest.raises(CeremonyError):
        announce("vote-p", trustee, k, n)


def test_election_key_checks_its_parts(ceremony: Ceremony) -> None:
    key = ceremony.key
    c = key.commitments
    with pytest.raises(CeremonyError, match="joint-key"):
        dataclasses.replace(key, joint_key=GENERATOR)
    with pytest.raises(CeremonyError, match="trustee-index"):
        dataclasses.replace(key, commitments=(c[1], c[0], c[2]))
    with pytest.raises(CeremonyError, match="qualified"):
        dataclasses.replace(key, commitments=c[:1], joint_key=c[0].coefficients[0])
    with pytest.raises(CeremonyError, match="threshold"):
        dataclasses.replace(key, threshold=4)
    with pytest.raises(CeremonyError, match="coefficient-count"):
        dataclasses.replace(key, commitments=(TrusteeCommitments(1, c[0].coefficients[:1]), *c[1:]))
    identity = GENERATOR - GENERATOR
    with pytest.raises(CeremonyError, match="point-identity"):
        dataclasses.replace(
            key, commitments=(TrusteeCommitments(1, (c[0].coefficients[0], identity)), *c[1:])
        )
    with pytest.raises(CeremonyError, match="trustee-index"):
        key.verification_key(4)


def test_election_key_and_election_documents_reject_tampering(ceremony: Ceremony) -> None:
    doc = json.loads(canonical_json(ceremony.key.to_json()))
    doc["joint_key"] = json.loads(canonical_json(ceremony.key.to_json()))["commitments"][0][
        "coefficients"
    ][0]
    with pytest.raises(CeremonyError, match="joint-key"):
        ElectionKey.from_json(doc)
    doc = json.loads(canonical_json(ceremony.key.to_json()))
    doc["commitments"][0]["coefficients"][0] = "AA"
    with pytest.raises(CeremonyError, match="point-identity"):
        ElectionKey.from_json(doc)

    election = Election.create(full_manifest(), ceremony.key)
    assert _round_trip(election, Election) == election
    assert election.fingerprint == fingerprint(election.manifest, election.key)
    edoc = json.loads(canonical_json(election.to_json()))
    edoc["manifest"]["title"] = "Gewijzigd"
    with pytest.raises(InvalidEncoding, match="fingerprint"):
        Election.from_json(edoc)
    with pytest.raises(InvalidEncoding, match="election-id"):
        Election.create(dataclasses.replace(full_manifest(), election_id="andere"), ceremony.key)


@pytest.mark.parametrize(
    ("cls", "value", "check"),
    [
        (Announcement, {"version": 1}, "missing-field"),
        (TrusteeSecret, {"version": 1}, "missing-field"),
        (
            EncryptedShare,
            {"version": 1, "election_id": "e", "dealer": 0, "recipient": 1, "ciphertext": ""},
            "range",
        ),
        (
            Complaint,
            {
                "version": 1,
                "election_id": "e",
                "dealer": 1,
                "complainant": 2,
                "check": "x",
                "seal": "A" * 60,
            },
            "format",
        ),
        (
            Complaint,
            {
                "version": 1,
                "election_id": "e",
                "dealer": 1,
                "complainant": 2,
                "check": "share-decrypt",
                "seal": "A" * 40,  # 30 bytes: shorter than a nonce and a tag
            },
            "format",
        ),
        (
            ComplaintAnswer,
            {"version": 1, "election_id": "e", "dealer": 1, "complainant": 2, "share": "A"},
            "length",
        ),
    ],
)
def test_malformed_ceremony_messages_are_rejected(
    cls: Any, value: dict[str, Any], check: str
) -> None:
    with pytest.raises(CeremonyError, match=check):
        cls.from_json(value)


def test_ceremony_messages_round_trip(ceremony: Ceremony) -> None:
    s = ceremony.secrets[0]
    message = deal_shares(s, ceremony.announcements)[0]
    assert _round_trip(message, EncryptedShare) == message
    doc = json.loads(canonical_json(s.to_json()))
    doc["coefficients"] = doc["coefficients"][:1]
    with pytest.raises(CeremonyError, match="coefficient-count"):
        TrusteeSecret.from_json(doc)
