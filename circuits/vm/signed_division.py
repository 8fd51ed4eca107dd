"""SDIV and SMOD: signed division reduced to the multiplication chiplet's unsigned DIV and MOD.

With two's-complement sign bits sa, sb of a and b, the magnitudes are

    |a| = a                 (sa = 0)          |b| likewise with sb
    |a| = 2^256 − a         (sa = 1, so a ≠ 0)

and the EVM's truncating signed division is the unsigned one on the magnitudes, its sign restored:

    SDIV  result = X or 2^256 − X (X ≠ 0) as n = sa ⊕ sb is 0 or 1,   X = ⌊|a| / |b|⌋
    SMOD  result = X or 2^256 − X (X ≠ 0) as n = sa is 0 or 1,        X = |a| mod |b|

(b ≠ 0 here: a division by zero gives 0 on the CPU row, :mod:`circuits.vm.arithmetic`).  The one
overflow, −2^255 / −1, needs no case of its own: |a| = 2^255, |b| = 1, X = 2^255, n = 0, and the
result 2^255 is −2^255 as the EVM wants.

Each negation is one identity over byte pairs with a carry bit per pair (u the magnitude, x the word,
s its sign, carry_{−1} = 0):

    u_k + (2s − 1) · x_k + carry_{k−1} = 2^16 · carry_k                                        (★)

which telescopes to u + (2s − 1)·x = 2^256·carry_15 over the integers (every term is below 2^18 ≪ p).
For |a| and |b| the last carry is s itself, so u = x (s = 0) or u = 2^256 − x (s = 1).  For the
result the last carry is a free bit: with result and X bytes, result − X ∈ (−2^256, 2^256) forces
result = X when n = 0, and result + X ∈ {0, 2^256} gives result ≡ −X (mod 2^256) when n = 1.  |b|'s
bytes are range-checked (a W2 slot) because the chiplet multiplies byte by byte; |a| enters the
chiplet only as byte pairs, which (★) fixes to an exact integer.

Four rows per instance, then the unsigned instance (six rows, anywhere in the chiplet region) that
the third row asks for over the chiplet bus:

    C   ch_sdiv | ch_smod   W0 = a        W1 = b     W2 = carries of |a| (0…14) and |b| (16…30),
                                                     sign helpers ha (15) and hb (31)
                            shift bits b0 = sa, b1 = sb (so pow = (1 + sa)(1 + 3 sb)), ch_m = n,
                            ch_inr = [SMOD]
    N   ch_sd2              W0 = result   W1 = |a|   W2 = |b|                 ch_m = n, ch_inr copied
    I   ch_sq | ch_sr       W0 = |a|      W1 = |b|   W2 = result              ch_m = n copied
    J   ch_sd4              W0 = X        W1 = carries of the result (0…15)

The sign bits are pinned as SLT's are (:mod:`circuits.vm.comparison`), by range-checked helpers

    (ch_sdiv + ch_smod) · (ha − 2·(a_31 − 128·sa)) = 0,   ha ∈ [0, 256)  ⟹  a_31 − 128·sa ∈ [0, 128)

(sa, sb are shift bits, 0 or 1 on every row), so sa is a's top bit; the same for b.
C answers the CPU's request (a, b, and N's W0 = the result).
I asks, with the same tuple shape and numerator +1, for DIV (ch_sq) or MOD (ch_sr) of |a| by |b|
with the answer J's W0 = X; ch_sr = [SMOD] is copied down from C through N's ch_inr.  (★) runs for
|a| and |b| between C and N, and for the result between I and J; N's words are copied into I.
"""

from __future__ import annotations

from circuits.vm import expr as E
from circuits.vm.expr import Constraint
from circuits.vm.layout import Row

ROWS = 4


def first_row(row: Row):
    return row.ch_sdiv + row.ch_smod


def asks(row: Row):
    return row.ch_sq + row.ch_sr


