"""The rollup state as one compressed sparse Merkle tree hashed with Poseidon2 over BabyBear.

Shape
-----
Each leaf holds one 256-bit value under an 8-element key (see :mod:`l2.state.keys`); the key's
248 path bits say left (0) or right (1) at each depth.  The tree is *compressed*: a leaf sits at
the shortest prefix of its path that no other present key shares, so a path is about
log2(#keys) nodes long instead of 248.  This form is canonical — one set of (key, value) pairs
has exactly one tree — hence one root whatever the insertion order.  It holds because:

* an inner node always has at least two leaves below it (one child may be empty when all its
  keys continue the same way);
* inserting next to a leaf pushes both down to the first bit where their paths differ;
* value 0 means absent: deleting a leaf empties its slot, and a lone leaf left beside an empty
  sibling moves up until its sibling is non-empty (the exact inverse of the insertion).

Hashes (digests of 8 field elements)
------------------------------------
::

    empty subtree   Z = (0, 0, 0, 0, 0, 0, 0, 0)
    inner node      compress(left, right)               = permute(left ‖ right)[:8]
    leaf            hash_elements(key ‖ vd, DOMAIN_LEAF)  with  vd = hash_elements(limbs(value), DOMAIN_VALUE)

Inner nodes are the hot path (≈log2 n per update), so they take the cheapest hash, one
permutation.  Leaves go through the sponge whose capacity carries the ``DOMAIN_LEAF`` tag: a leaf
digest and an inner digest are outputs of two different functions, and making one equal the
other means finding a Poseidon2 collision or preimage across the tag (≈2^124 work).  The leaf
commits to its whole key (not just the unconsumed suffix), so a leaf's digest does not depend on
its depth and a proof states which key it found.  The value digest hashes the value's 16 × 16-bit
limbs, the form a circuit range-checks.

Updates and hashing
-------------------
Nodes are immutable; an update copies only the nodes on one path (``copy()`` is O(1): the copy
shares every node).  Hashes are computed lazily: a new node starts without a digest, and reading
the root (or a proof) hashes every node still lacking one in one batched pass — a single numba
call for a few paths, the SIMD lane kernels layer by layer for thousands of nodes.  One update
re-hashes one path; :meth:`StateTree.from_items` builds the canonical shape straight from the
sorted keys and hashes each node once.

Proofs and update witnesses
---------------------------
:class:`MerkleProof` proves membership (the key's own leaf) or absence (an empty slot, or
another key's leaf occupying the prefix).  :meth:`StateTree.update` returns an
:class:`UpdateWitness` — the old and new proof of one key around one write — for a state circuit
to replay; :func:`verify_update` states the rules it checks.
"""

from __future__ import annotations

import struct
from bisect import bisect_left
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np
from numba import njit

from circuits.field import P
from circuits.poseidon2 import (
    DIGEST_SIZE,
    compress_many,
    compress_row_kernel,
    fold_path,
    hash_elements,
    hash_elements_many,
    sponge_row_kernel,
)
from l2.state.keys import (
    KEY_BITS,
    Key,
    Kind,
    account_key,
    check_key,
    key_path,
    storage_key,
    word_limbs,
)

__all__ = [
    "StateTree", "MerkleProof", "UpdateWitness", "Digest", "ZERO_DIGEST", "DOMAIN_LEAF",
    "DOMAIN_VALUE", "verify_proof", "verify_update", "leaf_hash", "value_digest", "digest_hex",
]

Digest = tuple[int, ...]
"""A node digest: 8 canonical field elements."""

ZERO_DIGEST: Digest = (0,) * DIGEST_SIZE
"""Digest of an empty subtree."""

DOMAIN_VALUE = int.from_bytes(b"SVAL", "big")
"""Sponge tag of a value digest (ASCII "SVAL")."""

DOMAIN_LEAF = int.from_bytes(b"LEAF", "big")
"""Sponge tag of a leaf digest (ASCII "LEAF")."""

_WORD_MAX = 1 << 256

