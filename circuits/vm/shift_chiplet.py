"""The shift chiplet: SHL, SHR, SAR, BYTE and SIGNEXTEND as a one-hot byte move (and a multiplication by a
power of two for the shifts).

The request (see :mod:`circuits.vm.chiplets`) gives the chiplet s = W0 (shift, BYTE's index i or
SIGNEXTEND's byte number b), the value a = W1, the CPU's result, small = [s < 256] (the CPU's second
zero test) and, for SAR, neg = the sign bit of a (the CPU's sb, see :mod:`circuits.vm.comparison`).
With s_0 = 8q + r (q < 32, r < 8 when small):

    SHL   a << s  = (a · 2^r) moved up q bytes           (truncated to 32 bytes)
    SHR   a >> s  = (a · 2^(8−r)) moved down q + 1 bytes   (a >> r = ⌊a · 2^(8−r) / 256⌋)
    SAR   SHR(s, a) + neg · (2^256 − 2^(256−s))           (s ≥ 256: neg · (2^256 − 1))
    BYTE  byte i of a from the top = a_{31−i} (little-endian limb), when i < 32
    SIGNEXTEND  bytes 0 … b of a, and 255 · sxs above b, when b < 32 (sxs = bit 7 of a_b); a when b ≥ 32

and every SHL, SHR and BYTE result is 0 when small = 0 (or i ≥ 32 for BYTE).  SAR is SHR plus the
sign fill: a negative a is a − 2^256, and ⌊(a − 2^256) / 2^s⌋ = ⌊a / 2^s⌋ − 2^(256−s), i.e. the
fill sets bits 256 − s … 255.  By bytes, with the one-hot h at q and m = 2^(8−r), the fill is

    F_k = 255 · (1 − small) + 255 · Σ_{j ≥ 32−k} h_j + h_{31−k} · (256 − m)

(whole bytes above byte 31 − q, the top r bits of byte 31 − q, everything when s ≥ 256); the SHR
part is 0 on the whole bytes and below m on byte 31 − q, so each sum is a byte.  One instance takes
two rows:

    row 1  ch_shl | ch_shr | ch_sar | ch_byte | ch_sx
           W0 = s   W1 = a   W2 = y (33-byte product, low 32 bytes; BYTE, SIGNEXTEND: helpers y_0, y_1)
           small, r = b0 + 2 b1 + 4 b2, pow = 2^r, m, inr, neg, sxs
    row 2  ch_sh2                      W0 = result   W1 = h (one-hot byte position)   W2 = carries c

Constraints (sh1 = ch_shl + ch_shr + ch_sar + ch_byte + ch_sx, mul = ch_shl + ch_shr + ch_sar,
S_k = Σ_{j ≥ k} h_j):

    pow = (1 + b0)(1 + 3 b1)(1 + 15 b2) = 2^r,   b_i ∈ {0, 1}
    ch_shl · (m − pow) = 0,   (ch_shr + ch_sar) · (m · pow − 256) = 0          m = 2^r or 2^(8−r)
    mul · (a_k · m + c_{k−1} − y_k − 256 c_k) = 0                       y = a · m, y_32 = c_31
    mul · small · (s_0 − 8 Σ_j j·h_j − r) = 0                            q = position of the one-hot
    sh1 · Σ_j h_j = mul · small + (ch_byte + ch_sx) · inr,   ch_sh2 · h_j (1 − h_j) = 0
    neg · (ch_sar − neg) = 0,   sxs · (ch_sx − sxs) = 0                 sign bits, 0 off their rows
    sh1 · result_k = ch_shl Σ_j h_j y_{k−j} + (ch_shr + ch_sar) Σ_j h_j y_{k+1+j} + ch_byte [k = 0] Σ_j h_j a_j
                     + neg · F_k + ch_sx · a_k · (S_k + 1 − inr) + 255 · sxs · (Σ_j h_j − S_k)

y and c are range-checked bytes (W2 slots), so a_k · m + c_{k−1} < 2^17 and the product is exact.
BYTE: inr = [i < 32] ⟹ small, ch_byte · inr · (s_0 + Σ_j j·h_j − 31) = 0 picks limb 31 − i, and
when small and not inr, y_0 = s_0 − 32 is a range-checked byte, which proves i ≥ 32.
SIGNEXTEND: the same in-range flag inr = [b < 32] with ch_sx · inr · (s_0 − Σ_j j·h_j) = 0 (the
one-hot sits at byte b) and y_0 = (small − inr)(s_0 − 32) ∈ [0, 256); the sign bit of the picked
byte x_b = Σ_j h_j a_j is pinned as SLT/SGT pin theirs, by the range-checked helper

    ch_sx · (y_1 − 2 · (Σ_j h_j a_j − 128 · sxs)) = 0,   y_1 ∈ [0, 256)  ⟹  x_b − 128·sxs ∈ [0, 128)

so result byte k is a_k for k ≤ b (S_k = 1) and 255 · sxs above it; when b ≥ 32, h = 0 and the
result is a (and y_1 = −256·sxs forces sxs = 0).  b = 31 takes byte 31 as its sign byte, which gives
a as the EVM's b ≥ 31 rule does.  SAR's neg is the sign bit the CPU row proved for a (sb, pinned by
its helper hb), carried by the request tuple, and neg · F_k has degree 3 because neg is a column of
its own (0 off SAR rows) rather than ch_sar times a sign.
"""

