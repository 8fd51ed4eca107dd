"""Witness generation for the state circuit: a list of reads and writes on a StateTree → its trace.

:func:`state_trace` replays the accesses on a copy of the tree (``StateTree.update`` for writes,
``StateTree.prove`` for reads), so the trace follows exactly what the tree computes, and turns the
witnesses into the rows of :class:`circuits.state_air.StateAir` (layout in
:mod:`circuits.state_layout`).  The tree walk is per access (the tree is a Python structure); the
rest works on whole arrays: the path nodes are folded one level at a time over every path at once,
and the Poseidon2 columns of all rows come from three batched ``group_witness`` calls (level rows
with the first sponge blocks, then the blocks that absorb their outputs).

A delete whose slot stays also needs the deleted leaf's sibling opened as an inner node, with a
preimage of its right child; that one case reads the tree's nodes directly (the nodes are
immutable, so the tree as it was before the write stays readable after it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from circuits import state_layout as L
from circuits.field import P
from circuits.poseidon2 import DIGEST_SIZE, compress_many, permute_many
from circuits.poseidon2_air import GROUP_WIDTH, OUTPUT_OFFSET, group_witness
from circuits.state_air import DOMAIN_LEAF, DOMAIN_VALUE, AccessRecord, StateInputs, value_limbs
from l2.state.keys import ELEMENT_BITS, Key, check_key, key_path
from l2.state.tree import (
    ZERO_DIGEST,
    MerkleProof,
    StateTree,
    _Branch,
    _node_digest,
    value_digest,
)

__all__ = ["Access", "AccessStep", "replay", "build_trace", "state_trace", "trace_rows"]

_K = DIGEST_SIZE
_P64 = np.uint64(P)


@dataclass(frozen=True)
class Access:
    """A read (``value is None``) or a write of ``value`` (0 deletes) to one key."""

    key: Key
    value: int | None = None

    @classmethod
    def read(cls, key: Key) -> Access:
        return cls(check_key(key), None)

    @classmethod
    def write(cls, key: Key, value: int) -> Access:
        return cls(check_key(key), int(value))

    @property
    def is_write(self) -> bool:
        return self.value is not None


@dataclass(frozen=True)
class AccessStep:
    """One access as the tree saw it: the two proofs around it and what the circuit opens besides."""

    key: Key
    is_write: bool
    old_value: int
    new_value: int
    old_root: tuple[int, ...]
    new_root: tuple[int, ...]
    old_proof: MerkleProof
    new_proof: MerkleProof
    inner_opening: tuple[int, ...] | None = None   # (l ‖ r) of the sibling of a deleted leaf whose slot stays
    right_opening: tuple[int, ...] | None = None   # a permutation input whose output[:8] is r (None: r empty)

    @property
    def record(self) -> AccessRecord:
        return AccessRecord(self.key, self.old_value, self.new_value, self.is_write)

    @property
    def other_leaf(self) -> tuple[Key, int] | None:
        """(K', value) of another key's leaf that either path ends at."""
        for proof in (self.old_proof, self.new_proof):
            if proof.leaf_key is not None and proof.leaf_key != self.key:
                return proof.leaf_key, proof.leaf_value
        return None


def _as_access(a) -> Access:
    if isinstance(a, Access):
        return Access(check_key(a.key), None if a.value is None else int(a.value))
    key, *rest = a
    return Access(check_key(key), None if not rest or rest[0] is None else int(rest[0]))


def _path_bit(path: int, d: int) -> int:
    return (path >> d) & 1


def _sibling_opening(root, key: Key, depth: int) -> tuple[tuple[int, ...], tuple[int, ...] | None]:
    """Children of the sibling of ``key``'s leaf at ``depth`` (an inner node), and a preimage of its
    right child: its children for an inner node, the last sponge input for a leaf, None if empty."""
    path = key_path(key)
    node = root
    for d in range(depth - 1):
        node = node.right if _path_bit(path, d) else node.left
    sib = node.left if _path_bit(path, depth - 1) else node.right
    if type(sib) is not _Branch:
        raise ValueError("the sibling of a deleted leaf whose slot stays is an inner node")
    inner = _node_digest(sib.left) + _node_digest(sib.right)
    right = sib.right
    if right is None:
        return inner, None
    if type(right) is _Branch:
        return inner, _node_digest(right.left) + _node_digest(right.right)
    # a leaf: hash_elements(key ‖ vd, LEAF) = permute(permute(key ‖ cap) + (vd ‖ 0))[:8]
    first = permute_many(np.array([[*right.key, DOMAIN_LEAF, 2 * _K] + [0] * (_K - 2)], dtype=np.uint64))[0]
    vd = np.array(value_digest(right.value), dtype=np.uint64)
    first[:_K] = (first[:_K] + vd) % _P64
    return inner, tuple(int(x) for x in first)


def replay(tree: StateTree, accesses: Sequence) -> list[AccessStep]:
    """Apply ``accesses`` to ``tree`` (in place) and return one :class:`AccessStep` per access."""
    steps = []
    for acc in map(_as_access, accesses):
        key = acc.key
        if not acc.is_write:
            proof = tree.prove(key)
            value = proof.leaf_value if proof.leaf_key == key else 0
            root = tree.root
            steps.append(AccessStep(key, False, value, value, root, root, proof, proof))
            continue
        before = tree._root  # nodes are immutable: this is the tree before the write
        w = tree.update(key, acc.value)
        inner = right = None
        if (w.old_value and not w.new_value and w.new_proof.leaf_key is None
                and w.old_proof.depth >= 1):
            inner, right = _sibling_opening(before, key, w.old_proof.depth)
        steps.append(AccessStep(key, True, w.old_value, w.new_value, w.old_root, w.new_root,
                                w.old_proof, w.new_proof, inner, right))
    return steps


# ---------------------------------------------------------------------------------------------
# Paths
# ---------------------------------------------------------------------------------------------

def _fold(terminals: np.ndarray, sibs: list[np.ndarray], bits: list[np.ndarray]
          ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Hash every path from its terminal up, one level at a time over all paths at once.

    Returns (inputs (R, 16), children (R, 8), row offset of each path, roots (paths, 8)), with the
    R = Σ depths rows of a path listed root first: row d holds (left ‖ right) of the node at depth d.
    """
    depths = np.array([s.shape[0] for s in sibs], dtype=np.int64)
    base = np.concatenate([[0], np.cumsum(depths)[:-1]]).astype(np.int64)
    rows = int(depths.sum())
    flat_sib = np.concatenate(sibs).reshape(rows, _K) if rows else np.zeros((0, _K), np.uint64)
    flat_bit = np.concatenate(bits).astype(bool) if rows else np.zeros(0, bool)
    inputs = np.zeros((rows, 2 * _K), dtype=np.uint64)
    children = np.zeros((rows, _K), dtype=np.uint64)
    cur = terminals.copy()
    for t in range(int(depths.max(initial=0))):
        live = np.nonzero(depths > t)[0]
        r = base[live] + depths[live] - 1 - t
        children[r] = cur[live]
        right = flat_bit[r][:, None]
        left_half = np.where(right, flat_sib[r], cur[live])
        right_half = np.where(right, cur[live], flat_sib[r])
        inputs[r, :_K] = left_half
        inputs[r, _K:] = right_half
        cur[live] = compress_many(left_half, right_half)
    return inputs, children, base, cur


def _key_bits(keys: np.ndarray) -> np.ndarray:
    """(m, 8, 31): bit b of element e of each key."""
    return ((keys[:, :, None] >> np.arange(ELEMENT_BITS, dtype=np.uint64)) & np.uint64(1)).astype(np.uint64)


def _path_bits(key_bits: np.ndarray, i: int, depth: int) -> np.ndarray:
    d = np.arange(depth)
    return key_bits[i, d // ELEMENT_BITS, d % ELEMENT_BITS]


def _inverse_or_zero(x: np.ndarray) -> np.ndarray:
    out = np.zeros_like(x)
    nz = x != 0
    if np.any(nz):
        from circuits.field import batch_inv

        out[nz] = batch_inv(x[nz] % _P64)
    return out


def _first_nonzero_witness(v: np.ndarray) -> np.ndarray:
    """For each row of v (r, 8) with a non-zero element: w with Σ w·v = 1 (w_j = 1/v_j at the first j)."""
    w = np.zeros_like(v)
    if v.shape[0]:
        nz = v != 0
        j = np.argmax(nz, axis=1)
        has = nz.any(axis=1)
        rows = np.nonzero(has)[0]
        w[rows, j[rows]] = _inverse_or_zero(v[rows, j[rows]])
    return w


def _add(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a + b) % _P64


def _sub(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a + _P64 - b) % _P64


# ---------------------------------------------------------------------------------------------
# Trace
# ---------------------------------------------------------------------------------------------

def trace_rows(steps: Sequence[AccessStep]) -> int:
    """Rows the accesses take (padding excluded): max(old depth, new depth) + 5 each."""
    return sum(max(s.old_proof.depth, s.new_proof.depth) + L.HASH_ROWS for s in steps)


def _cap(tag: int) -> np.ndarray:
    return np.array([tag, L.LIMBS] + [0] * (_K - 2), dtype=np.uint64)


def build_trace(steps: Sequence[AccessStep], prev_root: Sequence[int], min_rows: int = L.TABLE_SIZE
                ) -> np.ndarray:
    """The trace of :class:`~circuits.state_air.StateAir` for ``steps`` replayed from ``prev_root``.

    One pass over the layout, every column group filled for all rows at once; the trace has the
    next power of two above the used rows (at least ``min_rows`` and the 256 rows of the byte table).
    Raises ValueError when the steps' proofs do not fold to their roots or the hash rows disagree
    with the proofs' terminals (a witness that the tree did not produce).
    """
    m = len(steps)
    if m == 0:
        raise ValueError("at least one access")
    da = np.array([s.old_proof.depth for s in steps], dtype=np.int64)
    db = np.array([s.new_proof.depth for s in steps], dtype=np.int64)
    lv_count = np.maximum(da, db)
    block_rows = lv_count + L.HASH_ROWS
    off = np.concatenate([[0], np.cumsum(block_rows)[:-1]]).astype(np.int64)
    used = int(block_rows.sum())
    n = max(min_rows, L.TABLE_SIZE, 1 << used.bit_length())  # > used: the last row is padding
    t = np.zeros((n, L.WIDTH), dtype=np.uint64)

    # ---- per-access values ---------------------------------------------------------------------
    keys = np.array([s.key for s in steps], dtype=np.uint64)
    others = [s.other_leaf for s in steps]
    okeys = np.array([o[0] if o else s.key for o, s in zip(others, steps)], dtype=np.uint64)
    ovd = np.array([value_digest(o[1]) if o else ZERO_DIGEST for o in others], dtype=np.uint64)
    ol = np.array([value_limbs(s.old_value) for s in steps], dtype=np.uint64)
    nl = np.array([value_limbs(s.new_value) for s in steps], dtype=np.uint64)
    on = (ol.sum(axis=1) != 0).astype(np.uint64)
    nn = (nl.sum(axis=1) != 0).astype(np.uint64)
    ko = np.array([s.old_proof.leaf_key not in (None, s.key) for s in steps], dtype=np.uint64)
    kn = np.array([s.new_proof.leaf_key not in (None, s.key) for s in steps], dtype=np.uint64)
    hl = (lv_count > 0).astype(np.uint64)
    sp, cl = ko * nn, on * kn
    dnc = on * hl * (1 - nn - kn)
    rz = np.array([s.inner_opening is not None and s.right_opening is None for s in steps], dtype=np.uint64)
    t_old = np.array([s.old_proof.terminal_digest() for s in steps], dtype=np.uint64)
    t_new = np.array([s.new_proof.terminal_digest() for s in steps], dtype=np.uint64)
    old_roots = np.array([s.old_root for s in steps], dtype=np.uint64)
    new_roots = np.array([s.new_root for s in steps], dtype=np.uint64)
    if tuple(int(x) for x in old_roots[0]) != tuple(int(x) for x in prev_root):
        raise ValueError("the first access does not start from prev_root")

    blk = np.repeat(np.arange(m), block_rows)       # access of every used row
    rows_all = np.arange(used)
    t[off, L.START] = 1
    t[0, L.FIRST] = 1

    # ---- row kinds and level rows ----------------------------------------------------------------
    lv_acc = np.repeat(np.arange(m), lv_count)
    lv_base = np.concatenate([[0], np.cumsum(lv_count)[:-1]]).astype(np.int64)
    lv_d = np.arange(lv_acc.size) - np.repeat(lv_base, lv_count)
    lv_row = off[lv_acc] + lv_d
    shared = lv_d < np.minimum(da, db)[lv_acc]
    t[lv_row, L.SH] = shared
    t[lv_row, L.XO] = ~shared & (da > db)[lv_acc]
    t[lv_row, L.XN] = ~shared & (db > da)[lv_acc]
    hash_rows = [off + lv_count + h for h in range(L.HASH_ROWS)]
    for h, col in enumerate((L.H0, L.H1, L.H2, L.H3, L.H4)):
        t[hash_rows[h], col] = 1
    t[used:, L.PAD] = 1

    kbits = _key_bits(keys)
    okbits = _key_bits(okeys)
    path_bits = [_path_bits(kbits, i, int(lv_count[i])) for i in range(m)]
    o_in, o_child, o_base, o_root = _fold(t_old, [np.array(s.old_proof.siblings, dtype=np.uint64).reshape(-1, _K)
                                                  for s in steps], [b[:d] for b, d in zip(path_bits, da)])
    n_in, n_child, n_base, n_root = _fold(t_new, [np.array(s.new_proof.siblings, dtype=np.uint64).reshape(-1, _K)
                                                  for s in steps], [b[:d] for b, d in zip(path_bits, db)])
    if not (np.array_equal(o_root, old_roots) and np.array_equal(n_root, new_roots)):
        raise ValueError("the proofs do not fold to the recorded roots")

    a_states = np.zeros((n, 2 * _K), dtype=np.uint64)
    b_states = np.zeros((n, 2 * _K), dtype=np.uint64)
    o_live = lv_d < da[lv_acc]
    n_live = lv_d < db[lv_acc]
    a_states[lv_row[o_live]] = o_in[o_base[lv_acc[o_live]] + lv_d[o_live]]
    b_states[lv_row[n_live]] = n_in[n_base[lv_acc[n_live]] + lv_d[n_live]]
    t[lv_row[o_live][:, None], np.array(L.CHILD_O)] = o_child[o_base[lv_acc[o_live]] + lv_d[o_live]]
    t[lv_row[n_live][:, None], np.array(L.CHILD_N)] = n_child[n_base[lv_acc[n_live]] + lv_d[n_live]]

    # key-bit registers: element e = d // 31 rotated by d mod 31; windows of the elements left
    e, pos = lv_d // ELEMENT_BITS, lv_d % ELEMENT_BITS
    rot_idx = (pos[:, None] + np.arange(ELEMENT_BITS)) % ELEMENT_BITS
    kb = kbits[lv_acc[:, None], e[:, None], rot_idx]
    kpb = okbits[lv_acc[:, None], e[:, None], rot_idx]
    t[lv_row[:, None], np.array(L.KB)] = kb
    t[lv_row[:, None], np.array(L.KPB)] = kpb
    for reg, helpers in ((kb, L.KB_H), (kpb, L.KPB_H)):
        h1 = reg[:, 27] * reg[:, 28]
        t[lv_row, helpers[0]] = h1
        t[lv_row, helpers[1]] = h1 * reg[:, 29] * reg[:, 30]
    t[lv_row, L.CTR] = pos
    t[lv_row, L.RELOAD] = pos == 0
    ctr_inv = _inverse_or_zero((pos.astype(np.uint64) + _P64 - np.uint64(30)) % _P64)
    t[lv_row, L.CTR_INV] = ctr_inv
    win_idx = e[:, None] + np.arange(_K)
    in_range = win_idx < _K
    padded_k = np.hstack([keys, np.zeros_like(keys)])
    padded_kp = np.hstack([okeys, np.zeros_like(okeys)])
    t[lv_row[:, None], np.array(L.WIN_K)] = np.where(in_range, padded_k[lv_acc[:, None], win_idx], 0)
    t[lv_row[:, None], np.array(L.WIN_KP)] = np.where(in_range, padded_kp[lv_acc[:, None], win_idx], 0)

    # ---- hash rows: three batched stages of permutations ----------------------------------------
    r0, r1, r2, r3, r4 = hash_rows
    cap_v, cap_l = _cap(DOMAIN_VALUE), _cap(DOMAIN_LEAF)
    a_states[r0] = np.hstack([ol[:, :_K], np.broadcast_to(cap_v, (m, _K))])
    b_states[r0] = np.hstack([nl[:, :_K], np.broadcast_to(cap_v, (m, _K))])
    a_states[r2] = np.hstack([keys, np.broadcast_to(cap_l, (m, _K))])
    b_states[r2] = np.hstack([okeys, np.broadcast_to(cap_l, (m, _K))])
    dnc_idx = np.nonzero(dnc)[0]
    for i in dnc_idx:
        b_states[r2[i]] = np.array(steps[i].inner_opening, dtype=np.uint64)

    first_rows = np.concatenate([lv_row, r0, r2])
    gw = _groups(t, first_rows, a_states, b_states)
    a_out, b_out = gw
    a_states[r1] = _add(a_out[r0], np.hstack([ol[:, _K:], np.zeros((m, _K), np.uint64)]))
    b_states[r1] = _add(b_out[r0], np.hstack([nl[:, _K:], np.zeros((m, _K), np.uint64)]))
    a_out, b_out = _groups(t, r1, a_states, b_states, a_out, b_out)
    vd_o, vd_n = a_out[r1, :_K], b_out[r1, :_K]
    a_states[r3] = _add(a_out[r2], np.hstack([vd_o, np.zeros((m, _K), np.uint64)]))
    b_states[r3] = _add(b_out[r2], np.hstack([ovd, np.zeros((m, _K), np.uint64)]))
    for i in dnc_idx:
        right = steps[i].right_opening
        b_states[r3[i]] = 0 if right is None else np.array(right, dtype=np.uint64)
    a_states[r4] = _add(a_states[r3], np.hstack([_sub(vd_n, vd_o), np.zeros((m, _K), np.uint64)]))
    a_out, b_out = _groups(t, np.concatenate([r3, r4]), a_states, b_states, a_out, b_out)
    zero_row = group_witness(np.zeros((1, 2 * _K), dtype=np.uint64))[0]   # padding permutes zeros
    t[used:, L.GROUP_A.offset:L.GROUP_A.offset + GROUP_WIDTH] = zero_row
    t[used:, L.GROUP_B.offset:L.GROUP_B.offset + GROUP_WIDTH] = zero_row

    for rr in (r2, r3):
        t[rr[:, None], np.array(L.VD_O)] = vd_o
        t[rr[:, None], np.array(L.VD_N)] = vd_n
    # the terminals the hash rows give must be the proofs' terminals
    t_old_c = (on[:, None] * a_out[r3, :_K] + ko[:, None] * b_out[r3, :_K]) % _P64
    t_new_c = (nn[:, None] * a_out[r4, :_K] + kn[:, None] * b_out[r3, :_K]) % _P64
    if not (np.array_equal(t_old_c, t_old) and np.array_equal(t_new_c, t_new)):
        raise ValueError("leaf hashing in the trace disagrees with the tree's terminals")

    # ---- access columns over each block ----------------------------------------------------------
    def fill(cols, values):
        t[np.ix_(rows_all, np.atleast_1d(np.array(cols)))] = np.asarray(values, dtype=np.uint64).reshape(m, -1)[blk]

    fill(L.IDX, np.arange(m))
    fill(L.KEY, keys)
    fill(L.OTHER_KEY, okeys)
    fill(L.OLD_LIMBS, ol)
    fill(L.NEW_LIMBS, nl)
    fill(L.IS_WRITE, [s.is_write for s in steps])
    fill(L.FLAGS, np.stack([on, nn, ko, kn, sp, cl, dnc, hl], axis=1))
    fill(L.T_OLD, t_old)
    fill(L.T_NEW, t_new)
    fill(L.ROOT, old_roots)
    fill(L.NEW_ROOT, new_roots)
    fill(L.INV_OLD, _inverse_or_zero(ol.sum(axis=1)))
    fill(L.INV_NEW, _inverse_or_zero(nl.sum(axis=1)))
    fill(L.RZ, rz)
    fill(L.DZ, dnc * rz)
    t[used:, L.IDX] = m
    t[used:, np.array(L.ROOT)] = new_roots[-1]

    # the sibling on each block's last level row
    last_lv = off + lv_count - 1
    has_lv = lv_count > 0
    sib = np.zeros((m, _K), dtype=np.uint64)
    rows = last_lv[has_lv]
    sib[has_lv] = _sub(_add(a_states[rows, :_K], a_states[rows, _K:]), t[rows][:, np.array(L.CHILD_O)])
    fill(L.BOTTOM_SIB, sib)

    # ---- non-zero witnesses: the fork row's sibling, K − K' on H4 --------------------------------
    fork = np.nonzero((da != db) & (np.minimum(da, db) >= 1))[0]
    fork_rows = off[fork] + np.minimum(da, db)[fork] - 1
    fsib = _sub(_add(a_states[fork_rows, :_K], a_states[fork_rows, _K:]), t[fork_rows][:, np.array(L.CHILD_O)])
    t[fork_rows[:, None], np.array(L.NZ_W)] = _first_nonzero_witness(fsib)
    w = t[lv_row][:, np.array(L.NZ_W)]
    lsib = _sub(_add(a_states[lv_row, :_K], a_states[lv_row, _K:]), t[lv_row][:, np.array(L.CHILD_O)])
    t[lv_row, L.NZ_SUM] = (w * lsib % _P64).sum(axis=1) % _P64
    kd = _sub(keys, okeys)
    w4 = _first_nonzero_witness(kd) * ko[:, None]
    t[r4[:, None], np.array(L.NZ_W)] = w4
    t[r4, L.NZ_SUM] = (w4 * kd % _P64).sum(axis=1) % _P64

    # ---- bytes of the new limbs on H0 … H3, and the byte table -----------------------------------
    for i, rr in enumerate(hash_rows[:4]):
        limbs = nl[:, 4 * i:4 * i + 4]
        by = np.stack([limbs & np.uint64(0xFF), limbs >> np.uint64(8)], axis=2).reshape(m, 8)
        t[rr[:, None], np.array(L.BYTES)] = by
    looked_up = t[np.concatenate(hash_rows[:4])][:, np.array(L.BYTES)].ravel().astype(np.int64)
    t[:, L.TAB] = np.minimum(np.arange(n), L.TABLE_SIZE - 1)
    t[:L.TABLE_SIZE, L.TAB_MULT] = np.bincount(looked_up, minlength=L.TABLE_SIZE)
    return t


def _groups(t: np.ndarray, rows: np.ndarray, a_states: np.ndarray, b_states: np.ndarray,
            a_out: np.ndarray | None = None, b_out: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Fill both groups' columns on ``rows`` in one batched call; returns the (n, 16) outputs so far."""
    n = t.shape[0]
    if a_out is None:
        a_out = np.zeros((n, 2 * _K), dtype=np.uint64)
        b_out = np.zeros((n, 2 * _K), dtype=np.uint64)
    k = rows.size
    if k:
        both = group_witness(np.vstack([a_states[rows], b_states[rows]]))
        A, B = L.GROUP_A.offset, L.GROUP_B.offset
        t[rows, A:A + GROUP_WIDTH] = both[:k]
        t[rows, B:B + GROUP_WIDTH] = both[k:]
        a_out[rows] = both[:k, OUTPUT_OFFSET:OUTPUT_OFFSET + 2 * _K]
        b_out[rows] = both[k:, OUTPUT_OFFSET:OUTPUT_OFFSET + 2 * _K]
    return a_out, b_out


def state_trace(tree_before: StateTree, accesses: Sequence, min_rows: int = L.TABLE_SIZE
                ) -> tuple[np.ndarray, StateInputs]:
    """Trace and public inputs proving ``accesses`` (``Access`` values or (key,) / (key, value)
    tuples, None = read) applied in order to ``tree_before``, which is left unchanged."""
    tree = tree_before.copy()
    prev_root = tree.root
    steps = replay(tree, accesses)
    trace = build_trace(steps, prev_root, min_rows)
    pi = StateInputs(prev_root, tree.root, [s.record for s in steps])
    return trace, pi