def _check_value(value) -> int:
    value = int(value)
    if not 0 <= value < _WORD_MAX:
        raise ValueError("a value is an integer in [0, 2^256)")
    return value


def value_digest(value: int) -> Digest:
    """hash_elements(16 little-endian 16-bit limbs of value, DOMAIN_VALUE)."""
    return hash_elements(word_limbs(value), DOMAIN_VALUE)


def leaf_hash(key: Key, value: int) -> Digest:
    """Digest of the leaf holding ``value`` under ``key``."""
    return hash_elements(tuple(key) + value_digest(value), DOMAIN_LEAF)


def digest_hex(digest: Digest) -> str:
    """``0x`` + 8 × 8 hex digits: each element as a big-endian 32-bit word, element 0 first."""
    return "0x" + "".join(f"{int(x):08x}" for x in digest)


# ---------------------------------------------------------------------------------------------
# Nodes
# ---------------------------------------------------------------------------------------------

class _Leaf:
    __slots__ = ("key", "path", "value", "hash")

    def __init__(self, key: Key, path: int, value: int) -> None:
        self.key = key
        self.path = path
        self.value = value
        self.hash: bytes | None = None  # 8 little-endian uint32, set by _hash_dirty


class _Branch:
    __slots__ = ("left", "right", "hash")

    def __init__(self, left, right) -> None:
        self.left = left
        self.right = right
        self.hash: bytes | None = None  # 8 little-endian uint32, set by _hash_dirty


def _join(left, right):
    """Parent of two subtrees in canonical form: a lone leaf (or nothing) moves up."""
    if left is None and (right is None or type(right) is _Leaf):
        return right
    if right is None and type(left) is _Leaf:
        return left
    return _Branch(left, right)


def _split(old: _Leaf, new: _Leaf, depth: int):
    """Subtree at ``depth`` holding two leaves whose paths agree on bits < depth."""
    diff = old.path ^ new.path
    first = (diff & -diff).bit_length() - 1  # first path bit where they differ
    node = _Branch(old, new) if (new.path >> first) & 1 else _Branch(new, old)
    for d in range(first - 1, depth - 1, -1):
        node = _Branch(None, node) if (new.path >> d) & 1 else _Branch(node, None)
    return node


_unpack = struct.Struct("<8I").unpack


def _node_digest(node) -> Digest:
    return ZERO_DIGEST if node is None else _unpack(node.hash)


@njit(cache=True)
def _leaf_row(key, limbs, out):
    # out = hash_elements(key ‖ hash_elements(limbs, DOMAIN_VALUE), DOMAIN_LEAF)
    vd = np.empty(8, dtype=np.uint64)
    sponge_row_kernel(limbs, np.uint64(DOMAIN_VALUE), vd)
    inp = np.empty(16, dtype=np.uint64)
    for j in range(8):
        inp[j] = key[j]
        inp[8 + j] = vd[j]
    sponge_row_kernel(inp, np.uint64(DOMAIN_LEAF), out)


@njit(cache=True)
def _tree_hash_serial(buf, keys, limbs, outs, lefts, rights):
    # Leaves sit in buf[1 : 1 + m]; inner ops come in an order where children precede parents.
    for i in range(keys.shape[0]):
        _leaf_row(keys[i], limbs[i], buf[1 + i])
    for k in range(outs.shape[0]):
        compress_row_kernel(buf[lefts[k]], buf[rights[k]], buf[outs[k]])


_BULK_MIN_NODES = 2048  # from here the lane kernels beat one serial call


