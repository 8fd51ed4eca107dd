"""Witness generation: a recorded EVM run → the execution circuit's trace matrix.

Input is a plain description of the run (:class:`StepRecord` per executed step, as the VM's trace
recorder reports them), so this module needs nothing from the VM package; :mod:`l2.evm_prove` converts
an ``l2.vm.trace.ExecutionTrace``.  Rows: one per step, plus a STOP row when the code ran off its end
(the EVM's implicit STOP), then padding rows that drain the stack one word at a time, then two chiplet
rows per step a chiplet proves (:mod:`circuits.vm.chiplet_witness`), then idle rows.

Everything after reading the steps is whole-array numpy; the one sequential dependency (which row
produced the stack word each step consumes) runs in a small numba kernel.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from typing import Any

import numpy as np
from numba import njit

from circuits.field import P, batch_inv
from circuits.vm import accounts as ACCOUNTS
from circuits.vm import chain_witness as CHW
from circuits.vm import chiplet_witness as CW
from circuits.vm import copy as COPY
from circuits.vm import copy_witness as CPW
from circuits.vm import environment, returndata, static
from circuits.vm.bus import PUSH_FROM_W1
from circuits.vm import layout as L
from circuits.vm import linked_witness as LW
from circuits.vm import memory_witness as MWIT
from circuits.vm import reads_witness as RWIT
from circuits.vm import storage_witness as SWIT
from circuits.vm.adder import ADDER_ROUTES
from circuits.vm.air import VmStatement
from circuits.vm.comparison import BOOLEAN_RESULT, ZERO_TEST2_ROUTES, ZERO_TEST_ROUTES
from circuits.vm.opcodes import (ERROR, GROUP_OF_BYTE, REVERTED, RUNNING, SPECS, SUCCESS, UNPROVEN, Group,
                                 immediate_n)
from circuits.vm.tables import (AND_SHIFT, CODE_PADDING, JUMP_SPACE, and_key, jumpdest_flags, jumpdest_gaps,
                                CALLDATA_READS, CODECOPY_BYTE, EntrySubset, Environment, StorageIO, output_words,
                                TAG_AND, TAG_CODE, TAG_CODEWORD, TAG_ENV, table_offsets, table_parts)

M256 = (1 << 256) - 1


class WitnessError(ValueError):
    """The run cannot be written into an execution-circuit trace (names the step and why)."""


@dataclass(frozen=True)
class StepRecord:
    """One executed step: what the circuit needs from the VM's recording."""

    pc: int
    opcode: int
    gas_before: int
    stack_pointer_before: int
    pops: tuple[int, ...]
    pushes: tuple[int, ...]
    error: str | None = None
    group: int = 0
    """The row's group when it is not its opcode's: a copy's COPYSIZE and COPYUNIT rows."""
    slot_before: int = 0
    """SLOAD, SSTORE: the slot's value before the step."""
    slot_warm: bool = False
    """SLOAD, SSTORE: whether the slot was warm before the step (EIP-2929)."""
    account: tuple[int, int, int] | None = None
    """BALANCE, EXTCODESIZE, EXTCODEHASH: (balance, code size, code hash) of the address read."""
    call: Any = None
    """CALL, STATICCALL: the step's :class:`~circuits.vm.call_record.CallRecord` (its key is set here)."""


ERROR_KINDS = {"OutOfGasError": "oog", "StackUnderflowError": "uf", "StackOverflowError": "of",
               "InvalidJumpDestError": "jd", returndata.ERROR: "rd", static.ERROR: "st"}
"""Exceptional halts proven by an error flag (INVALID needs none: its group always fails)."""

CHIPLET_GROUPS = {**CW.BITWISE_FLAGS, **CW.SHIFT_FLAGS, **CW.MUL_FLAGS, **CW.SIGNED_FLAGS}
ENV_READS = frozenset(environment.READS)

IDLE_FIXED = [L.CLK, L.PC, L.SP, L.GAS, L.HALTED, L.STATUS, L.ZFLAG, L.ZFLAG2, L.A0, L.A1, L.A3, L.MS, L.MQ, L.LASTW,
              L.RF, L.SUCC,
              *range(L.GAS_LIMBS, L.GAS_LIMBS + 4), *range(L.SPL, L.SPL + 2), *range(L.SPU, L.SPU + 2)]
"""Columns the CPU constraints fix on an idle row after the halt; chiplet rows keep their values."""


def _words(values: list[int]) -> np.ndarray:
    """Words → (len, 32) little-endian bytes."""
    if not values:
        return np.zeros((0, 32), dtype=np.int64)
    raw = b"".join(v.to_bytes(32, "little") for v in values)
    return np.frombuffer(raw, dtype=np.uint8).reshape(len(values), 32).astype(np.int64)


def _operands(group: Group, n: int, pops: tuple[int, ...], pushes: tuple[int, ...]) -> tuple[int, int, int]:
    """(W0, W1, W2) of a step that completes (see the slot table in :mod:`circuits.vm.stack`)."""
    if group in (Group.ADD, Group.SUB, Group.NOT, Group.KECCAK256, *CHIPLET_GROUPS, *LW.KIND, Group.FINISH):
        return pops[0], pops[1] if len(pops) > 1 else 0, pushes[0]
    if group == Group.MLOAD:
        return pops[0], pushes[0], 0  # the loaded word is pushed from W1; W2 takes the expansion witness
    if group in ENV_READS:
        return (pops[0] if pops else 0), pushes[0], pushes[0]  # W2 = W1: range-checks the looked-up word
    if group in (Group.MSTORE, Group.MSTORE8, Group.CALLDATACOPY, Group.CODECOPY, Group.MCOPY):
        return pops[0], pops[1], 0
    if group == Group.COPYSIZE:
        return pops[0], 0, 0
    if group == Group.SLOAD:
        return pops[0], pushes[0], 0  # pushed from W1
    if group == Group.SSTORE:
        return pops[0], pops[1], 0
    if group in (Group.LT, Group.EQ, Group.SLT):
        return pops[0], pops[1], (pops[0] - pops[1]) & M256
    if group in (Group.GT, Group.SGT):
        return pops[0], pops[1], (pops[1] - pops[0]) & M256
    if group in (Group.ISZERO, Group.POP, Group.JUMP, Group.LOGTOPIC, Group.RDSIZE, Group.CALL, Group.STATICCALL,
                 Group.CALLARG, Group.CREATE):
        return pops[0], 0, 0
    if group in (Group.JUMPI, Group.RETURN, Group.REVERT, Group.LOG, Group.RETURNDATACOPY):
        return pops[0], pops[1], 0
    if group in (Group.PUSH0, Group.PUSH, Group.PC, Group.GAS, Group.MSIZE, Group.SELFBALANCE, Group.RETURNDATASIZE,
                 Group.CALLEND):
        return 0, 0, pushes[0]
    if group in (Group.BALANCE, Group.EXTCODESIZE, Group.EXTCODEHASH):
        return pops[0], 0, pushes[0]
    if group == Group.TLOAD:
        return pops[0], pushes[0], pushes[0]  # pushed from W2; W1 = W2 is the version it leaves
    if group == Group.DUP:
        return pops[n - 1], 0, 0
    if group == Group.SWAP:
        return pops[0], pops[n], 0
    return 0, 0, 0


