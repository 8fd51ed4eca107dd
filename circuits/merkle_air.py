"""Merkle paths of the state tree in the trace: membership proofs and chains of leaf updates.

The state tree (``l2.state.tree``) hashes an inner node as ``compress(left, right) =
permute(left ‖ right)[:8]``, and a key's path bits say at each depth whether the path goes right.
Here each level of a path is one row holding one :class:`~circuits.poseidon2_air.Poseidon2Group`:
its input is (left ‖ right) and the first 8 output elements are the parent.  The path's own node
is the half the direction bit picks, the sibling is the other half::

    node = left + bit · (right − left)          sibling = left + right − node

so no sibling column is needed: siblings are the private half of each permutation's input.

Rows, bottom-up: a path of depth D takes rows base … base + D − 1, the first hashing the leaf with
the deepest sibling, the last producing the root.  Per-row columns beside the group(s)::

    bit     direction at this level (1: the path node is the right child)
    cont    1 if the next row is the next level of the same path (0 on a path's root row)
    start   1 on a path's first (leaf) row
    idx     row counter: idx' = idx + 1 (distinct on every row; where it starts does not matter)
    mult    1 on the rows of a path, 0 on padding rows

Chaining inside a path is ``cont · (node' − output[:8]) = 0``.  Everything the verifier knows per
row — the bits, where each path starts and ends, its leaf and its root — reaches the trace through
one :class:`~circuits.poseidon2_air.PublicBus` whose tuples carry the row counter: the verifier
recomputes the LogUp sum over the public rows, which pins ``bit``, ``cont`` and ``start`` on every
path row and forces ``mult = 0`` elsewhere (an unlisted counter value cannot match).  This costs
the verifier one fingerprint per path level, as reading the bits does anyway, and the prover a
constant number of boundary constraints however many paths there are.

:class:`MerklePathAir` proves a batch of memberships (root, leaf, bits) — the bus tuple carries the
leaf on start rows and the root on end rows.  :class:`MerkleUpdateAir` proves a chain of leaf
updates: each row holds two groups, the old path and the new path, sharing the bit and the
sibling, and a root register carries the state root from a public ``old_root`` through every
update to a public ``new_root``::

    end row of update i (e = mult·(1 − cont)):   old output[:8] = R       R' = new output[:8]
    every other row:                             R' = R

Coverage of state-tree writes: every update whose old and new proofs have the same siblings —
changing the value of an existing key, inserting into an empty slot, deleting a key whose slot
stays (its sibling is an inner node).  Shape changes are not covered: an insert that splits a leaf
(the new path is longer, its extra siblings are empty digests and the old leaf) and a delete that
collapses a lone sibling leaf upward (the mirror image); nor is a path of depth 0 (a tree of one
key, whose root is its leaf).  Leaf digests are public inputs here: hashing key and value into the
leaf, and deriving the path bits from the key inside the circuit, belong to the state circuit that
embeds these groups.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from circuits.air import Air, Assertion
from circuits.field import P
from circuits.poseidon2 import DIGEST_SIZE, compress_many
from circuits.poseidon2_air import (
    GROUP_CONSTRAINTS,
    GROUP_WIDTH,
    OUTPUT_OFFSET,
    Poseidon2Group,
    PublicBus,
    group_witness,
    row_columns,
    tuple_matrix,
)

__all__ = [
    "Digest", "key_path_bits", "PathClaim", "MerklePathInputs", "MerklePathAir", "merkle_path_trace",
    "LeafUpdate", "MerkleUpdateInputs", "MerkleUpdateAir", "merkle_update_trace",
]

Digest = tuple[int, ...]
"""8 canonical field elements."""

_ELEMENT_BITS = 31
_MAX_DEPTH = _ELEMENT_BITS * DIGEST_SIZE  # 248: the deepest a state-tree leaf can sit


def key_path_bits(key: Sequence[int], depth: int) -> tuple[int, ...]:
    """The first ``depth`` path bits of a state-tree key (root first).

    The path is ``key[0] + key[1]·2^31 + … + key[7]·2^217`` and bit d is the direction at depth d,
    as in ``l2.state.keys.key_path``.
    """
    key = _digest(key, "key")
    if not 0 <= depth <= _MAX_DEPTH:
        raise ValueError(f"a path has 0 … {_MAX_DEPTH} levels, got {depth}")
    path = 0
    for i, k in enumerate(key):
        path |= k << (_ELEMENT_BITS * i)
    return tuple((path >> d) & 1 for d in range(depth))


def _digest(d, name: str) -> Digest:
    try:
        out = tuple(int(x) for x in d)
    except TypeError as exc:
        raise ValueError(f"{name} is a sequence of {DIGEST_SIZE} field elements") from exc
    if len(out) != DIGEST_SIZE or any(not 0 <= x < P for x in out):
        raise ValueError(f"{name} is {DIGEST_SIZE} canonical BabyBear elements")
    return out


def _bits(bits, name: str = "bits") -> tuple[int, ...]:
    out = tuple(int(b) for b in bits)
    if not 1 <= len(out) <= _MAX_DEPTH or any(b not in (0, 1) for b in out):
        raise ValueError(f"{name}: 1 … {_MAX_DEPTH} direction bits, each 0 or 1")
    return out


def _pack_digest(d: Digest) -> bytes:
    return struct.pack("<8I", *d)


def _pack_bits(bits: tuple[int, ...]) -> bytes:
    return struct.pack("<H", len(bits)) + bytes(bits)


# ---------------------------------------------------------------------------------------------
# Shared row logic
# ---------------------------------------------------------------------------------------------

def _select(bit, left: Sequence, right: Sequence) -> list:
    """left + bit·(right − left), element-wise: the path node the bit picks."""
    return [lft + bit * (rgt - lft) for lft, rgt in zip(left, right)]


def _row_indices(depths: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
    """(path index, level k counted from the leaf) of every path row, in row order."""
    depths = np.asarray(depths, dtype=np.int64)
    claim = np.repeat(np.arange(depths.size), depths)
    starts = np.concatenate([[0], np.cumsum(depths)[:-1]]).astype(np.int64)
    level = np.arange(claim.size, dtype=np.int64) - np.repeat(starts, depths)
    return claim, level


def _row_bits(bits: Sequence[tuple[int, ...]]) -> np.ndarray:
    """The direction bit of every path row: level k of a path of depth D uses bit D − 1 − k."""
    return np.concatenate([np.asarray(b[::-1], dtype=np.uint64) for b in bits])


def _trace_length(active: int, min_rows: int) -> int:
    return max(min_rows, 1 << active.bit_length())  # > active: the last row is never on the bus


def _fold_levels(leaves: np.ndarray, bits: list[tuple[int, ...]], siblings: list[np.ndarray]
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Permutation inputs (rows, 16) and path nodes (rows, 8) of every path, level by level.

    One ``compress_many`` per level over all paths that reach it (the loop runs over levels).
    """
    depths = [len(b) for b in bits]
    rows = sum(depths)
    starts = np.concatenate([[0], np.cumsum(depths)[:-1]]).astype(np.int64)
    bit = _row_bits(bits)
    # row base + k uses sibling D − 1 − k (siblings are listed root first)
    sib = np.concatenate([s[::-1] for s in siblings]).reshape(rows, DIGEST_SIZE)
    node = np.empty((rows, DIGEST_SIZE), dtype=np.uint64)
    inputs = np.empty((rows, 2 * DIGEST_SIZE), dtype=np.uint64)
    current = leaves.copy()
    for k in range(max(depths)):
        live = np.nonzero(np.asarray(depths) > k)[0]
        r = starts[live] + k
        node[r] = current[live]
        right = bit[r].astype(bool)[:, None]
        inputs[r, :DIGEST_SIZE] = np.where(right, sib[r], node[r])
        inputs[r, DIGEST_SIZE:] = np.where(right, node[r], sib[r])
        current[live] = compress_many(inputs[r, :DIGEST_SIZE], inputs[r, DIGEST_SIZE:])
    return inputs, node