def _hash_dirty(root) -> None:
    """Give every node below ``root`` that lacks a digest its digest, in one batched pass.

    The walk recurses once per tree level (at most KEY_BITS + 1 frames) and only into nodes
    without a digest, so one update costs one path.
    """
    if root is None or root.hash is not None:
        return
    leaves: list[_Leaf] = []
    branches: list[_Branch] = []
    levels: list[int] = []

    def visit(node) -> int:
        # Level of a dirty inner node: 1 + the highest level among its dirty inner children
        # (0 when all its children are clean, empty or leaves); -1 for anything else.
        if node is None or node.hash is not None:
            return -1
        if type(node) is _Leaf:
            leaves.append(node)
            return -1
        lv = max(visit(node.left), visit(node.right)) + 1
        branches.append(node)
        levels.append(lv)
        return lv

    visit(root)
    m, n = len(leaves), len(branches)
    # Digest buffer rows: 0 = empty subtree, 1..m dirty leaves, then the dirty inner nodes (in
    # post-order), then the digests of clean children they read.
    slot_of = {id(lf): 1 + i for i, lf in enumerate(leaves)}
    for i, b in enumerate(branches):
        slot_of[id(b)] = 1 + m + i
    base = 1 + m + n
    known: list[bytes] = []
    lefts: list[int] = []
    rights: list[int] = []
    for b in branches:
        for child, side in ((b.left, lefts), (b.right, rights)):
            if child is None:
                side.append(0)
            elif child.hash is None:
                side.append(slot_of[id(child)])
            else:
                side.append(base + len(known))
                known.append(child.hash)
    _hash_nodes(leaves, branches, lefts, rights, levels, known)


def _hash_nodes(leaves: list[_Leaf], branches: list[_Branch], lefts: list[int], rights: list[int],
                levels: list[int], known: list[bytes]) -> None:
    """Hash the given nodes in one batched pass and store their digests on them.

    Digests live on nodes as 32 bytes (8 little-endian uint32): a third of the memory of a tuple
    of ints, and cheap to move in and out of numpy.

    Buffer rows: 0 = empty subtree, ``1 + i`` = ``leaves[i]``, ``1 + m + i`` = ``branches[i]``,
    then ``known`` (digests of clean children).  ``lefts``/``rights`` are the children's rows;
    ``branches`` is ordered children-first and ``levels`` groups it into independent layers.
    """
    m, n = len(leaves), len(branches)
    base = 1 + m + n
    buf = np.zeros((base + len(known), DIGEST_SIZE), dtype=np.uint64)
    if known:
        buf[base:] = np.frombuffer(b"".join(known), dtype="<u4").reshape(-1, DIGEST_SIZE)
    keys = np.array([lf.key for lf in leaves], dtype=np.uint64).reshape(m, DIGEST_SIZE)
    limbs = np.frombuffer(
        b"".join(lf.value.to_bytes(32, "little") for lf in leaves), dtype="<u2"
    ).reshape(m, 16).astype(np.uint64)
    outs = np.arange(1 + m, base, dtype=np.int64)
    lefts_a = np.array(lefts, dtype=np.int64)
    rights_a = np.array(rights, dtype=np.int64)
    if m + n < _BULK_MIN_NODES:
        _tree_hash_serial(buf, keys, limbs, outs, lefts_a, rights_a)
    else:
        # Large batches: the SIMD lane kernels, leaves in two sponge calls, then one
        # compress_many per layer of inner nodes (each layer reads only earlier layers).
        if m:
            vd = hash_elements_many(limbs, DOMAIN_VALUE)
            buf[1:1 + m] = hash_elements_many(np.hstack([keys, vd]), DOMAIN_LEAF)
        if n:
            lv = np.array(levels, dtype=np.int64)
            order = np.argsort(lv, kind="stable")
            starts = np.searchsorted(lv[order], np.arange(int(lv.max()) + 2))
            for a, b in zip(starts[:-1], starts[1:]):
                sel = order[a:b]
                buf[outs[sel]] = compress_many(buf[lefts_a[sel]], buf[rights_a[sel]])
    raw = buf[1:base].astype("<u4").tobytes()
    for i, node in enumerate(leaves):
        node.hash = raw[32 * i: 32 * i + 32]
    off = 32 * m
    for i, node in enumerate(branches):
        node.hash = raw[off + 32 * i: off + 32 * i + 32]


_BIT_REVERSE = bytes(int(f"{b:08b}"[::-1], 2) for b in range(256))