def _negation(flag, sign, u_pairs, x_pairs, carries, last) -> list:
    """flag · (u_k + (2s − 1)·x_k + carry_{k−1} − 2^16·carry_k) for the 16 pairs, carry_15 = last."""
    cin = [0, *carries[:15]]
    cout = [*carries[:15], last]
    return E.family(lambda u, x, ci, co: flag * (u + (sign * 2 - 1) * x + ci - co * 65536),
                    u_pairs, x_pairs, cin, cout)


def constraints(cur: Row, nxt: Row) -> list[Constraint]:
    c, n2, i3 = first_row(cur), cur.ch_sd2, asks(cur)
    sa, sb, neg_flag = cur.bits[0], cur.bits[1], cur.ch_m
    out = [
        Constraint("signed division row C is followed by N", c * (1 - nxt.ch_sd2), 2, False),
        Constraint("signed division row N follows C", nxt.ch_sd2 * (1 - c), 2, False),
        Constraint("signed division row N is followed by I", n2 * (1 - asks(nxt)), 2, False),
        Constraint("signed division row I follows N", asks(nxt) * (1 - n2), 2, False),
        Constraint("signed division row I is followed by J", i3 * (1 - nxt.ch_sd4), 2, False),
        Constraint("signed division row J follows I", nxt.ch_sd4 * (1 - i3), 2, False),
        Constraint("SMOD kind copied to row N", c * (nxt.ch_inr - cur.ch_smod), 2, False),
        Constraint("row I asks MOD exactly for SMOD", n2 * (nxt.ch_sr - cur.ch_inr), 2, False),
        Constraint("result negated iff sa ≠ sb (SDIV) or sa = 1 (SMOD)",
                   cur.ch_sdiv * (neg_flag - sa - sb + sa * sb * 2) + cur.ch_smod * (neg_flag - sa), 3, True),
        Constraint("negation flag copied to row N", c * (nxt.ch_m - neg_flag), 2, False),
        Constraint("negation flag copied to row I", n2 * (nxt.ch_m - neg_flag), 2, False),
    ]
    w2 = list(cur.w2)
    out += [
        Constraint("signed division ha = 2·(a_31 − 128·sa)", c * (w2[15] - (cur.w0[31] - sa * 128) * 2), 2, True),
        Constraint("signed division hb = 2·(b_31 − 128·sb)", c * (w2[31] - (cur.w1[31] - sb * 128) * 2), 2, True),
    ]
    # |a| and |b| (C → N), carries in C's W2
    a_carries, b_carries = w2[0:15], w2[16:31]
    out += E.named(E.family(lambda e: c * e * (1 - e), [*a_carries, *b_carries]), "signed division carry {} is 0 or 1",
                   3, True)
    out += E.named(_negation(c, sa, E.pairs(nxt.w1), E.pairs(cur.w0), a_carries, sa), "|a| pair {}", 3, False)
    out += E.named(_negation(c, sb, E.pairs(nxt.w2), E.pairs(cur.w1), b_carries, sb), "|b| pair {}", 3, False)
    # N's words into I: |a|, |b|, the result
    out += E.named(E.family(lambda x, y: n2 * (x - y), list(nxt.w0), list(cur.w1)), "|a| byte {} copied", 2, False)
    out += E.named(E.family(lambda x, y: n2 * (x - y), list(nxt.w1), list(cur.w2)), "|b| byte {} copied", 2, False)
    out += E.named(E.family(lambda x, y: n2 * (x - y), list(nxt.w2), list(cur.w0)), "result byte {} copied", 2,
                   False)
    # the result from X (I → J), carries in J's W1
    g = list(nxt.w1)[:16]
    out += E.named(E.family(lambda e: i3 * e * (1 - e), g), "result carry {} is 0 or 1", 3, False)
    out += E.named(_negation(i3, neg_flag, E.pairs(cur.w2), E.pairs(nxt.w0), g[:15], g[15]), "signed result pair {}",
                   3, False)
    return out
