"""Storage opcodes: SLOAD and SSTORE, with EIP-2929 access gas and EIP-2200/3529 costs and refunds.

The CPU row of a storage step consumes the slot (W0) and, for SSTORE, the new value (W1); SLOAD
pushes the value from W1 (as MLOAD does).  The step asks the storage chiplet
(:mod:`circuits.vm.storage_chiplet`), with numerator s_op · (1 − err), for

    (TAG_SREQ + group, clk, slot W0, value W1, sgas, sref)          (68 fields)

and the chiplet answers only if at time clk the slot held that value (SLOAD) or now holds it
(SSTORE), and sgas and sref are the access's gas and refund change by the EIP rules from the slot's
original value, its current value, the new value and whether it was warm.  The CPU then

    gas' = … − sgas,         rf' = rf + sref         (rf, the refund counter, starts at 0)

with sgas and sref zero on any other row.  SSTORE needs more than 2300 gas left (EIP-2200): W2's
bytes 0…3 hold gas − 2301 (SSTORE produces nothing, so W2 is free).  The run's refund is public: on
success rf ends at it (an assertion); a revert or an error refunds nothing.  ``succ`` becomes 1 at a
STOP or RETURN that completes, so the rows after the halt know the run succeeded (only then is the
final storage public, see :mod:`circuits.vm.storage_chiplet`).
"""

from __future__ import annotations

from typing import Any

from circuits.vm import expr as E
from circuits.vm.expr import Constraint
from circuits.vm.layout import Row
from circuits.vm.opcodes import Group
from circuits.vm.tables import TAG_SREQ

STORAGE = (Group.SLOAD, Group.SSTORE)
STIPEND = 2300
REQUEST_FIELDS = 2 + 64 + 2


def step(row: Row) -> Any:
    """Σ s_storage · (1 − err)."""
    return (row.s(Group.SLOAD) + row.s(Group.SSTORE)) * E.ok(row)


def request_fp(row: Row, betas: list) -> Any:
    tag = E.total(row.s(g) * (TAG_SREQ + int(g)) for g in STORAGE)
    return E.lincomb(betas[1:REQUEST_FIELDS], [row.clk, *row.w0, *row.w1, row.sgas, row.sref]) + tag


def constraints(cur: Row, nxt: Row) -> list[Constraint]:
    storage = step(cur)
    ok = E.ok(cur)
    success = cur.s(Group.STOP) + cur.s(Group.RETURN)
    return [
        Constraint("storage gas only on a storage step", cur.sgas * (1 - storage), 3, True),
        Constraint("storage refund only on a storage step", cur.sref * (1 - storage), 3, True),
        Constraint("rf' = rf + sref", nxt.rf - cur.rf - cur.sref, 1, False),
        Constraint("succ' = succ + a completing STOP or RETURN", nxt.succ - cur.succ - ok * success, 2, False),
        Constraint("SSTORE needs more than 2300 gas",
                   cur.s(Group.SSTORE) * ok * (E.packed(cur.w2[:4]) - cur.gas + STIPEND + 1), 3, True),
    ]