def _bulk_build(entries: list[tuple[Key, int]]):
    """The canonical tree of distinct (key, non-zero value) pairs, built directly and hashed.

    Sorting by the bit-reversed path puts the keys in tree order (path bit 0 most significant),
    so every subtree is a contiguous run; a run's keys share the path bits up to the longest
    common prefix of its first and last key, and it splits where that next bit turns to 1.
    """
    n = len(entries)
    if n == 0:
        return None
    paths = [key_path(k) for k, _ in entries]
    # Bit-reverse the 248-bit paths: little-endian bytes, each byte's bits reversed, read big-endian.
    nbytes = KEY_BITS // 8
    revs = [int.from_bytes(p.to_bytes(nbytes, "little").translate(_BIT_REVERSE), "big") for p in paths]
    order = sorted(range(n), key=revs.__getitem__)
    revs = [revs[i] for i in order]
    leaves = [_Leaf(entries[i][0], paths[i], entries[i][1]) for i in order]
    branches: list[_Branch] = []
    lefts: list[int] = []
    rights: list[int] = []
    levels: list[int] = []

    def add(left, right, lslot: int, rslot: int, level: int) -> tuple[_Branch, int]:
        node = _Branch(left, right)
        branches.append(node)
        lefts.append(lslot)
        rights.append(rslot)
        levels.append(level)
        return node, 1 + n + len(branches) - 1

    def build(lo: int, hi: int, depth: int):
        # -> (node, buffer row, level) of the subtree at `depth` over leaves[lo:hi]
        if hi - lo == 1:
            return leaves[lo], 1 + lo, -1
        split = KEY_BITS - (revs[lo] ^ revs[hi - 1]).bit_length()  # first differing path bit
        shift = KEY_BITS - 1 - split
        mid = bisect_left(revs, ((revs[lo] >> shift) | 1) << shift, lo, hi)
        left, lslot, llv = build(lo, mid, split + 1)
        right, rslot, rlv = build(mid, hi, split + 1)
        level = max(llv, rlv) + 1
        node, slot = add(left, right, lslot, rslot, level)
        path = leaves[lo].path
        for d in range(split - 1, depth - 1, -1):  # single-child chain above the split
            level += 1
            if (path >> d) & 1:
                node, slot = add(None, node, 0, slot, level)
            else:
                node, slot = add(node, None, slot, 0, level)
        return node, slot, level

    if n == 1:
        root = leaves[0]
    else:
        root = build(0, n, 0)[0]
    _hash_nodes(leaves, branches, lefts, rights, levels, [])
    return root


# ---------------------------------------------------------------------------------------------
# Proofs
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class MerkleProof:
    """What lies on a key's path: the siblings, and what the path ends at.

    ``siblings[d]`` is the digest of the sibling of the path node at depth ``d + 1`` (the child
    of the depth-``d`` node that the path does not take), from the root down.  The path ends at
    depth ``len(siblings)`` in

    * the key's own leaf: ``leaf_key == key``, ``leaf_value`` its value (membership);
    * another key's leaf that occupies this prefix: ``leaf_key != key`` (absence);
    * an empty subtree: ``leaf_key is None`` and ``leaf_value == 0`` (absence).
    """

    siblings: tuple[Digest, ...]
    leaf_key: Key | None
    leaf_value: int

    @property
    def depth(self) -> int:
        """Depth of the node the path ends at (= number of hashes from it to the root)."""
        return len(self.siblings)

    def terminal_digest(self) -> Digest:
        """Digest of the node the path ends at."""
        if self.leaf_key is None:
            return ZERO_DIGEST
        return leaf_hash(self.leaf_key, self.leaf_value)


def _digest_ok(d) -> bool:
    return (isinstance(d, tuple) and len(d) == DIGEST_SIZE
            and all(isinstance(x, int) and 0 <= x < P for x in d))


def _low_bits(x: int, n: int) -> int:
    return x & ((1 << n) - 1)


