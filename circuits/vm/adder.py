"""The shared 256-bit adder: X + Y = Z + 2^256 · carry, over byte pairs with one carry bit each.

Several opcodes are one addition with the words routed differently (a = top of stack = W0,
b = next = W1, W2 = result or difference word d):

    ADD     a + b = c               SUB     b + c = a              NOT   a + c = 2^256 − 1
    LT, EQ  b + d = a  (carry out = a < b;  d = 0 ⟺ a = b)        GT    a + d = b  (carry out = a > b)
    SLT, SGT  as LT, GT on both words with the sign bit flipped (a term on the top pair only, see
              :mod:`circuits.vm.comparison`)

Each opcode module declares its route as coefficients (of W0, W1, W2, constant per pair) in
``ADDER_ROUTES``; on a row they combine into one linear form per byte pair k (the selectors are
one-hot, so exactly one route is active, or none):

    A·W0_k + B·W1_k + C·W2_k + K + carry_{k−1} − 2^16 · carry_k = 0,     carry_{−1} = 0,

where W_k = b_{2k} + 2^8 b_{2k+1} and the constant K is switched off on a step that fails (whose words
are all zero).  With every byte of W0, W1, W2 in [0, 256) and carries in {0, 1}
each identity holds over the integers (|terms| < 2^18 ≪ p), so the chain is exact 256-bit addition.
On rows with no route the identities force every carry to 0.
"""

from __future__ import annotations

from circuits.vm import arithmetic, bitwise, comparison
from circuits.vm import expr as E
from circuits.vm.expr import Constraint
from circuits.vm.layout import Row

ADDER_ROUTES = {**arithmetic.ADDER_ROUTES, **comparison.ADDER_ROUTES, **bitwise.ADDER_ROUTES}


def _coefficient(row: Row, index: int):
    return E.total(row.s(g) * route[index] for g, route in ADDER_ROUTES.items() if route[index])


def constraints(cur: Row, nxt: Row) -> list[Constraint]:
    carries = list(cur.carries)
    out = E.named(E.family(lambda c: c * (1 - c), carries), "carry[{}] is 0 or 1", 2, True)
    a, b, c_ = (_coefficient(cur, i) for i in range(3))
    k_ = _coefficient(cur, 3) * E.ok(cur)  # the constant only on steps that complete (an error row is all 0)
    w0, w1, w2 = E.pairs(cur.w0), E.pairs(cur.w1), E.pairs(cur.w2)
    forms = E.family(lambda x, y, z, prev, c: a * x + b * y + c_ * z + k_ + prev - c * 65536,
                     w0, w1, w2, [0, *carries[:-1]], carries)
    forms[-1] = forms[-1] + comparison.signed_adder_term(cur)
    return out + E.named(forms, "adder byte pair {}", 2, True)


def carry_out(row: Row):
    """The adder's final carry: 1 when a < b for LT, a > b for GT."""
    return row.carries[-1]
