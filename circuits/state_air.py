"""The state circuit: an ordered list of reads and writes takes the state tree from one root to the next.

What it proves
--------------
For public roots R_prev, R_new and an ordered list of accesses — (key, old value, new value,
is_write), values 256-bit, a read having old = new — that applying the accesses one after the other
to the compressed sparse Merkle tree of :mod:`l2.state.tree` whose root is R_prev gives the tree whose
root is R_new, and that every access's old value is what the tree held under its key at that moment
(0 = absent).  The accesses reach the circuit through a LogUp bus, so a bigger AIR can supply the
other side; standalone, the verifier rebuilds the bus sum from the public list
(:class:`StateInputs`), as :class:`~circuits.poseidon2_air.PublicBus` does.

The tree (what "the tree" means here)
-------------------------------------
Inner node ``compress(l, r) = permute(l ‖ r)[:8]``; leaf ``hash_elements(key ‖ vd, LEAF)`` with
``vd = hash_elements(16 limbs of the value, VALUE)`` (each a two-block sponge: capacity starts
``[tag, 16, 0, …]``); empty subtree = 8 zeros; bit d of a key's path = bit (d mod 31) of key element
⌊d/31⌋.  The tree is canonical: a leaf sits at the shortest prefix no other key shares, an inner
node has at least two leaves below it.  The circuit relies on R_prev being such a tree (true by
induction from genesis) and proves R_new is one.

One access = one block of rows (layout in :mod:`circuits.state_layout`)
-----------------------------------------------------------------------
*Level rows*, root first: row d holds group A hashing (left ‖ right) of the old path's node at depth
d and group B the same for the new path; the bit picks the path's child, the other half is the
sibling::

    child = left + bit·(right − left)        sibling = left + right − child
    child(row d) = node(row d + 1)           child(last level of a path) = that path's terminal T

Three kinds of level rows: ``SH`` (both paths, one shared sibling), then — only when the shape
changes — ``XN`` rows (a split: the new path goes deeper; its extra siblings are empty except the
last, which is the old terminal, the other key's leaf K') or ``XO`` rows (a collapse: the mirror
image, the old path is the longer one).  On extra rows K's and K''s path bits agree, except on the
last one, where they differ: the two leaves part exactly at the first bit where their keys differ.
The last shared row above extra rows has a non-empty sibling (a witness w with Σ w·sibling = 1), so
the moved leaf sits at the shortest unique prefix.

*Path bits from the key*: a register holds the 31 bits of the current key element and rotates by
one per level, so ``bit = register[0]``; every 31 levels (and on the block's first level row) it is
reloaded with the canonical decomposition (value < p) of the next element from a window of key
elements that shifts on each reload.  A second register does the same for K'.

*Hash rows* H0 … H4 compute, with both groups: the old and new value digests (two sponge blocks),
the leaf digests leaf(K, old) and leaf(K, new), and the other leaf leaf(K', vd') — or, for a delete
whose slot stays, an opening of the deleted leaf's sibling as an inner node ``compress(l, r)`` whose
right child r is empty or the output of a permutation.  Then (ON/NN: old/new value ≠ 0;
KO/KN: the old/new path ends at K')::

    T_old = ON·leaf(K, old) + KO·leaf(K')       T_new = NN·leaf(K, new) + KN·leaf(K')   (else empty)

Which (ON, KO, NN, KN) may occur is constrained to exactly what the tree does::

    S→S  update or read            E→S  insert into an empty slot    K'→S  insert splitting K' (XN rows)
    S→E  delete, slot stays (sibling opened as inner)                S→K'  delete collapsing K' (XO rows)
    E→E, K'→K'  absent key, nothing changes (K ≠ K' shown by a witness)

Why the sibling opening needs the right child: a leaf digest *is* a compression output (its last
sponge permutation's input can be read as (l ‖ r)), so "SB = compress(l, r)" alone would let a
leaf pass as an inner node.  Requiring r to be empty or a permutation output closes this: r would be
the capacity half of a sponge state, and matching it is a ~2^124 search.

Roots: a register R starts at R_prev, must equal the old root at each block's first row (the old
path's depth-0 node, or T_old when the path has no levels), takes the block's new root after its H4
row, and ends at R_new.  An access counter ``idx`` (+1 per block) is part of the bus tuple; the public
tuples carry 0 … m−1, so the blocks are the public accesses, in the public order.

Value limbs
-----------
The new value's 16 limbs are range-checked to 16 bits by splitting each into two bytes looked up in a
256-entry table (LogUp, on H0 … H3, 8 bytes a row).  A 2^16-entry table would need 2^16 trace rows
even for one access; 256 entries fit the smallest trace.  Old limbs need no lookup: when the old
value is non-zero they hash to a leaf of the tree (whose limbs are 16-bit), and when it is zero every
limb is constrained to 0.  Zero tests are exact without ranges: ON = Σ limbs · inv and
(1 − ON)·limb = 0.

Auxiliary columns (challenges α, γ for the access bus, β for the bytes)::

    u·(α − φ(idx, key, old limbs, new limbs, is_write)) = 1
    u_k·(β − a_k)(β − b_k) = m·(2β − a_k − b_k)         m = H0 + H1 + H2 + H3, one pair of bytes each
    v·(β − tab) = tab_mult                               tab: 0, then steps of 0 or 1, ending at 255
    S' = S + H0·u + Σ u_k − v − first·V                  (every row, cyclic: the sum closes)

with V = Σ_k 1/(α − φ(public access k)) recomputed by the verifier.

Bus mode
--------
:class:`StateBusAir` proves the same statement with the access list private: another table (the
transfer table, an execution table) puts the accesses on the bus, and the tables are proven together
with shared challenges (:func:`prover.multi_stark.prove_tables`).  Its public inputs
(:class:`StateBusInputs`) are the roots and the number of accesses m only.  The table reports one bus
claim, V = Σ_rows H0·u (its side of the access bus, read off its own trace), and closes its running
sum with that claim instead of a public sum; the verifier checks that the claims of all tables add
up to zero, so the accesses of the other tables are these blocks' tuples.  With no public list to
number them, the blocks are numbered here: idx starts at 0 on row 0 and ends at m on the last row
(padding), and since idx steps by one at every block's H4 row, the blocks carry idx 0 … m − 1, each
once.
"""