def verify_proof(root: Digest, key: Key, value: int, proof: MerkleProof) -> bool:
    """Does ``proof`` show that ``key`` holds ``value`` under ``root``?  (value 0 = absent.)

    Needs no tree.  Returns False (never raises) on any malformed input.
    """
    try:
        key = check_key(key)
        root = tuple(int(x) for x in root)
        value = int(value)
    except (TypeError, ValueError):
        return False
    if not _digest_ok(root) or not 0 <= value < _WORD_MAX or not isinstance(proof, MerkleProof):
        return False
    siblings = proof.siblings
    if not isinstance(siblings, tuple) or len(siblings) > KEY_BITS:
        return False
    if not all(_digest_ok(s) for s in siblings):
        return False
    depth = len(siblings)
    path = key_path(key)
    leaf_key, leaf_value = proof.leaf_key, proof.leaf_value
    if not isinstance(leaf_value, int) or not 0 <= leaf_value < _WORD_MAX:
        return False
    if leaf_key is None:
        if value != 0 or leaf_value != 0:
            return False
        start = ZERO_DIGEST
    else:
        try:
            leaf_key = check_key(leaf_key)
        except ValueError:
            return False
        if value != 0:
            if leaf_key != key or leaf_value != value:
                return False
        else:
            # Absence through another leaf: it must occupy this very prefix of the key's path,
            # and stored leaves are never 0.
            if leaf_key == key or leaf_value == 0:
                return False
            if _low_bits(key_path(leaf_key), depth) != _low_bits(path, depth):
                return False
        start = leaf_hash(leaf_key, leaf_value)
    is_right = np.array([(path >> d) & 1 for d in range(depth)], dtype=np.bool_)
    sib = np.array(siblings, dtype=np.uint64).reshape(depth, DIGEST_SIZE)
    return fold_path(start, sib, is_right) == root


@dataclass(frozen=True)
class UpdateWitness:
    """One write to the tree, in the form a state circuit replays.

    ``old_proof`` proves ``key ↦ old_value`` under ``old_root`` and ``new_proof`` proves
    ``key ↦ new_value`` under ``new_root`` (value 0 = absent).  The two paths agree on every
    sibling they share; only the node at the end of the path and, when a leaf is split off or
    collapses, the chain below it differ.  :func:`verify_update` checks exactly that, which is
    what ties the new root to the old one: nothing else in the tree changed.
    """

    key: Key
    old_value: int
    new_value: int
    old_root: Digest
    new_root: Digest
    old_proof: MerkleProof
    new_proof: MerkleProof


def verify_update(w: UpdateWitness) -> bool:
    """Check that ``w.new_root`` is ``w.old_root`` with only ``key`` set to ``new_value``.

    Rules (``a`` = old proof, ``b`` = new proof, S/L = the shorter/longer of the two):

    1. ``a`` verifies under ``old_root`` for ``old_value``, ``b`` under ``new_root`` for ``new_value``.
    2. The siblings of S equal the first ``len(S)`` siblings of L (the rest of the tree is kept).
    3. Same length: the path end changed in place (value change, insert into an empty slot,
       delete without collapse); if neither proof ends at ``key``'s own leaf they are identical.
    4. ``b`` longer (insert beside another leaf K'): ``a`` ends at K', ``b`` at ``key``; the extra
       siblings are empty except the last, which is K''s leaf digest, and K' takes the other
       branch exactly there (its path agrees with ``key`` above that depth and differs at it).
    5. ``a`` longer (delete, K' moves up): the mirror image of 4 with old and new swapped, and
       K' stops at the first depth whose sibling is not empty (the canonical form).

    A sibling is only a digest, so rule 3 cannot tell whether the sibling of a slot emptied by
    a delete is a lone leaf that should have moved up; a circuit that must enforce the canonical
    shape there also opens that sibling (leaf preimage or inner node).
    """
    try:
        if not (verify_proof(w.old_root, w.key, w.old_value, w.old_proof)
                and verify_proof(w.new_root, w.key, w.new_value, w.new_proof)):
            return False
    except (AttributeError, TypeError):
        return False
    key = check_key(w.key)
    a, b = w.old_proof, w.new_proof
    if len(a.siblings) == len(b.siblings):
        if a.siblings != b.siblings:
            return False
        if a.leaf_key != key and b.leaf_key != key:
            return a == b
        # One end is key's own leaf; the other is key's leaf too or an empty slot, never K'.
        return all(p.leaf_key in (None, key) for p in (a, b))
    if len(b.siblings) > len(a.siblings):
        short, long_, long_value = a, b, w.new_value
    else:
        short, long_, long_value = b, a, w.old_value
    # The longer proof ends at key's own leaf; the shorter at the other leaf K'.
    if long_value == 0 or long_.leaf_key != key:
        return False
    if short.leaf_key is None or short.leaf_key == key:
        return False
    top, bottom = len(short.siblings), len(long_.siblings)
    if long_.siblings[:top] != short.siblings:
        return False
    if any(d != ZERO_DIGEST for d in long_.siblings[top:bottom - 1]):
        return False
    if long_.siblings[bottom - 1] != leaf_hash(short.leaf_key, short.leaf_value):
        return False
    path, other = key_path(key), key_path(short.leaf_key)
    if _low_bits(path ^ other, bottom) != 1 << (bottom - 1):
        return False
    # K' at depth `top` is canonical only if its sibling there is non-empty (or it is the root).
    return top == 0 or short.siblings[top - 1] != ZERO_DIGEST


