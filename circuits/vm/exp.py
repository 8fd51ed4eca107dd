"""EXP: a^e mod 2^256 by square-and-multiply through the multiplication chiplet, and its byte gas.

Left to right over e's bits from its top set bit (bit L − 1, L = e's bit length) down to bit 0, with
acc = 1 at the start:

    acc ← acc² · a^bit            (mod 2^256)

Each bit is two rows: S asks the multiplication chiplet for MUL(acc, acc) (the next row's W0 is the
square), M asks MUL(square, a) when the bit is 1 — or, when it is 0, passes the square on to the next
row's W0.  So after the last bit the row after M holds a^e mod 2^256.  The chiplet's MUL is exact
modulo 2^256 when its operands and result are bytes: the first operand is range-checked by the
chiplet itself (its Q), a is a stack word, and every square or product becomes the first operand of
the next MUL or reaches the fin row's range-checked W2.  Rows (:mod:`circuits.vm.linked` for H, A, B,
G):

    H   ch_hd            W0 = a        answers (a, ·, X)
    A   ch_mpa, inr = 0  W0 = X        W1 = a
    S   ch_xs            W0 = acc      W1 = acc       W2 = a      asks MUL(acc, acc)     (first S: acc = 1)
    M   ch_xm            W0 = acc²     W1 = a         W2 = a      asks MUL(acc², a) when bit = 1
    B   ch_mpa, inr = 1  W0 = a^e      W1 = e         (after the last M; after A directly when e = 0)
    G   ch_fin           W0 = X        W1 = e         W2 = a^e    answers (X, e, a^e)

— 5 + 2L rows, and L squares plus popcount(e) multiplies of six rows each in the chiplet.

**The bits are e's.**  The first S has bit = 1 (swb, copied to its M): the chain starts at the top
set bit.  M rows count the bits of each byte, most significant first: the position r ∈ [0, 8) in
the byte (the shift chiplet's three bit columns, 2^r in pow), the byte's prefix v (mt1) and a flag be
(mw) that the bit is the byte's last:

    be · r = 0,    r' = r − 1 + 8·be (when an S follows),    v' = (1 − be)·(2v + bit),    nbc' = nbc + be

and the last M has be = 1.  Since r' is three bits, be = 1 exactly when r = 0; so the chain covers
whole bytes (the first one from its top set bit), and u = 2v + bit at each byte end is that byte's
value.  An auxiliary column accumulates the bytes, top first, with the challenge β:

    Z' = γ·Z + u   at a byte end,   Z' = 0 after a head row,   Z' = Z elsewhere        (γ = β)

and the fin row of an EXP instance checks Z = Σ_k e_k β^k over e's 32 bytes (W1 of the fin row).
That identity of two polynomials of degree < 32 in β, drawn after the trace is committed, forces
u_j = e_j for every byte below nbc and e_k = 0 above: the chain's bytes are e's (but for a chance of
32/|F_p^5|), and e's top byte is the first one, which holds the first bit (1) — so nbc, the bytes
counted, is e's byte length.  The fin row checks nbc against the link word's byte 3, which the CPU
charges at 50 gas a byte (:mod:`circuits.vm.linked`).  e = 0: no bits, nbc = 0, a^0 = 1 (B after A
holds the word 1).
"""

from __future__ import annotations

from typing import Any

from circuits.vm import expr as E
from circuits.vm import linked as LK
from circuits.vm.expr import Constraint
from circuits.vm.layout import Row


def position(row: Row) -> Any:
    b0, b1, b2 = row.bits
    return b0 + b1 * 2 + b2 * 4


def byte_end(row: Row) -> Any:
    return row.mw


def prefix(row: Row) -> Any:
    return row.mt1


def byte_count(row: Row) -> Any:
    return row.mt2


def bit(row: Row) -> Any:
    return row.swb


def byte_value(row: Row) -> Any:
    """u = 2v + bit: the byte's value when this M row holds its last bit."""
    return prefix(row) * 2 + bit(row)


