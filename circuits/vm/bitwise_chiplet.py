"""The bitwise chiplet: AND, OR and XOR of two words through a 256-entry nibble table.

A table of every (x AND y) over bytes would have 65,536 entries, taller than most traces; over
nibbles it has 256.  Each entry is one field element, the *key*

    key(x, y) = x + 2^9 · y + 2^18 · (x AND y),        x, y ∈ [0, 16)

(``TAG_AND`` entries of :mod:`circuits.vm.tables`).  One instance takes two rows (see
:mod:`circuits.vm.chiplets`): row 1 (flag ch_and, ch_or or ch_xor) holds a = W0, b = W1 and in W2 the
keys L_k of the low nibbles of byte k; row 2 (flag ch_bw2) holds the result c = W0 and in W2 the keys
H_k of the high nibbles.  On both rows the 32 W2 slots look up TAG_AND instead of TAG_RANGE.

Because a key is linear in its three nibbles, L_k + 16·H_k = A + 2^9 B + 2^18 D with bytes A, B and
D = A AND B.  Per byte k the chiplet requires (times 2, so XOR needs no division)

    2 · bw1 · (L_k + 16 H_k − a_k − 2^9 b_k) = 2^18 · (2 ch_and · c_k + (2 ch_or + ch_xor)(a_k + b_k − c_k)),

bw1 = ch_and + ch_or + ch_xor.  With a, b, c bytes (the request bus ties them to the CPU's stack
words and range-checked result) every term is below 2^28, so this holds over the integers; reading it
modulo 2^9 gives A = a, then B = b, and then D = c (AND), D = a + b − c, i.e. c = a OR b, or
2D = a + b − c, i.e. c = a XOR b.  (With 8-bit spacing the XOR case would let B differ from b by 128.)
"""

from __future__ import annotations

from circuits.vm import expr as E
from circuits.vm.expr import Constraint
from circuits.vm.layout import Row
from circuits.vm.tables import AND_SHIFT

LOOKUP_FLAGS = ("ch_and", "ch_or", "ch_xor", "ch_bw2")
"""Rows whose W2 slots look up AND keys."""


def first_row(row: Row):
    return row.ch_and + row.ch_or + row.ch_xor


def constraints(cur: Row, nxt: Row) -> list[Constraint]:
    bw1 = first_row(cur)
    out = [
        Constraint("bitwise row 1 is followed by its row 2", bw1 * (1 - nxt.ch_bw2), 2, False),
        Constraint("bitwise row 2 follows a row 1", nxt.ch_bw2 * (1 - bw1), 2, False),
    ]
    two_b, two_d = 1 << (AND_SHIFT + 1), 1 << (2 * AND_SHIFT)
    derived = cur.ch_or * 2 + cur.ch_xor

    def byte(a, b, c, low, high):
        return bw1 * ((low + high * 16 - a) * 2 - b * two_b) - (cur.ch_and * (c * 2) + derived * (a + b - c)) * two_d

    out += E.named(E.family(byte, list(cur.w0), list(cur.w1), list(nxt.w0), list(cur.w2), list(nxt.w2)),
                   "bitwise byte {}", 2, False)
    return out