# ---------------------------------------------------------------------------------------------
# The tree
# ---------------------------------------------------------------------------------------------

class StateTree:
    """The rollup state: a compressed sparse Merkle tree of 256-bit values under 8-element keys."""

    __slots__ = ("_root", "_size")

    def __init__(self, items: Iterable[tuple[Key, int]] = ()) -> None:
        self._root = None
        self._size = 0
        for key, value in items:
            self.set(key, value)

    @classmethod
    def from_items(cls, items: Iterable[tuple[Key, int]]) -> StateTree:
        """Bulk load: the tree of these pairs (a later pair for the same key wins; 0 = absent).

        Builds the canonical shape directly from the sorted keys and hashes every node in one
        batched pass, much faster than one :meth:`set` per pair.
        """
        latest: dict[Key, int] = {}
        for key, value in items:
            latest[check_key(key)] = _check_value(value)
        entries = [(k, v) for k, v in latest.items() if v]
        tree = cls()
        tree._root = _bulk_build(entries)
        tree._size = len(entries)
        return tree

    def copy(self) -> StateTree:
        """An independent tree with the same contents, in O(1): nodes are immutable and shared."""
        other = StateTree.__new__(StateTree)
        other._root = self._root
        other._size = self._size
        return other

    def __len__(self) -> int:
        """Number of keys present (non-zero values)."""
        return self._size

    # -- reading ------------------------------------------------------------------------------

    def _find(self, key: Key, path: int):
        """(node the path ends at, its depth, siblings on the way down)."""
        node, depth, siblings = self._root, 0, []
        while type(node) is _Branch:
            if (path >> depth) & 1:
                siblings.append(node.left)
                node = node.right
            else:
                siblings.append(node.right)
                node = node.left
            depth += 1
        return node, depth, siblings

    def get(self, key: Key) -> int:
        """The value under ``key`` (0 if absent)."""
        key = check_key(key)
        node, _, _ = self._find(key, key_path(key))
        if node is not None and node.key == key:
            return node.value
        return 0

    def items(self) -> Iterator[tuple[Key, int]]:
        """Every (key, value) present, in path order (left subtree first)."""
        stack = [self._root]
        while stack:
            node = stack.pop()
            if node is None:
                continue
            if type(node) is _Leaf:
                yield node.key, node.value
            else:
                stack.append(node.right)
                stack.append(node.left)

    @property
    def root(self) -> Digest:
        """The root digest (8 elements); ``ZERO_DIGEST`` for the empty tree."""
        _hash_dirty(self._root)
        return _node_digest(self._root)

    @property
    def root_hex(self) -> str:
        """The root as ``0x`` + 8 × 8 hex digits (each element big-endian, element 0 first)."""
        return digest_hex(self.root)

    def prove(self, key: Key) -> MerkleProof:
        """Membership proof of ``key`` if present, else a proof of its absence."""
        key = check_key(key)
        _hash_dirty(self._root)
        node, _, siblings = self._find(key, key_path(key))
        sibs = tuple(_node_digest(s) for s in siblings)
        if node is None:
            return MerkleProof(sibs, None, 0)
        return MerkleProof(sibs, node.key, node.value)

    def depth_of(self, key: Key) -> int:
        """Length of ``key``'s path: the depth where its leaf (or the absence witness) sits."""
        key = check_key(key)
        return self._find(key, key_path(key))[1]

    def leaf_depths(self) -> list[int]:
        """Depth of every leaf (for measuring path lengths)."""
        out: list[int] = []
        stack = [(self._root, 0)]
        while stack:
            node, depth = stack.pop()
            if node is None:
                continue
            if type(node) is _Leaf:
                out.append(depth)
            else:
                stack.append((node.left, depth + 1))
                stack.append((node.right, depth + 1))
        return out

    # -- writing ------------------------------------------------------------------------------

    def set(self, key: Key, value: int) -> None:
        """Store ``value`` under ``key``; 0 deletes.  Copies one path; hashing waits for a read."""
        key = check_key(key)
        value = _check_value(value)
        path = key_path(key)
        stack: list[tuple[_Branch, int]] = []
        node, depth = self._root, 0
        while type(node) is _Branch:
            bit = (path >> depth) & 1
            stack.append((node, bit))
            node = node.right if bit else node.left
            depth += 1
        if node is None:
            if value == 0:
                return
            new = _Leaf(key, path, value)
            self._size += 1
        elif node.key == key:
            if node.value == value:
                return
            if value == 0:
                new = None
                self._size -= 1
            else:
                new = _Leaf(key, path, value)
        else:
            if value == 0:
                return
            new = _split(node, _Leaf(key, path, value), depth)
            self._size += 1
        for branch, bit in reversed(stack):
            new = _join(branch.left, new) if bit else _join(new, branch.right)
        self._root = new

    def update(self, key: Key, value: int) -> UpdateWitness:
        """:meth:`set` that also returns the :class:`UpdateWitness` of the write."""
        key = check_key(key)
        old_proof = self.prove(key)
        old_root = _node_digest(self._root)
        old_value = old_proof.leaf_value if old_proof.leaf_key == key else 0
        self.set(key, value)
        new_proof = self.prove(key)
        return UpdateWitness(
            key=key, old_value=old_value, new_value=int(value), old_root=old_root,
            new_root=_node_digest(self._root), old_proof=old_proof, new_proof=new_proof,
        )

    # -- accounts -----------------------------------------------------------------------------

    def set_account(self, address: bytes | str, nonce: int, balance: int, code_hash: bytes) -> None:
        """Write the three account leaves; ``code_hash`` is 32 bytes, stored as a big-endian int."""
        if not isinstance(code_hash, (bytes, bytearray)) or len(code_hash) != 32:
            raise ValueError("code_hash is 32 bytes")
        self.set(account_key(address, Kind.NONCE), nonce)
        self.set(account_key(address, Kind.BALANCE), balance)
        self.set(account_key(address, Kind.CODE_HASH), int.from_bytes(code_hash, "big"))

    def get_account(self, address: bytes | str) -> tuple[int, int, bytes]:
        """(nonce, balance, code_hash) of an account; zeros for one never written."""
        return (
            self.get(account_key(address, Kind.NONCE)),
            self.get(account_key(address, Kind.BALANCE)),
            self.get(account_key(address, Kind.CODE_HASH)).to_bytes(32, "big"),
        )

    def set_storage(self, address: bytes | str, slot: int, value: int) -> None:
        """Write storage slot ``slot`` of ``address`` (0 deletes)."""
        self.set(storage_key(address, slot), value)

    def get_storage(self, address: bytes | str, slot: int) -> int:
        """Storage slot ``slot`` of ``address`` (0 if never written)."""
        return self.get(storage_key(address, slot))