def _split_returndata_copies(steps: list[StepRecord]) -> list[StepRecord]:
    """Each RETURNDATACOPY that pops its three words becomes its row (destination and offset, 3 gas) and
    an RDSIZE row (the size), which halts with e_rd when offset or size is not 0: the VM's
    OutOfBoundsRead, or its OutOfGasError past the static 3 gas (words or expansion it cannot pay,
    which only a non-zero size costs) — both burn all gas (:mod:`circuits.vm.returndata`)."""
    out = []
    static = SPECS[Group.RETURNDATACOPY].gas
    for s in steps:
        fails = s.error == returndata.ERROR or (s.error == "OutOfGasError" and s.gas_before >= static)
        if s.opcode != 0x3E or s.group or len(s.pops) < 3 or not (s.error is None or fails):
            out.append(s)
            continue
        out.append(replace(s, pops=s.pops[:2], error=None))
        out.append(StepRecord(s.pc, s.opcode, s.gas_before - static, s.stack_pointer_before - 2, s.pops[2:], (),
                              returndata.ERROR if fails else None, group=int(Group.RDSIZE)))
    return out


@njit(cache=True)
def _stack_replay(en0, en1, en2, en3, a0, a1, a2, a3, p2_source, words, slots):
    """Replay the stack accesses: for each consuming access, the time the consumed word was produced
    (the latest produce on its slot) and, for C0, the word itself (padding rows drain words they do
    not otherwise know).  ``words`` is (n, 4, 32): W0, W1, W2 and the boolean result as a word;
    ``p2_source`` says which of them P2 produces."""
    n = en0.shape[0]
    last = np.full(slots, -1, dtype=np.int64)
    value = np.zeros((slots, 32), dtype=np.int64)
    tp0 = np.zeros(n, dtype=np.int64)
    tp1 = np.zeros(n, dtype=np.int64)
    taken0 = np.zeros((n, 32), dtype=np.int64)
    for r in range(n):
        # an address outside the stack (only in a broken trace) reads as never produced
        if en0[r] and 0 <= a0[r] < slots:
            tp0[r] = last[a0[r]]
            taken0[r] = value[a0[r]]
        elif en0[r]:
            tp0[r] = -1
        if en1[r] and 0 <= a1[r] < slots:
            tp1[r] = last[a1[r]]
        elif en1[r]:
            tp1[r] = -1
        if en2[r] and 0 <= a2[r] < slots:
            last[a2[r]] = 4 * r + 2
            value[a2[r]] = words[r, p2_source[r]]
        if en3[r] and 0 <= a3[r] < slots:
            last[a3[r]] = 4 * r + 3
            value[a3[r]] = words[r, 0]
    return tp0, tp1, taken0


def _bytes_of(values: np.ndarray, count: int) -> np.ndarray:
    """Little-endian limbs of int64 values, (len, count): bytes, except that the top limb takes whatever
    is left (negative or ≥ 256 when the value is out of range), so the limbs always sum to the value."""
    low = [(values >> (8 * i)) & 0xFF for i in range(count - 1)]
    return np.stack([*low, values >> (8 * (count - 1))], axis=1)