def _check_siblings(siblings: Sequence, depths: Sequence[int]) -> list[np.ndarray]:
    out = []
    for s, depth in zip(siblings, depths, strict=True):
        arr = np.asarray(s, dtype=np.uint64).reshape(-1, DIGEST_SIZE)
        if arr.shape[0] != depth:
            raise ValueError(f"a path of depth {depth} needs {depth} siblings, got {arr.shape[0]}")
        if arr.size and int(arr.max()) >= P:
            raise ValueError("siblings hold values that are not canonical BabyBear elements")
        out.append(arr)
    return out


# ---------------------------------------------------------------------------------------------
# Membership: a batch of (root, leaf, bits) claims
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class PathClaim:
    """``leaf`` folded up its path with direction ``bits`` (root first) gives ``root``."""

    root: Digest
    leaf: Digest
    bits: tuple[int, ...]

    def __post_init__(self):
        object.__setattr__(self, "root", _digest(self.root, "root"))
        object.__setattr__(self, "leaf", _digest(self.leaf, "leaf"))
        object.__setattr__(self, "bits", _bits(self.bits))

    @classmethod
    def for_key(cls, root: Sequence[int], leaf: Sequence[int], key: Sequence[int], depth: int) -> PathClaim:
        """The claim that a state-tree key's path of ``depth`` levels ends at ``leaf`` under ``root``."""
        return cls(root, leaf, key_path_bits(key, depth))

    @property
    def depth(self) -> int:
        return len(self.bits)


