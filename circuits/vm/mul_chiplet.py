"""The multiplication chiplet: MUL, DIV and MOD as one identity over 256-bit words,

    Q · b + R = L + 2^256 · H,

    MUL   Q = a, R = 0, L = the result              (H, the high half, is dropped)
    DIV   Q = the result, R < b, L = a, H = 0       (a = q·b + r: q = ⌊a/b⌋, r = a mod b)
    MOD   R = the result, R < b, L = a, H = 0

checked over byte limbs with a carry per pair of bytes.  Six rows per instance (a division by zero
never gets here, see :mod:`circuits.vm.arithmetic`):

    N0   ch_n0                W0[0…15] = borrows   W2 = d = b − R − 1 (DIV, MOD)
    N1   ch_mul|ch_div|ch_mod W0 = a   W1 = b      W2 = R          (ch_dw: W0 = D, see below)
    N2   ch_n2                W0 = result          W1 = C (32 carries)   W2 = Q
    N3   ch_n3                W1 = C               W2 = C mod 256
    N4   ch_n4                W2 = ⌊C / 256⌋
    N5   ch_n5                W2 = ⌊C / 256⌋ + 192  (so ⌊C / 256⌋ < 64 and C < 2^14)

N1 answers the CPU's request (a = W0, b = W1 and the next row's W0 = the result).  With
S_t = Σ_{i+j=t} Q_i b_j (a one-hot-free window sum, :mod:`circuits.vm.windows`) and pair sums
P_k = S_{2k} + 2^8 S_{2k+1}, for each pair k of result bytes:

    P_k + R_k + C_{k−1} = L_k + 2^16 · C_k           k < 16  (R_k, L_k: byte pairs of R and L)
    P_k + C_{k−1} = 2^16 · C_k,   C_31 = 0            k ≥ 16, DIV and MOD only: the product has no high half

Every term is below 2^31 in magnitude — |P_k| < 5.4·10^8, C_k < 2^14 — so each identity holds over
the integers, and the chain is exact multiplication: for MUL the low 256 bits of a·b, for DIV and MOD
a = Q·b + R exactly.  Q, R are range-checked bytes (W2 of N2 and N1) and d ≥ 0 with
R + d + 1 = b (a borrow chain over byte pairs with bits in N0's W0) proves R < b — so a result that
wrapped past 2^256 (say 0 = 2^255 mod 3 with Q·3 + 0 ≡ 2^255 only modulo 2^256) cannot be written.

**Wide division** (flag ch_dw on N1, asked by ADDMOD's and MULMOD's rows, :mod:`circuits.vm.modular`):
the dividend is a 512-bit number given as 32 *digits* D_0 … D_31, one per limb of N1's W0, worth
Σ_k D_k · 2^(16k) — any field values the asker bounds (it sends D_k ∈ [0, 2^30)), not canonical
16-bit pairs.  N1 = (D, b, R), N2 = (R, C', Q): the answer is (D, b, R) and

    P_k + R_k + C_{k−1} = D_k + 2^16 · C_k        (R_k = 0 for k ≥ 16, C_{−1} = C_31 = 0)

with signed carries stored as C' = C + 2^13 in [0, 2^14) (the same N3…N5 range rows).  The carry of a
difference of two digit sums can be negative, hence the bias; |P_k − D_k + R_k| < 2^30 and
2^16 · |C| < 2^30, so every identity holds over the integers and Q·b + R = Σ D_k 2^(16k) exactly,
with R < b by N0's borrow chain.
"""

from __future__ import annotations

from typing import Any

from circuits.vm import expr as E
from circuits.vm.expr import Constraint
from circuits.vm.layout import Row
from circuits.vm.windows import window_sums

ROWS = 6
BIAS = 1 << 13
"""The wide division stores its carries as C + 2^13 (they may be negative)."""

_cached: tuple = ()


def answers(row: Row) -> Any:
    return row.ch_mul + row.ch_div + row.ch_mod + row.ch_dw


def products(cur: Row, nxt: Row) -> list:
    """P_k = S_{2k} + 2^8 S_{2k+1}, k = 0 … 31, with S_t = Σ_j cur.W1_j · nxt.W2_{t−j}: the digit sums of
    cur.W1 · nxt.W2, computed once per row pair (other modules read them too, :mod:`circuits.vm.modular`)."""
    global _cached
    if _cached and _cached[0] is cur and _cached[1] is nxt:
        return _cached[2]
    b, q = list(cur.w1), list(nxt.w2)
    sums = window_sums(b, q, 0, -1) + window_sums(b, q, 32, -1)  # S_t = Σ_j b_j Q_{t−j}, t = 0 … 63
    out = [sums[2 * k] + sums[2 * k + 1] * 256 for k in range(32)]
    _cached = (cur, nxt, out)
    return out