from __future__ import annotations

import copy
import math
import struct
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from circuits import ext_kernels as ek
from circuits import state_layout as L
from circuits.air import Air, Assertion
from circuits.constraint_sink import ConstraintSink
from circuits.extension import Ext
from circuits.field import P
from circuits.poseidon2 import DIGEST_SIZE
from circuits.poseidon2_air import PublicBus

__all__ = [
    "DOMAIN_VALUE", "DOMAIN_LEAF", "value_limbs", "AccessRecord", "StateInputs", "StateAir",
    "ACCESS_ARITY", "StateBusInputs", "StateBusAir",
]

DOMAIN_VALUE = int.from_bytes(b"SVAL", "big")
"""Sponge tag of a value digest (the state tree's)."""

DOMAIN_LEAF = int.from_bytes(b"LEAF", "big")
"""Sponge tag of a leaf digest (the state tree's)."""

ACCESS_ARITY = len(L.ACCESS_BLOCK)
"""Values in an access's bus tuple (42)."""

Digest = tuple[int, ...]
_WORD_MAX = 1 << 256
_K = DIGEST_SIZE


def value_limbs(value: int) -> list[int]:
    """16 little-endian 16-bit limbs of a 256-bit value (the tree's value encoding)."""
    value = int(value)
    if not 0 <= value < _WORD_MAX:
        raise ValueError("a value is an integer in [0, 2^256)")
    return [(value >> (16 * i)) & 0xFFFF for i in range(L.LIMBS)]


def _digest(d, name: str) -> Digest:
    try:
        out = tuple(int(x) for x in d)
    except TypeError as exc:
        raise ValueError(f"{name} is a sequence of {_K} field elements") from exc
    if len(out) != _K or any(not 0 <= x < P for x in out):
        raise ValueError(f"{name} is {_K} canonical BabyBear elements")
    return out


@dataclass(frozen=True)
class AccessRecord:
    """One access as the bus carries it: ``key`` held ``old_value`` and holds ``new_value`` after.

    A read has ``old_value == new_value``; a value of 0 means the key is absent.
    """

    key: Digest
    old_value: int
    new_value: int
    is_write: bool

    def __post_init__(self):
        object.__setattr__(self, "key", _digest(self.key, "key"))
        for name in ("old_value", "new_value"):
            v = int(getattr(self, name))
            if not 0 <= v < _WORD_MAX:
                raise ValueError(f"{name} is an integer in [0, 2^256)")
            object.__setattr__(self, name, v)
        object.__setattr__(self, "is_write", bool(self.is_write))
        if not self.is_write and self.old_value != self.new_value:
            raise ValueError("a read leaves the value unchanged")

    def bus_tuple(self, idx: int) -> list[int]:
        """(idx, key[8], old limbs[16], new limbs[16], is_write)."""
        return [idx, *self.key, *value_limbs(self.old_value), *value_limbs(self.new_value), int(self.is_write)]


@dataclass(frozen=True, eq=False)
class StateInputs:
    """Applying ``accesses`` in order to the tree with root ``prev_root`` gives ``new_root``."""

    prev_root: Digest
    new_root: Digest
    accesses: tuple[AccessRecord, ...]

    def __post_init__(self):
        object.__setattr__(self, "prev_root", _digest(self.prev_root, "prev_root"))
        object.__setattr__(self, "new_root", _digest(self.new_root, "new_root"))
        object.__setattr__(self, "accesses", tuple(self.accesses))
        if not self.accesses:
            raise ValueError("at least one access")
        if not all(isinstance(a, AccessRecord) for a in self.accesses):
            raise ValueError("accesses are AccessRecord values")

    def tuples(self) -> np.ndarray:
        """The bus tuple of every access, (m, 42) uint64."""
        return np.array([a.bus_tuple(i) for i, a in enumerate(self.accesses)], dtype=np.uint64)




def _select(bit, left: Sequence, right: Sequence) -> list:
    return [lft + bit * (rgt - lft) for lft, rgt in zip(left, right)]


def _cap(tag: int) -> list[int]:
    """Capacity of a 16-element sponge absorption: [tag, 16, 0, …, 0]."""
    return [tag, L.LIMBS] + [0] * (_K - 2)


