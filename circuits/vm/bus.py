"""The LogUp bus: bytecode and range lookups, the stack's memory-checking argument, the fixed table.

Every fraction below sits in one running sum S (cyclic: S' = S + Σ h − m·w, so the sum over all rows
is 0) with challenges α (the point) and β (tuple compression, f = Σ_j β^j · field_j):

* **bytecode**: each live row (but a copy's continuation rows) looks up (TAG_CODE, pc, group code, n,
  jd, (s_push + s_push0)·W2 in 3-byte chunks): the opcode group, its n, the JUMPDEST flag and a
  PUSH's word are the code's;
* **range**: 50 byte limbs a row (W2, gas, sp tests, time gaps, sign helpers) look up (TAG_RANGE, v); on the rows
  of a bitwise chiplet the 32 W2 slots look up (TAG_AND, key) instead (the tag is linear in the
  chiplet flags, see :mod:`circuits.vm.bitwise_chiplet`);
* **jump gaps**: an invalid-jump halt looks up (TAG_JDGAP, lo, hi) (:mod:`circuits.vm.control_flow`);
* **chiplet requests**: a step proven by a chiplet sends its request, the chiplet's first row answers
  it (:mod:`circuits.vm.chiplets`); memory accesses likewise on their own column
  (:mod:`circuits.vm.memory`, :mod:`circuits.vm.memory_chiplet`);
* **memory versions**: the memory chiplet's consumed and produced word versions, and each word's
  initial and final version (:mod:`circuits.vm.memory_words`);
* **storage**: storage requests and answers, slot versions, and the public original and final values
  (:mod:`circuits.vm.storage`, :mod:`circuits.vm.storage_chiplet`);
* **environment**: the environment opcodes' values and calldata words (:mod:`circuits.vm.environment`);
* **returned data**: the halting RETURN/REVERT's (offset, size) and each returned word, looked up in
  entries that must each be hit exactly once (:mod:`circuits.vm.memory`);
* **hashes and logs**: each KECCAK256's and LOG's row, each LOG topic and each unit of their memory
  reads look up an entry that must be hit exactly once (:mod:`circuits.vm.reads`; one fraction a
  row with a degree-2 fingerprint, so its column's pinning has degree 3);
* **exponent**: not a LogUp column but a running accumulator of EXP's exponent bytes, checked against
  the exponent at each EXP's fin row (:mod:`circuits.vm.exp`);
* **word copies**: ADDMOD's, MULMOD's and EXP's chiplet rows pass words between neighbouring rows; each
  copy is one constraint on the words' fingerprints Σ_k β^(3+k)·limb_k (the same as the stack's), not
  one a limb (:mod:`circuits.vm.linked`);
* **accounts and transient storage**: the version chains of the addresses the account reads touch and
  of the transient slots (:mod:`circuits.vm.accounts`, :mod:`circuits.vm.transient`), the lookups of
  their entries, and the time gaps their steps send to the gap rows (:mod:`circuits.vm.gaps`);
* **table side**: each row of the table region contributes −m/(α − f); its entries are pinned by a
  second sum S2' = S2 + e/(α − f) that must reach V, the sum the verifier computes from the public
  code, with e ∈ {0, 1} and m·(1 − e) = 0 — so every looked-up tuple is one of the public entries;
* **stack** (memory checking for a stack): a slot version is the tuple (TAG_STACK, address, time,
  32 bytes).  P2 and P3 produce versions at time 4·clk + 2 and 4·clk + 3 (+1/(α − f)); C0 and C1
  consume a version at time 4·clk and 4·clk + 1 (−1/(α − f)) naming its production time t_prod, with
  t − t_prod − 1 ∈ [0, 2^24) proven by three range-checked bytes.  Padding rows drain the stack
  (consume sp − 1) so that every produced version is consumed.

Why the stack argument is sound: the CPU constraints fix which slot every access touches, and on each
slot the accesses alternate produce, consume, produce, … (a step consumes only slots below sp and
produces only where the stack holds nothing live).  The bus makes produced and consumed versions the
same multiset, so each version is consumed exactly once, and a consumer can only name a version
produced before it.  The first consumer of a slot can only take the first version; given that, the
second can only take the second, and so on: every consume returns the value of the latest produce.

Inverse columns are pinned as in :mod:`circuits.examples.range_check`: h·(α − f) = num, or for two
fractions h·(α − f1)(α − f2) = num1·(α − f2) + num2·(α − f1) (degree 3).
"""

from __future__ import annotations

from typing import Any

from circuits.vm import (bitwise_chiplet, chiplets, comparison, control_flow, copy, environment, exp, linked,
                         memory, memory_chiplet, memory_words, modular, reads, stack, storage, storage_chiplet)
from circuits.vm import accounts, gaps, transient
from circuits.vm import expr as E
from circuits.vm.expr import Constraint
from circuits.vm.layout import (AUX_C01, AUX_CODE, AUX_ENV, AUX_EXP, AUX_MEM, AUX_MREQ, AUX_OUT, AUX_P2, AUX_P3, AUX_PUB,
                                AUX_RANGE, AUX_REQ, AUX_S, AUX_S2, AUX_SPUB, AUX_SREQ, AUX_SVER, AUX_TW, RANGE_PAIRS,
                                T_FIELDS, Row)
