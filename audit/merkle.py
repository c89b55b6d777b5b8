"""RFC 9162 Merkle tree hashing, inclusion proofs and consistency proofs.

protocol.md Part II, §II.2. Sources: RFC 9162 §2.1.1 (Merkle Tree Hash, MTH), §2.1.3.1
(generating an inclusion proof, PATH), §2.1.3.2 (verifying an inclusion proof), §2.1.4.1
(generating a consistency proof, PROOF/SUBPROOF) and §2.1.4.2 (verifying a consistency proof).
The verifiers follow the RFC's numbered steps one for one; the comments cite the step.

The tree over n leaf hashes is RFC 9162's: leaf = SHA-256(0x00 || entry),
node = SHA-256(0x01 || left || right), the left subtree holds the largest power of two
strictly smaller than n leaves, and the empty tree's hash is SHA-256 of the empty string.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final, NewType

from audit.errors import InclusionNotProven, LogInconsistent

LEAF_PREFIX: Final = b"\x00"
"""RFC 9162 §2.1.1: the domain-separation byte before a leaf's data."""

NODE_PREFIX: Final = b"\x01"
"""RFC 9162 §2.1.1: the domain-separation byte before two child hashes."""

HASH_SIZE: Final = 32
"""SHA-256 output size in bytes; every leaf, node and root hash has exactly this length."""

MAX_TREE_SIZE: Final = 2**63
"""Sizes and indices are below 2**63 (RFC 9162 uses uint64; the bound keeps JSON integers safe)."""

MAX_PATH_LENGTH: Final = 64
"""No inclusion or consistency path of a tree below 2**63 leaves is longer than this."""

LeafHash = NewType("LeafHash", bytes)
"""SHA-256(0x00 || entry): the hash of one log entry (RFC 9162 §2.1.1)."""

TreeHash = NewType("TreeHash", bytes)
"""The Merkle Tree Hash of a prefix of the log, MTH(D[0:n]) (RFC 9162 §2.1.1)."""

EMPTY_ROOT: Final = TreeHash(hashlib.sha256(b"").digest())
"""MTH({}) = SHA-256() (RFC 9162 §2.1.1)."""


def hash_leaf(entry: bytes) -> LeafHash:
    """Return the RFC 9162 leaf hash SHA-256(0x00 || entry)."""
    return LeafHash(hashlib.sha256(LEAF_PREFIX + entry).digest())


def hash_children(left: bytes, right: bytes) -> bytes:
    """Return the RFC 9162 interior node hash SHA-256(0x01 || left || right)."""
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def _largest_power_of_two_below(n: int) -> int:
    """Return k, the largest power of two with k < n (n >= 2), as RFC 9162 §2.1.1 splits."""
    return 1 << ((n - 1).bit_length() - 1)


@dataclass(frozen=True, slots=True)
class Frontier:
    """The compact range of a log of `size` leaves: the roots of its perfect subtrees.

    MTH(D[0:n]) splits n into the perfect, aligned subtrees given by the set bits of n,
    largest first (RFC 9162 §2.1.1 takes the largest power of two below n as the left
    subtree, again and again); `nodes` holds their hashes in that order, popcount(n) of them.
    Appending a leaf merges equal-sized trailing subtrees (O(log n) hashes) and the root is
    their right-to-left fold, so a store that keeps the frontier next to its size can give
    the root of the whole log without reading a single leaf (protocol.md §II.2).
    """

    size: int
    nodes: tuple[bytes, ...]

    @classmethod
    def of(cls, leaf_hashes: Sequence[bytes]) -> Frontier:
        """The frontier of a log with these leaf hashes, in linear time and log space."""
        nodes: list[bytes] = []
        for size, leaf in enumerate(leaf_hashes):
            _push(nodes, size, leaf)
        return cls(len(leaf_hashes), tuple(nodes))

    @classmethod
    def from_bytes(cls, size: int, data: bytes) -> Frontier:
        """Read `to_bytes()` back; raises `LogInconsistent` ("frontier") unless `data`
        holds exactly popcount(size) hashes."""
        if size < 0 or len(data) != size.bit_count() * HASH_SIZE:
            raise LogInconsistent(
                "frontier", f"{len(data)} bytes are not the frontier of a log of size {size}"
            )
        nodes = tuple(data[i : i + HASH_SIZE] for i in range(0, len(data), HASH_SIZE))
        return cls(size, nodes)

    def to_bytes(self) -> bytes:
        """The node hashes, concatenated (32 bytes each, largest subtree first)."""
        return b"".join(self.nodes)

    def extended(self, leaf_hash: bytes) -> Frontier:
        """The frontier after appending one leaf."""
        nodes = list(self.nodes)
        _push(nodes, self.size, leaf_hash)
        return Frontier(self.size + 1, tuple(nodes))

    def root(self) -> TreeHash:
        """MTH(D[0:size]): the right-to-left fold of the perfect subtrees."""
        if not self.nodes:
            return EMPTY_ROOT
        root = self.nodes[-1]
        for left in reversed(self.nodes[:-1]):
            root = hash_children(left, root)
        return TreeHash(root)


