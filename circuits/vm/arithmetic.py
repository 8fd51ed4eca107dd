"""Arithmetic opcodes: ADD and SUB on the shared adder; MUL, DIV and MOD on the multiplication chiplet;
SDIV and SMOD on the signed-division rows in front of it; SIGNEXTEND on the shift chiplet; ADDMOD,
MULMOD (gas 8) and EXP (gas 10 + 50 a byte of the exponent) on two CPU rows, their opcode's and a
FINISH row, proven by their own chiplet rows (:mod:`circuits.vm.linked`, :mod:`circuits.vm.modular`,
:mod:`circuits.vm.exp`).

    ADD   c = a + b mod 2^256     ⟺  a + b = c + 2^256·carry     route (W0 +1, W1 +1, W2 −1)
    SUB   c = a − b mod 2^256     ⟺  b + c = a + 2^256·carry     route (W0 −1, W1 +1, W2 +1)

MUL, DIV and MOD (gas 5) leave the result in W2 and ask the multiplication chiplet
(:mod:`circuits.vm.mul_chiplet`) to prove it, as AND or SHL ask theirs (:mod:`circuits.vm.chiplets`).
SDIV and SMOD (gas 5) do the same through :mod:`circuits.vm.signed_division`, which pins the operands'
sign bits itself.  A division by zero gives 0
and needs no chiplet: the second zero test reads the divisor W1 (zflag2 = [b = 0]) and, with
s_d = s_div + s_mod + s_sdiv + s_smod,

    askd = s_d · (1 − err) · (1 − zflag2)        the request's numerator for DIV, MOD, SDIV and SMOD
    s_d · zflag2 · Σ W2 = 0                      b = 0 ⟹ the result is 0

SIGNEXTEND(b, x) (gas 5, b = W0, x = W1, result in W2) asks the shift chiplet
(:mod:`circuits.vm.shift_chiplet`), which picks byte b with its one-hot window, pins that byte's
sign bit with a range-checked helper and fills the bytes above b with 255 · sign (b ≥ 32: the
result is x; b = 31 takes byte 31 as the sign byte, which also gives x).  The CPU row's second zero
test reads b's bytes 1 … 31 (zflag2 = [b < 256]), which the chiplet receives with the request.

Stack: all consume a (C0, sp−1) and b (C1, sp−2) and produce at sp−2 (but EXP, which consumes a and
produces its link word at sp−1; :mod:`circuits.vm.linked`).
"""

from __future__ import annotations

from circuits.vm import expr as E
from circuits.vm.expr import Constraint
from circuits.vm.layout import Row
from circuits.vm.opcodes import Group

ADDER_ROUTES = {
    Group.ADD: (1, 1, -1, 0),
    Group.SUB: (-1, 1, 1, 0),
}


def constraints(cur: Row, nxt: Row) -> list[Constraint]:
    divides = cur.s(Group.DIV) + cur.s(Group.MOD) + cur.s(Group.SDIV) + cur.s(Group.SMOD)
    return [
        Constraint("askd = DIV, MOD, SDIV or SMOD by a non-zero divisor",
                   cur.askd - divides * E.ok(cur) * (1 - cur.zflag2), 3, True),
        Constraint("division by zero gives 0", divides * cur.zflag2 * E.total(cur.w2), 3, True),
    ]