@dataclass(frozen=True)
class MerklePathInputs:
    claims: tuple[PathClaim, ...]

    def __post_init__(self):
        object.__setattr__(self, "claims", tuple(self.claims))
        if not self.claims:
            raise ValueError("at least one path")

    @property
    def rows(self) -> int:
        return sum(c.depth for c in self.claims)


# Column layout of MerklePathAir:
#
#     0            298      306   307    308     309   310   311
#     | Poseidon2  | node   | bit | cont | start | idx | mult |
#     | (left‖right → parent = output[:8])

P_GROUP = Poseidon2Group(0)
P_NODE = GROUP_WIDTH
P_BIT = P_NODE + DIGEST_SIZE
P_CONT = P_BIT + 1
P_START = P_CONT + 1
P_IDX = P_START + 1
P_MULT = P_IDX + 1
P_WIDTH = P_MULT + 1


class MerklePathAir(Air):
    """Proves each claim's leaf, folded with private siblings along its public bits, gives its root.

    Public inputs: :class:`MerklePathInputs`.  Bus tuple of a row (arity 20)::

        (idx, bit, cont, start, start·node[0..8], (1 − cont)·output[0..8])

    and of path level k (bottom-up) of a claim: its row number, the bit at depth D − 1 − k, cont =
    [k < D − 1], start = [k = 0], the leaf where k = 0 and the root where k = D − 1 (zeros elsewhere).
    """

    name = "merkle-path"
    width = P_WIDTH
    aux_width = PublicBus.aux_width
    num_challenges = PublicBus.num_challenges

    def __init__(self):
        self.group = P_GROUP
        self.bus = PublicBus(4 + 2 * DIGEST_SIZE, "path bus")

    def public_inputs_bytes(self, pi: MerklePathInputs) -> bytes:
        out = [struct.pack("<I", len(pi.claims))]
        for c in pi.claims:
            out += [_pack_digest(c.root), _pack_digest(c.leaf), _pack_bits(c.bits)]
        return b"".join(out)

    def security_loss_bits(self, trace_length: int) -> float:
        return self.bus.security_loss_bits(trace_length)

    # ---- main ----------------------------------------------------------------------------------
    def transition_names(self):
        return (self.group.constraint_names()
                + [f"node[{j}] = select(bit, left, right)[{j}]" for j in range(DIGEST_SIZE)]
                + [f"cont·(node'[{j}] − parent[{j}]) = 0" for j in range(DIGEST_SIZE)]
                + ["idx' = idx + 1"])

    def transition_degrees(self):
        return self.group.constraint_degrees() + [2] * DIGEST_SIZE + [2] * DIGEST_SIZE + [1]

    def cyclic_transitions(self):
        return frozenset(range(GROUP_CONSTRAINTS + DIGEST_SIZE))  # the single-row ones

    def evaluate_transition(self, cur, nxt, pi):
        g = self.group
        inp, out = g.inputs(cur), g.outputs(cur)
        node = cur[P_NODE:P_NODE + DIGEST_SIZE]
        sel = _select(cur[P_BIT], inp[:DIGEST_SIZE], inp[DIGEST_SIZE:])
        nxt_node = nxt[P_NODE:P_NODE + DIGEST_SIZE]
        return (g.constraints(cur)
                + [node[j] - sel[j] for j in range(DIGEST_SIZE)]                        # node = pick(bit)
                + [cur[P_CONT] * (nxt_node[j] - out[j]) for j in range(DIGEST_SIZE)]    # node' = parent
                + [nxt[P_IDX] - cur[P_IDX] - 1])

    def assertions(self, pi, n):
        return []

    # ---- bus -----------------------------------------------------------------------------------
    def _bus_values(self, row: Sequence) -> list:
        start, cont = row[P_START], row[P_CONT]
        node = row[P_NODE:P_NODE + DIGEST_SIZE]
        out = self.group.outputs(row)[:DIGEST_SIZE]
        return ([row[P_IDX], row[P_BIT], cont, start]
                + [start * x for x in node]
                + [(1 - cont) * x for x in out])

    def public_tuples(self, pi: MerklePathInputs) -> np.ndarray:
        """The bus tuple of every path row, as the verifier derives it from the public inputs."""
        depths = [c.depth for c in pi.claims]
        claim, level = _row_indices(depths)
        rows = claim.size
        t = np.zeros((rows, self.bus.arity), dtype=np.uint64)
        depth = np.asarray(depths, dtype=np.int64)[claim]
        t[:, 0] = np.arange(rows)
        t[:, 1] = _row_bits([c.bits for c in pi.claims])
        t[:, 2] = level < depth - 1
        t[:, 3] = level == 0
        leaves = np.array([c.leaf for c in pi.claims], dtype=np.uint64)
        roots = np.array([c.root for c in pi.claims], dtype=np.uint64)
        first, last = level == 0, level == depth - 1
        t[first, 4:4 + DIGEST_SIZE] = leaves[claim[first]]
        t[last, 4 + DIGEST_SIZE:] = roots[claim[last]]
        return t

    def aux_transition_names(self):
        return self.bus.names()

    def aux_transition_degrees(self):
        return self.bus.degrees(2)

    def cyclic_aux_transitions(self):
        return self.bus.cyclic()

    def evaluate_aux_transition(self, cur, nxt, aux_cur, aux_nxt, challenges, pi):
        return self.bus.constraints(self._bus_values(cur), cur[P_MULT], aux_cur, aux_nxt, challenges)

    def build_aux_trace(self, main, challenges, pi):
        cols = [P_IDX, P_BIT, P_CONT, P_START, *range(P_NODE, P_NODE + DIGEST_SIZE),
                *self.group.output_columns[:DIGEST_SIZE]]
        values = self._bus_values(row_columns(main, cols))
        return self.bus.build(tuple_matrix(values, main.shape[0]), main[:, P_MULT], challenges)

    def aux_assertions(self, challenges, pi, n):
        return self.bus.assertions(self.bus.public_sum(self.public_tuples(pi), challenges), n)