def build_trace(code: bytes, gas_limit: int, steps: list[StepRecord], status: str,
                gas_left: int, output: bytes = b"", check_ranges: bool = True,
                output_offset: int | None = None, env: Environment = Environment(),
                and_keys: tuple[int, ...] | None = None,
                originals: dict[int, int] | None = None, static: bool = False) -> tuple[np.ndarray, VmStatement]:
    """The trace matrix and statement for a run of ``code`` (one frame; its calls' and creations' steps
    carry their records, :class:`StepRecord` ``call``) that ended with ``status``
    ('success', 'revert' or 'error') and ``gas_left``, called in ``env``; raises :class:`WitnessError` when the run uses
    something the circuit does not prove.

    The table holds only the code, calldata and AND entries the run looks up (see
    :class:`circuits.vm.tables.EntrySubset`).  The AND keys are known once the bitwise chiplet's
    rows are built, so a first pass holds the whole AND table and, when the keys it used would
    make the trace shorter, the trace is built again with ``and_keys`` = those keys.

    ``static``: the frame is static (EIP-214), so its writes halt (:mod:`circuits.vm.static`).
    ``originals`` maps a storage slot to its value when the transaction began where that is not the
    value the run starts with (a later frame of a transaction: EIP-2200 prices from the original).

    ``check_ranges=False`` and ``output_offset`` are for soundness tests only: a limb that is not a byte
    is written as the field element it is (so the trace fails its range lookups), and a loaded word or
    returned data that memory does not hold is written as claimed, instead of being refused here.
    """
    if not 0 <= gas_limit < L.MAX_GAS:
        raise WitnessError("the gas limit must be below 2^30")
    given_offset = output_offset
    rows: list[StepRecord] = list(steps)
    for s in rows:
        g = GROUP_OF_BYTE[s.opcode]
        if g == UNPROVEN:
            raise WitnessError(f"opcode 0x{s.opcode:02x} at pc {s.pc} is not proven by this circuit")
        if s.error is not None and s.error not in ERROR_KINDS and not (g == Group.INVALID and s.error == "InvalidOpcode"):
            raise WitnessError(f"{s.error} at pc {s.pc} is an exceptional halt this circuit does not prove")
    halting = {Group.STOP, Group.RETURN, Group.REVERT, Group.INVALID}
    if not rows or (rows[-1].error is None and GROUP_OF_BYTE[rows[-1].opcode] not in halting):
        # the code ran off its end: the EVM executes the zero byte there, a STOP
        if status != "success":
            raise WitnessError("a run that ends without a halting step must succeed")
        if rows:
            last = rows[-1]
            g = Group(GROUP_OF_BYTE[last.opcode])
            pc_end = last.pc + 1 + (immediate_n(last.opcode) if g == Group.PUSH else 0)
            sp_end = last.stack_pointer_before - len(last.pops) + len(last.pushes)
        else:
            pc_end, sp_end = 0, 0
        rows.append(StepRecord(pc_end, 0x00, gas_left, sp_end, (), ()))
    rows = _split_returndata_copies(rows)
    rows, copies = CPW.expand(LW.expand(rows, StepRecord), StepRecord)
    rows = LW.link(rows)
    steps_n = len(rows)

    # ---- per-step columns (one pass over the Python records) ------------------------------------
    pc = np.array([s.pc for s in rows], dtype=np.int64)
    opcode = np.array([s.opcode for s in rows], dtype=np.int64)
    group = np.asarray(GROUP_OF_BYTE, dtype=np.int64)[opcode]
    override = np.array([s.group for s in rows], dtype=np.int64)
    group = np.where(override != 0, override, group)
    nimm = np.array([immediate_n(b) for b in range(256)], dtype=np.int64)[opcode]
    gas = np.array([s.gas_before for s in rows], dtype=np.int64)
    sp = np.array([s.stack_pointer_before for s in rows], dtype=np.int64)
    e_oog = np.array([ERROR_KINDS.get(s.error) == "oog" for s in rows], dtype=np.int64)
    e_uf = np.array([ERROR_KINDS.get(s.error) == "uf" for s in rows], dtype=np.int64)
    e_of = np.array([ERROR_KINDS.get(s.error) == "of" for s in rows], dtype=np.int64)
    e_jd = np.array([ERROR_KINDS.get(s.error) == "jd" for s in rows], dtype=np.int64)
    e_rd = np.array([ERROR_KINDS.get(s.error) == "rd" for s in rows], dtype=np.int64)
    e_st = np.array([ERROR_KINDS.get(s.error) == "st" for s in rows], dtype=np.int64)
    padded = code + bytes(CODE_PADDING)
    gaps = jumpdest_gaps(code)

    def step_words(s: StepRecord) -> tuple[int, int, int]:
        group = Group(s.group or GROUP_OF_BYTE[s.opcode])
        if group == Group.TSTORE and s.error is None:
            return s.pops[0], s.pops[1], s.slot_before  # W2: the value it overwrites
        if s.error is None or ERROR_KINDS.get(s.error) == "rd":  # a halting RDSIZE still pops the size
            return _operands(group, immediate_n(s.opcode), s.pops, s.pushes)
        if group == Group.PUSH:
            # a PUSH that fails still looks up its pc, and the looked-up tuple carries the immediate
            width = immediate_n(s.opcode)
            return 0, 0, int.from_bytes(padded[s.pc + 1:s.pc + 1 + width], "big")
        if s.error == "InvalidJumpDestError" and group in (Group.JUMP, Group.JUMPI) and s.pops:
            return s.pops[0], s.pops[1] if group == Group.JUMPI else 0, _gap_witness(gaps, s.pops[0])
        return 0, 0, 0

    words = [step_words(s) for s in rows]
    w0 = _words([w[0] for w in words])
    w1 = _words([w[1] for w in words])
    w2 = _words([w[2] for w in words])
    # a copy's units: W0 = the offset touched (source for a read, destination for a write), W1 = the
    # public source's word (or 0 past its end); MCOPY's words come from the memory replay below
    is_unit = group == int(Group.COPYUNIT)
    units = np.nonzero(is_unit)[0]
    past = np.zeros(len(rows), dtype=bool)
    for kind_col, data in ((copies.kcd, env.calldata), (copies.kcode, code)):
        idx = units[kind_col[units] == 1]
        if len(idx):
            words_, past_ = CPW.unit_words(copies.src[idx], data)
            w1[idx] = words_
            past[idx] = past_
    # a call's output units write the record's output: the word at their position in it
    for record in copies.calls:
        idx = units[(copies.kret[units] == 1) & (copies.cpid[units] == record.key)]
        if len(idx):
            w1[idx] = CPW.unit_words(copies.size[idx] - copies.rem[idx], record.output[:record.written])[0]
    touched_at = np.where(copies.reads == 1, copies.src, copies.dst)
    for i in range(3):
        w0[units, i] = (touched_at[units] >> (8 * i)) & 0xFF
    sizes = np.nonzero(group == int(Group.COPYSIZE))[0]
    size_of = w0[sizes, :3] @ np.array([1, 256, 65536])
    word_count = (size_of + 31) >> 5
    for at, v, width in ((COPY.WORDS, word_count, 3), (COPY.RR, 32 * word_count - size_of, 1),
                         (COPY.RRC, 31 - (32 * word_count - size_of), 1)):
        for i in range(width):
            w2[sizes, at + i] = (v >> (8 * i)) & 0xFF

    # ---- per-group facts as arrays indexed by group code -----------------------------------------
    def spec_array(f) -> np.ndarray:
        a = np.zeros(len(Group) + 1, dtype=np.int64)
        for g, spec in SPECS.items():
            a[int(g)] = f(g, spec)
        return a

    err = e_oog + e_uf + e_of + e_jd + (group == int(Group.INVALID)) + e_rd + e_st
    ok = 1 - err
    pops = ok + e_jd + e_rd
    cost = spec_array(lambda g, s: s.gas)[group]
    takes_n = np.isin(group, [Group.DUP, Group.SWAP, Group.LOG])  # DUPn, SWAPn, LOGn need n more words
    need = spec_array(lambda g, s: s.need)[group] + np.where(takes_n, nimm, 0)
    delta = spec_array(lambda g, s: s.delta)[group]
    halts = spec_array(lambda g, s: s.halts)[group]
    # the run must halt at its last row and nowhere before
    halt_row = np.nonzero((halts != RUNNING) | (err == 1))[0]
    if len(halt_row) != 1 or halt_row[0] != steps_n - 1:
        raise WitnessError("the recorded steps do not end in exactly one halting step")
    code_status = ERROR if err[-1] else int(halts[-1])
    expected = {"success": SUCCESS, "revert": REVERTED, "error": ERROR}.get(status)
    if code_status != expected:
        raise WitnessError(f"the run ended with status {status!r} but its last step says otherwise")

    # ---- memory: which steps touch it, the replay, the expansion gas ---------------------------------
    kind_of = np.zeros(len(Group) + 1, dtype=np.int64)
    for g, k in MWIT.KIND_OF_GROUP.items():
        kind_of[int(g)] = k
    kind = kind_of[group] * ok
    kind[is_unit & (copies.reads == 1)] = MWIT.KIND_LOAD
    kind[is_unit & (copies.u_wb == 1)] = MWIT.KIND_STORE_HIGH
    size_word = w1[:, :3] @ np.array([1, 256, 65536])
    returns = kind == MWIT.KIND_RETURN
    kind[returns & (w1.sum(axis=1) == 0)] = MWIT.KIND_NONE  # RETURN/REVERT with no output
    # a call's out_size row grows memory over the output region, touching nothing (as RETURN's expansion)
    kind[copies.xcall == 1] = MWIT.KIND_RETURN
    touches = kind != MWIT.KIND_NONE
    if np.any(touches & (w0[:, 3:].sum(axis=1) != 0)) or np.any(returns & touches & (w1[:, 3:].sum(axis=1) != 0)):
        raise WitnessError("a memory offset or returned size of 2^24 or more is not proven by this circuit")
    mem_offset = np.where(touches, w0[:, :3] @ np.array([1, 256, 65536]), 0)
    length = MWIT.LENGTH_OF_KIND[kind] + np.where(kind == MWIT.KIND_RETURN, size_word, 0)
    length[is_unit & (copies.u_rb == 1)] = 1  # a 1-byte read expands memory by its byte only
    length[copies.xcall == 1] = copies.dst[copies.xcall == 1]
    if output_offset is None:
        output_offset = int(mem_offset[-1]) if kind[-1] == MWIT.KIND_RETURN else 0
    elif check_ranges:
        raise WitnessError("the output offset is the halting step's; only soundness tests set it")
    if not output:
        output_offset = 0
    if bytes(output) and kind[-1] != MWIT.KIND_RETURN and check_ranges:
        raise WitnessError("the run returned data but does not end in RETURN or REVERT with a size")
    out_range = output_words(output_offset, len(output))
    mem = MWIT.replay(kind, mem_offset, length, w1, np.arange(steps_n, dtype=np.int64), out_range.stop,
                      copies.read_of)
    w1[is_unit & (copies.reads == 1)] = mem.loaded[is_unit & (copies.reads == 1)]
    if np.any(mem.need > MWIT.M.NEED_LIMIT):
        raise WitnessError("the run grows memory beyond the circuit's 786431 words")
    loads = (kind == MWIT.KIND_LOAD) & ~is_unit
    if check_ranges and np.any(mem.loaded[loads] != w1[loads]):
        raise WitnessError("an MLOAD pushed a word memory does not hold")
    if output and check_ranges:
        tail = mem.finals[out_range.start:out_range.stop]
        region = bytes(int(tail[(a >> 5) - out_range.start, 31 - (a & 31)])
                       for a in range(output_offset, output_offset + len(output)))
        if region != bytes(output):
            raise WitnessError("the returned data differs from the memory region RETURN/REVERT names")
    ms_next = np.concatenate([mem.ms[1:], [mem.ms_end]])
    expansion = 3 * (ms_next - mem.ms) + MWIT.quadratic(ms_next) - mem.mq
    # storage: replay the accesses for their gas and refunds (EIP-2929/2200/3529)
    stores_at = np.nonzero(np.isin(group, [int(Group.SLOAD), int(Group.SSTORE)]) & (ok == 1))[0]
    srec = [rows[r] for r in stores_at]
    sto = SWIT.replay(stores_at, (group[stores_at] == int(Group.SSTORE)).astype(np.int64), [s.pops[0] for s in srec],
                      [s.slot_before for s in srec],
                      [s.pushes[0] if g == int(Group.SLOAD) else s.pops[1] for s, g in zip(srec, group[stores_at])],
                      [bool(s.slot_warm) for s in srec], originals)
    storage_gas = np.zeros(steps_n, dtype=np.int64)
    storage_gas[stores_at] = sto.gas
    storage_refund = np.zeros(steps_n, dtype=np.int64)
    storage_refund[stores_at] = sto.refund
    if check_ranges and np.any(gas[stores_at + 1] != gas[stores_at] - sto.gas):
        raise WitnessError("a storage step's recorded gas differs from its EIP-2929/2200 cost")
    # the gas of a copy's continuation rows: what the rows before them in the copy paid
    word_gas = np.zeros(steps_n, dtype=np.int64)
    word_gas[sizes] = 3 * word_count
    read_gas = RWIT.unit_gas(copies.khash, copies.klog, copies.u_rw, copies.u_rb, copies.lastu)
    charge = ok * cost + expansion + word_gas + storage_gas + read_gas + LW.exponent_gas(group, w2) + copies.ccost
    micro = np.isin(group, [int(g) for g in COPY.MICRO])
    if micro.any():
        anchor = np.maximum.accumulate(np.where(micro, 0, np.arange(steps_n)))
        paid = np.concatenate([[0], np.cumsum(charge)])
        gas = np.where(micro, gas[anchor] - (paid[np.arange(steps_n)] - paid[anchor]), gas)
        ends = np.nonzero(micro & ~np.concatenate([micro[1:], [False]]))[0]
        ends = ends[ends + 1 < steps_n]
        if np.any(gas[ends + 1] != gas[ends] - charge[ends]):
            raise WitnessError("a copy's recorded gas differs from its words and memory expansion")

    sp_halt = int(sp[-1] + pops[-1] * delta[-1])
    gas_halt = int(ok[-1] * (gas[-1] - cost[-1]) - expansion[-1])
    if gas_halt != gas_left:
        raise WitnessError("the gas left after the last step differs from the run's result")
    success = code_status == SUCCESS
    slots_touched = sorted(sto.initial)
    original = tuple(sto.originals[s] for s in slots_touched)
    storage = StorageIO(tuple(sorted(sto.initial.items())), tuple(sorted(sto.final.items())) if success else (),
                        None if original == tuple(sto.initial[s] for s in slots_touched) else original,
                        tuple(s for s in slots_touched if sto.warm_start[s]))
    refund = int(storage_refund.sum()) if success else 0
    try:
        hashes, logs = RWIT.statement_reads(group, ok, w0, w1, w2, copies, check=check_ranges)
    except ValueError as error:
        raise WitnessError(str(error)) from None
    try:
        chains = CHW.replay(rows, group, ok, env, check=check_ranges)
    except ValueError as error:
        raise WitnessError(str(error)) from None
    env = replace(env, self_balance=chains.self_balance)
    account_reads = np.nonzero(np.isin(group, list(CHW.FIELD_OF)) & (ok == 1))[0]
    if check_ranges and np.any(gas[account_reads + 1] != gas[account_reads] - SPECS[Group.BALANCE].gas
                               - ACCOUNTS.COLD_EXTRA * chains.acold[account_reads]):
        raise WitnessError("an account read's recorded gas differs from its EIP-2929 cost")
    calldata_loads = tuple(s.pops[0] for s in rows if s.error is None and s.pops and s.pops[0] < len(env.calldata)
                           and (s.group or GROUP_OF_BYTE[s.opcode]) == Group.CALLDATALOAD)
    subset = entry_subset(code, env.calldata, pc, copies, units, past, calldata_loads, and_keys)
    sizes = tuple((int(r), RWIT.word(w2[r])) for r in np.nonzero((group == int(Group.RETURNDATASIZE)) & (ok == 1))[0])
    calls = copies.calls
    parts = table_parts(code, output_offset, bytes(output), env, storage, hashes, logs, subset, chains.accounts,
                        chains.transient, sizes, calls)
    entries = np.concatenate(list(parts.values()))
    divides = np.isin(group, [int(Group.DIV), int(Group.MOD), int(Group.SDIV), int(Group.SMOD)])
    asks = np.isin(group, [int(g) for g in CHIPLET_GROUPS]) & (ok == 1) & ~(divides & (w1.sum(axis=1) == 0))
    mul_asks = asks & np.isin(group, [int(g) for g in CW.MUL_FLAGS])
    signed_asks = asks & np.isin(group, [int(g) for g in CW.SIGNED_FLAGS])
    accesses = np.nonzero(touches & (kind != MWIT.KIND_RETURN))[0]
    word_set = np.union1d(np.concatenate([mem_offset[accesses] >> 5, (mem_offset[accesses] >> 5) + 1]),
                          np.arange(out_range.start, out_range.stop)).astype(np.int64)
    word_block = MWIT.word_rows(word_set, mem.finals[word_set], mem.last[word_set], output_offset, bytes(output))
    chiplet_start = steps_n + sp_halt
    linked_block = LW.chiplet_rows(group, ok, w0, w1, w2, _second_zero_test(group, w0, w1))
    storage_block = SWIT.chiplet_rows(sto, (group[stores_at] == int(Group.SLOAD)).astype(np.int64))
    chiplet_rows = (CW.ROWS_PER_INSTANCE * int((asks & ~mul_asks & ~signed_asks).sum())
                    + CW.MUL_ROWS * int(mul_asks.sum()) + CW.SIGNED_TOTAL_ROWS * int(signed_asks.sum())
                    + MWIT.ROWS_PER_ACCESS * len(accesses) + len(word_block)
                    + len(storage_block) + len(linked_block) + len(chains.rows))
    n = 1 << max(9, (max(chiplet_start + chiplet_rows + 1, len(entries) + 1) - 1).bit_length())
    if n > 1 << L.MAX_TRACE_LOG:
        raise WitnessError(f"the run needs {n} rows, more than the circuit's 2^{L.MAX_TRACE_LOG}")

    T = np.zeros((n, L.WIDTH), dtype=np.int64)
    live = slice(0, steps_n)
    pad = slice(steps_n, n)
    T[:, L.CLK] = np.arange(n)
    T[:, L.CH_POW] = 1  # pow = 2^r holds on every row; r = 0 off the shift chiplet
    T[live, L.PC] = pc
    T[pad, L.PC] = pc[-1]
    T[live, L.SP] = sp
    drain_len = np.arange(n - steps_n)
    T[pad, L.SP] = np.maximum(sp_halt - drain_len, 0)
    T[pad, L.DRAIN] = drain_len < sp_halt
    T[live, L.GAS] = gas
    T[pad, L.GAS] = gas_halt
    T[pad, L.HALTED] = 1
    T[pad, L.STATUS] = code_status
    T[live, L.N] = nimm
    code_jd = np.zeros(len(code) + 64, dtype=np.int64)
    flags = jumpdest_flags(code).astype(np.int64)
    code_jd[:len(flags)] = flags
    T[live, L.JD] = code_jd[pc]
    T[live, L.E_OOG] = e_oog
    T[live, L.E_UF] = e_uf
    T[live, L.E_OF] = e_of
    T[live, L.E_JD] = e_jd
    T[live, L.E_RD] = e_rd
    T[live, L.E_ST] = e_st
    T[np.arange(steps_n), L.SEL_OFFSET + group - 1] = 1
    T[live, L.W0_OFFSET:L.W0_OFFSET + 32] = w0
    T[live, L.W1_OFFSET:L.W1_OFFSET + 32] = w1
    T[live, L.W2_OFFSET:L.W2_OFFSET + 32] = w2
    T[live, L.MS] = mem.ms
    T[pad, L.MS] = mem.ms_end
    T[:, L.MQ] = MWIT.quadratic(T[:, L.MS])
    xa = touches.astype(np.int64)
    T[live, L.XA] = xa
    T[live, L.MRET] = touches & returns
    # CALLDATALOAD: cda = an offset below 2^24 (completing), cdb = at or past the calldata's end
    loads_cd = (group == int(Group.CALLDATALOAD)) & (ok == 1)
    small_cd = loads_cd & (w0[:, 3:].sum(axis=1) == 0)
    cd_offset = w0[:, :3] @ np.array([1, 256, 65536])
    beyond = small_cd & (cd_offset >= len(env.calldata))
    # storage: each step's gas and refund change, the refund counter, succ, SSTORE's gas − 2301
    T[live, L.SGAS], T[live, L.SREF] = storage_gas, storage_refund
    T[live, L.RF] = np.concatenate([[0], np.cumsum(storage_refund)[:-1]])
    T[pad, L.RF] = storage_refund.sum()
    T[pad, L.SUCC] = int(success)
    sstores = stores_at[group[stores_at] == int(Group.SSTORE)]
    for i in range(4):
        T[sstores, L.W2_OFFSET + i] = ((gas[sstores] - 2301) >> (8 * i)) & (0xFF if i < 3 else -1)
    T[live, L.ASKD] = asks & divides
    T[live, L.CDA] = small_cd
    T[live, L.CDB] = beyond
    gap = np.where(beyond, cd_offset - len(env.calldata), 0)
    rows_cd = np.nonzero(beyond)[0]
    for i in range(3):
        T[rows_cd, L.W2_OFFSET + environment.GAP + i] = (gap[rows_cd] >> (8 * i)) & 0xFF
    T[live, L.NEED] = mem.need * xa
    T[live, L.MG] = mem.grow * xa
    expanding = np.nonzero(xa)[0]
    T[expanding, L.W2_OFFSET:L.W2_OFFSET + 32] = MWIT.expansion_limbs(
        mem_offset[expanding], length[expanding], xa[expanding], mem.ms[expanding], mem.need[expanding],
        mem.grow[expanding])
    # a copy's registers; a unit's bytes left after it, and how far past the source's end it reads
    T[live, L.CPDST], T[live, L.CPSRC], T[live, L.CPREM] = copies.dst, copies.src, copies.rem
    T[live, L.KCD], T[live, L.KCODE], T[live, L.KMC] = copies.kcd, copies.kcode, copies.kmc
    T[live, L.CPID], T[live, L.CPSIZE] = copies.cpid, copies.size
    T[live, L.U_RW], T[live, L.U_RB], T[live, L.U_WW], T[live, L.U_WB] = copies.u_rw, copies.u_rb, copies.u_ww, copies.u_wb
    T[live, L.LASTU], T[live, L.LASTR], T[live, L.UBEY] = copies.lastu, copies.lastr, past
    where = w0[:, :3] @ np.array([1, 256, 65536])
    T[live, L.LOFF] = ((is_unit - copies.kmc) * (copies.src - copies.dst)
                       + copies.kmc * (copies.size - copies.rem - where))
    unit_len = 32 - 31 * copies.byte
    source_len = np.where(copies.kcd == 1, len(env.calldata), len(code))
    for i in range(3):
        T[units, L.W2_OFFSET + COPY.LEFT + i] = ((copies.rem - unit_len)[units] >> (8 * i)) & 0xFF
        T[units, L.W2_OFFSET + environment.GAP + i] = (np.where(past, copies.src - source_len, 0)[units] >> (8 * i)) & 0xFF
    copy_step = np.isin(group, [int(g) for g in COPY.COPIES]) & (ok == 1)
    nonzero_size = (group == int(Group.COPYSIZE)) & (w0[:, :3].sum(axis=1) != 0)
    # a KECCAK256 or LOG row, or a topic row, stays when a topic row or a read unit follows it
    continued = np.concatenate([np.isin(group[1:], [int(Group.LOGTOPIC), int(Group.COPYUNIT)]), [False]])
    read_head = np.isin(group, [int(g) for g in COPY.READ_HEADS])
    opens = np.isin(group, [int(g) for g in LW.KIND]) & (ok == 1)  # ADDMOD, MULMOD, EXP continue on FINISH
    T[live, L.STAY] = copy_step | nonzero_size | (is_unit & (copies.lastu == 0)) | (read_head & continued) | opens
    T[live, L.KHASH], T[live, L.KLOG], T[live, L.TIDX] = copies.khash, copies.klog, copies.tidx
    T[live, L.KCALL], T[live, L.KRET], T[live, L.CCOST] = copies.kcall, copies.kret, copies.ccost
    T[live, L.XCALL] = copies.xcall
    # a call's head, its CALLARG rows and its input's last unit hold the pc; CALLEND when units follow
    call_rows = (np.isin(group, [int(Group.CALL), int(Group.STATICCALL), int(Group.CREATE)]) & (ok == 1))
    call_rows |= group == int(Group.CALLARG)
    call_rows |= (copies.kcall == 1) & (copies.lastu == 1)
    call_rows |= (group == int(Group.CALLEND)) & np.concatenate([group[1:] == int(Group.COPYUNIT), [False]])
    T[live, L.STAY] |= call_rows
    T[live, L.UGAS] = read_gas
    # RETURNDATACOPY stays at its pc when it completes (its RDSIZE row follows); the account and
    # transient version chains
    T[live, L.STAY] |= (group == int(Group.RETURNDATACOPY)) & (ok == 1)
    for col, values in ((L.VTP, chains.vtp), (L.VTN, chains.vtn), (L.GX, chains.gx), (L.AWB, chains.awb),
                        (L.AWN, chains.awn), (L.ACOLD, chains.acold)):
        T[live, col] = values

    full = lambda a: np.concatenate([a, np.zeros(n - steps_n, dtype=np.int64)])  # noqa: E731
    sel = {g: T[:, L.sel(g)] for g in Group}
    ok_full = 1 - (T[:, L.E_OOG] + T[:, L.E_UF] + T[:, L.E_OF] + T[:, L.E_JD] + sel[Group.INVALID] + T[:, L.E_RD]
                   + T[:, L.E_ST])
    pops_full = ok_full + T[:, L.E_JD] + T[:, L.E_RD]

    # adder carries: route · (W0, W1, W2) pairs + constant + carry_in = 2^16 · carry_out
    coeff = np.zeros((n, 4), dtype=np.int64)
    for g, route in ADDER_ROUTES.items():
        coeff += sel[g][:, None] * np.asarray(route, dtype=np.int64)[None, :]
    pairs = lambda off: T[:, off:off + 32:2] + 256 * T[:, off + 1:off + 32:2]  # noqa: E731
    form = (coeff[:, 0:1] * pairs(L.W0_OFFSET) + coeff[:, 1:2] * pairs(L.W1_OFFSET)
            + coeff[:, 2:3] * pairs(L.W2_OFFSET) + coeff[:, 3:4] * ok_full[:, None])
    # SLT/SGT compare with both sign bits flipped (circuits.vm.comparison): sign bits and their helpers
    signed = sel[Group.SLT] + sel[Group.SGT]
    signed_b = signed + sel[Group.SAR]  # SAR's value sign goes to the shift chiplet with its request
    T[:, L.SA] = signed * (T[:, L.W0_OFFSET + 31] >> 7)
    T[:, L.SB] = signed_b * (T[:, L.W1_OFFSET + 31] >> 7)
    T[:, L.HA] = signed * (2 * T[:, L.W0_OFFSET + 31] - 256 * T[:, L.SA])
    T[:, L.HB] = signed_b * (2 * T[:, L.W1_OFFSET + 31] - 256 * T[:, L.SB])
    form[:, -1] += 65536 * (sel[Group.SLT] - sel[Group.SGT]) * (T[:, L.SA] - T[:, L.SB])
    carry = np.zeros(n, dtype=np.int64)
    for k in range(L.CARRY_WIDTH):
        total_k = form[:, k] + carry
        if np.any(total_k % 65536) or np.any((total_k < 0) | (total_k > 65536)):
            raise WitnessError("adder identity fails (inconsistent step words)")
        carry = total_k // 65536
        T[:, L.CARRY_OFFSET + k] = carry

    # zero test and boolean result
    offsets = {"w0": L.W0_OFFSET, "w1": L.W1_OFFSET, "w2": L.W2_OFFSET}
    zsum = np.zeros(n, dtype=np.int64)
    for g, word in ZERO_TEST_ROUTES.items():
        zsum += sel[g] * T[:, offsets[word]:offsets[word] + 32].sum(axis=1)
    T[:, L.ZFLAG] = zsum == 0
    nz = zsum != 0
    zinv = np.zeros(n, dtype=np.uint64)
    if np.any(nz):
        zinv[nz] = batch_inv(zsum[nz].astype(np.uint64))
    T[:, L.ZINV] = zinv.astype(np.int64)
    z2 = np.zeros(n, dtype=np.int64)
    for g, (word, start) in ZERO_TEST2_ROUTES.items():
        z2 += sel[g] * T[:, offsets[word] + start:offsets[word] + 32].sum(axis=1)
    T[:, L.ZFLAG2] = z2 == 0
    zinv2 = np.zeros(n, dtype=np.uint64)
    if np.any(z2 != 0):
        zinv2[z2 != 0] = batch_inv(z2[z2 != 0].astype(np.uint64))
    T[:, L.ZINV2] = zinv2.astype(np.int64)
    T[:, L.RES] = (sel[Group.LT] + sel[Group.GT] + signed) * carry + (sel[Group.EQ] + sel[Group.ISZERO]) * T[:, L.ZFLAG]
    T[:, L.TAKEN] = (sel[Group.JUMP] + sel[Group.JUMPI] * (1 - T[:, L.ZFLAG])) * ok_full
    running = sum(sel[g] for g, s in SPECS.items() if s.halts == RUNNING)
    T[:, L.CONT] = running * ok_full

    # stack addresses and production times
    n_col, sp_col = T[:, L.N], T[:, L.SP]
    T[:, L.A0] = sp_col - 1 - sel[Group.DUP] * (n_col - 1)
    T[:, L.A1] = sp_col - 2 - sel[Group.SWAP] * (n_col - 1)
    T[:, L.A3] = sp_col - sel[Group.DUP] * n_col - sel[Group.SWAP] * (n_col + 1)
    group_full = full(group)
    a2 = sp_col - spec_array(lambda g, s: s.p2_depth)[group_full]
    en0 = spec_array(lambda g, s: s.consumes >= 1)[group_full] * pops_full + T[:, L.DRAIN]
    en1 = spec_array(lambda g, s: s.consumes >= 2)[group_full] * pops_full
    en2 = spec_array(lambda g, s: s.produces >= 1)[group_full] * ok_full
    en3 = spec_array(lambda g, s: s.produces >= 2)[group_full] * ok_full
    p2_source = np.full(n, 2, dtype=np.int64)  # index into words_all: W0 (DUP), W1 (SWAP), W2, result
    p2_source[sel[Group.DUP] == 1] = 0
    p2_source[sel[Group.SWAP] == 1] = 1
    for g in PUSH_FROM_W1:
        p2_source[sel[g] == 1] = 1
    for g in BOOLEAN_RESULT:
        p2_source[sel[g] == 1] = 3
    words_all = np.zeros((n, 4, 32), dtype=np.int64)
    words_all[:, 0] = T[:, L.W0_OFFSET:L.W0_OFFSET + 32]
    words_all[:, 1] = T[:, L.W1_OFFSET:L.W1_OFFSET + 32]
    words_all[:, 2] = T[:, L.W2_OFFSET:L.W2_OFFSET + 32]
    words_all[:, 3, 0] = T[:, L.RES]
    tp0, tp1, taken0 = _stack_replay(en0, en1, en2, en3, T[:, L.A0], T[:, L.A1], a2, T[:, L.A3], p2_source,
                                     words_all, L.STACK_LIMIT + 2)
    drain_rows = T[:, L.DRAIN] == 1
    T[drain_rows, L.W0_OFFSET:L.W0_OFFSET + 32] = taken0[drain_rows]
    if np.any((en0 == 1) & (tp0 < 0)) or np.any((en1 == 1) & (tp1 < 0)):
        raise WitnessError("a step consumes a stack slot nothing produced (inconsistent stack pointer)")
    T[:, L.TP0] = tp0 * en0
    T[:, L.TP1] = tp1 * en1
    clk4 = 4 * T[:, L.CLK]
    T[:, L.TD0:L.TD0 + 3] = _bytes_of(en0 * (clk4 - tp0 - 1), 3)
    T[:, L.TD1:L.TD1 + 3] = _bytes_of(en1 * (clk4 + 1 - tp1 - 1), 3)

    # range facts
    T[:, L.GAS_LIMBS:L.GAS_LIMBS + 4] = _bytes_of(T[:, L.GAS], 4)
    T[:, L.SPL:L.SPL + 2] = _bytes_of(L.STACK_LIMIT - sp_col, 2)
    need_full = full(need)
    e_uf_full = T[:, L.E_UF]
    depth = np.where(e_uf_full == 1, need_full - 1 - sp_col, sp_col - need_full)
    T[:, L.SPU:L.SPU + 2] = _bytes_of(depth, 2)
    T[:, L.OOGD] = T[:, L.E_OOG] * (full(cost) - 1 - T[:, L.GAS])

    # chiplet rows: two per step a chiplet proves, after the drain
    at = chiplet_start
    for make, flags_of in ((CW.bitwise_rows, CW.BITWISE_FLAGS), (CW.shift_rows, CW.SHIFT_FLAGS),
                           (CW.mul_rows, CW.MUL_FLAGS), (CW.signed_rows, CW.SIGNED_FLAGS)):
        idx = np.nonzero(asks & np.isin(group, [int(g) for g in flags_of]))[0]
        if not len(idx):
            continue
        block = make(group[idx], T[idx, L.W0_OFFSET:L.W0_OFFSET + 32], T[idx, L.W1_OFFSET:L.W1_OFFSET + 32],
                     T[idx, L.W2_OFFSET:L.W2_OFFSET + 32], T[idx, L.ZFLAG2])
        rows_here = slice(at, at + len(block))
        block[:, IDLE_FIXED] = T[rows_here][:, IDLE_FIXED]
        T[rows_here] = block
        at += len(block)
    if len(accesses):
        block = MWIT.access_rows(kind[accesses], mem_offset[accesses], accesses.astype(np.int64), w1[accesses],
                                 mem.old[accesses], mem.new[accesses], mem.times[accesses])
        block[:, IDLE_FIXED] = T[at:at + len(block)][:, IDLE_FIXED]
        T[at:at + len(block)] = block
        at += len(block)
    for block in (word_block, storage_block, linked_block, chains.rows):
        if len(block):
            block[:, IDLE_FIXED] = T[at:at + len(block)][:, IDLE_FIXED]
            T[at:at + len(block)] = block
            at += len(block)
    SWIT.fill_zero_tests(T)
    # lastw: the index of the latest word row so far (−1 before the first)
    latest = np.where(T[:, L.CH_MREG] == 1, np.arange(n), -1)
    latest = np.maximum.accumulate(latest)
    T[:, L.LASTW] = np.where(latest >= 0, T[np.maximum(latest, 0), L.MW], -1)

    # table region: entries, then multiplicities of every lookup
    E = len(entries)
    T[:E, L.T_E] = 1
    T[:E, L.T_F:L.T_F + L.T_FIELDS] = entries[:, :L.T_FIELDS].astype(np.int64)
    T[:E, L.T_ONE] = entries[:, L.T_FIELDS].astype(np.int64)
    cpu_ranges = range_values(T)
    cpu_ranges[:, :32][and_rows(T)] = 0
    if check_ranges and np.any((cpu_ranges < 0) | (cpu_ranges > 255)):
        raise WitnessError("a range-checked limb is not a byte (gas or stack out of the proven range)")
    if and_keys is None and "and" in parts:
        used = used_and_keys(T)
        shorter = 1 << max(9, (max(chiplet_start + chiplet_rows + 1, len(entries) - 256 + len(used) + 1) - 1).bit_length())
        if shorter < n:
            return build_trace(code, gas_limit, steps, status, gas_left, output, check_ranges, given_offset, env, used,
                               originals, static)
    T[:, L.STC] = int(static)   # every row, the chiplet and padding rows too: stc never changes
    out = np.mod(T, P).astype(np.uint64)
    set_multiplicities(out, code, output_offset, bytes(output), env, storage, hashes, logs, subset, chains.accounts,
                       chains.transient, sizes, calls)
    statement = VmStatement(code, gas_limit, code_status, gas_limit - gas_halt, bytes(output), output_offset,
                            env.calldata, env.caller.to_bytes(20, "big"), env.value, env.address.to_bytes(20, "big"),
                            storage.initial, storage.final, refund, env.origin.to_bytes(20, "big"), env.gas_price,
                            env.chain_id, env.number, env.timestamp, env.base_fee, hashes, logs, subset.pcs,
                            subset.code_words, chains.self_balance, chains.accounts, chains.transient,
                            subset.and_keys, subset.calldata_words, sizes, calls, storage.original, storage.warm,
                            static)
    return out, statement


