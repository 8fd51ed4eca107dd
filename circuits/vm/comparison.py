"""Comparison opcodes: LT, GT, SLT, SGT, EQ, ISZERO.

LT, GT and EQ run the shared adder on the difference word d (in W2):

    LT, EQ   b + d = a + 2^256·carry    carry = [a < b],  d = a − b mod 2^256
    GT       a + d = b + 2^256·carry    carry = [a > b]

SLT and SGT are LT and GT on the words with their top bit flipped: x < y as signed two's-complement
words exactly when x ⊕ 2^255 < y ⊕ 2^255 unsigned.  With sign bits sa, sb the flipped top byte pair of a
is A_15 + 2^15 − 2^16·sa (still in [0, 2^16)), so the adder's top identity gains the term
2^16·(s_slt − s_sgt)·(sa − sb) (see :mod:`circuits.vm.adder`); d is unchanged (the flips cancel mod
2^256).  The sign bits are pinned by range-checked helpers

    sa·(s_signed − sa) = 0        sa ∈ {0, 1} on SLT/SGT rows, 0 elsewhere
    ha = s_signed·(2·a_31 − 256·sa),  ha ∈ [0, 256)

so a_31 − 128·sa ∈ [0, 128) (an odd ha would need a_31 − 128·sa = ha/2 mod p, far outside
[−128, 256)), i.e. sa is a's top bit; the same for b, whose sign bit sb is also pinned on SAR rows
(s_slt + s_sgt + s_sar in place of s_signed): SAR sends it to the shift chiplet with its request, and
the adder's signed term is 0 there (s_slt − s_sgt = 0).

EQ and ISZERO use the zero test, shared with JUMPI's condition: a byte sum z (bytes are
non-negative and 32 · 255 < p, so z = 0 exactly when the word is 0) with

    zflag = 1 − z · zinv,   zflag · z = 0      ⟹ zflag = [z = 0]

on z = Σ d (EQ), Σ a (ISZERO), Σ cond (JUMPI).  The boolean result is one column,

    res = (s_lt + s_gt) · carry_out + (s_eq + s_iszero) · zflag,

and P2 produces the word (res, 0, …, 0).  Stack: LT, GT, EQ consume a, b and produce at sp−2;
ISZERO consumes a and produces at sp−1; gas 3.

A second zero test (zflag2, zinv2, same two identities) reads bytes 2…31 of a jump target (zflag2 =
[target < 2^16]), bytes 1…31 of a shift amount, BYTE index or SIGNEXTEND byte number (zflag2 = [W0 < 256], which the shift
chiplet receives with the request), the size RETURN or REVERT pops (zflag2 = [no output]) and
bytes 3…31 of CALLDATALOAD's offset (zflag2 = [offset < 2^24]), a copy's size (zflag2 = [size = 0]),
the divisor of DIV, MOD, SDIV and SMOD (zflag2 = [b = 0]), the size KECCAK256 or LOG reads
(zflag2 = [size = 0]), FINISH's last operand (zflag2 = [N = 0] or [e = 0], :mod:`circuits.vm.linked`) and
RETURNDATACOPY's offset (zflag2 = [offset = 0]; the first zero test reads RDSIZE's size,
:mod:`circuits.vm.returndata`).
"""

from __future__ import annotations

from circuits.vm import expr as E
from circuits.vm.expr import Constraint
from circuits.vm.layout import Row
from circuits.vm.opcodes import Group

ADDER_ROUTES = {
    Group.LT: (-1, 1, 1, 0),
    Group.SLT: (-1, 1, 1, 0),
    Group.EQ: (-1, 1, 1, 0),
    Group.GT: (1, -1, 1, 0),
    Group.SGT: (1, -1, 1, 0),
}

ZERO_TEST_ROUTES = {Group.ISZERO: "w0", Group.EQ: "w2", Group.JUMPI: "w1", Group.RDSIZE: "w0"}
"""Which word the zero test reads for each group."""