def merkle_path_trace(claims: Sequence[PathClaim], siblings: Sequence, min_rows: int = 8
                      ) -> tuple[np.ndarray, MerklePathInputs]:
    """Trace of :class:`MerklePathAir` for ``claims``, with ``siblings[i]`` the (D_i, 8) siblings of
    claim i listed root first (``MerkleProof.siblings``'s order).

    The rows follow the leaves, siblings and bits; whether they reach the claimed roots is the
    prover's check.
    """
    pi = MerklePathInputs(tuple(claims))
    depths = [c.depth for c in pi.claims]
    sibs = _check_siblings(siblings, depths)
    leaves = np.array([c.leaf for c in pi.claims], dtype=np.uint64)
    inputs, node = _fold_levels(leaves, [c.bits for c in pi.claims], sibs)
    rows = inputs.shape[0]
    n = _trace_length(rows, min_rows)
    claim, level = _row_indices(depths)
    depth = np.asarray(depths, dtype=np.int64)[claim]
    trace = np.zeros((n, P_WIDTH), dtype=np.uint64)
    states = np.zeros((n, 2 * DIGEST_SIZE), dtype=np.uint64)
    states[:rows] = inputs
    trace[:, :GROUP_WIDTH] = group_witness(states)
    trace[:rows, P_NODE:P_NODE + DIGEST_SIZE] = node
    trace[:rows, P_BIT] = _row_bits([c.bits for c in pi.claims])
    trace[:rows, P_CONT] = level < depth - 1
    trace[:rows, P_START] = level == 0
    trace[:, P_IDX] = np.arange(n)
    trace[:rows, P_MULT] = 1
    return trace, pi


