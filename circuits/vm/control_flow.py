"""Control-flow opcodes: STOP, JUMP, JUMPI, PC, GAS, JUMPDEST, and the program counter.

    taken = (s_jump + s_jumpi · (1 − zflag)) · (1 − err)        zflag tests JUMPI's condition
    cont · (pc' − pc − 1 − s_push · n − taken · (T − pc − 1)) = 0,   T = a_0 + 2^8 a_1

A continuing step moves to the next instruction (PUSHn skips its n immediate bytes) or, when a jump
is taken, to the target T = W0.  A taken jump's target is below 2^16 (Σ_{i≥2} a_i = 0, bytes are
non-negative) and the next row's bytecode lookup must report a valid JUMPDEST (jd' = 1), so a jump
can only land on a JUMPDEST that is not PUSH data.

    PC    pushes pc:                W2 = (pc mod 2^8, pc div 2^8, 0, …)
    GAS   pushes the gas left after paying its 2 gas:  Σ_{i<4} 2^{8i} W2_i = gas − 2,  W2_i = 0 for i ≥ 4

STOP halts with success (see :mod:`circuits.vm.cpu`), JUMPDEST only costs 1 gas.  Gas: JUMP 8,
JUMPI 10, PC 2, GAS 2.  A jump to an invalid destination is an exceptional halt this circuit does
not prove yet: such a trace cannot be proven.
"""

from __future__ import annotations

from circuits.vm import expr as E
from circuits.vm.expr import Constraint
from circuits.vm.layout import Row
from circuits.vm.opcodes import Group


def constraints(cur: Row, nxt: Row) -> list[Constraint]:
    ok = E.ok(cur)
    jump, jumpi = cur.s(Group.JUMP), cur.s(Group.JUMPI)
    w0, w2 = cur.w0, cur.w2
    target = w0[0] + w0[1] * 256
    step = cur.pc + 1 + cur.s(Group.PUSH) * cur.n
    s_pc, s_gas = cur.s(Group.PC), cur.s(Group.GAS)
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
    ]
