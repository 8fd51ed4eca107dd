"""Environment opcodes: ADDRESS, CALLER, CALLVALUE, CALLDATASIZE, CODESIZE, the transaction's and
block's ORIGIN, GASPRICE, NUMBER, TIMESTAMP, CHAINID, BASEFEE, and CALLDATALOAD.

The call's environment is public (:class:`circuits.vm.air.VmStatement`: address, caller, value,
calldata, origin, gas price, chain id, block number, timestamp, base fee; the code gives CODESIZE),
and the verifier builds table entries from it (:mod:`circuits.vm.tables`).  These opcodes push their
word from W1 (as MLOAD does) and look it up:

    (TAG_ENV + group, offset, W1 in 3-byte chunks)      offset = W0's low 3 bytes (0 for the eleven
                                                        that take no operand)

Each opcode of :data:`VALUES` (gas 2) has its own group and finds the one entry of its kind — tagged
with its group code, so a step can only push the value the statement gives for that opcode.
CALLDATALOAD (gas 3) pops i: when i < 2^24 (the second zero test reads W0[3:]; cda =
s_calldataload · (1 − err) · zflag2) and i is below the calldata's length, it finds the entry of
the 32 bytes from i; when i ≥ the length (cdb = 1) it instead looks up ``(TAG_CDEND, i − gap)`` with
gap = W2's bytes 20…22, so i − gap is the length and gap ≥ 0 proves i ≥ length; and its result is
zero whenever it found no calldata word:

    (s_calldataload · (1 − err) − cda + cda · cdb + ubey) · W1_k = 0.

The lookup matches W1 in 3-byte chunks, which pins W1's bytes only if they are bytes; nothing else
range-checks W1 on these rows, and a word of non-byte limbs with the right chunks (CALLVALUE 0 as
limbs 256, p − 1, 0, …) would reach the stack and fool byte-wise steps after it (ISZERO would see
it as non-zero).  So a step that pushes a looked-up word copies it into W2, whose 32 limbs every
row range-checks:

    (Σ_VALUES s_g · (1 − err) + cda − cda · cdb) · (W2_k − W1_k) = 0       (k = 0 … 31)

(W2 is otherwise free on these rows: only a CALLDATALOAD past the data's end, whose word is 0,
keeps its gap in W2.)  A copy's unit needs no such rule: the word it writes is the memory
chiplet's value, which sits in W2 there.

A copy's unit (:mod:`circuits.vm.copy`) reads its source the same way: the word at cpsrc (the key
field is offset(W0) + loff) among the calldata words (kcd) or the code words (kcode,
``TAG_CODEWORD``), or, past the source's end (ubey), the end entry with cpsrc − gap.  An MCOPY unit
uses the same fraction as a buffer: ``(TAG_BUF, position, word, cpid)`` — a 13th field, the copy's
id, 0 everywhere else — produced by its read (numerator −1) and consumed by its write (+1).

Both lookups sit in one auxiliary column: numerators Σ_env s_g·(1 − err) + cda·(1 − cdb) +
s_copyunit − ubey − 2·(u_rw + u_rb) + khash + klog + kcall − kret and cda·cdb + ubey, fingerprints
linear in the columns (a KECCAK256, LOG or call-input unit reads memory and a call-output unit writes
public words: they look up nothing here).
"""

from __future__ import annotations

from typing import Any

from circuits.vm import expr as E
from circuits.vm.expr import Constraint
from circuits.vm.layout import Row
from circuits.vm.opcodes import Group
from circuits.vm import copy
from circuits.vm.tables import CHUNKS, TAG_BUF, TAG_CDEND, TAG_CODEEND, TAG_CODEWORD, TAG_ENV

VALUES = (Group.ADDRESS, Group.CALLER, Group.CALLVALUE, Group.CALLDATASIZE, Group.CODESIZE, Group.ORIGIN,
          Group.GASPRICE, Group.NUMBER, Group.TIMESTAMP, Group.CHAINID, Group.BASEFEE)
"""The opcodes that push one public value (one table entry each, in this order)."""
READS = (*VALUES, Group.CALLDATALOAD)
"""Every opcode that looks up an environment entry (and pushes its word from W1)."""
GAP = 20
"""W2 bytes 20…22: how far past the data's end a read starts (clear of the expansion witness)."""


def offset(row: Row) -> Any:
    return E.packed(row.w0[:3])


def fractions(cur: Row, betas: list) -> list[tuple[Any, Any]]:
    ok = E.ok(cur)
    # a copy's unit finds calldata words (kcd) or code words (kcode) at loff + offset = cpsrc, or
    # passes an MCOPY word through the buffer (kmc): its read produces it, its write consumes it
    tag = (E.total(cur.s(g) * (TAG_ENV + int(g)) for g in READS)
           + cur.kcd * (TAG_ENV + int(Group.CALLDATALOAD)) + cur.kcode * TAG_CODEWORD + cur.kmc * TAG_BUF)
    # a KECCAK256, LOG or call-input unit reads memory only and a call-output unit writes from public
    # entries: they find nothing here (khash + klog + kcall cancels the read, − kret the write)
    found = (E.total(cur.s(g) for g in VALUES) * ok + cur.cda - cur.cda * cur.cdb
             + cur.s(Group.COPYUNIT) - cur.ubey - copy.reads(cur) * 2 + cur.khash + cur.klog + cur.kcall - cur.kret)
    where = offset(cur) + cur.loff
    word_fp = E.lincomb([*betas[1:2 + CHUNKS], betas[2 + CHUNKS]], [where, *E.chunks3(cur.w1), cur.cpid]) + tag
    end_tag = cur.kcode * (TAG_CODEEND - TAG_CDEND) + TAG_CDEND
    end_fp = E.scale(betas[1], where - E.packed(cur.w2[GAP:GAP + 3])) + end_tag
    return [(found, word_fp), (cur.cda * cur.cdb + cur.ubey, end_fp)]


def constraints(cur: Row, nxt: Row) -> list[Constraint]:
    load = cur.s(Group.CALLDATALOAD)
    missing = load * E.ok(cur) - cur.cda + cur.cda * cur.cdb + cur.ubey
    out = [
        Constraint("cda = CALLDATALOAD at an offset below 2^24", cur.cda - load * E.ok(cur) * cur.zflag2, 3, True),
        Constraint("cdb is 0 or 1", cur.cdb * (1 - cur.cdb), 2, True),
        Constraint("cdb only on CALLDATALOAD", cur.cdb * (1 - cur.cda), 2, True),
    ]
    pushed = E.total(cur.s(g) for g in VALUES) * E.ok(cur) + cur.cda - cur.cda * cur.cdb
    out += E.named(E.family(lambda w1, w2: pushed * (w2 - w1), list(cur.w1), list(cur.w2)),
                   "a looked-up word is range-checked through W2 (limb {})", 3, True)
    out += E.named(E.family(lambda w: missing * w, list(cur.w1)), "CALLDATALOAD past the data reads 0 (limb {})",
                   3, True)
    return out