def entry_subset(code: bytes, calldata: bytes, pc: np.ndarray, copies, units: np.ndarray, past: np.ndarray,
                 loads: tuple[int, ...], and_keys: tuple[int, ...] | None) -> EntrySubset:
    """The entries a run looks up: the bytecode entries of the pcs it executes, the code words its
    CODECOPY units and the calldata words its CALLDATALOADs (at ``loads``) and CALLDATACOPY units
    read (before the data's end), and ``and_keys`` — the table holds only these."""
    read = units[(copies.kcode[units] == 1) & ~past[units]]
    words = tuple(int(o) for o in np.unique(copies.src[read])) if CODECOPY_BYTE in code else None
    copied = units[(copies.kcd[units] == 1) & ~past[units]]
    data = tuple(int(o) for o in np.unique(np.concatenate([copies.src[copied], np.asarray(loads, dtype=np.int64)])))
    return EntrySubset(tuple(int(p) for p in np.unique(pc)), words, and_keys,
                       data if CALLDATA_READS & set(code) else None)


def used_and_keys(T: np.ndarray) -> tuple[int, ...]:
    """The AND-table indices 16·x + y the bitwise chiplet's rows of ``T`` (integer matrix) look up."""
    keys = T[and_rows(T), L.W2_OFFSET:L.W2_OFFSET + 32].ravel()
    x, y = keys & 0x1FF, (keys >> AND_SHIFT) & 0x1FF
    valid = (x < 16) & (y < 16) & (keys == and_key(x, y))
    return tuple(int(i) for i in np.unique(16 * x[valid] + y[valid]))