# ---------------------------------------------------------------------------------------------
# A chain of leaf updates
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class LeafUpdate:
    """The leaf at the end of a path changes from ``old_leaf`` to ``new_leaf``; siblings are kept.

    An empty slot is the all-zero digest (insert: old is zero; delete: new is zero).
    """

    bits: tuple[int, ...]
    old_leaf: Digest
    new_leaf: Digest

    def __post_init__(self):
        object.__setattr__(self, "bits", _bits(self.bits))
        object.__setattr__(self, "old_leaf", _digest(self.old_leaf, "old_leaf"))
        object.__setattr__(self, "new_leaf", _digest(self.new_leaf, "new_leaf"))

    @classmethod
    def for_key(cls, key: Sequence[int], depth: int, old_leaf: Sequence[int], new_leaf: Sequence[int]
                ) -> LeafUpdate:
        return cls(key_path_bits(key, depth), old_leaf, new_leaf)

    @property
    def depth(self) -> int:
        return len(self.bits)


@dataclass(frozen=True)
class MerkleUpdateInputs:
    """Applying ``updates`` in order to the tree with root ``old_root`` gives ``new_root``."""

    old_root: Digest
    new_root: Digest
    updates: tuple[LeafUpdate, ...]

    def __post_init__(self):
        object.__setattr__(self, "old_root", _digest(self.old_root, "old_root"))
        object.__setattr__(self, "new_root", _digest(self.new_root, "new_root"))
        object.__setattr__(self, "updates", tuple(self.updates))
        if not self.updates:
            raise ValueError("at least one update")

    @property
    def rows(self) -> int:
        return sum(u.depth for u in self.updates)


# Column layout of MerkleUpdateAir:
#
#     0            298          596        604        612    620   621    622     623   624   625
#     | Poseidon2  | Poseidon2  | old node | new node | root | bit | cont | start | idx | mult |
#     | old path   | new path   |          |          | R    |
#
# Both groups hash (left ‖ right) of their own path; they share the bit and the sibling.

U_OLD = Poseidon2Group(0, "old: ")
U_NEW = Poseidon2Group(GROUP_WIDTH, "new: ")
U_OLD_NODE = 2 * GROUP_WIDTH
U_NEW_NODE = U_OLD_NODE + DIGEST_SIZE
U_ROOT = U_NEW_NODE + DIGEST_SIZE
U_BIT = U_ROOT + DIGEST_SIZE
U_CONT = U_BIT + 1
U_START = U_CONT + 1
U_IDX = U_START + 1
U_MULT = U_IDX + 1
U_WIDTH = U_MULT + 1


