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

from circuits.vm import expr as E
from circuits.vm.expr import Constraint
from circuits.vm.layout import Row
from circuits.vm.windows import window_sums


def first_row(row: Row):
    return row.ch_shl + row.ch_shr + row.ch_byte


def constraints(cur: Row, nxt: Row) -> list[Constraint]:
    shl, shr, byte, small, inr = cur.ch_shl, cur.ch_shr, cur.ch_byte, cur.ch_small, cur.ch_inr
    sh1 = first_row(cur)
    mul = shl + shr
    b0, b1, b2 = cur.bits
    r = b0 + b1 * 2 + b2 * 4
    s0 = cur.w0[0]
    a, y = cur.w1, cur.w2
    h, c, result = list(nxt.w1), list(nxt.w2), list(nxt.w0)
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
    out += E.named(E.family(lambda h_: cur.ch_sh2 * h_ * (1 - h_), list(cur.w1)), "h[{}] is 0 or 1", 3, True)
    carry_in = [0, *c[:31]]
    out += E.named(E.family(lambda a_, cin, y_, c_: mul * (a_ * cur.ch_m + cin - y_ - c_ * 256),
                            list(a), carry_in, list(y), list(c)), "shift product byte {}", 3, False)
    wide = [*y, c[31]]  # y_32 is the last carry
    up = window_sums(h, y, 0, -1)       # y_{k−j}
    down = window_sums(h, wide, 1, 1)   # y_{k+1+j}
    picked = [E.total(h[j] * a[j] for j in range(32))] + [0] * 31
    out += E.named(E.family(lambda r_, u_, d_, p_: sh1 * r_ - shl * u_ - shr * d_ - byte * p_,
                            list(result), up, down, picked), "shift result byte {}", 3, False)
    return out