def constraints(cur: Row, nxt: Row) -> list[Constraint]:
    n0, n1, n2, n3, n4 = cur.ch_n0, answers(cur), cur.ch_n2, cur.ch_n3, cur.ch_n4
    mul, divides, wide = cur.ch_mul, cur.ch_div + cur.ch_mod, cur.ch_dw
    out = []
    order = [("N0", n0, answers(nxt)), ("N1", n1, nxt.ch_n2), ("N2", n2, nxt.ch_n3), ("N3", n3, nxt.ch_n4),
             ("N4", n4, nxt.ch_n5)]
    for name, here, following in order:
        succ = {"N0": "N1", "N1": "N2", "N2": "N3", "N3": "N4", "N4": "N5"}[name]
        out.append(Constraint(f"multiplication row {name} is followed by {succ}", here * (1 - following), 2, False))
        out.append(Constraint(f"multiplication row {succ} follows {name}", following * (1 - here), 2, False))
    # R < b on DIV and MOD: R + d + 1 = b, pair by pair with borrow bits (N0, reading N1)
    nd = nxt.ch_div + nxt.ch_mod + nxt.ch_dw
    borrows = list(cur.w0[:16])
    out += E.named(E.family(lambda bit: n0 * bit * (1 - bit), borrows), "borrow {} is 0 or 1", 3, True)
    r_pairs, d_pairs, b_pairs = E.pairs(nxt.w2), E.pairs(cur.w2), E.pairs(nxt.w1)
    carry_in = [1, *borrows[:15]]
    carry_out = [*borrows[:15], 0]
    out += E.named(E.family(lambda r, d, b, cin, cout: nd * (r + d + cin - b - cout * 65536),
                            r_pairs, d_pairs, b_pairs, carry_in, carry_out), "remainder below divisor, pair {}", 2,
                   False)
    # the product (N1, reading N2): Q = N2.W2, b = N1.W1, R = N1.W2, result = N2.W0, a = N1.W0, C = N2.W1
    q, r, res, a, c = list(nxt.w2), list(cur.w2), list(nxt.w0), list(cur.w0), list(nxt.w1)
    pk = products(cur, nxt)
    r_pairs, res_pairs, a_pairs = E.pairs(r), E.pairs(res), E.pairs(a)
    # the wide division's digit D_k is limb k of N1's W0; its biased carries add (2^16 − 1)·2^13 a pair
    # (2^16·2^13 for k = 0, whose carry in is 0)
    bias = [BIAS * 65536] + [BIAS * 65535] * 15
    low = E.family(lambda p, rr, cin, cout, rs, aa, dd, kk: n1 * (p + rr + cin - cout * 65536) - mul * rs
                   - divides * aa - wide * (dd - kk), pk[:16], r_pairs, [0, *c[:15]], c[:16], res_pairs, a_pairs,
                   a[:16], bias)
    out += E.named(low, "product pair {}", 3, False)
    high = E.family(lambda p, cin, cout, dd: (divides + wide) * (p + cin - cout * 65536) - wide * (dd - BIAS * 65535),
                    pk[16:], c[15:31], c[16:], a[16:])
    out += [Constraint(f"product pair {16 + k} (no high half)", e, 3, False) for k, e in enumerate(high)]
    out.append(Constraint("the product has no carry past 2^512", divides * c[31] + wide * (c[31] - BIAS), 2, False))
    out += E.named(E.family(lambda q_, a_: mul * (q_ - a_), q, a), "MUL multiplies a (limb {})", 2, False)
    out += E.named(E.family(lambda r_: mul * r_, r), "MUL adds nothing (limb {})", 2, True)
    out += E.named(E.family(lambda res_, q_: cur.ch_div * (res_ - q_), res, q), "DIV returns the quotient (limb {})",
                   2, False)
    out += E.named(E.family(lambda res_, r_: (cur.ch_mod + wide) * (res_ - r_), res, r),
                   "MOD returns the remainder (limb {})", 2, False)
    # the carries' range: C = lo + 256·hi with lo, hi bytes and hi + 192 a byte
    out += E.named(E.family(lambda c3, c2: n2 * (c3 - c2), list(nxt.w1), list(cur.w1)), "carry {} copied", 2, False)
    out += E.named(E.family(lambda cc, lo, hi: n3 * (cc - lo - hi * 256), list(cur.w1), list(cur.w2), list(nxt.w2)),
                   "carry {} = its bytes", 2, False)
    out += E.named(E.family(lambda hi, top: n4 * (top - hi - 192), list(cur.w2), list(nxt.w2)),
                   "carry {} below 2^14", 2, False)
    return out