class MerkleUpdateAir(Air):
    """Proves ``old_root → new_root`` through a chain of same-shape leaf updates.

    Public inputs: :class:`MerkleUpdateInputs`.  Bus tuple of a row (arity 20)::

        (idx, bit, cont, start, start·old_node[0..8], start·new_node[0..8])

    Roots are not on the bus: the root register R starts at ``old_root``, must equal the old path's
    root at the end of each update, takes the new path's root there, and ends at ``new_root``.
    """

    name = "merkle-update"
    width = U_WIDTH
    aux_width = PublicBus.aux_width
    num_challenges = PublicBus.num_challenges

    def __init__(self):
        self.old, self.new = U_OLD, U_NEW
        self.bus = PublicBus(4 + 2 * DIGEST_SIZE, "update bus")

    def public_inputs_bytes(self, pi: MerkleUpdateInputs) -> bytes:
        out = [_pack_digest(pi.old_root), _pack_digest(pi.new_root), struct.pack("<I", len(pi.updates))]
        for u in pi.updates:
            out += [_pack_digest(u.old_leaf), _pack_digest(u.new_leaf), _pack_bits(u.bits)]
        return b"".join(out)

    def security_loss_bits(self, trace_length: int) -> float:
        return self.bus.security_loss_bits(trace_length)

    # ---- main ----------------------------------------------------------------------------------
    _SINGLE_ROW = 4 * DIGEST_SIZE  # node selects ×2, shared sibling, root check

    def transition_names(self):
        d = range(DIGEST_SIZE)
        return (self.old.constraint_names() + self.new.constraint_names()
                + [f"old node[{j}] = select(bit, left, right)[{j}]" for j in d]
                + [f"new node[{j}] = select(bit, left, right)[{j}]" for j in d]
                + [f"old sibling[{j}] = new sibling[{j}]" for j in d]
                + [f"end·(old root[{j}] − R[{j}]) = 0" for j in d]
                + [f"cont·(old node'[{j}] − old parent[{j}]) = 0" for j in d]
                + [f"cont·(new node'[{j}] − new parent[{j}]) = 0" for j in d]
                + [f"R'[{j}] = R[{j}] + end·(new root[{j}] − R[{j}])" for j in d]
                + ["idx' = idx + 1"])

    def transition_degrees(self):
        k = DIGEST_SIZE
        return (self.old.constraint_degrees() + self.new.constraint_degrees()
                + [2] * k + [2] * k + [1] * k + [3] * k + [2] * k + [2] * k + [3] * k + [1])

    def cyclic_transitions(self):
        return frozenset(range(2 * GROUP_CONSTRAINTS + self._SINGLE_ROW))

    def evaluate_transition(self, cur, nxt, pi):
        k = DIGEST_SIZE
        o_in, n_in = self.old.inputs(cur), self.new.inputs(cur)
        o_out, n_out = self.old.outputs(cur)[:k], self.new.outputs(cur)[:k]
        o_node, n_node = cur[U_OLD_NODE:U_OLD_NODE + k], cur[U_NEW_NODE:U_NEW_NODE + k]
        root, nxt_root = cur[U_ROOT:U_ROOT + k], nxt[U_ROOT:U_ROOT + k]
        bit, cont = cur[U_BIT], cur[U_CONT]
        o_sel = _select(bit, o_in[:k], o_in[k:])
        n_sel = _select(bit, n_in[:k], n_in[k:])
        end = cur[U_MULT] * (1 - cont)  # the root row of an update
        nxt_o, nxt_n = nxt[U_OLD_NODE:U_OLD_NODE + k], nxt[U_NEW_NODE:U_NEW_NODE + k]
        return (self.old.constraints(cur) + self.new.constraints(cur)
                + [o_node[j] - o_sel[j] for j in range(k)]
                + [n_node[j] - n_sel[j] for j in range(k)]
                # sibling = left + right − node, the same in both paths
                + [(o_in[j] + o_in[k + j] - o_node[j]) - (n_in[j] + n_in[k + j] - n_node[j]) for j in range(k)]
                + [end * (o_out[j] - root[j]) for j in range(k)]
                + [cont * (nxt_o[j] - o_out[j]) for j in range(k)]
                + [cont * (nxt_n[j] - n_out[j]) for j in range(k)]
                + [nxt_root[j] - root[j] - end * (n_out[j] - root[j]) for j in range(k)]
                + [nxt[U_IDX] - cur[U_IDX] - 1])

    def assertions(self, pi: MerkleUpdateInputs, n):
        return ([Assertion(U_ROOT + j, 0, pi.old_root[j], f"R[{j}] starts at old_root") for j in range(DIGEST_SIZE)]
                + [Assertion(U_ROOT + j, n - 1, pi.new_root[j], f"R[{j}] ends at new_root")
                   for j in range(DIGEST_SIZE)])

    # ---- bus -----------------------------------------------------------------------------------
    def _bus_values(self, row: Sequence) -> list:
        start = row[U_START]
        return ([row[U_IDX], row[U_BIT], row[U_CONT], start]
                + [start * x for x in row[U_OLD_NODE:U_OLD_NODE + DIGEST_SIZE]]
                + [start * x for x in row[U_NEW_NODE:U_NEW_NODE + DIGEST_SIZE]])

    def public_tuples(self, pi: MerkleUpdateInputs) -> np.ndarray:
        depths = [u.depth for u in pi.updates]
        claim, level = _row_indices(depths)
        rows = claim.size
        depth = np.asarray(depths, dtype=np.int64)[claim]
        t = np.zeros((rows, self.bus.arity), dtype=np.uint64)
        t[:, 0] = np.arange(rows)
        t[:, 1] = _row_bits([u.bits for u in pi.updates])
        t[:, 2] = level < depth - 1
        t[:, 3] = level == 0
        first = level == 0
        t[first, 4:4 + DIGEST_SIZE] = np.array([u.old_leaf for u in pi.updates], dtype=np.uint64)
        t[first, 4 + DIGEST_SIZE:] = np.array([u.new_leaf for u in pi.updates], dtype=np.uint64)
        return t

    def aux_transition_names(self):
        return self.bus.names()

    def aux_transition_degrees(self):
        return self.bus.degrees(2)

    def cyclic_aux_transitions(self):
        return self.bus.cyclic()

    def evaluate_aux_transition(self, cur, nxt, aux_cur, aux_nxt, challenges, pi):
        return self.bus.constraints(self._bus_values(cur), cur[U_MULT], aux_cur, aux_nxt, challenges)

    def build_aux_trace(self, main, challenges, pi):
        cols = [U_IDX, U_BIT, U_CONT, U_START, *range(U_OLD_NODE, U_ROOT)]
        values = self._bus_values(row_columns(main, cols))
        return self.bus.build(tuple_matrix(values, main.shape[0]), main[:, U_MULT], challenges)

    def aux_assertions(self, challenges, pi, n):
        return self.bus.assertions(self.bus.public_sum(self.public_tuples(pi), challenges), n)


