"""The memory chiplet: one 32-byte memory access (MLOAD, MSTORE, MSTORE8) on three rows.

A copy's 1-byte units write the last byte of their word instead (flag ch_msth, see
:mod:`circuits.vm.copy`): like MSTORE8 with v_31 for v_0.

Memory is a set of 32-byte words, word w holding addresses 32w … 32w + 31, its limb l (little-endian,
as every word in the trace) being the byte at address 32w + 31 − l — so an aligned MLOAD reads the word
as it is stored.  An access at offset = 32w + s reads or writes the window of 32 bytes that starts at
limb 31 − s of word w and runs into word w + 1.  Each word's history is a chain of *versions*
(TAG_MEM, w, time, 32 bytes) on the memory bus, as the stack's slots are (:mod:`circuits.vm.bus`): an
access consumes the current versions of words w and w + 1 and produces new ones at its time, and
:mod:`circuits.vm.memory_words` produces each word's zero version at time 0 and consumes its last.

Rows of one instance (flags ch_m0; ch_mld, ch_mst or ch_mst8; ch_m2), with t = the CPU step's clk:

    M0   W2 = t − tpA − 1, t − tpB − 1 (3 bytes each)               the versions read are older
    M1   W0 = A, W1 = B (versions read, times tpA = mt1, tpB = mt2)   W2 = v (the value)   mw = w, mtn = t
    M2   W0 = A', W1 = B' (versions written at mt1 = mt2 = t)        W2 = h (one-hot at s) mw = w

With h one-hot, (A ‖ B) as one 64-limb string moves by s bytes (:mod:`circuits.vm.windows`):

    MLOAD    v_k  = Σ_j h_j · C_{32 + k − j},  C = (B_0 … B_31, A_0 … A_31);   A' = A, B' = B
    MSTORE   A'_l = Σ_j h_j · v_{l + j} + (Σ_{j > 31 − l} h_j) · A_l             (limbs l ≤ 31 − s take v)
             B'_l = Σ_j h_j · v_{l + j − 32} + (Σ_{j < 32 − l} h_j) · B_l        (limbs l ≥ 32 − s take v)
    MSTORE8  A'_l = h_{31 − l} · v_0 + (1 − h_{31 − l}) · A_l;                   B' = B
    (msth)   A'_l = h_{31 − l} · v_31 + (1 − h_{31 − l}) · A_l;                  B' = B

The memory bus column holds two fractions a row: F_A = (mw, mt1, W0) with numerator
m2 − m1 + mreg, and F_B = (mw + m1 + m2, mt2, W1) with numerator m2 − m1 − mreg (m1 = ch_mld +
ch_mst + ch_mst8, m2 = ch_m2): M1 consumes (w, tpA, A) and (w + 1, tpB, B), M2 produces (w, t, A') and
(w + 1, t, B'), a memory-words row produces (w, 0, 0) and consumes (w, t_last, final).

M1 answers the CPU's request (:mod:`circuits.vm.memory`) with (TAG_MEMREQ + group, t, 32·w + s, v),
s = Σ_j j·h_j.  The CPU bounds the offset below 2^24 and the memory-words rows bound every word
index below 2^24, so 32·w + s = offset holds over the integers: w and s are the offset's own.
"""

from __future__ import annotations

from typing import Any

from circuits.vm import expr as E
from circuits.vm.expr import Constraint
from circuits.vm.layout import Row
from circuits.vm.opcodes import Group
from circuits.vm.tables import TAG_MEM, TAG_MEMREQ
from circuits.vm.windows import window_sums

FIRST_ROW_FLAGS = {Group.MLOAD: "ch_mld", Group.MSTORE: "ch_mst", Group.MSTORE8: "ch_mst8"}
HIGH_BYTE_CODE = 255
"""Request code of the high-byte write (no opcode's group: TAG_MEMREQ + 255)."""
RESPONSE_CODES = {**{f: int(g) for g, f in FIRST_ROW_FLAGS.items()}, "ch_msth": HIGH_BYTE_CODE}
MEMORY_TUPLE = 3 + 32


def access_row(row: Row) -> Any:
    """m1: the row holds the versions an access reads."""
    return row.ch_mld + row.ch_mst + row.ch_mst8 + row.ch_msth