from circuits.vm.layout import AUX_ALOOK, AUX_AVER, AUX_GAP, AUX_TVER
from circuits.vm.opcodes import Group
from circuits.vm.tables import CHUNKS, TAG_AND, TAG_CODE, TAG_JDGAP, TAG_RANGE, TAG_STACK

STACK_TUPLE = 3 + 32
PUSH_FROM_W1 = (Group.MLOAD, Group.SLOAD, *environment.READS)
"""Groups whose produced word (slot P2) is W1, not W2: W2 holds their byte-sized witness (an
expansion, a gap) — the witness's stack replay reads this same list."""
LONGEST_TUPLE = max(chiplets.REQUEST_FIELDS, storage_chiplet.VERSION_FIELDS)
NUM_BETAS = LONGEST_TUPLE


def consume_enables(row: Row) -> tuple[Any, Any]:
    pops = E.pops(row)
    en0 = E.by_spec(row, lambda g, s: 1 if s.consumes >= 1 else 0) * pops + row.drain
    en1 = E.by_spec(row, lambda g, s: 1 if s.consumes >= 2 else 0) * pops
    return en0, en1


def produce_enables(row: Row) -> tuple[Any, Any]:
    ok = E.ok(row)
    en2 = E.by_spec(row, lambda g, s: 1 if s.produces >= 1 else 0) * ok
    en3 = E.by_spec(row, lambda g, s: 1 if s.produces >= 2 else 0) * ok
    return en2, en3


def range_values(row: Row) -> list:
    """The 50 byte limbs every row looks up in the range table."""
    g = row.gas_limbs
    return [*row.w2, *g, g[3] + 192, row.oogd, *row.spl, *row.spu, *row.td0, *row.td1, row.ha, row.hb]


def range_tags(row: Row) -> list:
    """The tag each range slot looks up: TAG_AND for the W2 slots of bitwise-chiplet rows."""
    and_rows = E.total(getattr(row, f) for f in bitwise_chiplet.LOOKUP_FLAGS)
    w2_tag = and_rows * (TAG_AND - TAG_RANGE) + TAG_RANGE
    return [w2_tag] * 32 + [TAG_RANGE] * (len(range_values(row)) - 32)


def _stack_fp(betas, address, time, word_fp):
    return E.scale(betas[1], address) + E.scale(betas[2], time) + word_fp + TAG_STACK


def fractions(cur: Row, nxt: Row, betas: list) -> list[list[tuple[Any, Any]]]:
    """For each inverse column (in aux order), its fractions as (numerator, fingerprint)."""
    fw0, fw1, fw2 = linked.word_fingerprints(cur, nxt, betas)[:3]  # Σ_k β^(3+k) limb_k
    time = cur.clk * 4

    # bytecode lookup
    push = cur.s(Group.PUSH) + cur.s(Group.PUSH0)
    chunks = [push * c for c in E.chunks3(cur.w2)]
    code_fp = E.lincomb(betas[1:5 + CHUNKS], [cur.pc, E.group_code(cur), cur.n, cur.jd, *chunks]) + TAG_CODE
    steps = E.live(cur) - copy.micro(cur)  # a copy's COPYSIZE and COPYUNIT rows have no byte to look up

    # stack accesses
    en0, en1 = consume_enables(cur)
    en2, en3 = produce_enables(cur)
    f0 = _stack_fp(betas, cur.a0, cur.tp0, fw0)
    f1 = _stack_fp(betas, cur.a1, cur.tp1, fw1)
    boolean = E.total(cur.s(g) for g in comparison.BOOLEAN_RESULT)
    dup, swap = cur.s(Group.DUP), cur.s(Group.SWAP)
    mload = E.total(cur.s(g) for g in PUSH_FROM_W1)
    value2 = (E.scale(fw2, 1 - boolean - dup - swap - mload) + E.scale(fw0, dup) + E.scale(fw1, swap + mload)
              + E.scale(betas[3], boolean * cur.res))
    f2 = _stack_fp(betas, stack.p2_address(cur), time + 2, value2)
    f3 = _stack_fp(betas, cur.a3, time + 3, fw0)
    lo, hi = control_flow.gap_bounds(cur)
    f_gap = E.lincomb(betas[1:3], [lo, hi]) + TAG_JDGAP

    cols: list[list[tuple[Any, Any]]] = [
        [(steps, code_fp)],
        [(-en0, f0), (-en1, f1)],
        [(en2, f2)],
        [(en3, f3), (cur.e_jd * cur.zflag2, f_gap)],
        [(chiplets.request_numerator(cur), chiplets.request_fp(cur, betas)),
         (chiplets.response_numerator(cur), chiplets.response_fp(cur, nxt, betas))],
        memory_chiplet.fractions(cur, betas),
        [(memory.request_numerator(cur), memory.request_fp(cur, betas)),
         memory_chiplet.response(cur, nxt, betas)],
        [(cur.mret, memory.retcall_fp(cur, betas)), (cur.ch_mout, memory_words.output_fp(cur, betas))],
        environment.fractions(cur, betas),
        [(storage.step(cur), storage.request_fp(cur, betas)), storage_chiplet.response(cur, nxt, betas)],
        storage_chiplet.version_fractions(cur, nxt, betas),
        storage_chiplet.public_fractions(cur, betas),
    ]
    values = range_values(cur)
    tags = range_tags(cur)
    for k in range(RANGE_PAIRS):
        pair = zip(values[2 * k:2 * k + 2], tags[2 * k:2 * k + 2])
        cols.append([(1, E.scale(betas[1], v) + tag) for v, tag in pair])
    cols.append([reads.lookup(cur, betas)])
    cols += [accounts.version_fractions(cur, betas),
             [accounts.lookup_fraction(cur, betas), transient.init_fraction(cur, betas)],
             transient.version_fractions(cur, betas), gaps.fractions(cur, betas)]
    return cols


