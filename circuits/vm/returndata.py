"""Return data opcodes: RETURNDATASIZE and RETURNDATACOPY.

The return data buffer holds the output of the frame's last call (EIP-211), empty before any.

    RETURNDATASIZE   pushes W2, 2 gas, and looks up the public ``(TAG_RDSIZE, clk, 0, chunks(W2))``
                     (:attr:`circuits.vm.air.VmStatement.returndata_sizes`, :mod:`circuits.vm.reads`);
                     that each listed size is the length of the last call's output before it — 0 before
                     any call — is checked where frames are put together (:mod:`l2.call_frames`), and a
                     verifier of a lone frame requires every size to be 0
    RETURNDATACOPY   as for an empty buffer: succeeds only when offset + size ≤ 0, i.e. offset = size = 0
                     (3 gas, no words, no memory: a copy of nothing); any other offset or size is an
                     exceptional halt (the VM's OutOfBoundsRead, or OutOfGasError when it cannot even pay
                     for the words and the expansion: both burn all gas, so both are this halt) — so it
                     is proven only in a frame that makes no call (the composition refuses it otherwise)

RETURNDATACOPY pops three words; a CPU row consumes two.  Its row pops the destination (W0) and the
offset (W1), pays its static 3 gas and stays at its pc (stay = 1 when it completes); the next row,
RDSIZE (no byte of its own: it looks up no bytecode), pops the size (W0) and either continues or halts
with e_rd, an error kind of its own:

    e_rd' = 1 − [offset = 0] · [size = 0]      zflag2 on RETURNDATACOPY's row tests the offset (W1),
                                               zflag on RDSIZE's the size (W0)

The halting RDSIZE row still pops the size (pops = 1 − err + e_jd + e_rd), so the word it tests is the
stack's.  Out of gas on the static 3 is RETURNDATACOPY's own row (e_oog), as for any opcode.
"""

from __future__ import annotations

from typing import Any

from circuits.vm import expr as E
from circuits.vm.expr import Constraint
from circuits.vm.layout import Row
from circuits.vm.opcodes import Group

ERROR = "OutOfBoundsRead"
"""The VM's name of the halt RDSIZE proves (its OutOfGasError past the static cost is the same halt)."""


def stays(row: Row) -> Any:
    """RETURNDATACOPY stays at its pc when it completes: RDSIZE follows."""
    return row.s(Group.RETURNDATACOPY) * E.ok(row)


def constraints(cur: Row, nxt: Row) -> list[Constraint]:
    size_next = nxt.s(Group.RDSIZE)
    return [
        Constraint("RETURNDATACOPY continues on RDSIZE", stays(cur) * (1 - size_next), 3, False),
        Constraint("RDSIZE follows RETURNDATACOPY", size_next * (1 - cur.s(Group.RETURNDATACOPY)), 2, False),
        Constraint("e_rd is 0 or 1", cur.e_rd * (1 - cur.e_rd), 2, True),
        Constraint("e_rd only on RDSIZE", cur.e_rd * (1 - cur.s(Group.RDSIZE)), 2, True),
        Constraint("return data read out of bounds iff offset or size ≠ 0",
                   size_next * (nxt.e_rd - 1 + cur.zflag2 * nxt.zflag), 3, False),
    ]