def _push(nodes: list[bytes], size: int, leaf_hash: bytes) -> None:
    """Append a leaf to the frontier `nodes` of a log of `size` leaves, in place."""
    node = bytes(leaf_hash)
    while size & 1:  # a perfect subtree of the new leaf's size ends the log: merge the two
        node = hash_children(nodes.pop(), node)
        size >>= 1
    nodes.append(node)


def root_from_leaf_hashes(leaf_hashes: Sequence[bytes]) -> TreeHash:
    """Return MTH over `leaf_hashes` (RFC 9162 §2.1.1), in linear time and log space."""
    return Frontier.of(leaf_hashes).root()


@dataclass(frozen=True, slots=True)
class InclusionProof:
    """An RFC 9162 inclusion proof: the audit path of leaf `index` in the tree of `size` leaves.

    `path` — inclusion_path of RFC 9162 §2.1.3.1, leaf sibling first.
    """

    index: int
    size: int
    path: tuple[bytes, ...]


@dataclass(frozen=True, slots=True)
class ConsistencyProof:
    """An RFC 9162 consistency proof between the tree heads of sizes `first` and `second`.

    `path` — consistency_path of RFC 9162 §2.1.4.1.
    """

    first: int
    second: int
    path: tuple[bytes, ...]


def _check_hash(value: bytes, what: str, error: type[InclusionNotProven | LogInconsistent]) -> None:
    if len(value) != HASH_SIZE:
        raise error("hash-size", f"{what} is {len(value)} bytes, not {HASH_SIZE}")


def _check_path(path: Sequence[bytes], error: type[InclusionNotProven | LogInconsistent]) -> None:
    if len(path) > MAX_PATH_LENGTH:
        raise error("path-length", f"proof has {len(path)} hashes, more than {MAX_PATH_LENGTH}")
    for position, node in enumerate(path):
        _check_hash(node, f"proof hash {position}", error)


def _check_size(value: int, what: str, error: type[InclusionNotProven | LogInconsistent]) -> None:
    if not 0 <= value < MAX_TREE_SIZE:
        raise error("tree-size", f"{what} {value} is outside [0, 2**63)")


def verify_inclusion(leaf_hash: bytes, proof: InclusionProof, root: bytes) -> None:
    """Verify that `leaf_hash` is leaf `proof.index` of the tree of `proof.size` with `root`.

    RFC 9162 §2.1.3.2, step for step. Raises `InclusionNotProven` naming the failed check:
    "hash-size", "path-length", "tree-size", "index-range", "path-too-long", "path-too-short"
    or "inclusion-root".
    """
    _check_hash(leaf_hash, "leaf hash", InclusionNotProven)
    _check_hash(root, "root hash", InclusionNotProven)
    _check_path(proof.path, InclusionNotProven)
    _check_size(proof.size, "tree size", InclusionNotProven)
    # Step 1: leaf_index >= tree_size fails.
    if not 0 <= proof.index < proof.size:
        raise InclusionNotProven(
            "index-range", f"leaf index {proof.index} is not below tree size {proof.size}"
        )
    # Step 2: fn = leaf_index, sn = tree_size - 1.  Step 3: r = hash.
    fn, sn, r = proof.index, proof.size - 1, bytes(leaf_hash)
    # Step 4: for each p in inclusion_path.
    for p in proof.path:
        # 4a: sn == 0 means the path is longer than the tree is high.
        if sn == 0:
            raise InclusionNotProven("path-too-long", "the proof has more hashes than the tree")
        # 4b: a right child (LSB(fn) set) or the last node of its level is hashed on the right.
        if fn & 1 or fn == sn:
            r = hash_children(p, r)
            if not fn & 1:
                while fn & 1 == 0 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = hash_children(r, p)
        # 4c: one level up.
        fn >>= 1
        sn >>= 1
    # Step 5: sn must be 0 and r the root.
    if sn != 0:
        raise InclusionNotProven("path-too-short", "the proof ends below the root")
    if not hmac.compare_digest(r, root):
        raise InclusionNotProven("inclusion-root", "the proof leads to a different root")


