"""Copies: CALLDATACOPY, CODECOPY and MCOPY, as a chain of CPU rows that each touch memory once.

A copy pops three words; a CPU row consumes two.  So a copy runs on consecutive rows at the same pc:

    CALLDATACOPY / CODECOPY / MCOPY   pops destination (W0) and source (W1) offsets, gas 3; stays
    COPYSIZE                  pops the size (W0); pays 3 gas per 32-byte word: 32·words − rr = size,
                              words, rr, 31 − rr in W2's bytes 0…4; stays when size ≠ 0 (zflag2 =
                              [size = 0], the second zero test reads W0)
    COPYUNIT × k              one unit each, of a type u_rw, u_rb (read 32 bytes / 1 byte, MCOPY
                              only) or u_ww, u_wb (write 32 bytes / 1 byte); the last (lastu) moves on

CALLDATACOPY and CODECOPY write [destination, destination + size) unit by unit from their public
source; MCOPY first reads [source, source + size) unit by unit, then writes the destination with the
same units — every read before any write, as the EVM copies through a buffer when the regions
overlap.  The registers: cpdst, cpsrc, cprem (bytes left), cpsize, the kind (kcd: calldata, kcode:
code, kmc: memory) and, for MCOPY, cpid (the copy's clk) are set on the way in; from one unit to the
next cpsrc advances by the unit's length, cpdst by a write's length, cprem shrinks by it, and after
the last read (lastr) cprem starts again at cpsize for the writes.  A unit needs cprem ≥ its length
(W2 bytes 23…25 hold cprem − length); the last read and the last write need cprem = length.  Offsets
and size stay below 2^24 (their bytes 3…31 are zero).

A unit row is a memory step (:mod:`circuits.vm.memory`): it pays its own expansion gas (the units'
sum is the EVM's C(ms_end) − C(ms_start), which the EVM charges before copying) and asks the memory
chiplet at W0 (cpsrc for a read, cpdst for a write) for an MLOAD (a read), an MSTORE (a 32-byte
write) or a write of W1's high byte (a 1-byte write).  W1 is found on the environment column
(:mod:`circuits.vm.environment`) under the key loff + offset(W0):

* CALLDATACOPY, CODECOPY: the public source's word at cpsrc (loff = cpsrc − cpdst), or, when cpsrc is
  at or past the source's end (ubey), zero, proven by the end entry;
* MCOPY: a buffer entry (TAG_BUF, position = cpsize − cprem, cpid) that its read produces and its
  write consumes (loff = position − offset(W0)).

    stay = s_copy · (1 − err) + s_copysize · (1 − zflag2) + s_copyunit · (1 − lastu)
           + (s_addmod + s_mulmod + s_exp) · (1 − err)          (they continue on FINISH, :mod:`circuits.vm.linked`)
           + s_returndatacopy · (1 − err)                       (it continues on RDSIZE, :mod:`circuits.vm.returndata`)
           + (s_call + s_staticcall) · (1 − err) + kcall · lastu (a call's rows, :mod:`circuits.vm.calls`,
                                                                  which also sets CALLARG's and CALLEND's)

holds the pc (:mod:`circuits.vm.control_flow`); COPYSIZE and COPYUNIT rows look up no bytecode, may
not fail, and follow only a copy, its COPYSIZE or a unit that is not the last.

KECCAK256 and LOG read their range with the same units (:mod:`circuits.vm.reads`): of kind khash or
klog, reads only, the last unit (lastu) a read that ends the step; a unit may also follow their rows
and LOG's topic rows (LOGTOPIC, which also look up no bytecode and may not fail), whose stay the reads
module sets.  cpid then carries the step's key on those units and topic rows.
"""

from __future__ import annotations

from typing import Any

from circuits.vm import expr as E
from circuits.vm import linked, returndata
from circuits.vm.expr import Constraint
from circuits.vm.layout import Row
from circuits.vm.opcodes import Group

COPIES = (Group.CALLDATACOPY, Group.CODECOPY, Group.MCOPY)
MICRO = (Group.COPYSIZE, Group.COPYUNIT, Group.LOGTOPIC, Group.FINISH, Group.RDSIZE, Group.CALLARG, Group.CALLEND)
"""Rows a copy (or a KECCAK256, LOG, ADDMOD, MULMOD, EXP or RETURNDATACOPY) continues on: they have no byte
of their own."""
READ_HEADS = (Group.KECCAK256, Group.LOG, Group.LOGTOPIC)
"""Rows that may be followed by a read unit (:mod:`circuits.vm.reads`); their stay is set there."""
UNIT_TYPES = ("u_rw", "u_rb", "u_ww", "u_wb")
WORDS, RR, RRC = 0, 3, 4
"""COPYSIZE's W2 bytes: the word count (3 bytes), rr and 31 − rr."""
LEFT = 23
"""COPYUNIT's W2 bytes 23…25: cprem − the unit's length."""