def _second_zero_test(group: np.ndarray, w0: np.ndarray, w1: np.ndarray) -> np.ndarray:
    """zflag2 of each step row from its words (the CPU's second zero test, :mod:`circuits.vm.comparison`)."""
    words = {"w0": w0, "w1": w1}
    z2 = np.zeros(len(group), dtype=np.int64)
    for g, (word, start) in ZERO_TEST2_ROUTES.items():
        z2 += (group == int(g)) * words[word][:, start:].sum(axis=1)
    return (z2 == 0).astype(np.int64)


def range_values(T: np.ndarray) -> np.ndarray:
    """The 50 range-checked limbs of every row, (n, 50), in :func:`circuits.vm.bus.range_values` order."""
    g = T[:, L.GAS_LIMBS:L.GAS_LIMBS + 4]
    return np.concatenate([T[:, L.W2_OFFSET:L.W2_OFFSET + 32], g, g[:, 3:4] + 192, T[:, L.OOGD:L.OOGD + 1],
                           T[:, L.SPL:L.SPL + 2], T[:, L.SPU:L.SPU + 2], T[:, L.TD0:L.TD0 + 3],
                           T[:, L.TD1:L.TD1 + 3], T[:, L.HA:L.HA + 1], T[:, L.HB:L.HB + 1]], axis=1)


