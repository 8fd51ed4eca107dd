"""CALL, STATICCALL and CREATE: the caller's side of a call, matched against a public call record.

The callee runs in a frame of its own, proven by its own table; this table proves what the caller's
step did, given the callee's outcome, against the statement's ``calls``
(:class:`circuits.vm.call_record.CallRecord`, whose key is the step's clk).  The step runs on rows at
its pc:

    CALL / STATICCALL   pops the gas word (W0); needs 7 / 6 words (an underflow is proven as for any
                        opcode); no static gas; looks up (TAG_CALL, clk, 0, chunks(W0))
    CALLARG × 6 / × 5   each pops one word (W0) and looks up
                        (TAG_CALLARG, key, tidx, chunks(W0), 0, gas, ms, cpsrc, cpsize, cprem, 0,
                         cpdst, xcall);
                        tidx runs 1…6 (CALL: to, value, in_offset, in_size, out_offset, out_size) or
                        2…6 (STATICCALL: to, in_offset, in_size, out_offset, out_size); the last
                        (out_size, xcall = 1 when it is not 0) grows memory over the output region
                        [cpdst = out_offset, + out_size) as the EVM does before the call, touching
                        no byte (:mod:`circuits.vm.memory`)
    COPYUNIT × k        (kind kcall) read the input [in_offset, in_offset + in_size) from memory into
                        once-entries (TAG_CALLIN, key, position, …), as a LOG's data
                        (:mod:`circuits.vm.reads`), paying only their memory expansion
    CALLEND             pushes success (W2), takes ccost gas and looks up
                        (TAG_CALLEND, key, 0, chunks(W2), 0, gas, ms, cpdst, cpsize, cprem, ccost)
    COPYUNIT × m        (kind kret) write output[:n] at out_offset, each unit's word looked up in
                        once-entries (TAG_CALLOUT, key, position, …), paying their memory expansion

A CREATE runs on the same rows: its head pops the value, two CALLARG rows (tidx 5, 6) the initcode's
offset and size, its units read the initcode, CALLEND pushes the new address (or 0) and no unit
writes (its record has no output region).

**Why the table holds the record.**  The key is the head's clk: the head sets cpid' = clk, and CALLARG
rows, units and CALLEND carry it (the copy rules carry cpid from unit to unit; here from CALLARG to
the next row and from the input's last unit to CALLEND).  The CALLARG rows follow the head one per
row with tidx counting up from 1 (CALL) or 2 (STATICCALL), and each looks up an entry that exists
once, so exactly the listed words are popped, in pop order, and the record's gas and memory size are
the CPU's before the step (CALLARG rows cost nothing and touch no memory).  The same lookups pin the
copy registers the input units start from (src = in_offset, size = remaining = in_size): the units'
positions are the entries', so they read exactly the input region (as LOG's data units do).  CALLEND
follows the last CALLARG or the input's last unit; its lookup pins the gas and memory size after
both regions grew memory (so the last CALLARG row and the units paid exactly the EVM's expansion to
the larger end), the pushed word (success, a range-checked word equal to the entry's 0 or 1), the gas
it takes (ccost = the record's cost) and the registers the write units start from (dst = out_offset,
size = remaining = n).  CALLEND stays at the pc exactly when write units follow, and they write
exactly output[:n] at out_offset (their entries, each looked up once) inside memory already grown.
"""

from __future__ import annotations

from typing import Any

from circuits.vm import copy
from circuits.vm import expr as E
from circuits.vm.expr import Constraint
from circuits.vm.layout import Row
from circuits.vm.opcodes import Group

HEADS = (Group.CALL, Group.STATICCALL, Group.CREATE)


def heads(row: Row) -> Any:
    return row.s(Group.CALL) + row.s(Group.STATICCALL) + row.s(Group.CREATE)


def stays(row: Row) -> Any:
    """A call's head holds the pc when it completes, and so does the input's last unit (CALLEND
    follows); CALLARG and CALLEND set their own stay below."""
    return heads(row) * E.ok(row) + row.kcall * row.lastu


def own_stay(row: Row) -> Any:
    """Rows whose stay this module constrains."""
    return row.s(Group.CALLARG) + row.s(Group.CALLEND)


def constraints(cur: Row, nxt: Row) -> list[Constraint]:
    head, ok = heads(cur), E.ok(cur)
    arg, end = cur.s(Group.CALLARG), cur.s(Group.CALLEND)
    arg_next, end_next, unit_next = nxt.s(Group.CALLARG), nxt.s(Group.CALLEND), nxt.s(Group.COPYUNIT)
    last_in = cur.kcall * cur.lastu
    out = [
        Constraint("kcall is 0 or 1", cur.kcall * (1 - cur.kcall), 2, True),
        Constraint("kret is 0 or 1", cur.kret * (1 - cur.kret), 2, True),
        Constraint("call kinds only on units", (cur.kcall + cur.kret) * (1 - cur.s(Group.COPYUNIT)), 2, True),
        Constraint("a call's output units write", cur.kret * copy.reads(cur), 2, True),
        Constraint("ccost only on CALLEND", cur.ccost * (1 - end), 2, True),
        Constraint("xcall is 0 or 1", cur.xcall * (1 - cur.xcall), 2, True),
        Constraint("xcall only on CALLARG", cur.xcall * (1 - arg), 2, True),
        # the rows of a call, in order
        Constraint("a call continues on CALLARG", head * ok * (1 - arg_next), 3, False),
        Constraint("CALLARG follows a call or a CALLARG", arg_next * (1 - head - arg), 2, False),
        Constraint("the first argument's index",
                   head * ok * (nxt.tidx - 1 - cur.s(Group.STATICCALL) - cur.s(Group.CREATE) * 4), 3, False),
        Constraint("argument indices count up", arg * arg_next * (nxt.tidx - cur.tidx - 1), 3, False),
        Constraint("after a CALLARG: a CALLARG, a unit or CALLEND", arg * (1 - arg_next - unit_next - end_next),
                   2, False),
        Constraint("a unit after a CALLARG reads the input", arg * unit_next * (1 - nxt.kcall), 3, False),
        Constraint("CALLEND follows a CALLARG or the input's last unit", end_next * (1 - arg - last_in), 3, False),
        Constraint("the input's last unit is followed by CALLEND", last_in * (1 - end_next), 3, False),
        Constraint("a unit after CALLEND writes the output", end * unit_next * (1 - nxt.kret), 3, False),
        # stay: CALLARG always, CALLEND exactly when the output's units follow
        Constraint("CALLARG stays", arg * (1 - cur.stay), 2, True),
        Constraint("CALLEND stays iff units follow", end * (cur.stay - unit_next), 2, False),
        # the key and the registers
        Constraint("call key in", head * ok * (nxt.cpid - cur.clk), 3, False),
        Constraint("call key carried by CALLARG", arg * (nxt.cpid - cur.cpid), 2, False),
        Constraint("call key carried into CALLEND", last_in * (nxt.cpid - cur.cpid), 3, False),
    ]
    for col in ("cpsrc", "cpsize", "cprem"):
        carry = arg * (1 - end_next) * (getattr(nxt, col) - getattr(cur, col))
        out.append(Constraint(f"{col} carried by CALLARG", carry, 3, False))
    for col in ("cpdst", "cpsize", "cprem", "cpid"):
        carry = end * cur.stay * (getattr(nxt, col) - getattr(cur, col))
        out.append(Constraint(f"{col} carried from CALLEND", carry, 3, False))
    return out
