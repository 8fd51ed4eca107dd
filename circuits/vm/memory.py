"""Memory opcodes: MLOAD, MSTORE, MSTORE8, MSIZE, the expansion gas, and RETURN/REVERT's output.

Memory is checked on chiplet rows (:mod:`circuits.vm.memory_chiplet` for each access,
:mod:`circuits.vm.memory_words` for zero initialisation, final contents and the returned data); the
CPU row of a memory step does the rest.

**Operands.**  MLOAD consumes the offset (W0) and pushes the loaded word from W1; MSTORE and MSTORE8
consume the offset (W0) and the value (W1); RETURN and REVERT consume the offset (W0) and the size
(W1).  A completing access, and a RETURN/REVERT with a non-zero size, need offset (and size) below
2^24 — bytes 3…31 are zero (xa · Σ W0[3:] = 0, mret · Σ W1[3:] = 0) — where any run below 2^30 gas
stays (a larger offset only runs out of gas, which this circuit proves only when the static cost
alone exceeds the gas).  An access asks the memory chiplet, with numerator s_op · (1 − err), for

    (TAG_MEMREQ + group, clk, offset, W1)                    (35 fields)

which one access instance answers at time clk: W1 is the 32 bytes memory holds at the offset
(MLOAD), or the word written there (MSTORE), or the word whose low byte is written there (MSTORE8).

**Expansion gas.**  The state carries ms (memory size in 32-byte words) and mq = ⌊ms²/512⌋.  With
xa = [the step is an access that completes, a RETURN/REVERT with data, or the CALLARG row of a call's
non-empty output region] (mret and xcall for the last two, asking the chiplet for nothing; the
region's offset is W0 = out_size and its length cpdst = out_offset, so the end is the region's),
len = 32, 1, size or cpdst, and the unused W2 bytes as witness:

    offset + len = 32 · ew − rr,        rr, 31 − rr bytes, ew 3 bytes        ew = ⌈(offset + len)/32⌉
    need = xa · ew
    grow ⟹ ms' = need > ms,  else ms' = ms ≥ need:   cmp = grow·(need − ms − 1) + (1 − grow)·(ms − need) ≥ 0
    786431 − need ≥ 0                                 (3 bytes; so ⌊need²/512⌋ < p)
    need = a + 512 b,  a² = 512 u + r                 a, r, u < 512 (byte + bit), b two bytes
    ms' = ms + grow · (need − ms),   mq' = mq + grow · (u + 2ab + 512 b² − mq)

since need²/512 = a²/512 + 2ab + 512b².  The CPU's gas transition subtracts 3·(ms' − ms) + mq' − mq
(:mod:`circuits.vm.cpu`), the EVM's C(ms') − C(ms) with C(w) = 3w + ⌊w²/512⌋.  MSIZE pushes 32·ms.

**Output.**  RETURN and REVERT with a non-zero size (mret = (s_return + s_revert)·(1 − err)·(1 −
zflag2), the second zero test reading the size) look up ``(TAG_RETCALL, offset, size)``, a table
entry that exists only when the public output is non-empty and that must be looked up exactly once;
the memory-words rows check every word of that region against the public bytes.  So the public
output is exactly the bytes at [offset, offset + size) after the halting step's expansion, and a
run that halts otherwise has empty output.
"""

from __future__ import annotations

from typing import Any

from circuits.vm import expr as E
from circuits.vm.expr import Constraint
from circuits.vm.layout import Row
from circuits.vm.opcodes import Group
from circuits.vm.memory_chiplet import HIGH_BYTE_CODE
from circuits.vm.tables import ONCE, TAG_MEMREQ, TAG_RETCALL

ACCESSES = (Group.MLOAD, Group.MSTORE, Group.MSTORE8)
RETURNS = (Group.RETURN, Group.REVERT)
ACCESS_LENGTH = {Group.MLOAD: 32, Group.MSTORE: 32, Group.MSTORE8: 1}
NEED_LIMIT = 786431
"""The largest memory size (words) the circuit proves: 3·786432 + ⌊786432²/512⌋ > 2^30 gas anyway."""

# W2 bytes of an expanding step
EW, RR, RRC, CMP, BOUND, A0, A1, B, R0, R1, U0, U1 = 0, 3, 4, 5, 8, 11, 12, 13, 15, 16, 17, 18
BITS = (A1, R1, U1)


def offset(row: Row) -> Any:
    return E.packed(row.w0[:3])


def size(row: Row) -> Any:
    return E.packed(row.w1[:3])


def access(row: Row) -> Any:
    """Σ s_access · (1 − err): a completing MLOAD, MSTORE or MSTORE8, or a copy's unit (which reads
    like MLOAD or writes like MSTORE, or one byte; see :mod:`circuits.vm.copy`)."""
    return (E.total(row.s(g) for g in ACCESSES) + row.s(Group.COPYUNIT)) * E.ok(row)