def and_rows(T: np.ndarray) -> np.ndarray:
    """Rows whose W2 slots look up AND keys (the bitwise chiplet's rows)."""
    return (T[:, L.CH_AND] + T[:, L.CH_OR] + T[:, L.CH_XOR] + T[:, L.CH_BW2]) == 1


def _gap_witness(gaps: np.ndarray, target: int) -> int:
    """W2 of an invalid-jump step: (T − lo, hi − T, lo, hi) as 2-byte fields, when T < 2^16."""
    if target >= JUMP_SPACE:
        return 0
    lo, hi = (int(v) for v in gaps[np.searchsorted(gaps[:, 0], target, side="right") - 1])
    if not lo <= target <= hi:
        return 0  # a valid destination (only in a false trace): no gap holds it
    return (target - lo) | (hi - target) << 16 | lo << 32 | hi << 48


def subset_in(T: np.ndarray, code: bytes) -> EntrySubset:
    """The code entries the table region of ``T`` holds (its bytecode entries' pcs, its code words'
    offsets) — what :func:`set_multiplicities` counts against when not told."""
    present = T[:, L.T_E] == 1
    tags, keys = T[:, L.T_F], T[:, L.T_F + 1]
    words = tuple(int(k) for k in keys[present & (tags == TAG_CODEWORD)]) if CODECOPY_BYTE in code else None
    data = (tuple(int(k) for k in keys[present & (tags == TAG_ENV + int(Group.CALLDATALOAD))])
            if CALLDATA_READS & set(code) else None)
    and_keys = keys[present & (tags == TAG_AND)]
    x, y = and_keys & 0x1FF, (and_keys >> AND_SHIFT) & 0x1FF
    return EntrySubset(tuple(int(k) for k in keys[present & (tags == TAG_CODE)]), words,
                       tuple(int(i) for i in 16 * x + y), data)


