"""The shift chiplet: SHL, SHR and BYTE as a one-hot byte move and a multiplication by a power of two.

The request (see :mod:`circuits.vm.chiplets`) gives the chiplet s = W0 (shift, or BYTE's index i),
the value a = W1, the CPU's result and small = [s < 256] (the CPU's second zero test).  With
s_0 = 8q + r (q < 32, r < 8 when small):

    SHL   a << s  = (a · 2^r) moved up q bytes           (truncated to 32 bytes)
    SHR   a >> s  = (a · 2^(8−r)) moved down q + 1 bytes   (a >> r = ⌊a · 2^(8−r) / 256⌋)
    BYTE  byte i of a from the top = a_{31−i} (little-endian limb), when i < 32

and every result is 0 when small = 0 (or i ≥ 32 for BYTE).  One instance takes two rows:

    row 1  ch_shl | ch_shr | ch_byte   W0 = s   W1 = a        W2 = y (33-byte product, low 32 bytes)
           small, r = b0 + 2 b1 + 4 b2, pow = 2^r, m, inr
    row 2  ch_sh2                      W0 = result   W1 = h (one-hot byte position)   W2 = carries c

Constraints (sh1 = ch_shl + ch_shr + ch_byte, mul = ch_shl + ch_shr):

    pow = (1 + b0)(1 + 3 b1)(1 + 15 b2) = 2^r,   b_i ∈ {0, 1}
    ch_shl · (m − pow) = 0,   ch_shr · (m · pow − 256) = 0            m = 2^r or 2^(8−r)
    mul · (a_k · m + c_{k−1} − y_k − 256 c_k) = 0                       y = a · m, y_32 = c_31
    mul · small · (s_0 − 8 Σ_j j·h_j − r) = 0                            q = position of the one-hot
    sh1 · Σ_j h_j = mul · small + ch_byte · inr,   ch_sh2 · h_j (1 − h_j) = 0
    sh1 · result_k = ch_shl Σ_j h_j y_{k−j} + ch_shr Σ_j h_j y_{k+1+j} + ch_byte [k = 0] Σ_j h_j a_j

y and c are range-checked bytes (W2 slots), so a_k · m + c_{k−1} < 2^17 and the product is exact.
BYTE: inr = [i < 32] ⟹ small, ch_byte · inr · (s_0 + Σ_j j·h_j − 31) = 0 picks limb 31 − i, and
when small and not inr, y_0 = s_0 − 32 is a range-checked byte, which proves i ≥ 32.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from circuits.field import P
from circuits.values import BaseVec
from circuits.vm import expr as E
from circuits.vm.expr import Constraint
from circuits.vm.layout import Row

_P = np.uint64(P)


def first_row(row: Row):
    return row.ch_shl + row.ch_shr + row.ch_byte


def moved_sums(h: Sequence, y: Sequence, up: bool) -> list:
    """For k < 32: Σ_j h_j · y_{k−j} (``up``) or Σ_j h_j · y_{k+1+j} (down), y indexed 0 … len(y) − 1.

    On whole columns this runs as 32 vector products over (rows, 32) blocks; elsewhere term by term.
    """
    if all(isinstance(v, BaseVec) for v in (*h, *y)):
        H = np.stack([v.v for v in h], axis=1)
        Y = np.stack([v.v for v in y], axis=1)
        n = H.shape[0]
        Yp = np.zeros((n, 32 + len(y) + 32), dtype=np.uint64)  # y padded with 32 zeros both sides
        Yp[:, 32:32 + len(y)] = Y
        acc = np.zeros((n, 32), dtype=np.uint64)
        for j in range(len(h)):
            start = 32 - j if up else 32 + 1 + j  # window so that column k holds y_{k−j} or y_{k+1+j}
            acc += (H[:, j:j + 1] * Yp[:, start:start + 32]) % _P
        acc %= _P
        return [BaseVec(acc[:, k].copy()) for k in range(32)]
    out = []
    for k in range(32):
        terms = []
        for j in range(len(h)):
            t = k - j if up else k + 1 + j
            if 0 <= t < len(y):
                terms.append(h[j] * y[t])
        out.append(E.total(terms))
    return out


def constraints(cur: Row, nxt: Row) -> list[Constraint]:
    shl, shr, byte, small, inr = cur.ch_shl, cur.ch_shr, cur.ch_byte, cur.ch_small, cur.ch_inr
    sh1 = first_row(cur)
    mul = shl + shr
    b0, b1, b2 = cur.bits
    r = b0 + b1 * 2 + b2 * 4
    s0 = cur.w0[0]
    a, y = cur.w1, cur.w2
    h, c, result = nxt.w1, nxt.w2, nxt.w0
    position = E.total(h[j] * j for j in range(1, 32))
    out = [
        Constraint("shift row 1 is followed by its row 2", sh1 * (1 - nxt.ch_sh2), 2, False),
        Constraint("shift row 2 follows a row 1", nxt.ch_sh2 * (1 - sh1), 2, False),
    ]
    for i, bit in enumerate(cur.bits):
        out.append(Constraint(f"shift bit {i} is 0 or 1", bit * (1 - bit), 2, True))
    for name in ("ch_small", "ch_inr"):
        v = getattr(cur, name)
        out.append(Constraint(f"{name} is 0 or 1", v * (1 - v), 2, True))
    out += [
        Constraint("pow = 2^r", cur.ch_pow - (b0 + 1) * (b1 * 3 + 1) * (b2 * 15 + 1), 3, True),
        Constraint("SHL multiplies by 2^r", shl * (cur.ch_m - cur.ch_pow), 2, True),
        Constraint("SHR multiplies by 2^(8−r)", shr * (cur.ch_m * cur.ch_pow - 256), 3, True),
        Constraint("shift = 8 · byte position + r", mul * small * (s0 - position * 8 - r), 3, False),
        Constraint("one-hot position set iff the result can be non-zero",
                   sh1 * E.total(h) - mul * small - byte * inr, 2, False),
        Constraint("BYTE index in range only below 256", byte * inr * (1 - small), 3, True),
        Constraint("BYTE picks limb 31 − i", byte * inr * (s0 + position - 31), 3, False),
        Constraint("BYTE index ≥ 32 proven", byte * ((small - inr) * (s0 - 32) - y[0]), 3, True),
    ]
    for j in range(32):
        hj = cur.w1[j]
        out.append(Constraint(f"h[{j}] is 0 or 1", cur.ch_sh2 * hj * (1 - hj), 3, True))
    for k in range(32):
        carry_in = c[k - 1] if k else 0
        out.append(Constraint(f"shift product byte {k}", mul * (a[k] * cur.ch_m + carry_in - y[k] - c[k] * 256), 3, False))
    wide = [*y, c[31]]  # y_32 is the last carry
    up = moved_sums(h, y, True)
    down = moved_sums(h, wide, False)
    picked = E.total(h[j] * a[j] for j in range(32))
    for k in range(32):
        expr = sh1 * result[k] - shl * up[k] - shr * down[k]
        if k == 0:
            expr = expr - byte * picked
        out.append(Constraint(f"shift result byte {k}", expr, 3, False))
    return out
