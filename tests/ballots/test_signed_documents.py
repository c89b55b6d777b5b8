"""Ed25519 signed documents (docs/protocol.md §I.4), with the RFC 8032 §7.1 vectors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ballots.canonical import canonical_json, parse_canonical_json
from ballots.errors import InvalidEncoding, InvalidSignature
from ballots.signing import (
    SignedDocument,
    SigningKey,
    VerifyingKey,
    key_id,
    sign_document,
    verify_document,
)

VECTORS = json.loads((Path(__file__).parents[1] / "vectors" / "rfc8032_ed25519.json").read_text())


@pytest.mark.parametrize("vector", VECTORS["vectors"], ids=lambda v: v["name"])
def test_rfc8032_ed25519_vectors(vector: dict[str, str]) -> None:
    key = SigningKey(bytes.fromhex(vector["secret_key"]))
    assert key.verifying_key().raw.hex() == vector["public_key"]
    signature = key._private().sign(bytes.fromhex(vector["message"]))
    assert signature.hex() == vector["signature"]
    public = Ed25519PrivateKey.from_private_bytes(key.seed).public_key()
    public.verify(signature, bytes.fromhex(vector["message"]))


def test_signed_document_round_trips_and_verifies() -> None:
    key = SigningKey.generate()
    doc = sign_document(key, "receipt", {"tracking_code": "ABCD", "index": 3})
    raw = canonical_json(doc.to_json())
    again = SignedDocument.from_json(parse_canonical_json(raw, max_bytes=4096))
    assert again == doc
    assert verify_document(again, key.verifying_key(), doc_type="receipt") == {
        "tracking_code": "ABCD",
        "index": 3,
    }
    assert doc.key_id == key_id(key.verifying_key().raw) == key.verifying_key().key_id
    assert len(doc.key_id) == 64


def test_signature_for_one_document_type_does_not_verify_as_another() -> None:
    key = SigningKey.generate()
    doc = sign_document(key, "receipt", {"a": 1})
    forged = SignedDocument("result", doc.body, doc.key_id, doc.signature)
    with pytest.raises(InvalidSignature, match="signature"):
        verify_document(forged, key.verifying_key(), doc_type="result")
    with pytest.raises(InvalidSignature, match="document-type"):
        verify_document(doc, key.verifying_key(), doc_type="result")


def test_altered_body_or_wrong_key_is_rejected() -> None:
    key, other = SigningKey.generate(), SigningKey.generate()
    doc = sign_document(key, "tree-head", {"size": 4})
    altered = SignedDocument(doc.doc_type, {"size": 5}, doc.key_id, doc.signature)
    with pytest.raises(InvalidSignature, match="signature"):
        verify_document(altered, key.verifying_key(), doc_type="tree-head")
    with pytest.raises(InvalidSignature, match="key-id"):
        verify_document(doc, other.verifying_key(), doc_type="tree-head")
    short = SignedDocument(doc.doc_type, doc.body, doc.key_id, doc.signature[:63])
    with pytest.raises(InvalidSignature, match="signature-length"):
        verify_document(short, key.verifying_key(), doc_type="tree-head")


def test_signing_key_is_kept_out_of_repr_and_compared_in_constant_time() -> None:
    key = SigningKey.generate()
    assert key.seed.hex() not in repr(key)
    assert key == SigningKey(key.seed)
    assert key != SigningKey.generate()
    assert key != "key"
    assert hash(key) == hash(SigningKey(key.seed))


@pytest.mark.parametrize(
    ("value", "check"),
    [
        (
            {"body": [], "key_id": "k", "signature": "", "type": "receipt", "version": 1},
            "json-shape",
        ),
        ({"body": {}, "key_id": "k", "signature": "", "type": "Receipt!", "version": 1}, "format"),
        ({"body": {}, "key_id": "k", "signature": "", "type": "receipt", "version": 2}, "version"),
        ({"body": {}, "key_id": "k", "signature": "", "type": "receipt"}, "missing-field"),
    ],
)
def test_malformed_signed_documents_are_rejected(value: dict[str, object], check: str) -> None:
    with pytest.raises(InvalidEncoding, match=check):
        SignedDocument.from_json(value)  # type: ignore[arg-type]  # deliberately malformed


def test_bad_keys_and_types_are_rejected() -> None:
    with pytest.raises(InvalidSignature, match="key-length"):
        VerifyingKey.from_bytes(b"\x01" * 31)
    with pytest.raises(InvalidSignature, match="key-length"):
        SigningKey(b"\x01" * 31)
    with pytest.raises(InvalidEncoding, match="format"):
        sign_document(SigningKey.generate(), "Bad Type", {})
    key = VerifyingKey.from_bytes(SigningKey.generate().verifying_key().raw)
    assert key.to_json()