def _parts(row: Row):
    w2 = row.w2
    a = w2[A0] + w2[A1] * 256
    b = w2[B] + w2[B + 1] * 256
    r = w2[R0] + w2[R1] * 256
    u = w2[U0] + w2[U1] * 256
    return a, b, r, u


def expansion_gas(cur: Row, nxt: Row) -> Any:
    """3·(ms' − ms) + mq' − mq: the gas the step pays for growing memory."""
    return (nxt.ms - cur.ms) * 3 + nxt.mq - cur.mq


def request_numerator(row: Row) -> Any:
    return row.xa - row.mret - row.xcall


def request_fp(row: Row, betas: list) -> Any:
    # a copy's unit: MLOAD (a read), MSTORE (a 32-byte write) or a high-byte write (a 1-byte write)
    tag = (E.total(row.s(g) * (TAG_MEMREQ + int(g)) for g in ACCESSES) + row.u_rw * (TAG_MEMREQ + int(Group.MLOAD))
           + row.u_rb * (TAG_MEMREQ + int(Group.MLOAD)) + row.u_ww * (TAG_MEMREQ + int(Group.MSTORE))
           + row.u_wb * (TAG_MEMREQ + HIGH_BYTE_CODE))
    return E.lincomb(betas[1:35], [row.clk, offset(row), *row.w1]) + tag


def retcall_fp(row: Row, betas: list) -> Any:
    """(TAG_RETCALL, offset, size) with the once flag (β^16)."""
    return E.lincomb([betas[1], betas[2], betas[ONCE]], [offset(row), size(row), 1]) + TAG_RETCALL


def constraints(cur: Row, nxt: Row) -> list[Constraint]:
    w2 = cur.w2
    xa, mret, grow, need = cur.xa, cur.mret, cur.mg, cur.need
    returns = E.total(cur.s(g) for g in RETURNS)
    length = (E.total(cur.s(g) * n for g, n in ACCESS_LENGTH.items()) + returns * size(cur)
              + (cur.u_rw + cur.u_ww) * 32 + cur.u_rb + cur.u_wb + cur.xcall * cur.cpdst)
    ew = E.packed(w2[EW:EW + 3])
    a, b, r, u = _parts(cur)
    out = [
        Constraint("xa = completing access, RETURN/REVERT with data or a call's output region",
                   xa - access(cur) - mret - cur.xcall, 2, True),
        Constraint("mret = RETURN/REVERT with data", mret - returns * E.ok(cur) * (1 - cur.zflag2), 3, True),
        Constraint("memory offset below 2^24", xa * E.total(cur.w0[3:]), 2, True),
        Constraint("returned size below 2^24", mret * E.total(cur.w1[3:]), 2, True),
        Constraint("offset + len = 32·ew − rr", xa * (offset(cur) + length + w2[RR] - ew * 32), 3, True),
        Constraint("rr < 32", xa * (w2[RR] + w2[RRC] - 31), 2, True),
        Constraint("need = xa · ew", need - xa * ew, 2, True),
        Constraint("grow is 0 or 1", grow * (1 - grow), 2, True),
        Constraint("grow only on an expanding step", grow * (1 - xa), 2, True),
        Constraint("memory size comparison", xa * E.packed(w2[CMP:CMP + 3]) - grow * (need * 2 - cur.ms * 2 - 1)
                   - xa * (cur.ms - need), 2, True),
        Constraint("need ≤ 786431", xa * (E.packed(w2[BOUND:BOUND + 3]) - NEED_LIMIT + need), 2, True),
        Constraint("need = a + 512 b", xa * (need - a - b * 512), 2, True),
        Constraint("a² = 512 u + r", xa * (a * a - u * 512 - r), 3, True),
    ]
    for i in BITS:
        out.append(Constraint(f"expansion bit {i} is 0 or 1", xa * w2[i] * (1 - w2[i]), 3, True))
    s_msize = cur.s(Group.MSIZE)
    out += [
        Constraint("ms' = ms + grow·(need − ms)", nxt.ms - cur.ms - grow * (need - cur.ms), 2, False),
        Constraint("mq' = mq + grow·(⌊need²/512⌋ − mq)",
                   nxt.mq - cur.mq - grow * (u + a * b * 2 + b * b * 512 - cur.mq), 3, False),
        Constraint("MSIZE pushes 32·ms", s_msize * E.ok(cur) * (E.packed(cur.w2[:4]) - cur.ms * 32), 3, True),
        Constraint("MSIZE pushes a 4-byte word", s_msize * E.total(cur.w2[4:]), 2, True),
    ]
    return out