_CAP_VALUE = _cap(DOMAIN_VALUE)
_CAP_LEAF = _cap(DOMAIN_LEAF)
_KIND_NAMES = ["SH", "XO", "XN", "H0", "H1", "H2", "H3", "H4", "PAD"]
_LOW_BITS = 27           # p − 1 = 15·2^27: bits 27 … 30 all set forces bits 0 … 26 to zero


def _block_constant_names() -> dict[int, str]:
    names = {}
    for base, label in ((L.KEY, "K"), (L.OTHER_KEY, "K'"), (L.OLD_LIMBS, "old limb"), (L.NEW_LIMBS, "new limb"),
                        (L.T_OLD, "T_old"), (L.T_NEW, "T_new"), (L.BOTTOM_SIB, "SB"), (L.NEW_ROOT, "NR")):
        for j, col in enumerate(base):
            names[col] = f"{label}[{j}]"
    names[L.IS_WRITE] = "is_write"
    for col, label in zip(L.FLAGS, ["ON", "NN", "KO", "KN", "SP", "CL", "DNC", "HL"]):
        names[col] = label
    return names


_CONSTANT_NAMES = _block_constant_names()


class StateAir(Air):
    """Proves an ordered list of state accesses against the state tree (see the module docstring).

    Public inputs: :class:`StateInputs`.  A bigger AIR that embeds this one takes the access tuple
    from :data:`circuits.state_layout.ACCESS_BLOCK` on rows where ``H0`` is 1 (one per access).
    """

    name = "state"
    width = L.WIDTH
    aux_width = L.AUX_WIDTH
    num_challenges = 3   # α, γ: access bus; β: byte range checks
    min_trace_length = L.TABLE_SIZE

    def __init__(self):
        self.bus = PublicBus(ACCESS_ARITY, "access bus")
        probe = ConstraintSink.probe(self._main, self.width)
        self._names, self._degrees, self._cyclic = probe.names, probe.degrees, probe.single_row_indices
        self._sum_cache: tuple | None = None

    # ---- statement --------------------------------------------------------------------------------
    def public_inputs_bytes(self, pi: StateInputs) -> bytes:
        out = [struct.pack("<8I", *pi.prev_root), struct.pack("<8I", *pi.new_root),
               struct.pack("<I", len(pi.accesses)), pi.tuples().astype("<u4").tobytes()]
        return b"".join(out)

    def security_loss_bits(self, trace_length: int) -> float:
        # Access bus as PublicBus; the byte lookups add a rational identity in β of degree ≤ 10n
        # (8 bytes and one table entry per row, each denominator once).
        n = trace_length
        return math.log2(2 * n * ACCESS_ARITY + 10 * n)

    # ---- main constraints ---------------------------------------------------------------------------
    def transition_names(self) -> list[str]:
        return list(self._names)

    def transition_degrees(self) -> list[int]:
        return list(self._degrees)

    def cyclic_transitions(self) -> frozenset[int]:
        return self._cyclic

    def evaluate_transition(self, cur, nxt, pi) -> list:
        sink = ConstraintSink()
        self._main(cur, nxt, sink)
        return sink.values

    def _main(self, c: Sequence, n: Sequence, s: ConstraintSink) -> None:  # noqa: C901 - one list of constraints
        A, B = L.GROUP_A, L.GROUP_B
        k = _K
        for name, v in zip(A.constraint_names(), A.constraints(c)):
            s.add(name, 3, v, row=True)
        for name, v in zip(B.constraint_names(), B.constraints(c)):
            s.add(name, 3, v, row=True)

        sh, xo, xn = c[L.SH], c[L.XO], c[L.XN]
        h0, h1, h2, h3, h4, pad = c[L.H0], c[L.H1], c[L.H2], c[L.H3], c[L.H4], c[L.PAD]
        lv = sh + xo + xn
        o_act, n_act = sh + xo, sh + xn
        n_sh, n_xo, n_xn = n[L.SH], n[L.XO], n[L.XN]
        n_lv = n_sh + n_xo + n_xn
        n_o_act, n_n_act = n_sh + n_xo, n_sh + n_xn
        n_h0 = n[L.H0]
        start = c[L.START]

        # ---- row kinds: one-hot, blocks of level rows then H0 … H4, padding to the end ------------
        # H1 … H3 need no range: H1' = H0, H2' = H1, H3' = H2, H4' = H3 make each equal to a boolean
        # H0 or H4 on another row (rows 0 … 3 included, through H4 on rows 1 … 3)
        for col, nm in zip(L.KINDS, _KIND_NAMES):
            if nm not in ("H1", "H2", "H3"):
                s.add(f"{nm} is boolean", 2, c[col] * (1 - c[col]), row=True)
        s.add("one row kind", 1, sum(c[col] for col in L.KINDS) - 1, row=True)
        for a, b, na, nb in ((L.H0, L.H1, "H0", "H1"), (L.H1, L.H2, "H1", "H2"),
                             (L.H2, L.H3, "H2", "H3"), (L.H3, L.H4, "H3", "H4")):
            s.add(f"{nb}' = {na}", 1, n[b] - c[a])
        s.add("a level row is not followed by padding", 2, lv * n[L.PAD])
        s.add("padding runs to the end", 2, pad * (1 - n[L.PAD]))
        s.add("XO is followed by XO or H0", 2, xo * (n_sh + n_xn))
        s.add("XN is followed by XN or H0", 2, xn * (n_sh + n_xo))
        s.add("start' = H4·(1 − PAD')", 2, n[L.START] - c[L.H4] * (1 - n[L.PAD]))
        s.add("a block starts with a level row or H0", 2, start * (lv + h0 - 1), row=True)
        s.add("first' = 0", 1, n[L.FIRST])

        # ---- access columns: constant over a block, the counter steps once per block ---------------
        for col in L.BLOCK_CONSTANT:
            s.add(f"{_CONSTANT_NAMES[col]} constant over a block", 2, (1 - h4) * (n[col] - c[col]))
        s.add("idx' = idx + H4", 1, n[L.IDX] - c[L.IDX] - h4)

        # ---- root register ---------------------------------------------------------------------------
        a_out, b_out = A.outputs(c), B.outputs(c)
        to = [c[x] for x in L.T_OLD]
        tn = [c[x] for x in L.T_NEW]
        for j in range(k):
            r, nr = c[L.ROOT[j]], c[L.NEW_ROOT[j]]
            s.add(f"R'[{j}] = R[{j}] + H4·(NR[{j}] − R[{j}])", 2, n[L.ROOT[j]] - r - h4 * (nr - r))
        for j in range(k):
            s.add(f"start: R[{j}] is the old root", 3,
                  start * (c[L.ROOT[j]] - to[j] - o_act * (a_out[j] - to[j])), row=True)
        for j in range(k):
            s.add(f"start: NR[{j}] is the new root", 3,
                  start * (c[L.NEW_ROOT[j]] - tn[j] - n_act * (b_out[j] - tn[j])), row=True)

        # ---- access flags ----------------------------------------------------------------------------
        on, nn, ko, kn = c[L.ON], c[L.NN], c[L.KO], c[L.KN]
        sp, cl, dnc, hl = c[L.SP], c[L.CL], c[L.DNC], c[L.HL]
        # No range checks are needed on the flags: ON, NN are 0/1 by the zero tests; is_write by the
        # bus tuple; KO ∉ {0, 1} forces ON = 0, KN = 0, NN = 1 below, so SP = KO ∉ {0, 1}, which the
        # last level row (XN ⇔ SP) or SP·(1 − HL) refuses — and KN likewise through CL; RZ ∉ {0, 1}
        # would ask for r = 0 and r = a permutation output at once.
        s.add("ON·KO = 0", 2, on * ko, row=True)
        s.add("NN·KN = 0", 2, nn * kn, row=True)
        s.add("KO·(1 − NN − KN) = 0 (K' does not vanish)", 2, ko * (1 - nn - kn), row=True)
        s.add("KN·(1 − ON − KO) = 0 (K' does not appear)", 2, kn * (1 - on - ko), row=True)
        s.add("SP = KO·NN", 2, sp - ko * nn, row=True)
        s.add("CL = ON·KN", 2, cl - on * kn, row=True)
        s.add("DNC = ON·HL·(1 − NN − KN)", 3, dnc - on * hl * (1 - nn - kn), row=True)
        s.add("DZ = DNC·RZ", 2, c[L.DZ] - dnc * c[L.RZ], row=True)
        s.add("start: HL = level row", 2, start * (hl - lv), row=True)
        s.add("SP·(1 − HL) = 0", 2, sp * (1 - hl), row=True)
        s.add("CL·(1 − HL) = 0", 2, cl * (1 - hl), row=True)

        # ---- values: exact zero tests, reads keep the value --------------------------------------------
        ol = [c[x] for x in L.OLD_LIMBS]
        nl = [c[x] for x in L.NEW_LIMBS]
        for j in range(L.LIMBS):
            s.add(f"(1 − ON)·old limb[{j}] = 0", 2, (1 - on) * ol[j], row=True)
        s.add("ON = Σ old limbs · inv", 2, on - sum(ol) * c[L.INV_OLD], row=True)
        for j in range(L.LIMBS):
            s.add(f"(1 − NN)·new limb[{j}] = 0", 2, (1 - nn) * nl[j], row=True)
        s.add("NN = Σ new limbs · inv", 2, nn - sum(nl) * c[L.INV_NEW], row=True)
        wr = c[L.IS_WRITE]
        for j in range(L.LIMBS):
            s.add(f"read: new limb[{j}] = old limb[{j}]", 2, (1 - wr) * (nl[j] - ol[j]), row=True)

        # ---- hash rows -----------------------------------------------------------------------------
        a_in, b_in = A.inputs(c), B.inputs(c)
        na_in, nb_in = A.inputs(n), B.inputs(n)
        na_out, nb_out = A.outputs(n), B.outputs(n)
        key = [c[x] for x in L.KEY]
        okey = [c[x] for x in L.OTHER_KEY]
        vd_o = [c[x] for x in L.VD_O]
        vd_n = [c[x] for x in L.VD_N]
        sb = [c[x] for x in L.BOTTOM_SIB]
        # H0: first value-sponge block of the old (A) and new (B) limbs; H1 absorbs limbs 8 … 15
        for j in range(k):
            s.add(f"H0: A in[{j}] = old limb[{j}]", 2, h0 * (a_in[j] - ol[j]), row=True)
            s.add(f"H0: B in[{j}] = new limb[{j}]", 2, h0 * (b_in[j] - nl[j]), row=True)
            s.add(f"H0: A in[{8 + j}] = value capacity", 2, h0 * (a_in[k + j] - _CAP_VALUE[j]), row=True)
            s.add(f"H0: B in[{8 + j}] = value capacity", 2, h0 * (b_in[k + j] - _CAP_VALUE[j]), row=True)
        for j in range(k):
            s.add(f"H0→H1: A in[{j}] = out[{j}] + old limb[{8 + j}]", 2, h0 * (na_in[j] - a_out[j] - ol[k + j]))
            s.add(f"H0→H1: B in[{j}] = out[{j}] + new limb[{8 + j}]", 2, h0 * (nb_in[j] - b_out[j] - nl[k + j]))
            s.add(f"H0→H1: A in[{8 + j}] = out[{8 + j}]", 2, h0 * (na_in[k + j] - a_out[k + j]))
            s.add(f"H0→H1: B in[{8 + j}] = out[{8 + j}]", 2, h0 * (nb_in[k + j] - b_out[k + j]))
        for j in range(k):
            s.add(f"H1→H2: vd_old[{j}]", 2, h1 * (n[L.VD_O[j]] - a_out[j]))
            s.add(f"H1→H2: vd_new[{j}]", 2, h1 * (n[L.VD_N[j]] - b_out[j]))
        # H2: leaf sponge block 1 of K (A) and of K' (B, unless B opens the sibling)
        for j in range(k):
            s.add(f"H2: A in[{j}] = K[{j}]", 2, h2 * (a_in[j] - key[j]), row=True)
            s.add(f"H2: A in[{8 + j}] = leaf capacity", 2, h2 * (a_in[k + j] - _CAP_LEAF[j]), row=True)
            s.add(f"H2: B in[{j}] = K'[{j}]", 3, h2 * (1 - dnc) * (b_in[j] - okey[j]), row=True)
            s.add(f"H2: B in[{8 + j}] = leaf capacity", 3, h2 * (1 - dnc) * (b_in[k + j] - _CAP_LEAF[j]), row=True)
        for j in range(k):
            s.add(f"H2→H3: A in[{j}] = out[{j}] + vd_old[{j}]", 2, h2 * (na_in[j] - a_out[j] - vd_o[j]))
            s.add(f"H2→H3: A in[{8 + j}] = out[{8 + j}]", 2, h2 * (na_in[k + j] - a_out[k + j]))
            s.add(f"H2→H3: B in[{8 + j}] = out[{8 + j}]", 3, h2 * (1 - dnc) * (nb_in[k + j] - b_out[k + j]))
            s.add(f"H2→H3: vd_old[{j}] kept", 2, h2 * (n[L.VD_O[j]] - vd_o[j]))
            s.add(f"H2→H3: vd_new[{j}] kept", 2, h2 * (n[L.VD_N[j]] - vd_n[j]))
        # H2/H3 B for a delete whose slot stays: SB = compress(l, r), r empty or a permutation output
        for j in range(k):
            s.add(f"H2: DNC·(B out[{j}] − SB[{j}]) = 0", 3, h2 * dnc * (b_out[j] - sb[j]), row=True)
            s.add(f"H2: DZ·B in[{8 + j}] = 0", 3, h2 * c[L.DZ] * b_in[k + j], row=True)
            s.add(f"H2→H3: (DNC − DZ)·(B out'[{j}] − B in[{8 + j}]) = 0", 3,
                  h2 * (dnc - c[L.DZ]) * (nb_out[j] - b_in[k + j]))
        # H3: the terminals; H3→H4: A absorbs vd_new instead of vd_old
        for j in range(k):
            s.add(f"H3: T_old[{j}] = ON·A out[{j}] + KO·B out[{j}]", 3,
                  h3 * (to[j] - on * a_out[j] - ko * b_out[j]), row=True)
            s.add(f"H3: T_new[{j}] = NN·A out'[{j}] + KN·B out[{j}]", 3,
                  h3 * (tn[j] - nn * na_out[j] - kn * b_out[j]))
        for j in range(k):
            s.add(f"H3→H4: A in'[{j}] = A in[{j}] + vd_new[{j}] − vd_old[{j}]", 2,
                  h3 * (na_in[j] - a_in[j] - vd_n[j] + vd_o[j]))
            s.add(f"H3→H4: A in'[{8 + j}] = A in[{8 + j}]", 2, h3 * (na_in[k + j] - a_in[k + j]))
        # H4: K ≠ K' whenever the old path ends at K'
        w = [c[x] for x in L.NZ_W]
        wsum = c[L.NZ_SUM]
        s.add("H4: wsum = Σ w·(K − K')", 3, h4 * (wsum - sum(w[i] * (key[i] - okey[i]) for i in range(k))), row=True)
        s.add("H4: KO·(wsum − 1) = 0 (K ≠ K')", 3, h4 * ko * (wsum - 1), row=True)

        # ---- level rows: the two paths ---------------------------------------------------------------
        kb0, kpb0 = c[L.KB[0]], c[L.KPB[0]]
        child_o = [c[x] for x in L.CHILD_O]
        child_n = [c[x] for x in L.CHILD_N]
        sel_o = _select(kb0, a_in[:k], a_in[k:])
        sel_n = _select(kb0, b_in[:k], b_in[k:])
        sib_o = [a_in[j] + a_in[k + j] - child_o[j] for j in range(k)]
        sib_n = [b_in[j] + b_in[k + j] - child_n[j] for j in range(k)]
        for j in range(k):
            s.add(f"level: child_old[{j}] = select(bit, A left, A right)", 3, lv * (child_o[j] - sel_o[j]), row=True)
            s.add(f"level: child_new[{j}] = select(bit, B left, B right)", 3, lv * (child_n[j] - sel_n[j]), row=True)
        for j in range(k):
            s.add(f"old path: child[{j}] = next node[{j}]", 3, lv * n_o_act * (na_out[j] - child_o[j]))
            s.add(f"new path: child[{j}] = next node[{j}]", 3, lv * n_n_act * (nb_out[j] - child_n[j]))
            s.add(f"old path: last child[{j}] = T_old[{j}]", 3, lv * (o_act - n_o_act) * (child_o[j] - to[j]))
            s.add(f"new path: last child[{j}] = T_new[{j}]", 3, lv * (n_act - n_n_act) * (child_n[j] - tn[j]))
        for j in range(k):
            s.add(f"SH: old sibling[{j}] = new sibling[{j}]", 2, sh * (sib_o[j] - sib_n[j]), row=True)
            s.add(f"XO: old sibling[{j}] = H0'·T_new[{j}]", 3, xo * (sib_o[j] - n_h0 * tn[j]))
            s.add(f"XN: new sibling[{j}] = H0'·T_old[{j}]", 3, xn * (sib_n[j] - n_h0 * to[j]))
            s.add(f"last level: SB[{j}] = old sibling[{j}]", 3, lv * n_h0 * (sb[j] - sib_o[j]))
        s.add("level: wsum = Σ w·old sibling", 3, lv * (wsum - sum(w[i] * sib_o[i] for i in range(k))), row=True)
        s.add("fork: sibling above the extra levels is not empty", 3, sh * (n_xo + n_xn) * (wsum - 1))
        s.add("extra levels: K' bit = K bit, except on the last", 3,
              (xo + xn) * (kb0 - kpb0 - n_h0 * (1 - 2 * kpb0)))
        s.add("last level is XN exactly for a split", 3, lv * n_h0 * (xn - sp))
        s.add("last level is XO exactly for a collapse", 3, lv * n_h0 * (xo - cl))

        # ---- path bits: rotating registers reloaded every 31 levels ---------------------------------
        reload, ctr = c[L.RELOAD], c[L.CTR]
        n_reload = n[L.RELOAD]
        rot = n_lv - n_reload                 # the next row is a level row that rotates
        jump = n_reload * (1 - n[L.START])     # the next row reloads inside the same block
        for reg, helpers, win, label, src in ((L.KB, L.KB_H, L.WIN_K, "K", key),
                                              (L.KPB, L.KPB_H, L.WIN_KP, "K'", okey)):
            bits = [c[x] for x in reg]
            for i in range(L.ELEMENT_BITS):
                s.add(f"{label} bit[{i}] is boolean", 2, bits[i] * (1 - bits[i]), row=True)
            s.add(f"{label} h1 = b27·b28", 2, c[helpers[0]] - bits[27] * bits[28], row=True)
            s.add(f"{label} h2 = h1·b29·b30", 3, c[helpers[1]] - c[helpers[0]] * bits[29] * bits[30], row=True)
            s.add(f"reload: Σ 2^i·{label} bit[i] = window[0]", 2,
                  reload * (sum((1 << i) * bits[i] for i in range(L.ELEMENT_BITS)) - c[win[0]]), row=True)
            s.add(f"reload: {label} decomposition < p", 3,
                  reload * c[helpers[1]] * sum((1 << i) * bits[i] for i in range(_LOW_BITS)), row=True)
            for i in range(L.ELEMENT_BITS):
                s.add(f"rotate: {label} bit'[{i}] = bit[{(i + 1) % L.ELEMENT_BITS}]", 2,
                      rot * (n[reg[i]] - bits[(i + 1) % L.ELEMENT_BITS]))
            for j in range(k):
                s.add(f"start: {label} window[{j}] = {label}[{j}]", 3, start * lv * (c[win[j]] - src[j]), row=True)
            for j in range(k):
                s.add(f"rotate: {label} window'[{j}] = window[{j}]", 2, rot * (n[win[j]] - c[win[j]]))
            for j in range(k):
                nxt_el = c[win[j + 1]] if j + 1 < k else 0
                s.add(f"reload: {label} window'[{j}] = window[{j + 1}]", 3, jump * (n[win[j]] - nxt_el))
        # RELOAD on a row that is not a level row is refused by these: after a non-start row it makes
        # rot' = −1 and jump' = 1, which ask CTR ≠ 30 and CTR = 30 at once; on a start row, RELOAD = lv.
        s.add("RELOAD·CTR = 0", 2, reload * ctr, row=True)
        s.add("start: RELOAD = level row", 2, start * (lv - reload), row=True)
        s.add("rotate: CTR' = CTR + 1", 2, rot * (n[L.CTR] - ctr - 1))
        s.add("rotate: CTR ≠ 30", 3, rot * (1 - (ctr - 30) * c[L.CTR_INV]))
        s.add("reload inside a block: CTR = 30", 3, jump * (ctr - 30))

        # ---- bytes of the new limbs, and the byte table ---------------------------------------------
        by = [c[x] for x in L.BYTES]
        for i, hrow in enumerate((h0, h1, h2, h3)):
            for q in range(4):
                limb = 4 * i + q
                s.add(f"H{i}: new limb[{limb}] = byte + 256·byte", 2,
                      hrow * (nl[limb] - by[2 * q] - 256 * by[2 * q + 1]), row=True)
        dt = n[L.TAB] - c[L.TAB]
        s.add("tab' − tab ∈ {0, 1}", 2, dt * (dt - 1))

    def assertions(self, pi: StateInputs, n: int) -> list[Assertion]:
        out = [Assertion(L.START, 0, 1, "the first row starts a block"),
               Assertion(L.FIRST, 0, 1, "first[0] = 1"),
               Assertion(L.PAD, n - 1, 1, "the last row is padding"),
               Assertion(L.TAB, 0, 0, "tab starts at 0"),
               Assertion(L.TAB, n - 1, L.TABLE_SIZE - 1, "tab ends at 255")]
        out += [Assertion(L.ROOT[j], 0, pi.prev_root[j], f"R[{j}] starts at prev_root") for j in range(_K)]
        out += [Assertion(L.ROOT[j], n - 1, pi.new_root[j], f"R[{j}] ends at new_root") for j in range(_K)]
        return out

    # ---- the access bus and the byte lookups --------------------------------------------------------
    def access_values(self, row: Sequence) -> list:
        """The bus tuple of an access (read on rows where ``H0`` is 1)."""
        return [row[x] for x in L.ACCESS_BLOCK]

    def public_sum(self, pi: StateInputs | None, challenges: Sequence[Ext]) -> Ext:
        """V = Σ_k 1/(α − φ(access k)) over the public list (cached for the last challenges)."""
        if pi is None or not isinstance(challenges[0], Ext):
            return Ext.zero()
        key = tuple(ch.c for ch in challenges[:2])
        cached = self._sum_cache
        if cached is None or cached[0] is not pi or cached[1] != key:   # holds pi: its id stays unique
            cached = self._sum_cache = (pi, key, self.bus.public_sum(pi.tuples(), challenges[:2]))
        return cached[2]

    def aux_transition_names(self) -> list[str]:
        return (["access bus: u·(α − φ) = 1"]
                + [f"bytes {2 * q}, {2 * q + 1}: u·(β − a)(β − b) = m·(2β − a − b)" for q in range(4)]
                + ["table: v·(β − tab) = tab_mult", "S' = S + H0·u + Σ u_k − v − first·V"])

    def aux_transition_degrees(self) -> list[int]:
        return [2, 3, 3, 3, 3, 2, 2]

    def cyclic_aux_transitions(self) -> frozenset[int]:
        return frozenset(range(7))

    def evaluate_aux_transition(self, cur, nxt, aux_cur, aux_nxt, challenges, pi) -> list:
        alpha, gamma, beta = challenges[0], challenges[1], challenges[2]
        u = aux_cur[L.AUX_BUS]
        phi = self.bus.fingerprint(self.access_values(cur), gamma)
        out = [u * (alpha - phi) - 1]
        m = cur[L.H0] + cur[L.H1] + cur[L.H2] + cur[L.H3]
        total = cur[L.H0] * u
        for q, col in enumerate(L.AUX_RANGE):
            a, b = cur[L.BYTES[2 * q]], cur[L.BYTES[2 * q + 1]]
            uk = aux_cur[col]
            out.append(uk * (beta - a) * (beta - b) - m * (beta * 2 - a - b))
            total = total + uk
        v = aux_cur[L.AUX_TABLE]
        out.append(v * (beta - cur[L.TAB]) - cur[L.TAB_MULT])
        vsum = self.public_sum(pi, challenges)
        out.append(aux_nxt[L.AUX_SUM] - aux_cur[L.AUX_SUM] - total + v + cur[L.FIRST] * vsum)
        return out

    def build_aux_trace(self, main: np.ndarray, challenges: Sequence[Ext], pi: StateInputs) -> np.ndarray:
        alpha, gamma, beta = challenges
        n = main.shape[0]
        aux = np.zeros((n, L.AUX_WIDTH, 5), dtype=np.uint64)
        tuples = np.ascontiguousarray(main[:, L.ACCESS_BLOCK])
        bus = self.bus.build(tuples, main[:, L.H0], [alpha, gamma])  # (n, 2, 5): u, running sum of H0·u
        aux[:, L.AUX_BUS] = bus[:, PublicBus.U]
        total = ek.ext_mul_base(bus[:, PublicBus.U].copy(), np.ascontiguousarray(main[:, L.H0]))
        m = (main[:, L.H0] + main[:, L.H1] + main[:, L.H2] + main[:, L.H3]) % P
        beta_rows = np.broadcast_to(beta.to_array(), (n, 5))
        inv_all = ek.ext_batch_inv(np.ascontiguousarray(np.concatenate(
            [ek.ext_sub(beta_rows.copy(), ek.base_to_ext(np.ascontiguousarray(main[:, col]))) for col in
             [*L.BYTES, L.TAB]])))
        for q, col in enumerate(L.AUX_RANGE):
            ia = inv_all[2 * q * n:(2 * q + 1) * n]
            ib = inv_all[(2 * q + 1) * n:(2 * q + 2) * n]
            uk = ek.ext_mul_base(ek.ext_add(ia, ib), m)
            aux[:, col] = uk
            total = ek.ext_add(total, uk)
        v = ek.ext_mul_base(inv_all[8 * n:9 * n].copy(), np.ascontiguousarray(main[:, L.TAB_MULT]))
        aux[:, L.AUX_TABLE] = v
        total = ek.ext_sub(total, v)
        # S_0 = 0, S_{r+1} = S_r + total_r − first_r·V (the terms sum to V, so the cycle closes)
        total[0] = ek.ext_sub(total[0:1], self.public_sum(pi, challenges).to_array()[None, :])[0]
        aux[1:, L.AUX_SUM] = np.cumsum(total, axis=0, dtype=np.uint64)[:-1] % np.uint64(P)
        return aux

    def aux_assertions(self, challenges, pi, n) -> list[Assertion]:
        return []


