"""System opcodes: RETURN, REVERT and INVALID.

RETURN and REVERT consume the offset (C0) and the size (C1) and halt, with success or revert status
(:mod:`circuits.vm.cpu`).  They pay the expansion gas of the region they return and the returned
bytes become the public output — both in :mod:`circuits.vm.memory`.  INVALID (0xFE and every byte
the VM does not define) is an exceptional halt by definition: s_invalid is one of the terms of err,
so its row burns all gas and sets status 3.
"""

from __future__ import annotations

from circuits.vm.expr import Constraint
from circuits.vm.layout import Row


def constraints(cur: Row, nxt: Row) -> list[Constraint]:
    return []