def copy_op(row: Row) -> Any:
    return E.total(row.s(g) for g in COPIES)


def micro(row: Row) -> Any:
    return E.total(row.s(g) for g in MICRO)


def reads(row: Row) -> Any:
    return row.u_rw + row.u_rb


def byte_unit(row: Row) -> Any:
    return row.u_rb + row.u_wb


def unit_length(row: Row) -> Any:
    return (row.u_rw + row.u_ww) * 32 + row.u_rb + row.u_wb


def word_gas(row: Row) -> Any:
    """3 gas per 32-byte word, paid on the COPYSIZE row."""
    return row.s(Group.COPYSIZE) * E.packed(row.w2[WORDS:WORDS + 3]) * 3


def position(row: Row) -> Any:
    return row.cpsize - row.cprem


def read_heads(row: Row) -> Any:
    return E.total(row.s(g) for g in READ_HEADS)


def constraints(cur: Row, nxt: Row) -> list[Constraint]:
    from circuits.vm import calls

    op, size_row, unit = copy_op(cur), cur.s(Group.COPYSIZE), cur.s(Group.COPYUNIT)
    heads = read_heads(cur) + calls.own_stay(cur)     # rows units may follow whose stay is set elsewhere
    public = cur.khash + cur.klog + cur.kcall        # units that read memory into public entries
    ok = E.ok(cur)
    w0, w1, w2 = cur.w0, cur.w1, cur.w2
    size = E.packed(w0[:3])
    more = size_row * (1 - cur.zflag2)          # a COPYSIZE row with a non-zero size: units follow
    going = unit * (1 - cur.lastu)               # a unit that is not the last
    advance = unit * (1 - cur.lastu - cur.lastr)  # a unit followed by one of the same phase
    length, rd = unit_length(cur), reads(cur)
    where = E.packed(w0[:3])
    out = [
        Constraint("stay = a copy row with more to do",
                   cur.stay * (1 - heads) - op * ok - more - going - linked.stays(cur) - returndata.stays(cur)
                   - calls.stays(cur), 2, True),
        Constraint("a copy continues on COPYSIZE", op * ok * (1 - nxt.s(Group.COPYSIZE)), 3, False),
        Constraint("COPYSIZE follows a copy", nxt.s(Group.COPYSIZE) * (1 - op), 2, False),
        Constraint("units follow a non-zero size", more * (1 - nxt.s(Group.COPYUNIT)), 3, False),
        Constraint("a unit follows COPYSIZE or a unit",
                   nxt.s(Group.COPYUNIT) * (1 - size_row - unit - heads), 2, False),
        Constraint("no unit after a zero size", nxt.s(Group.COPYUNIT) * size_row * cur.zflag2, 3, False),
        Constraint("no unit after the last", nxt.s(Group.COPYUNIT) * cur.lastu, 2, False),
        Constraint("a unit that is not the last is followed by a unit", going * (1 - nxt.s(Group.COPYUNIT)), 3, False),
        Constraint("copy rows do not fail", micro(cur) * (cur.e_oog + cur.e_uf + cur.e_of + cur.e_jd), 2, True),
        Constraint("copy offsets below 2^24", op * ok * E.total([*w0[3:], *w1[3:]]), 3, True),
        Constraint("copy size below 2^24", size_row * E.total(w0[3:]), 2, True),
        Constraint("copy words: 32·words − rr = size", size_row * (E.packed(w2[WORDS:WORDS + 3]) * 32 - w2[RR] - size),
                   2, True),
        Constraint("copy words: rr < 32", size_row * (w2[RR] + w2[RRC] - 31), 2, True),
        # registers in: offsets, kind and id from the copy row, the size from COPYSIZE
        Constraint("copy destination in", op * ok * (nxt.cpdst - E.packed(w0[:3])), 3, False),
        Constraint("copy source in", op * ok * (nxt.cpsrc - E.packed(w1[:3])), 3, False),
        Constraint("copy source kind in (calldata)", op * ok * (nxt.kcd - cur.s(Group.CALLDATACOPY)), 3, False),
        Constraint("copy source kind in (code)", op * ok * (nxt.kcode - cur.s(Group.CODECOPY)), 3, False),
        Constraint("copy source kind in (memory)", op * ok * (nxt.kmc - cur.s(Group.MCOPY)), 3, False),
        Constraint("copy id in", (op * nxt.cpid - cur.s(Group.MCOPY) * cur.clk) * ok, 3, False),
        Constraint("copy size in", more * (nxt.cprem - size), 3, False),
        Constraint("copy size kept", more * (nxt.cpsize - size), 3, False),
        Constraint("kinds only on copy rows", (1 - micro(cur)) * (cur.kcd + cur.kcode + cur.kmc), 2, True),
        Constraint("copy id only on MCOPY's, KECCAK256's, LOG's and calls' rows",
                   cur.cpid * (1 - cur.kmc - public - cur.kret - cur.s(Group.LOGTOPIC) - calls.own_stay(cur)), 2, True),
        Constraint("the first unit reads iff MCOPY", more * (reads(nxt) - cur.kmc), 3, False),
        # unit types and flags
        Constraint("one unit type on a unit", E.total(getattr(cur, t) for t in UNIT_TYPES) - unit, 1, True),
    ]
    for name in (*UNIT_TYPES, "lastu", "lastr", "ubey"):
        v = getattr(cur, name)
        out.append(Constraint(f"{name} is 0 or 1", v * (1 - v), 2, True))
    out += [
        Constraint("unit flags only on units", (cur.lastu + cur.lastr + cur.ubey) * (1 - unit), 2, True),
        Constraint("reads only in MCOPY, KECCAK256, LOG and a call's input", rd * (1 - cur.kmc - public), 2, True),
        Constraint("MCOPY reads nothing past an end", cur.ubey * cur.kmc, 2, True),
        Constraint("the last read is a read", cur.lastr * (1 - rd), 2, True),
        Constraint("the last unit writes (but a KECCAK256's, LOG's or call input's)", cur.lastu * (rd - public), 2, True),
        Constraint("reads go on until the last read", (rd * (1 - cur.lastu) - cur.lastr) * (1 - reads(nxt)), 3, False),
        Constraint("writes follow the last read", cur.lastr * reads(nxt), 2, False),
        Constraint("no read after a write", (unit - rd) * reads(nxt), 2, False),
        # a unit touches cpsrc (a read) or cpdst (a write), and fits in what is left
        Constraint("unit offset", unit * where - unit * cur.cpdst - rd * (cur.cpsrc - cur.cpdst), 2, True),
        Constraint("unit offset below 2^24", unit * E.total(w0[3:]), 2, True),
        Constraint("loff = source key − offset",
                   cur.loff - (unit - cur.kmc) * (cur.cpsrc - cur.cpdst) - cur.kmc * (position(cur) - where), 2, True),
        Constraint("unit fits in what is left", unit * (E.packed(w2[LEFT:LEFT + 3]) - cur.cprem) + length, 2, True),
        Constraint("the last read ends the reads", cur.lastr * (cur.cprem - length), 2, True),
        Constraint("the last unit ends the copy", cur.lastu * (cur.cprem - length), 2, True),
        # registers from COPYSIZE to the first unit, from unit to unit, and from the reads to the writes
        Constraint("copy destination carried to the first unit", more * (nxt.cpdst - cur.cpdst), 3, False),
        Constraint("copy source carried to the first unit", more * (nxt.cpsrc - cur.cpsrc), 3, False),
        Constraint("copy source advances", advance * (nxt.cpsrc - cur.cpsrc - length), 3, False),
        Constraint("copy destination advances on writes",
                   advance * (nxt.cpdst - cur.cpdst - cur.u_ww * 32 - cur.u_wb), 3, False),
        Constraint("copy bytes left shrink", advance * (nxt.cprem - cur.cprem + length), 3, False),
        Constraint("the writes start at the destination", cur.lastr * (nxt.cpdst - cur.cpdst), 2, False),
        Constraint("the writes start with the whole size", cur.lastr * (nxt.cprem - cur.cpsize), 2, False),
    ]
    carried = more + advance + cur.lastr
    for col in ("kcd", "kcode", "kmc", "cpid", "cpsize"):
        out.append(Constraint(f"{col} carried", carried * (getattr(nxt, col) - getattr(cur, col)), 3, False))
    return out