def verify_consistency(proof: ConsistencyProof, first_root: bytes, second_root: bytes) -> None:
    """Verify that the tree of `proof.first` leaves with `first_root` is a prefix of the tree of
    `proof.second` leaves with `second_root`.

    For 0 < first < second this is RFC 9162 §2.1.4.2, step for step. The RFC leaves the edge
    cases to the implementation; ours (protocol.md §II.2): first == second needs an empty path
    and equal roots; first == 0 needs an empty path and first_root == SHA-256(); first > second
    always fails. Raises `LogInconsistent` naming the failed check: "hash-size", "path-length",
    "tree-size", "size-order", "empty-tree", "same-size", "empty-path", "path-too-long",
    "path-too-short", "first-root" or "second-root".
    """
    _check_hash(first_root, "first root", LogInconsistent)
    _check_hash(second_root, "second root", LogInconsistent)
    _check_path(proof.path, LogInconsistent)
    first, second = proof.first, proof.second
    _check_size(first, "first size", LogInconsistent)
    _check_size(second, "second size", LogInconsistent)
    if first > second:
        raise LogInconsistent("size-order", f"first size {first} exceeds second size {second}")
    if first == 0:
        if proof.path or not hmac.compare_digest(first_root, EMPTY_ROOT):
            raise LogInconsistent(
                "empty-tree", "a tree of size 0 has root SHA-256() and an empty proof"
            )
        return
    if first == second:
        if proof.path or not hmac.compare_digest(first_root, second_root):
            raise LogInconsistent(
                "same-size", f"two heads of size {first} have different roots or a proof"
            )
        return
    path = list(proof.path)
    # Step 1: an empty consistency_path fails.
    if not path:
        raise LogInconsistent("empty-path", f"no proof given from size {first} to {second}")
    # Step 2: if first is an exact power of 2, prepend first_hash.
    if first & (first - 1) == 0:
        path.insert(0, bytes(first_root))
    # Step 3: fn = first - 1, sn = second - 1.
    fn, sn = first - 1, second - 1
    # Step 4: while LSB(fn) is set, shift both right.
    while fn & 1:
        fn >>= 1
        sn >>= 1
    # Step 5: fr = sr = the first value of the path.
    fr = sr = path[0]
    # Step 6: for each subsequent value c.
    for c in path[1:]:
        # 6a.
        if sn == 0:
            raise LogInconsistent("path-too-long", "the proof has more hashes than the tree")
        # 6b.
        if fn & 1 or fn == sn:
            fr = hash_children(c, fr)
            sr = hash_children(c, sr)
            if not fn & 1:
                while fn & 1 == 0 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = hash_children(sr, c)
        # 6c.
        fn >>= 1
        sn >>= 1
    # Step 7: fr == first_hash, sr == second_hash and sn == 0.
    if sn != 0:
        raise LogInconsistent("path-too-short", "the proof ends below the second root")
    if not hmac.compare_digest(fr, first_root):
        raise LogInconsistent("first-root", f"the proof does not lead to the root of size {first}")
    if not hmac.compare_digest(sr, second_root):
        raise LogInconsistent(
            "second-root", f"the proof does not lead to the root of size {second}"
        )


LeafHashSource = Callable[[int, int], Sequence[bytes]]
"""Returns the leaf hashes of entries [start, end) of an append-only log."""


