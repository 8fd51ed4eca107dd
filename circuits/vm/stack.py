"""Stack opcodes: POP, PUSH0, PUSH1–PUSH32, DUP1–DUP16, SWAP1–SWAP16, and the stack addresses.

The stack is memory indexed by depth: slot i holds the i-th word from the bottom, sp is the depth
before the step.  A step touches at most four slots (see :mod:`circuits.vm.bus`):

    slot   C0 (consume W0)   C1 (consume W1)   P2 (produce)        P3 (produce W0)
    POP    sp−1
    PUSHn                                      sp ← push value
    DUPn   sp−n                                sp ← W0             sp−n ← W0   (put back)
    SWAPn  sp−1              sp−1−n            sp−1 ← W1           sp−1−n ← W0

so the addresses are

    a0 = sp − 1 − s_dup·(n − 1),    a1 = sp − 2 − s_swap·(n − 1),    a3 = sp − s_dup·n − s_swap·(n + 1),
    a2 = sp − Σ_g p2_depth_g · s_g    (linear, so not a column).

A step that would leave more than 1024 words halts with a stack overflow, flagged e_of: only a step
that pushes one word net (Δ = 1) at sp = 1024 may claim it,

    e_of · (sp − 1024) = 0,    e_of · (Δ − 1) = 0,

and a step that does not claim it leaves sp' ≤ 1024 (the next row's 1024 − sp' is two bytes).

PUSHn's word is bound by the bytecode lookup: the looked-up tuple carries (s_push + s_push0) · W2 in
3-byte chunks, which must equal the table's copy of the immediate (zero for PUSH0).  Gas: POP and
PUSH0 2, the others 3.
"""

from __future__ import annotations

from circuits.vm import expr as E
from circuits.vm.expr import Constraint
from circuits.vm.layout import STACK_LIMIT, Row
from circuits.vm.opcodes import Group


def p2_address(row: Row):
    return row.sp - E.by_spec(row, lambda g, s: s.p2_depth)


def constraints(cur: Row, nxt: Row) -> list[Constraint]:
    dup, swap, n = cur.s(Group.DUP), cur.s(Group.SWAP), cur.n
    return [
        Constraint("overflow only at sp = 1024", cur.e_of * (cur.sp - STACK_LIMIT), 2, True),
        Constraint("overflow only on a push", cur.e_of * (E.stack_delta(cur) - 1), 2, True),
        Constraint("a0 = sp − 1 − s_dup·(n − 1)", cur.a0 - (cur.sp - 1 - dup * (n - 1)), 2, True),
        Constraint("a1 = sp − 2 − s_swap·(n − 1)", cur.a1 - (cur.sp - 2 - swap * (n - 1)), 2, True),
        Constraint("a3 = sp − s_dup·n − s_swap·(n + 1)", cur.a3 - (cur.sp - dup * n - swap * (n + 1)), 2, True),
    ]