from __future__ import annotations

from circuits.vm import expr as E
from circuits.vm.expr import Constraint
from circuits.vm.layout import Row
from circuits.vm.windows import window_sums


def first_row(row: Row):
    return row.ch_shl + row.ch_shr + row.ch_sar + row.ch_byte + row.ch_sx


def constraints(cur: Row, nxt: Row) -> list[Constraint]:
    shl, shr, sar, byte, sx = cur.ch_shl, cur.ch_shr, cur.ch_sar, cur.ch_byte, cur.ch_sx
    small, inr, neg, sxs = cur.ch_small, cur.ch_inr, cur.ch_neg, cur.ch_sxs
    sh1 = first_row(cur)
    down_ops = shr + sar
    mul = shl + down_ops
    b0, b1, b2 = cur.bits
    r = b0 + b1 * 2 + b2 * 4
    s0 = cur.w0[0]
    a, y = cur.w1, cur.w2
    h, c, result = list(nxt.w1), list(nxt.w2), list(nxt.w0)
    position = E.total(h[j] * j for j in range(1, 32))
    picked_byte = E.total(h[j] * a[j] for j in range(32))  # a at the one-hot's position
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
        Constraint("SHR multiplies by 2^(8−r)", down_ops * (cur.ch_m * cur.ch_pow - 256), 3, True),
        Constraint("shift = 8 · byte position + r", mul * small * (s0 - position * 8 - r), 3, False),
        Constraint("one-hot position set iff the result can be non-zero",
                   sh1 * E.total(h) - mul * small - (byte + sx) * inr, 2, False),
        Constraint("BYTE index in range only below 256", byte * inr * (1 - small), 3, True),
        Constraint("BYTE picks limb 31 − i", byte * inr * (s0 + position - 31), 3, False),
        Constraint("BYTE index ≥ 32 proven", byte * ((small - inr) * (s0 - 32) - y[0]), 3, True),
        Constraint("SAR sign neg is a bit, 0 off SAR rows", neg * (sar - neg), 2, True),
        Constraint("SIGNEXTEND sign sxs is a bit, 0 off SIGNEXTEND rows", sxs * (sx - sxs), 2, True),
        Constraint("SIGNEXTEND byte number in range only below 256", sx * inr * (1 - small), 3, True),
        Constraint("SIGNEXTEND picks byte b", sx * inr * (s0 - position), 3, False),
        Constraint("SIGNEXTEND byte number ≥ 32 proven", sx * ((small - inr) * (s0 - 32) - y[0]), 3, True),
        Constraint("SIGNEXTEND sign helper = 2·(x_b − 128·sxs)", sx * (y[1] - (picked_byte - sxs * 128) * 2), 3,
                   False),
    ]
    out += E.named(E.family(lambda h_: cur.ch_sh2 * h_ * (1 - h_), list(cur.w1)), "h[{}] is 0 or 1", 3, True)
    carry_in = [0, *c[:31]]
    out += E.named(E.family(lambda a_, cin, y_, c_: mul * (a_ * cur.ch_m + cin - y_ - c_ * 256),
                            list(a), carry_in, list(y), list(c)), "shift product byte {}", 3, False)
    wide = [*y, c[31]]  # y_32 is the last carry
    up = window_sums(h, y, 0, -1)       # y_{k−j}
    down = window_sums(h, wide, 1, 1)   # y_{k+1+j}
    picked = [picked_byte] + [0] * 31
    suffix = suffix_sums(h)             # S_k = Σ_{j ≥ k} h_j, S_32 = 0
    total_h = suffix[0]
    s_low = suffix[:32]                                  # S_k
    s_high = [suffix[32 - k] for k in range(32)]         # S_{32−k}
    h_high = [h[31 - k] for k in range(32)]              # h_{31−k}

    def result_byte(r_, u_, d_, p_, a_, sk, shi, hhi):
        fill = neg * (255 - small * 255 + shi * 255 + hhi * (256 - cur.ch_m))  # SAR's sign fill F_k
        extend = sx * a_ * (sk + 1 - inr) + sxs * (total_h - sk) * 255       # SIGNEXTEND's byte k
        return sh1 * r_ - shl * u_ - down_ops * d_ - byte * p_ - fill - extend

    out += E.named(E.family(result_byte, list(result), up, down, picked, list(a), s_low, s_high, h_high),
                   "shift result byte {}", 3, False)
    return out


def suffix_sums(h: list) -> list:
    """[Σ_{j ≥ k} h_j for k in 0 … 32] (the last is 0)."""
    out: list = [0] * (len(h) + 1)
    for k in range(len(h) - 1, -1, -1):
        out[k] = h[k] + out[k + 1] if k < len(h) - 1 else h[k]
    return out