ZERO_TEST2_ROUTES = {Group.JUMP: ("w0", 2), Group.JUMPI: ("w0", 2), Group.SHL: ("w0", 1), Group.SHR: ("w0", 1),
                     Group.BYTE: ("w0", 1), Group.SAR: ("w0", 1), Group.SIGNEXTEND: ("w0", 1),
                     Group.RETURN: ("w1", 0), Group.REVERT: ("w1", 0),
                     Group.CALLDATALOAD: ("w0", 3), Group.COPYSIZE: ("w0", 0), Group.DIV: ("w1", 0),
                     Group.MOD: ("w1", 0), Group.SDIV: ("w1", 0), Group.SMOD: ("w1", 0),
                     Group.KECCAK256: ("w1", 0), Group.LOG: ("w1", 0), Group.FINISH: ("w1", 0),
                     Group.RETURNDATACOPY: ("w1", 0)}
"""For each group, the word and the first byte the second zero test reads (word[from:])."""

BOOLEAN_RESULT = (Group.LT, Group.GT, Group.SLT, Group.SGT, Group.EQ, Group.ISZERO)
SIGNED = (Group.SLT, Group.SGT)
SIGNED_B = (Group.SLT, Group.SGT, Group.SAR)
"""The groups whose second operand W1 has its sign bit sb pinned (SAR sends it to the shift chiplet)."""


def zero_test_sum(row: Row):
    return E.total(row.s(g) * E.total(getattr(row, word)) for g, word in ZERO_TEST_ROUTES.items())


def zero_test2_sum(row: Row):
    by_route: dict[tuple[str, int], list] = {}
    for g, route in ZERO_TEST2_ROUTES.items():
        by_route.setdefault(route, []).append(row.s(g))
    return E.total(E.total(sels) * E.total(getattr(row, word)[start:]) for (word, start), sels in by_route.items())


def constraints(cur: Row, nxt: Row) -> list[Constraint]:
    z = zero_test_sum(cur)
    carry_out = cur.carries[-1]
    ordered = cur.s(Group.LT) + cur.s(Group.GT) + cur.s(Group.SLT) + cur.s(Group.SGT)
    res = ordered * carry_out + (cur.s(Group.EQ) + cur.s(Group.ISZERO)) * cur.zflag
    z2 = zero_test2_sum(cur)
    signed = signed_selector(cur)
    signed_b = E.total(cur.s(g) for g in SIGNED_B)
    return [
        Constraint("zflag = 1 − z·zinv", cur.zflag + z * cur.zinv - 1, 3, True),
        Constraint("zflag · z = 0", cur.zflag * z, 3, True),
        Constraint("zflag2 = 1 − z2·zinv2", cur.zflag2 + z2 * cur.zinv2 - 1, 3, True),
        Constraint("zflag2 · z2 = 0", cur.zflag2 * z2, 3, True),
        Constraint("res = comparison result", cur.res - res, 2, True),
        Constraint("sa is a's sign bit on SLT/SGT, 0 elsewhere", cur.sa * (signed - cur.sa), 2, True),
        Constraint("sb is b's sign bit on SLT/SGT/SAR, 0 elsewhere", cur.sb * (signed_b - cur.sb), 2, True),
        Constraint("ha = 2·a_31 − 256·sa", cur.ha - signed * (2 * cur.w0[31] - 256 * cur.sa), 2, True),
        Constraint("hb = 2·b_31 − 256·sb", cur.hb - signed_b * (2 * cur.w1[31] - 256 * cur.sb), 2, True),
    ]


def signed_selector(row: Row):
    return row.s(Group.SLT) + row.s(Group.SGT)


def signed_adder_term(row: Row):
    """What flipping both sign bits adds to the adder's top byte-pair identity (0 off SLT/SGT rows)."""
    return 65536 * (row.s(Group.SLT) - row.s(Group.SGT)) * (row.sa - row.sb)
