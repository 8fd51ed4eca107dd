"""System opcodes: RETURN, REVERT (with empty output) and INVALID.

RETURN and REVERT consume the offset (C0) and the size (C1) and halt, with success or revert status
(:mod:`circuits.vm.cpu`).  The circuit has no memory yet, so it proves them only with size 0:

    (s_return + s_revert) · (1 − err) · Σ size_i = 0,

for which the EVM charges no gas and returns empty output, whatever the offset.  INVALID (0xFE and
every byte the VM does not define) is an exceptional halt by definition: s_invalid is one of the
terms of err, so its row burns all gas and sets status 3.
"""

from __future__ import annotations

from circuits.vm import expr as E
from circuits.vm.expr import Constraint
from circuits.vm.layout import Row
from circuits.vm.opcodes import Group


def constraints(cur: Row, nxt: Row) -> list[Constraint]:
    halts = cur.s(Group.RETURN) + cur.s(Group.REVERT)
    return [Constraint("RETURN/REVERT output is empty", halts * E.ok(cur) * E.total(cur.w1), 3, True)]
