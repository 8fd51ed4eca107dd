"""Memory ranges read into public entries: KECCAK256's message, LOG's topics and data.

KECCAK256 and LOGn read a range [offset, offset + size) of memory and the circuit ties those bytes to
the public statement (:class:`circuits.vm.air.VmStatement`'s ``hashes`` and ``logs``), unit by unit,
through table entries that must each be looked up exactly once (:mod:`circuits.vm.tables`).  The
step's row (the *head*) pops offset (W0) and size (W1); the rows after it stay at its pc:

    KECCAK256   pushes the digest (W2), 30 gas                 then COPYUNIT × k (khash)
    LOGn        n from the bytecode table, 375 gas             then LOGTOPIC × n, then COPYUNIT × k (klog)
    LOGTOPIC    pops topic i (W0), 375 gas                     (:mod:`circuits.vm.log`)

A unit is a COPYUNIT row (:mod:`circuits.vm.copy`) of kind khash or klog that only reads: 32 bytes
(u_rw) or one byte (u_rb) at cpsrc, asking the memory chiplet for an MLOAD there and paying its own
memory expansion (:mod:`circuits.vm.memory`), as MCOPY's reads do.  Its registers come from the head:
cpsrc = offset, cprem = cpsize = size, cpid = the head's clk (the *key*), carried by LOGTOPIC rows and
from unit to unit by the copy constraints (cpsrc advances, cprem shrinks, the last unit has cprem =
its length), so the units read exactly [offset, offset + size) and then the step is over.

**Lookups.**  One auxiliary column, one fraction a row, numerator (s_keccak256 + s_log)·(1 − err) +
s_logtopic + khash + klog, looks up the tuple

    KECCAK256   (TAG_HASH,     clk,  size,              chunks(W2),          0)
    LOGn        (TAG_LOG,      clk,  size,              n, 0 …,              0)
    LOGTOPIC    (TAG_LOGTOPIC, cpid, tidx,              chunks(W0),          0)
    unit        (TAG_HASHDATA or TAG_LOGDATA, cpid, cpsize − cprem, u_rw · chunks(W1), u_rb · W1_31)

with the once flag set.  W1 is the word the unit loaded: all 32 bytes for a word unit, only its byte at
cpsrc (limb 31) for a byte unit.  The fields are products of a selector or unit type and a column, so
the fingerprint has degree 2 and the column's pinning constraint degree 3 (one fraction only).

**Why that is the statement.**  Each completing head at clk c finds the entry keyed c: the statement
lists that step, with the size it read and (KECCAK256) the word it pushed or (LOGn) the n of its
byte.  The rows that carry key c are its own (cpid is set to c on leaving the head and carried; rows of
other chains carry other keys or other kinds), and each entry of key c is looked up exactly once:

* topics: LOGTOPIC rows follow only a LOG or a LOGTOPIC, number themselves 0, 1, … (tidx), and
  consume the stack one word a row, so there are exactly n of them and topic i is the i-th word under
  offset and size, as the EVM pops it;
* data: the units' positions p = cpsize − cprem strictly increase from 0 and cover [0, size); the
  entries sit at 0, 32, …, 32·⌊size/32⌋ and then at every byte of the tail, and as the units' set of
  positions is the entries' set, every unit's length is the gap to the next: words first, then
  bytes — so the word-unit and byte-unit entries hold exactly the bytes at [offset, offset + size).

A head stays (the next row is a LOGTOPIC or a unit) exactly when such a row follows: stay = s_logtopic'
+ s_copyunit' on head rows, so how many rows follow is left to the entries above.  Gas: the head's
static gas, 375 a topic row, and ugas on units — 6 per word unit and 6 for the last unit when it is a
byte (KECCAK256: 6 per started word, as the units' split is the entries'), 8 a byte (LOG).
Offset and size: a head's size and, when it is not zero (zflag2 = [size = 0]), its offset are below
2^24 (their bytes 3…31 are 0), where any run that pays for the range stays but for a KECCAK256 of
16 MiB or more (refused before proving, :mod:`circuits.vm.proven`).
"""

from __future__ import annotations

from typing import Any

from circuits.vm import calls, copy
from circuits.vm import expr as E
from circuits.vm.expr import Constraint
from circuits.vm.layout import Row
from circuits.vm.opcodes import Group
from circuits.vm.tables import (CALL_COST, CALL_DST, CALL_GAS, CALL_X, CALL_MS, CALL_REM, CALL_SIZE, CALL_SRC, CHUNKS, ONCE, READ_AT,
                                READ_BYTE, READ_CHUNKS, READ_KEY, TAG_CALL, TAG_CALLARG, TAG_CALLEND, TAG_CALLIN,
                                TAG_CALLOUT, TAG_HASH, TAG_HASHDATA, TAG_LOG, TAG_LOGDATA, TAG_LOGTOPIC, TAG_RDSIZE)

STEPS = (Group.KECCAK256, Group.LOG)
"""The opcodes whose row reads a range (its key is its clk)."""
HEADS = copy.READ_HEADS
"""Rows a read's units (or a LOG's topic rows) may follow."""
HASH_WORD_GAS = 6
LOG_BYTE_GAS = 8


def kinds(row: Row) -> Any:
    """Units whose words are public entries: KECCAK256's and LOG's reads, a call's input and output."""
    return row.khash + row.klog + row.kcall + row.kret


def read_kinds(row: Row) -> Any:
    return row.khash + row.klog + row.kcall


def steps(row: Row) -> Any:
    return E.total(row.s(g) for g in STEPS)


def heads(row: Row) -> Any:
    return E.total(row.s(g) for g in HEADS)