def version_fp(betas: list, address: Any, time: Any, word: list) -> Any:
    return E.lincomb(betas[1:MEMORY_TUPLE], [address, time, *word]) + TAG_MEM


def fractions(cur: Row, betas: list) -> list[tuple[Any, Any]]:
    """The memory bus column's two fractions (numerator, fingerprint)."""
    m1, m2, reg = access_row(cur), cur.ch_m2, cur.ch_mreg
    f_a = version_fp(betas, cur.mw, cur.mt1, list(cur.w0))
    f_b = version_fp(betas, cur.mw + m1 + m2, cur.mt2, list(cur.w1))
    return [(m2 - m1 + reg, f_a), (m2 - m1 - reg, f_b)]


def response(cur: Row, nxt: Row, betas: list) -> tuple[Any, Any]:
    """(numerator, fingerprint) of the answer to the CPU's memory request."""
    tag = E.total(getattr(cur, f) * (TAG_MEMREQ + code) for f, code in RESPONSE_CODES.items())
    s = E.total(nxt.w2[j] * j for j in range(1, 32))
    return -access_row(cur), E.lincomb(betas[1:MEMORY_TUPLE], [cur.mtn, cur.mw * 32 + s, *cur.w2]) + tag


def constraints(cur: Row, nxt: Row) -> list[Constraint]:
    m0, m1, m2 = cur.ch_m0, access_row(cur), cur.ch_m2
    mld, mst, mst8, msth = cur.ch_mld, cur.ch_mst, cur.ch_mst8, cur.ch_msth
    out = [
        Constraint("memory row M0 is followed by M1", m0 * (1 - access_row(nxt)), 2, False),
        Constraint("memory row M1 follows M0", access_row(nxt) * (1 - m0), 2, False),
        Constraint("memory row M1 is followed by M2", m1 * (1 - nxt.ch_m2), 2, False),
        Constraint("memory row M2 follows M1", nxt.ch_m2 * (1 - m1), 2, False),
        Constraint("word A read was written earlier", m0 * (E.packed(cur.w2[0:3]) - nxt.mtn + nxt.mt1 + 1), 2, False),
        Constraint("word B read was written earlier", m0 * (E.packed(cur.w2[3:6]) - nxt.mtn + nxt.mt2 + 1), 2, False),
        Constraint("M2 writes the same word", m1 * (nxt.mw - cur.mw), 2, False),
        Constraint("M2 writes A' at the access time", m1 * (nxt.mt1 - cur.mtn), 2, False),
        Constraint("M2 writes B' at the access time", m1 * (nxt.mt2 - cur.mtn), 2, False),
        Constraint("one-hot offset in the word", m1 * (E.total(nxt.w2) - 1), 2, False),
    ]
    out += E.named(E.family(lambda h_: m2 * h_ * (1 - h_), list(cur.w2)), "memory h[{}] is 0 or 1", 3, True)
    a, b, v = list(cur.w0), list(cur.w1), list(cur.w2)
    a2, b2, h = list(nxt.w0), list(nxt.w1), list(nxt.w2)
    read = window_sums(h, [*b, *a], 32, -1)
    write_a = window_sums(h, v, 0, 1)
    write_b = window_sums(h, v, -32, 1)
    keep_a, keep_b = [0], [E.total(h)]  # Σ_{j > 31 − k} h_j: limb k of A kept; Σ_{j < 32 − k} h_j: of B
    for k in range(1, 32):
        keep_a.append(keep_a[-1] + h[32 - k])
        keep_b.append(keep_b[-1] - h[32 - k])
    byte_here = h[::-1]
    out += E.named(E.family(lambda v_, r_: mld * (v_ - r_), v, read), "MLOAD limb {}", 3, False)
    out += E.named(E.family(lambda a_, a2_, wa, ka, bh: m1 * a2_ - mld * a_ - mst * (wa + ka * a_)
                           - mst8 * (bh * v[0] + (1 - bh) * a_) - msth * (bh * v[31] + (1 - bh) * a_),
                           a, a2, write_a, keep_a, byte_here),
                  "memory A' limb {}", 3, False)
    out += E.named(E.family(lambda b_, b2_, wb, kb: m1 * b2_ - (mld + mst8 + msth) * b_ - mst * (wb + kb * b_),
                           b, b2, write_b, keep_b), "memory B' limb {}", 3, False)
    return out