INVERSE_COLUMNS = [AUX_CODE, AUX_C01, AUX_P2, AUX_P3, AUX_REQ, AUX_MEM, AUX_MREQ, AUX_OUT, AUX_ENV, AUX_SREQ, AUX_SVER,
                   AUX_SPUB] + \
    [AUX_RANGE + k for k in range(RANGE_PAIRS)] + [AUX_PUB] + [AUX_AVER, AUX_ALOOK, AUX_TVER, AUX_GAP]
"""The auxiliary column of each entry of :func:`fractions`."""
FRACTION_DEGREES = [3] * len(INVERSE_COLUMNS)
"""Degree of each inverse column's pinning constraint."""
READS_NEXT = frozenset({AUX_REQ, AUX_MREQ, AUX_SREQ, AUX_SVER})
"""Inverse columns whose fractions read the next row (their pinning skips the last row)."""
FRACTIONS_PER_ROW = 1 + 2 + 1 + 2 + 2 + 2 + 2 + 2 + 2 + 2 + 2 + 2 + 2 * RANGE_PAIRS + 1 + 1 + 2 * 4


def table_fp(cur: Row, betas: list):
    return E.lincomb(betas[:T_FIELDS + 1], [*cur.fields, cur.t_one])


def main_constraints(cur: Row, nxt: Row) -> list[Constraint]:
    en0, en1 = consume_enables(cur)
    time = cur.clk * 4
    return [
        Constraint("C0 consumes an earlier version", E.packed(cur.td0) - en0 * (time - cur.tp0 - 1), 3, True),
        Constraint("C1 consumes an earlier version", E.packed(cur.td1) - en1 * (time + 1 - cur.tp1 - 1), 3, True),
        Constraint("table flag e is 0 or 1", cur.e * (1 - cur.e), 2, True),
        Constraint("lookups hit only table entries", cur.m * (1 - cur.e), 2, True),
        Constraint("a once entry is looked up exactly once", cur.t_one * (cur.m - 1), 2, True),
    ]


def aux_constraints(cur: Row, nxt: Row, aux_cur: list, aux_nxt: list, alpha, betas: list) -> list[Constraint]:
    out = []
    names = ["bytecode lookup inverse", "stack consume inverses", "stack produce P2 inverse",
             "stack produce P3 and jump-gap inverses", "chiplet request and response inverses",
             "memory version inverses", "memory request and response inverses", "returned data inverses",
             "environment inverses", "storage request and response inverses", "storage version inverses",
             "storage public inverses"] + \
        [f"range pair {k} inverse" for k in range(RANGE_PAIRS)] + ["hash and log inverse"] + \
        ["account version inverses", "account and transient slot lookup inverses", "transient version inverses",
         "time gap inverses"]
    cols = fractions(cur, nxt, betas)
    for name, col, fr, deg in zip(names, INVERSE_COLUMNS, cols, FRACTION_DEGREES):
        h = aux_cur[col]
        if len(fr) == 1:
            (num, f), = fr
            expr = h * (alpha - f) - num
        else:
            (n1, f1), (n2, f2) = fr
            d1, d2 = alpha - f1, alpha - f2
            expr = h * d1 * d2 - E.scale(d2, n1) - E.scale(d1, n2)
        out.append(Constraint(name, expr, deg, col not in READS_NEXT))
    w = aux_cur[AUX_TW]
    out.append(Constraint("table inverse", w * (alpha - table_fp(cur, betas)) - 1, 2, True))
    step = E.total(aux_cur[c] for c in INVERSE_COLUMNS)
    out.append(Constraint("S' = S + lookups − m·w", aux_nxt[AUX_S] - aux_cur[AUX_S] - step + E.scale(w, cur.m), 2, True))
    out.append(Constraint("S2' = S2 + e·w", aux_nxt[AUX_S2] - aux_cur[AUX_S2] - E.scale(w, cur.e), 2, False))
    out += linked.aux_constraints(cur, nxt, betas) + modular.aux_constraints(cur, nxt, betas)
    out += exp.aux_constraints(cur, nxt, aux_cur[AUX_EXP], aux_nxt[AUX_EXP], betas)
    return out