def unit_gas(row: Row) -> Any:
    """ugas: a KECCAK256 unit's 6 per word (the last unit, when a byte, pays the tail's word), a LOG
    unit's 8 per byte."""
    return (row.khash * (row.u_rw + row.u_rb * row.lastu) * HASH_WORD_GAS
            + row.klog * copy.unit_length(row) * LOG_BYTE_GAS)


def size(row: Row) -> Any:
    return E.packed(row.w1[:3])


def offset(row: Row) -> Any:
    return E.packed(row.w0[:3])


def lookup(cur: Row, betas: list) -> tuple[Any, Any]:
    """(numerator, fingerprint) of the row's hash or log entry (see the module docstring)."""
    step, topic = steps(cur), cur.s(Group.LOGTOPIC)
    s_hash, s_log = cur.s(Group.KECCAK256), cur.s(Group.LOG)
    call, arg, end = calls.heads(cur), cur.s(Group.CALLARG), cur.s(Group.CALLEND)
    s_rds = cur.s(Group.RETURNDATASIZE)
    tag = (s_hash * TAG_HASH + s_log * TAG_LOG + topic * TAG_LOGTOPIC + cur.khash * TAG_HASHDATA
           + cur.klog * TAG_LOGDATA + call * TAG_CALL + arg * TAG_CALLARG + cur.kcall * TAG_CALLIN
           + end * TAG_CALLEND + cur.kret * TAG_CALLOUT + s_rds * TAG_RDSIZE)
    # cpid is 0 on a head, the head's clk on the rows after it
    key = (step + call + s_rds) * cur.clk + cur.cpid
    at = step * size(cur) + cur.tidx + kinds(cur) * copy.position(cur)
    hashed, popped, loaded = E.chunks3(cur.w2), E.chunks3(cur.w0), E.chunks3(cur.w1)
    chunks = [(s_hash + end + s_rds) * hashed[k] + (topic + call + arg) * popped[k]
              + (cur.u_rw + cur.u_ww) * loaded[k] for k in range(CHUNKS)]
    chunks[0] = chunks[0] + s_log * cur.n
    fields = {READ_KEY: key, READ_AT: at, READ_BYTE: (cur.u_rb + cur.u_wb) * cur.w1[31],
              CALL_GAS: (arg + end) * cur.gas, CALL_MS: (arg + end) * cur.ms,
              CALL_SRC: arg * cur.cpsrc + end * cur.cpdst, CALL_SIZE: (arg + end) * cur.cpsize,
              CALL_REM: (arg + end) * cur.cprem, CALL_COST: cur.ccost, CALL_DST: arg * cur.cpdst,
              CALL_X: cur.xcall}
    fields.update({READ_CHUNKS + k: c for k, c in enumerate(chunks)})
    order = sorted(fields)
    fp = E.lincomb([betas[i] for i in order] + [betas[ONCE]], [fields[i] for i in order] + [1]) + tag
    return step * E.ok(cur) + topic + kinds(cur) + (call + s_rds) * E.ok(cur) + arg + end, fp


def constraints(cur: Row, nxt: Row) -> list[Constraint]:
    unit, rd = cur.s(Group.COPYUNIT), copy.reads(cur)
    head, step = heads(cur), steps(cur)
    more = cur.s(Group.COPYSIZE) * (1 - cur.zflag2)
    carried = more + unit * (1 - cur.lastu - cur.lastr) + cur.lastr  # as copy.py carries kcd, kcode, kmc
    out = [
        Constraint("khash is 0 or 1", cur.khash * (1 - cur.khash), 2, True),
        Constraint("klog is 0 or 1", cur.klog * (1 - cur.klog), 2, True),
        Constraint("hash and log kinds only on units", kinds(cur) * (1 - unit), 2, True),
        Constraint("a unit has one kind", unit * (cur.kcd + cur.kcode + cur.kmc + kinds(cur) - 1), 2, True),
        Constraint("hash, log and call-input units read", read_kinds(cur) * (1 - rd), 2, True),
        Constraint("hash and log units read nothing past an end", kinds(cur) * cur.ubey, 2, True),
        Constraint("hash and log units end with the last unit", kinds(cur) * cur.lastr, 2, True),
        Constraint("ugas = a read unit's gas", cur.ugas - unit_gas(cur), 3, True),
        Constraint("a read step's size below 2^24", step * E.total(cur.w1[3:]), 2, True),
        Constraint("a read step's offset below 2^24", step * (1 - cur.zflag2) * E.total(cur.w0[3:]), 3, True),
        # a head stays exactly when a topic row or a unit follows it
        Constraint("a head stays when its rows follow",
                   head * (cur.stay - nxt.s(Group.LOGTOPIC) - nxt.s(Group.COPYUNIT)), 2, False),
        # registers into the next row: from a KECCAK256 or LOG row, or carried by a topic row
        Constraint("read source in", step * cur.stay * (nxt.cpsrc - offset(cur)), 3, False),
        Constraint("read size in", step * cur.stay * (nxt.cpsize - size(cur)), 3, False),
        Constraint("read bytes left in", step * cur.stay * (nxt.cprem - size(cur)), 3, False),
        Constraint("read key in", step * cur.stay * (nxt.cpid - cur.clk), 3, False),
        Constraint("khash carried", carried * (nxt.khash - cur.khash), 3, False),
        Constraint("klog carried", carried * (nxt.klog - cur.klog), 3, False),
        Constraint("kcall carried", carried * (nxt.kcall - cur.kcall), 3, False),
        Constraint("kret carried", carried * (nxt.kret - cur.kret), 3, False),
    ]
    topic = cur.s(Group.LOGTOPIC)
    for col in ("cpsrc", "cpsize", "cprem", "cpid"):
        carry = topic * cur.stay * (getattr(nxt, col) - getattr(cur, col))
        out.append(Constraint(f"{col} carried by a topic row", carry, 3, False))
    return out