def set_multiplicities(T: np.ndarray, code: bytes, output_offset: int = 0, output: bytes = b"",
                       env: Environment = Environment(), storage: StorageIO | None = None, hashes: tuple = (),
                       logs: tuple = (), subset: EntrySubset | None = None, accounts: tuple = (),
                       transient: tuple = (), sizes: tuple = (), calls: tuple = ()) -> None:
    """Fill the table's M column from the lookups the rows make (in place, field matrix); the code
    entries are ``subset``'s, or, when None, those the table region already holds.

    Each lookup counts at the entry it names; a looked-up value with no entry (a limb that is not a
    byte, a key that is not an AND triple) stays unaccounted, so the bus cannot balance.
    """
    Ti = T.astype(np.int64)
    subset = subset or subset_in(Ti, code)
    parts = table_parts(code, output_offset, output, env, storage, hashes, logs, subset, accounts, transient, sizes,
                        calls)
    offsets = table_offsets(parts)
    T[:, L.T_M] = 0
    and_mask = and_rows(Ti)
    values = range_values(Ti)
    ranged = np.concatenate([values[~and_mask].ravel(), values[and_mask][:, 32:].ravel()])
    T[:256, L.T_M] = np.bincount(ranged[(ranged >= 0) & (ranged < 256)], minlength=256)
    size = len(code) + CODE_PADDING
    looks_up = (Ti[:, L.HALTED] == 0) & np.all(Ti[:, [L.sel(g) for g in COPY.MICRO]] == 0, axis=1)
    live_pc = Ti[looks_up, L.PC]
    at = offsets["code"]
    counts = np.bincount(live_pc[(live_pc >= 0) & (live_pc < size)], minlength=size)[:size]
    if subset.pcs is not None:
        counts = counts[np.asarray(subset.pcs, dtype=np.int64)]
    T[at:at + len(counts), L.T_M] = counts
    if "and" in parts:
        keys = Ti[and_mask, L.W2_OFFSET:L.W2_OFFSET + 32].ravel()
        x, y = keys & 0x1FF, (keys >> AND_SHIFT) & 0x1FF
        valid = (x < 16) & (y < 16) & (keys == and_key(x, y))
        at = offsets["and"]
        counts = np.bincount(16 * x[valid] + y[valid], minlength=256)
        if subset.and_keys is not None:
            counts = counts[np.asarray(subset.and_keys, dtype=np.int64)]
        T[at:at + len(counts), L.T_M] = counts
    if "gap" in parts:
        asks = (Ti[:, L.E_JD] == 1) & (Ti[:, L.ZFLAG2] == 1)
        w2 = Ti[asks, L.W2_OFFSET:L.W2_OFFSET + 8]
        lo, hi = w2[:, 4] + 256 * w2[:, 5], w2[:, 6] + 256 * w2[:, 7]
        gaps = parts["gap"][:, 1:3].astype(np.int64)
        index = np.searchsorted(gaps[:, 0], lo)
        found = (index < len(gaps)) & (gaps[np.minimum(index, len(gaps) - 1), 0] == lo) & \
            (gaps[np.minimum(index, len(gaps) - 1), 1] == hi)
        at = offsets["gap"]
        T[at:at + len(gaps), L.T_M] = np.bincount(index[found], minlength=len(gaps))
    live = Ti[:, L.HALTED] == 0
    groups = np.zeros(len(Ti), dtype=np.int64)
    sel = Ti[:, L.SEL_OFFSET:L.SEL_OFFSET + L.SEL_WIDTH]
    groups[live] = np.argmax(sel[live], axis=1) + 1
    err = (Ti[:, L.E_OOG] + Ti[:, L.E_UF] + Ti[:, L.E_OF] + Ti[:, L.E_JD] + (groups == int(Group.INVALID))
           + Ti[:, L.E_RD] + Ti[:, L.E_ST])
    at = offsets["env"]
    for k, g in enumerate(environment.VALUES):
        T[at + k, L.T_M] = np.sum(live & (groups == int(g)) & (err == 0))
    # calldata and code words: CALLDATALOAD rows and copy units, by source and offset
    unit = live & (groups == int(Group.COPYUNIT))
    where = Ti[:, L.W0_OFFSET:L.W0_OFFSET + 3] @ np.array([1, 256, 65536]) + Ti[:, L.LOFF]
    where = np.where(where > P // 2, where - P, where)  # loff is a field element, possibly negative
    at += len(environment.VALUES)
    for data, present, reads in ((env.calldata, bool(CALLDATA_READS & set(code)), Ti[:, L.KCD] == 1),
                                 (code, CODECOPY_BYTE in code, Ti[:, L.KCODE] == 1)):
        if not present:
            continue
        count = len(data)
        word_rows = unit & reads & (Ti[:, L.UBEY] == 0)
        end_rows = unit & reads & (Ti[:, L.UBEY] == 1)
        if data is env.calldata:
            word_rows |= (Ti[:, L.CDA] == 1) & (Ti[:, L.CDB] == 0)
            end_rows |= (Ti[:, L.CDA] == 1) & (Ti[:, L.CDB] == 1)
        index = where[word_rows]
        index = index[(index >= 0) & (index < count)]
        counts = np.bincount(index, minlength=count)[:count]
        chosen = subset.code_words if data is code else subset.calldata_words
        if chosen is not None:
            counts = counts[np.asarray(chosen, dtype=np.int64)]
        T[at:at + len(counts), L.T_M] = counts
        T[at + len(counts), L.T_M] = np.sum(end_rows)
        at += len(counts) + 1
    if "storage" in parts:
        # each public slot entry is looked up by the slot's row: match the slot row's key limbs
        entries = parts["storage"]
        slot_rows = Ti[Ti[:, L.CH_SLOT] == 1]
        keys = {tuple(r[L.W0_OFFSET:L.W0_OFFSET + 32]) for r in slot_rows}
        succ = bool(len(slot_rows)) and bool(slot_rows[0, L.SUCC])
        at = offsets["storage"]
        initial, final = storage.initial, storage.final
        # the original and the starting entry of every slot (T1, T2), then its final one on success
        for i, (slot, _) in enumerate((*initial, *initial, *final)):
            looked = tuple(SWIT.words([slot])[0]) in keys and (i < 2 * len(initial) or succ)
            T[at + i, L.T_M] = int(looked)
    if "output" in parts:
        entries = parts["output"].astype(np.int64)
        at = offsets["output"]
        calls = Ti[Ti[:, L.MRET] == 1]
        off = calls[:, L.W0_OFFSET:L.W0_OFFSET + 3] @ np.array([1, 256, 65536])
        size = calls[:, L.W1_OFFSET:L.W1_OFFSET + 3] @ np.array([1, 256, 65536])
        T[at, L.T_M] = np.sum((off == entries[0, 1]) & (size == entries[0, 2]))
        checked = Ti[Ti[:, L.CH_MOUT] == 1, L.MW]
        words = entries[1:, 1]
        T[at + 1:at + len(entries), L.T_M] = [np.sum(checked == w) for w in words]
    for name in ("hashes", "logs", "returndata", "calls"):
        if name in parts:
            at = offsets[name]
            T[at:at + len(parts[name]), L.T_M] = RWIT.entry_counts(Ti, parts[name])
    for name in ("accounts", "transient"):
        if name in parts:
            at = offsets[name]
            T[at:at + len(parts[name]), L.T_M] = CHW.entry_counts(Ti, parts[name])