# ---------------------------------------------------------------------------------------------
# Bus mode: the accesses come from other tables
# ---------------------------------------------------------------------------------------------

_BUS_INPUTS_TAG = b"state-bus-inputs"
"""Leading bytes of a :class:`StateBusInputs` encoding (a :class:`StateInputs` encoding starts with a root)."""


@dataclass(frozen=True, eq=False)
class StateBusInputs:
    """``access_count`` accesses, received over the access bus, take the tree from ``prev_root`` to ``new_root``.

    ``bus_claim`` is the table's bus claim once the proof fixes it (see :meth:`StateBusAir.bind_claims`);
    it is not part of the statement's bytes: the transcript absorbs the claim on its own.
    """

    prev_root: Digest
    new_root: Digest
    access_count: int
    bus_claim: Ext | None = None

    def __post_init__(self):
        object.__setattr__(self, "prev_root", _digest(self.prev_root, "prev_root"))
        object.__setattr__(self, "new_root", _digest(self.new_root, "new_root"))
        count = int(self.access_count)
        if not 1 <= count < P:
            raise ValueError("access_count is a positive count below p")
        object.__setattr__(self, "access_count", count)
        if self.bus_claim is not None and not isinstance(self.bus_claim, Ext):
            raise ValueError("bus_claim is an extension element")


