"""Arithmetic opcodes: ADD and SUB, both one pass of the shared adder (:mod:`circuits.vm.adder`).

    ADD   c = a + b mod 2^256     ⟺  a + b = c + 2^256·carry     route (W0 +1, W1 +1, W2 −1)
    SUB   c = a − b mod 2^256     ⟺  b + c = a + 2^256·carry     route (W0 −1, W1 +1, W2 +1)

Stack: both consume a (C0, sp−1) and b (C1, sp−2) and produce c (P2, at sp−2); gas 3.
"""

from __future__ import annotations

from circuits.vm.opcodes import Group

ADDER_ROUTES = {
    Group.ADD: (1, 1, -1, 0),
    Group.SUB: (-1, 1, 1, 0),
}