def constraints(cur: Row, nxt: Row) -> list[Constraint]:
    s_here, m_here = cur.ch_xs, cur.ch_xm
    first = nxt.ch_xs * cur.ch_mpa  # A → the first S
    empty = nxt.ch_mpa * cur.ch_mpa  # A → B: e = 0
    be = byte_end(cur)
    out = [
        Constraint("S follows A or M", nxt.ch_xs * (1 - cur.ch_xm - cur.ch_mpa), 2, False),
        Constraint("S is followed by M", s_here * (1 - nxt.ch_xm), 2, False),
        Constraint("M follows S", nxt.ch_xm * (1 - s_here), 2, False),
        Constraint("M is followed by S or B", m_here * (1 - nxt.ch_xs - nxt.ch_mpa), 2, False),
        Constraint("the first S follows an EXP head", first * (1 - LK.exp_kind(cur)), 3, False),
        Constraint("an empty chain follows an EXP head", empty * (1 - LK.exp_kind(cur)), 3, False),
        Constraint("the first bit is 1", first * (1 - bit(nxt)), 3, False),
        Constraint("be is 0 or 1", m_here * be * (1 - be), 3, True),
        Constraint("a byte ends at position 0", m_here * be * position(cur), 3, True),
        Constraint("the next bit's position", m_here * nxt.ch_xs * (position(nxt) - position(cur) + 1 - be * 8), 3,
                   False),
        Constraint("the byte prefix", m_here * (prefix(nxt) - (1 - be) * byte_value(cur)), 3, False),
        Constraint("the byte count", m_here * (byte_count(nxt) - byte_count(cur) - be), 2, False),
        Constraint("the last bit ends a byte", m_here * (1 - nxt.ch_xs) * (1 - be), 3, False),
        Constraint("the bit carried to M", s_here * (bit(nxt) - bit(cur)), 2, False),
    ]
    for i in range(3):
        out.append(Constraint(f"the position carried to M (bit {i})", s_here * (nxt.bits[i] - cur.bits[i]), 2, False))
    counted = LK.row_a(cur) + s_here + nxt.ch_fin
    out.append(Constraint("the byte prefix carried", counted * (prefix(nxt) - prefix(cur)), 3, False))
    out.append(Constraint("the byte count carried", counted * (byte_count(nxt) - byte_count(cur)), 3, False))
    return out


def relays(cur: Row, nxt: Row, betas: list) -> list[Constraint]:
    """The word copies of the S and M rows, through their fingerprints (:func:`circuits.vm.linked.relay`)."""
    c0, c1, c2, n0, n1, n2 = LK.word_fingerprints(cur, nxt, betas)
    s_here, m_here = cur.ch_xs, cur.ch_xm
    first, empty = nxt.ch_xs * cur.ch_mpa, nxt.ch_mpa * cur.ch_mpa
    one = betas[3]  # the word 1's fingerprint
    return [LK.relay(first, n0, one, "the first S squares 1", 3),
            LK.relay(empty, n0, one, "a^0 = 1", 3),
            LK.relay(first, n2, c1, "the first S holds a", 3),
            LK.relay(s_here, c1, c0, "S squares", 2, cyclic=True),
            LK.relay(s_here, n1, c2, "M multiplies by a", 2),
            LK.relay(m_here, n2, c1, "the next S holds a", 2),
            LK.relay(m_here * (1 - bit(cur)), n0, c0, "a 0 bit keeps the square", 3)]


def aux_constraints(cur: Row, nxt: Row, z, z_next, betas: list) -> list[Constraint]:
    """The word copies and the exponent accumulator Z (:data:`circuits.vm.layout.AUX_EXP`, γ = β = betas[1])."""
    gamma = betas[1]
    ends = cur.ch_xm * byte_end(cur)
    step = z_next - z + E.scale(z, cur.ch_hd) - E.scale(z * (gamma - 1), ends) - ends * byte_value(cur)
    e_fp = E.lincomb(betas[:32], list(cur.w1))
    check = E.scale(z - e_fp, cur.ch_fin * LK.exp_kind(cur))
    return relays(cur, nxt, betas) + [Constraint("exponent accumulator", step, 3, False),
                                      Constraint("exponent bytes are e's", check, 3, True)]