def merkle_update_trace(inputs: MerkleUpdateInputs, siblings: Sequence, min_rows: int = 8) -> np.ndarray:
    """Trace of :class:`MerkleUpdateAir`; ``siblings[i]`` are update i's (D_i, 8) siblings, root first.

    The root register follows the public ``old_root`` and then each update's computed new root, so a
    chain that does not connect shows up as a failing root check at the end of the first update
    whose old root differs (and a wrong final root as a failing assertion).
    """
    ups = inputs.updates
    depths = [u.depth for u in ups]
    sibs = _check_siblings(siblings, depths)
    bits = [u.bits for u in ups]
    o_inputs, o_node = _fold_levels(np.array([u.old_leaf for u in ups], dtype=np.uint64), bits, sibs)
    n_inputs, n_node = _fold_levels(np.array([u.new_leaf for u in ups], dtype=np.uint64), bits, sibs)
    rows = o_inputs.shape[0]
    n = _trace_length(rows, min_rows)
    claim, level = _row_indices(depths)
    depth = np.asarray(depths, dtype=np.int64)[claim]
    trace = np.zeros((n, U_WIDTH), dtype=np.uint64)
    states = np.zeros((2 * n, 2 * DIGEST_SIZE), dtype=np.uint64)
    states[:rows] = o_inputs
    states[n:n + rows] = n_inputs
    both = group_witness(states)
    trace[:, U_OLD.offset:U_OLD.offset + GROUP_WIDTH] = both[:n]
    trace[:, U_NEW.offset:U_NEW.offset + GROUP_WIDTH] = both[n:]
    trace[:rows, U_OLD_NODE:U_OLD_NODE + DIGEST_SIZE] = o_node
    trace[:rows, U_NEW_NODE:U_NEW_NODE + DIGEST_SIZE] = n_node
    # Root register: old_root during update 0, then the new root each update computed.
    ends = np.cumsum(depths) - 1
    new_roots = both[n + ends, OUTPUT_OFFSET:OUTPUT_OFFSET + DIGEST_SIZE]
    register = np.vstack([np.array(inputs.old_root, dtype=np.uint64)[None, :], new_roots])
    which = np.searchsorted(ends, np.arange(n), side="left")  # update index owning row r (len(ups) after)
    trace[:, U_ROOT:U_ROOT + DIGEST_SIZE] = register[which]
    trace[:rows, U_BIT] = _row_bits(bits)
    trace[:rows, U_CONT] = level < depth - 1
    trace[:rows, U_START] = level == 0
    trace[:, U_IDX] = np.arange(n)
    trace[:rows, U_MULT] = 1
    return trace
