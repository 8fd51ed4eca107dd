"""Static frames (EIP-214): in a frame a STATICCALL runs (or one of its descendants), SSTORE, TSTORE,
LOG0–LOG4 and CREATE halt exceptionally.

The statement says whether the frame is static (:attr:`circuits.vm.air.VmStatement.static`, checked
where frames are put together); the column stc holds it on every row (a boundary assertion pins row
0, and it never changes).  A write step in a static frame must fail, and the error kind it may take
is e_st (WriteInStaticContext), which only such a step can:

    stc' = stc,   stc and e_st are 0 or 1
    e_st · (1 − stc) = 0                    no static error outside a static frame
    e_st · (1 − writes) = 0                 only on SSTORE, TSTORE, LOGn or CREATE
    stc · writes · (1 − err) = 0            a write in a static frame does not complete

(err includes e_st: an error halt burns all the frame's gas whichever kind it is, so a write that also
runs out of gas or underflows is the same halt).  A CALL sending value from a static frame also halts
in the EVM; the frames' composition refuses it (not proven).
"""

from __future__ import annotations

from typing import Any

from circuits.vm import expr as E
from circuits.vm.expr import Constraint
from circuits.vm.layout import Row
from circuits.vm.opcodes import Group

WRITES = (Group.SSTORE, Group.TSTORE, Group.LOG, Group.CREATE)
ERROR = "WriteInStaticContext"


def writes(row: Row) -> Any:
    return E.total(row.s(g) for g in WRITES)


def constraints(cur: Row, nxt: Row) -> list[Constraint]:
    w = writes(cur)
    return [
        Constraint("stc is 0 or 1", cur.stc * (1 - cur.stc), 2, True),
        Constraint("stc' = stc", nxt.stc - cur.stc, 1, False),
        Constraint("e_st is 0 or 1", cur.e_st * (1 - cur.e_st), 2, True),
        Constraint("e_st only in a static frame", cur.e_st * (1 - cur.stc), 2, True),
        Constraint("e_st only on a write", cur.e_st * (1 - w), 2, True),
        Constraint("a write in a static frame fails", cur.stc * w * E.ok(cur), 3, True),
    ]