class StateBusAir(StateAir):
    """:class:`StateAir` with a private access list: the accesses arrive over the bus from other tables.

    Public inputs: :class:`StateBusInputs`.  One bus claim, V = Σ_rows H0·u; the running sum closes
    with it (``S' = S + H0·u + Σ u_k − v − first·V``), and the verifier of the joint proof checks it
    against the other tables' claims.
    """

    name = "state-bus"
    num_bus_claims = 1

    def public_inputs_bytes(self, pi: StateBusInputs) -> bytes:
        if not isinstance(pi, StateBusInputs):
            raise TypeError("the state table in bus mode takes StateBusInputs")
        return b"".join([_BUS_INPUTS_TAG, struct.pack("<8I", *pi.prev_root), struct.pack("<8I", *pi.new_root),
                         struct.pack("<I", pi.access_count)])

    def assertions(self, pi: StateBusInputs, n: int) -> list[Assertion]:
        # idx' = idx + H4 and one H4 row per block: the blocks carry idx 0 … access_count − 1
        return super().assertions(pi, n) + [
            Assertion(L.IDX, 0, 0, "idx starts at 0"),
            Assertion(L.IDX, n - 1, pi.access_count, "idx ends at access_count"),
        ]

    def public_sum(self, pi: StateBusInputs | None, challenges: Sequence[Ext]) -> Ext:
        """The bound bus claim: what the blocks' fractions must add up to."""
        if pi is None or not isinstance(challenges[0], Ext):
            return Ext.zero()
        if pi.bus_claim is None:
            raise ValueError("the state table's bus claim is not bound yet (bind_claims)")
        return pi.bus_claim

    def bus_claims(self, main: np.ndarray, aux: np.ndarray, challenges: Sequence[Ext],
                   pi: StateBusInputs) -> list[Ext]:
        terms = ek.ext_mul_base(np.ascontiguousarray(aux[:, L.AUX_BUS]), np.ascontiguousarray(main[:, L.H0]))
        return [Ext.from_array(np.sum(terms % np.uint64(P), axis=0, dtype=np.uint64) % np.uint64(P))]

    def bind_claims(self, pi: StateBusInputs, claims: Sequence[Ext]) -> StateBusInputs:
        bound = copy.copy(pi)
        object.__setattr__(bound, "bus_claim", claims[0])
        return bound

    def build_aux_trace(self, main: np.ndarray, challenges: Sequence[Ext], pi: StateBusInputs) -> np.ndarray:
        # Build with the sum closed by 0, then close it with V: every S_r, r ≥ 1, moves by −V
        # (S_{r+1} = S_r + total_r − first_r·V).
        aux = super().build_aux_trace(main, challenges, self.bind_claims(pi, [Ext.zero()]))
        v = self.bus_claims(main, aux, challenges, pi)[0].to_array()
        aux[1:, L.AUX_SUM] = ek.ext_sub(np.ascontiguousarray(aux[1:, L.AUX_SUM]), v[None, :])
        return aux

    def aux_assertions(self, challenges, pi, n, claims=None) -> list[Assertion]:
        return []
