"""RFC 9162 hashing, inclusion and consistency proofs (audit/merkle.py), T14's foundation."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from audit.errors import InclusionNotProven, LogInconsistent
from audit.merkle import (
    EMPTY_ROOT,
    ConsistencyProof,
    Frontier,
    InclusionProof,
    MerkleTree,
    hash_children,
    hash_leaf,
    root_from_leaf_hashes,
    verify_consistency,
    verify_inclusion,
)

VECTORS = json.loads((Path(__file__).parent / "vectors" / "rfc9162_reference.json").read_text())
LEAVES = [bytes.fromhex(leaf) for leaf in VECTORS["leaves"]]
LEAF_HASHES = [hash_leaf(leaf) for leaf in LEAVES]
ROOTS = [bytes.fromhex(root) for root in VECTORS["roots"]]
SOME_HASH = bytes.fromhex("abacaba000000000000000000000000000000000000000000060061e00123456")
TREE = MerkleTree.from_leaf_hashes(LEAF_HASHES)


def _hashes(items: list[str]) -> tuple[bytes, ...]:
    return tuple(bytes.fromhex(item) for item in items)


def _leaves(n: int) -> list[bytes]:
    return [hash_leaf(i.to_bytes(4, "big")) for i in range(n)]


# ---------------------------------------------------------------- hashing (RFC 9162 §2.1.1)


def test_empty_tree_hash_is_sha256_of_nothing() -> None:
    assert bytes.fromhex(VECTORS["empty_root"]) == EMPTY_ROOT == hashlib.sha256(b"").digest()
    assert root_from_leaf_hashes([]) == EMPTY_ROOT
    assert MerkleTree.from_leaf_hashes([]).root(0) == EMPTY_ROOT


def test_leaf_and_node_hashes_are_domain_separated() -> None:
    assert hash_leaf(b"") == hashlib.sha256(b"\x00").digest()
    assert hash_children(b"a", b"b") == hashlib.sha256(b"\x01ab").digest()
    assert hash_leaf(b"\x01ab") != hash_children(b"a", b"b")


@pytest.mark.parametrize("size", range(1, 9))
def test_root_of_every_prefix_matches_the_published_roots(size: int) -> None:
    assert root_from_leaf_hashes(LEAF_HASHES[:size]) == ROOTS[size - 1]
    assert MerkleTree.from_leaf_hashes(LEAF_HASHES).root(size) == ROOTS[size - 1]


@given(st.lists(st.binary(max_size=8), max_size=100))
def test_cached_tree_and_linear_fold_agree_on_every_root(entries: list[bytes]) -> None:
    hashes = [hash_leaf(e) for e in entries]
    tree = MerkleTree.from_leaf_hashes(hashes)
    for size in range(len(hashes) + 1):
        assert tree.root(size) == root_from_leaf_hashes(hashes[:size])


@given(st.lists(st.binary(max_size=8), max_size=140))
def test_a_frontier_grown_leaf_by_leaf_gives_the_tree_root_at_every_size(
    entries: list[bytes],
) -> None:
    hashes = [hash_leaf(e) for e in entries]
    tree = MerkleTree.from_leaf_hashes(hashes)
    frontier = Frontier.of([])
    for size, leaf in enumerate(hashes, 1):
        frontier = frontier.extended(leaf)
        assert frontier.size == size
        assert len(frontier.nodes) == size.bit_count()  # one perfect subtree per set bit
        assert frontier.root() == tree.root(size)
        assert Frontier.from_bytes(size, frontier.to_bytes()) == frontier
    assert Frontier.of(hashes) == frontier


def test_the_frontier_of_the_published_leaves_gives_the_published_roots() -> None:
    for size in range(len(LEAF_HASHES) + 1):
        assert Frontier.of(LEAF_HASHES[:size]).root() == (ROOTS[size - 1] if size else EMPTY_ROOT)


@pytest.mark.parametrize(("size", "length"), [(3, 32), (3, 96), (4, 0), (0, 32), (-1, 0)])
def test_stored_frontier_bytes_that_do_not_fit_the_size_are_refused(size: int, length: int) -> None:
    with pytest.raises(LogInconsistent, match="frontier") as caught:
        Frontier.from_bytes(size, b"\x07" * length)
    assert caught.value.check == "frontier"


# ---------------------------------------------------------------- published proofs


@pytest.mark.parametrize("vector", VECTORS["inclusion"], ids=lambda v: f"{v['index']}-{v['size']}")
def test_published_inclusion_proofs_are_generated_and_verified(vector: dict[str, object]) -> None:
    index, size = int(str(vector["index"])), int(str(vector["size"]))
    path = _hashes(vector["path"])  # type: ignore[arg-type]  # JSON list of hex strings
    assert TREE.inclusion_proof(index, size).path == path
    verify_inclusion(LEAF_HASHES[index], InclusionProof(index, size, path), ROOTS[size - 1])


@pytest.mark.parametrize(
    "vector", VECTORS["consistency"], ids=lambda v: f"{v['first']}-{v['second']}"
)
def test_published_consistency_proofs_are_generated_and_verified(
    vector: dict[str, object],
) -> None:
    first, second = int(str(vector["first"])), int(str(vector["second"]))
    path = _hashes(vector["path"])  # type: ignore[arg-type]  # JSON list of hex strings
    assert TREE.consistency_proof(first, second).path == path
    verify_consistency(ConsistencyProof(first, second, path), ROOTS[first - 1], ROOTS[second - 1])


def _inclusion_corruptions(
    proof: InclusionProof, root: bytes, leaf: bytes
) -> list[tuple[str, InclusionProof, bytes, bytes]]:
    """The corruptions transparency-dev/merkle's proofgen applies to an inclusion proof."""
    i, n, path = proof.index, proof.size, proof.path
    probes = [
        ("index - 1", replace(proof, index=i - 1), root, leaf),
        ("index + 1", replace(proof, index=i + 1), root, leaf),
        ("index ^ 2", replace(proof, index=i ^ 2), root, leaf),
        ("size * 2", replace(proof, size=n * 2), root, leaf),
        ("size / 2", replace(proof, size=n // 2), root, leaf),
        ("wrong leaf", proof, root, hashlib.sha256(b"WrongLeaf").digest()),
        ("empty root", proof, EMPTY_ROOT, leaf),
        ("random root", proof, SOME_HASH, leaf),
        ("trailing root", replace(proof, path=(*path, root)), root, leaf),
        ("preceding root", replace(proof, path=(root, *path)), root, leaf),
    ]
    for k in range(len(path)):
        flipped = bytes([path[k][0] ^ 8]) + path[k][1:]
        probes.append(
            (f"bit of {k}", replace(proof, path=(*path[:k], flipped, *path[k + 1 :])), root, leaf)
        )
    if path:
        probes.append(("removed", replace(proof, path=path[:-1]), root, leaf))
    if len(path) > 1:
        probes.append(
            ("inserted", replace(proof, path=(path[0], SOME_HASH, *path[1:])), root, leaf)
        )
    return probes


@pytest.mark.parametrize("vector", VECTORS["inclusion"], ids=lambda v: f"{v['index']}-{v['size']}")
def test_corrupted_inclusion_proofs_are_rejected(vector: dict[str, object]) -> None:
    index, size = int(str(vector["index"])), int(str(vector["size"]))
    proof = InclusionProof(index, size, _hashes(vector["path"]))  # type: ignore[arg-type]
    accepted = []
    for name, bad, root, leaf in _inclusion_corruptions(proof, ROOTS[size - 1], LEAF_HASHES[index]):
        try:
            verify_inclusion(leaf, bad, root)
        except InclusionNotProven:
            continue
        accepted.append(name)
    assert accepted == []


@pytest.mark.parametrize(
    "vector", VECTORS["consistency"][1:], ids=lambda v: f"{v['first']}-{v['second']}"
)
def test_corrupted_consistency_proofs_are_rejected(vector: dict[str, object]) -> None:
    first, second = int(str(vector["first"])), int(str(vector["second"]))
    path = _hashes(vector["path"])  # type: ignore[arg-type]
    r1, r2 = ROOTS[first - 1], ROOTS[second - 1]
    proof = ConsistencyProof(first, second, path)
    probes = [
        ("first - 1", replace(proof, first=first - 1), r1, r2),
        ("first + 1", replace(proof, first=first + 1), r1, r2),
        ("first ^ 2", replace(proof, first=first ^ 2), r1, r2),
        ("second * 2", replace(proof, second=second * 2), r1, r2),
        ("second / 2", replace(proof, second=second // 2), r1, r2),
        ("wrong first root", proof, SOME_HASH, r2),
        ("wrong second root", proof, r1, SOME_HASH),
        ("swapped roots", proof, r2, r1),
        ("empty path", replace(proof, path=()), r1, r2),
        ("trailing first root", replace(proof, path=(*path, r1)), r1, r2),
        ("trailing second root", replace(proof, path=(*path, r2)), r1, r2),
        ("preceding first root", replace(proof, path=(r1, *path)), r1, r2),
        ("preceding second root", replace(proof, path=(r2, *path)), r1, r2),
        ("preceding path[0]", replace(proof, path=(path[0], *path)), r1, r2),
        ("truncated", replace(proof, path=path[:-1]), r1, r2),
    ]
    for k in range(len(path)):
        flipped = bytes([path[k][0] ^ 16]) + path[k][1:]
        probes.append(
            (f"bit of {k}", replace(proof, path=(*path[:k], flipped, *path[k + 1 :])), r1, r2)
        )
    accepted = []
    for name, bad, first_root, second_root in probes:
        try:
            verify_consistency(bad, first_root, second_root)
        except LogInconsistent:
            continue
        accepted.append(name)
    assert accepted == []


# ---------------------------------------------------------------- edge cases, named checks


@pytest.mark.parametrize(("index", "size"), [(0, 0), (1, 0), (2, 1), (-1, 4)])
def test_inclusion_outside_the_tree_is_rejected(index: int, size: int) -> None:
    with pytest.raises(InclusionNotProven, match="index-range"):
        verify_inclusion(SOME_HASH, InclusionProof(index, size, ()), EMPTY_ROOT)
    with pytest.raises(InclusionNotProven, match="index-range"):
        TREE.inclusion_proof(index, size)


def test_inclusion_in_a_single_leaf_tree_needs_the_leaf_as_root() -> None:
    leaf = hash_leaf(b"data")
    verify_inclusion(leaf, InclusionProof(0, 1, ()), leaf)
    with pytest.raises(InclusionNotProven, match="inclusion-root"):
        verify_inclusion(leaf, InclusionProof(0, 1, ()), SOME_HASH)


@pytest.mark.parametrize(
    ("leaf", "root", "path"),
    [(b"", ROOTS[0], ()), (LEAF_HASHES[0], b"short", ()), (LEAF_HASHES[0], ROOTS[1], (b"x",))],
)
def test_inclusion_with_a_hash_of_the_wrong_size_is_rejected(
    leaf: bytes, root: bytes, path: tuple[bytes, ...]
) -> None:
    with pytest.raises(InclusionNotProven, match="hash-size"):
        verify_inclusion(leaf, InclusionProof(0, 2, path), root)


def test_inclusion_path_longer_than_any_tree_is_rejected_before_hashing() -> None:
    with pytest.raises(InclusionNotProven, match="path-length"):
        verify_inclusion(LEAF_HASHES[0], InclusionProof(0, 8, (SOME_HASH,) * 65), ROOTS[7])


def test_inclusion_in_a_tree_too_large_for_the_log_is_rejected() -> None:
    with pytest.raises(InclusionNotProven, match="tree-size"):
        verify_inclusion(LEAF_HASHES[0], InclusionProof(0, 2**63, ()), ROOTS[7])


def test_inclusion_path_too_long_and_too_short_are_named() -> None:
    good = TREE.inclusion_proof(0, 8)
    with pytest.raises(InclusionNotProven, match="path-too-long"):
        verify_inclusion(LEAF_HASHES[0], replace(good, path=(*good.path, SOME_HASH)), ROOTS[7])
    with pytest.raises(InclusionNotProven, match="path-too-short"):
        verify_inclusion(LEAF_HASHES[0], replace(good, path=good.path[:-1]), ROOTS[7])


def test_consistency_with_the_empty_tree_needs_the_empty_root_and_no_path() -> None:
    verify_consistency(ConsistencyProof(0, 0, ()), EMPTY_ROOT, EMPTY_ROOT)
    verify_consistency(ConsistencyProof(0, 8, ()), EMPTY_ROOT, ROOTS[7])
    with pytest.raises(LogInconsistent, match="empty-tree"):
        verify_consistency(ConsistencyProof(0, 8, ()), SOME_HASH, ROOTS[7])
    with pytest.raises(LogInconsistent, match="empty-tree"):
        verify_consistency(ConsistencyProof(0, 8, (EMPTY_ROOT,)), EMPTY_ROOT, ROOTS[7])


def test_two_heads_of_equal_size_with_different_roots_are_inconsistent() -> None:
    verify_consistency(ConsistencyProof(3, 3, ()), ROOTS[2], ROOTS[2])
    with pytest.raises(LogInconsistent, match="same-size"):
        verify_consistency(ConsistencyProof(3, 3, ()), ROOTS[2], SOME_HASH)
    with pytest.raises(LogInconsistent, match="same-size"):
        verify_consistency(ConsistencyProof(3, 3, (ROOTS[2],)), ROOTS[2], ROOTS[2])


def test_consistency_backwards_in_size_is_rejected() -> None:
    with pytest.raises(LogInconsistent, match="size-order"):
        verify_consistency(ConsistencyProof(2, 1, ()), ROOTS[1], ROOTS[0])
    with pytest.raises(LogInconsistent, match="size-order"):
        TREE.consistency_proof(2, 1)


@pytest.mark.parametrize(
    ("first_root", "second_root", "path"),
    [(b"x", ROOTS[1], ()), (ROOTS[0], b"", ()), (ROOTS[0], ROOTS[1], (b"",))],
)
def test_consistency_with_a_hash_of_the_wrong_size_is_rejected(
    first_root: bytes, second_root: bytes, path: tuple[bytes, ...]
) -> None:
    with pytest.raises(LogInconsistent, match="hash-size"):
        verify_consistency(ConsistencyProof(1, 2, path), first_root, second_root)


def test_consistency_limits_are_checked_before_hashing() -> None:
    with pytest.raises(LogInconsistent, match="path-length"):
        verify_consistency(ConsistencyProof(1, 8, (SOME_HASH,) * 65), ROOTS[0], ROOTS[7])
    with pytest.raises(LogInconsistent, match="tree-size"):
        verify_consistency(ConsistencyProof(-1, 8, ()), ROOTS[0], ROOTS[7])
    with pytest.raises(LogInconsistent, match="tree-size"):
        verify_consistency(ConsistencyProof(1, 2**63, ()), ROOTS[0], ROOTS[7])


def test_consistency_failures_name_their_step() -> None:
    good = TREE.consistency_proof(6, 8)
    with pytest.raises(LogInconsistent, match="empty-path"):
        verify_consistency(replace(good, path=()), ROOTS[5], ROOTS[7])
    with pytest.raises(LogInconsistent, match="path-too-long"):
        verify_consistency(replace(good, path=(*good.path, SOME_HASH)), ROOTS[5], ROOTS[7])
    with pytest.raises(LogInconsistent, match="path-too-short"):
        verify_consistency(replace(good, path=good.path[:-1]), ROOTS[5], ROOTS[7])
    with pytest.raises(LogInconsistent, match="first-root"):
        verify_consistency(good, SOME_HASH, ROOTS[7])
    with pytest.raises(LogInconsistent, match="second-root"):
        verify_consistency(good, ROOTS[5], SOME_HASH)


def test_a_store_returning_too_few_leaf_hashes_is_caught() -> None:
    tree = MerkleTree(lambda start, end: LEAF_HASHES[start : end - 1])
    with pytest.raises(LogInconsistent, match="leaf-count"):
        tree.root(4)


# ---------------------------------------------------------------- properties


@given(st.integers(min_value=1, max_value=100))
def test_every_inclusion_proof_verifies_and_no_other_leaf_does(size: int) -> None:
    hashes = _leaves(size)
    tree = MerkleTree.from_leaf_hashes(hashes)
    root = tree.root(size)
    for index in range(size):
        proof = tree.inclusion_proof(index, size)
        verify_inclusion(hashes[index], proof, root)
        with pytest.raises(InclusionNotProven):
            verify_inclusion(hashes[(index + 1) % size] if size > 1 else SOME_HASH, proof, root)


@given(
    st.integers(min_value=1, max_value=64).flatmap(
        lambda n: st.tuples(st.integers(min_value=0, max_value=n), st.just(n))
    )
)
def test_every_consistency_proof_verifies(sizes: tuple[int, int]) -> None:
    first, second = sizes
    tree = MerkleTree.from_leaf_hashes(_leaves(second))
    proof = tree.consistency_proof(first, second)
    verify_consistency(proof, tree.root(first), tree.root(second))


def test_consistency_holds_for_all_pairs_up_to_64() -> None:
    hashes = _leaves(64)
    tree = MerkleTree.from_leaf_hashes(hashes)
    roots = [tree.root(n) for n in range(65)]
    for second in range(65):
        for first in range(second + 1):
            verify_consistency(tree.consistency_proof(first, second), roots[first], roots[second])


@given(
    st.integers(min_value=2, max_value=100).flatmap(
        lambda n: st.tuples(
            st.just(n), st.integers(0, n - 1), st.integers(0, 63), st.integers(0, 255)
        )
    )
)
def test_any_single_bit_flip_of_an_inclusion_proof_fails(case: tuple[int, int, int, int]) -> None:
    size, index, which, bit = case
    hashes = _leaves(size)
    tree = MerkleTree.from_leaf_hashes(hashes)
    proof = tree.inclusion_proof(index, size)
    root = tree.root(size)
    targets = [*proof.path, root, hashes[index]]
    k = which % len(targets)
    flipped = bytearray(targets[k])
    flipped[bit // 8] ^= 1 << (bit % 8)
    if k < len(proof.path):
        path = (*proof.path[:k], bytes(flipped), *proof.path[k + 1 :])
        args = (hashes[index], replace(proof, path=path), root)
    elif k == len(proof.path):
        args = (hashes[index], proof, bytes(flipped))
    else:
        args = (bytes(flipped), proof, root)
    with pytest.raises(InclusionNotProven):
        verify_inclusion(*args)


@given(
    st.integers(min_value=2, max_value=64).flatmap(
        lambda n: st.tuples(
            st.just(n), st.integers(1, n - 1), st.integers(0, 63), st.integers(0, 255)
        )
    )
)
def test_any_single_bit_flip_of_a_consistency_proof_fails(case: tuple[int, int, int, int]) -> None:
    second, first, which, bit = case
    tree = MerkleTree.from_leaf_hashes(_leaves(second))
    proof = tree.consistency_proof(first, second)
    targets = [*proof.path, tree.root(first), tree.root(second)]
    k = which % len(targets)
    flipped = bytearray(targets[k])
    flipped[bit // 8] ^= 1 << (bit % 8)
    values = list(targets)
    values[k] = bytes(flipped)
    mutated = replace(proof, path=tuple(values[: len(proof.path)]))
    with pytest.raises(LogInconsistent):
        verify_consistency(mutated, values[-2], values[-1])


@given(st.integers(min_value=2, max_value=40), st.data())
def test_a_rewritten_leaf_breaks_consistency_with_every_earlier_head(
    size: int, data: st.DataObject
) -> None:
    hashes = _leaves(size)
    first = data.draw(st.integers(1, size - 1))
    changed = data.draw(st.integers(0, first - 1))
    forged = list(hashes)
    forged[changed] = SOME_HASH
    honest, fork = MerkleTree.from_leaf_hashes(hashes), MerkleTree.from_leaf_hashes(forged)
    with pytest.raises(LogInconsistent):
        verify_consistency(fork.consistency_proof(first, size), honest.root(first), fork.root(size))