class MerkleTree:
    """Roots and proofs over an append-only sequence of leaf hashes.

    `source(start, end)` returns the leaf hashes [start, end). The hash of every perfect,
    aligned subtree is cached once computed: in an append-only log such a subtree never
    changes, so roots and proofs cost O(log n) hashes once the tree has been walked. The
    cache is only sound if the source never rewrites a leaf; a store that did would be caught
    by the consistency checks of the verifier, not hidden by this cache.
    """

    __slots__ = ("_cache", "_lock", "_source")

    def __init__(self, source: LeafHashSource) -> None:
        self._source = source
        self._cache: dict[tuple[int, int], bytes] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_leaf_hashes(cls, leaf_hashes: Sequence[bytes]) -> MerkleTree:
        """Build a tree over an in-memory list of leaf hashes."""
        return cls(lambda start, end: leaf_hashes[start:end])

    def _perfect(self, start: int, size: int) -> bytes:
        """MTH of the perfect subtree [start, start + size), size a power of two."""
        key = (start, size)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        level = [bytes(h) for h in self._source(start, start + size)]
        if len(level) != size:
            raise LogInconsistent(
                "leaf-count", f"the store returned {len(level)} leaf hashes, not {size}"
            )
        width = 1
        with self._lock:
            while len(level) > 1:
                level = [hash_children(level[i], level[i + 1]) for i in range(0, len(level), 2)]
                width *= 2
                for i, node in enumerate(level):
                    self._cache[(start + i * width, width)] = node
        return level[0]

    def _mth(self, start: int, end: int) -> bytes:
        """MTH(D[start:end]) (RFC 9162 §2.1.1), built from cached perfect subtrees."""
        n = end - start
        if n == 0:
            return EMPTY_ROOT
        if n & (n - 1) == 0:
            return self._perfect(start, n)
        k = _largest_power_of_two_below(n)
        return hash_children(self._perfect(start, k), self._mth(start + k, end))

    def root(self, size: int) -> TreeHash:
        """Return MTH(D[0:size])."""
        return TreeHash(self._mth(0, size))

    def _path(self, m: int, start: int, end: int) -> list[bytes]:
        # RFC 9162 §2.1.3.1: PATH(m, D[n]), with D[n] = D[start:end].
        n = end - start
        if n == 1:
            return []
        k = _largest_power_of_two_below(n)
        if m < k:
            return [*self._path(m, start, start + k), self._mth(start + k, end)]
        return [*self._path(m - k, start + k, end), self._mth(start, start + k)]

    def inclusion_proof(self, index: int, size: int) -> InclusionProof:
        """Return the inclusion proof of leaf `index` in the tree of `size` leaves (§2.1.3.1).

        Raises `InclusionNotProven` ("index-range") when index >= size.
        """
        if not 0 <= index < size:
            raise InclusionNotProven(
                "index-range", f"leaf index {index} is not below tree size {size}"
            )
        return InclusionProof(index=index, size=size, path=tuple(self._path(index, 0, size)))

    def _subproof(self, m: int, start: int, end: int, complete: bool) -> list[bytes]:
        # RFC 9162 §2.1.4.1: SUBPROOF(m, D[n], b), with D[n] = D[start:end].
        n = end - start
        if m == n:
            return [] if complete else [self._mth(start, end)]
        k = _largest_power_of_two_below(n)
        if m <= k:
            return [*self._subproof(m, start, start + k, complete), self._mth(start + k, end)]
        return [*self._subproof(m - k, start + k, end, False), self._mth(start, start + k)]

    def consistency_proof(self, first: int, second: int) -> ConsistencyProof:
        """Return the consistency proof from size `first` to size `second` (§2.1.4.1).

        PROOF(m, D[n]) = SUBPROOF(m, D[n], true) for 0 < m < n; the proof is empty when
        m == 0 or m == n. Raises `LogInconsistent` ("size-order") when first > second.
        """
        if not 0 <= first <= second:
            raise LogInconsistent("size-order", f"no proof from size {first} to size {second}")
        if first in (0, second):
            return ConsistencyProof(first=first, second=second, path=())
        path = tuple(self._subproof(first, 0, second, True))
        return ConsistencyProof(first=first, second=second, path=path)
