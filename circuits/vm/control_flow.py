"""Control-flow opcodes: STOP, JUMP, JUMPI, PC, GAS, JUMPDEST, and the program counter.

    taken = (s_jump + s_jumpi · (1 − zflag)) · (1 − err)        zflag tests JUMPI's condition
    cont · (pc' − pc − 1 − s_push · n + stay − taken · (T − pc − 1)) = 0,   T = a_0 + 2^8 a_1

A continuing step moves to the next instruction (PUSHn skips its n immediate bytes) or, when a jump
is taken, to the target T = W0; the rows of a copy stay at its pc until its last (stay = 1).  A taken jump's target is below 2^16 (Σ_{i≥2} a_i = 0, bytes are
non-negative) and the next row's bytecode lookup must report a valid JUMPDEST (jd' = 1), so a jump
can only land on a JUMPDEST that is not PUSH data.

    PC    pushes pc:                W2 = (pc mod 2^8, pc div 2^8, 0, …)
    GAS   pushes the gas left after paying its 2 gas:  Σ_{i<4} 2^{8i} W2_i = gas − 2,  W2_i = 0 for i ≥ 4

STOP halts with success (see :mod:`circuits.vm.cpu`), JUMPDEST only costs 1 gas.  Gas: JUMP 8,
JUMPI 10, PC 2, GAS 2.

A jump to an invalid destination is an exceptional halt, flagged e_jd on a JUMP, or on a JUMPI whose
condition is non-zero (e_jd · s_jumpi · zflag = 0).  The step still pops its operands (so the stack
drained after the halt is the right one) and W0 is the target T.  T is invalid when its high bytes
are non-zero (zflag2 = 0, the second zero test) or when T < 2^16 lies in a run [lo, hi] of pcs that
are not valid jump destinations — a ``(TAG_JDGAP, lo, hi)`` table entry (see :mod:`circuits.vm.tables`)
looked up with numerator e_jd · zflag2.  The unused W2 bytes carry the witness:

    W2 = (T − lo as 2 bytes, hi − T as 2 bytes, lo as 2 bytes, hi as 2 bytes, 0, …)

both differences range-checked, so lo ≤ T ≤ hi.
"""

from __future__ import annotations

from circuits.vm import expr as E
from circuits.vm.expr import Constraint
from circuits.vm.layout import Row
from circuits.vm.opcodes import Group


def gap_bounds(row: Row):
    """(lo, hi) of the jump-gap entry an invalid-jump step looks up (bytes 4…7 of W2)."""
    w2 = row.w2
    return w2[4] + w2[5] * 256, w2[6] + w2[7] * 256


def constraints(cur: Row, nxt: Row) -> list[Constraint]:
    ok = E.ok(cur)
    jump, jumpi = cur.s(Group.JUMP), cur.s(Group.JUMPI)
    w0, w2 = cur.w0, cur.w2
    target = w0[0] + w0[1] * 256
    step = cur.pc + 1 + cur.s(Group.PUSH) * cur.n - cur.stay  # a copy stays at its pc (circuits.vm.copy)
    s_pc, s_gas = cur.s(Group.PC), cur.s(Group.GAS)
    lo, hi = gap_bounds(cur)
    return [
        Constraint("taken = jump or JUMPI with a non-zero condition",
                   cur.taken - (jump + jumpi * (1 - cur.zflag)) * ok, 3, True),
        Constraint("jump target below 2^16", cur.taken * E.total(w0[2:]), 2, True),
        Constraint("pc' = next instruction or jump target",
                   cur.cont * (nxt.pc - step - cur.taken * (target - cur.pc - 1)), 3, False),
        Constraint("a taken jump lands on a JUMPDEST", cur.taken * (1 - nxt.jd), 2, False),
        Constraint("PC pushes pc", s_pc * ok * (w2[0] + w2[1] * 256 - cur.pc), 3, True),
        Constraint("PC pushes a 2-byte word", s_pc * E.total(w2[2:]), 2, True),
        Constraint("GAS pushes the gas left", s_gas * ok * (E.packed(w2[:4]) - cur.gas + 2), 3, True),
        Constraint("GAS pushes a 4-byte word", s_gas * E.total(w2[4:]), 2, True),
        Constraint("invalid-jump halt only on JUMP or JUMPI", cur.e_jd * (1 - jump - jumpi), 2, True),
        Constraint("JUMPI halts on its target only when it jumps", cur.e_jd * jumpi * cur.zflag, 3, True),
        Constraint("invalid target ≥ gap start", cur.e_jd * cur.zflag2 * (target - lo - w2[0] - w2[1] * 256), 3, True),
        Constraint("invalid target ≤ gap end", cur.e_jd * cur.zflag2 * (hi - target - w2[2] - w2[3] * 256), 3, True),
    ]
