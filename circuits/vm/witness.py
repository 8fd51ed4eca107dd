"""Witness generation: a recorded EVM run → the execution circuit's trace matrix.

Input is a plain description of the run (:class:`StepRecord` per executed step, as the VM's trace
recorder reports them), so this module needs nothing from the VM package; :mod:`l2.evm_prove` converts
an ``l2.vm.trace.ExecutionTrace``.  Rows: one per step, plus a STOP row when the code ran off its end
(the EVM's implicit STOP), then padding rows that drain the stack one word at a time, then idle rows.

Everything after reading the steps is whole-array numpy; the one sequential dependency (which row
produced the stack word each step consumes) runs in a small numba kernel.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from circuits.field import P, batch_inv
from circuits.vm import layout as L
from circuits.vm.adder import ADDER_ROUTES
from circuits.vm.air import VmStatement
from circuits.vm.comparison import BOOLEAN_RESULT, ZERO_TEST_ROUTES
from circuits.vm.opcodes import (ERROR, GROUP_OF_BYTE, REVERTED, RUNNING, SPECS, SUCCESS, UNPROVEN, Group,
                                 immediate_n)
from circuits.vm.tables import CODE_PADDING, fixed_entries

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


ERROR_KINDS = {"OutOfGasError": "oog", "StackUnderflowError": "uf"}
"""Exceptional halts proven by an error flag (INVALID needs none: its group always fails)."""


def _words(values: list[int]) -> np.ndarray:
    """Words → (len, 32) little-endian bytes."""
    if not values:
        return np.zeros((0, 32), dtype=np.int64)
    raw = b"".join(v.to_bytes(32, "little") for v in values)
    return np.frombuffer(raw, dtype=np.uint8).reshape(len(values), 32).astype(np.int64)


def _operands(group: Group, n: int, pops: tuple[int, ...], pushes: tuple[int, ...]) -> tuple[int, int, int]:
    """(W0, W1, W2) of a step that completes (see the slot table in :mod:`circuits.vm.stack`)."""
    if group in (Group.ADD, Group.SUB, Group.NOT):
        return pops[0], pops[1] if len(pops) > 1 else 0, pushes[0]
    if group in (Group.LT, Group.EQ):
        return pops[0], pops[1], (pops[0] - pops[1]) & M256
    if group == Group.GT:
        return pops[0], pops[1], (pops[1] - pops[0]) & M256
    if group in (Group.ISZERO, Group.POP, Group.JUMP):
        return pops[0], 0, 0
    if group in (Group.JUMPI, Group.RETURN, Group.REVERT):
        return pops[0], pops[1], 0
    if group in (Group.PUSH0, Group.PUSH, Group.PC, Group.GAS):
        return 0, 0, pushes[0]
    if group == Group.DUP:
        return pops[n - 1], 0, 0
    if group == Group.SWAP:
        return pops[0], pops[n], 0
    return 0, 0, 0


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
                gas_left: int, output: bytes = b"", check_ranges: bool = True) -> tuple[np.ndarray, VmStatement]:
    """The trace matrix and statement for a run of ``code`` (one frame) that ended with ``status``
    ('success', 'revert' or 'error') and ``gas_left``; raises :class:`WitnessError` when the run uses
    something the circuit does not prove.

    ``check_ranges=False`` is for soundness tests only: a limb that is not a byte is written as the
    field element it is (so the trace fails its range lookups) instead of being refused here.
    """
    if not 0 <= gas_limit < L.MAX_GAS:
        raise WitnessError("the gas limit must be below 2^30")
    if output:
        raise WitnessError("the run returned data; this circuit proves only empty output")
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
            sp_end = last.stack_pointer_before + SPECS[g].delta
        else:
            pc_end, sp_end = 0, 0
        rows.append(StepRecord(pc_end, 0x00, gas_left, sp_end, (), ()))
    steps_n = len(rows)

    # ---- per-step columns (one pass over the Python records) ------------------------------------
    pc = np.array([s.pc for s in rows], dtype=np.int64)
    opcode = np.array([s.opcode for s in rows], dtype=np.int64)
    group = np.asarray(GROUP_OF_BYTE, dtype=np.int64)[opcode]
    nimm = np.array([immediate_n(b) for b in range(256)], dtype=np.int64)[opcode]
    gas = np.array([s.gas_before for s in rows], dtype=np.int64)
    sp = np.array([s.stack_pointer_before for s in rows], dtype=np.int64)
    e_oog = np.array([ERROR_KINDS.get(s.error) == "oog" for s in rows], dtype=np.int64)
    e_uf = np.array([ERROR_KINDS.get(s.error) == "uf" for s in rows], dtype=np.int64)
    padded = code + bytes(CODE_PADDING)

    def step_words(s: StepRecord) -> tuple[int, int, int]:
        group = Group(GROUP_OF_BYTE[s.opcode])
        if s.error is None:
            return _operands(group, immediate_n(s.opcode), s.pops, s.pushes)
        if group == Group.PUSH:
            # a PUSH that fails still looks up its pc, and the looked-up tuple carries the immediate
            width = immediate_n(s.opcode)
            return 0, 0, int.from_bytes(padded[s.pc + 1:s.pc + 1 + width], "big")
        return 0, 0, 0

    words = [step_words(s) for s in rows]
    w0 = _words([w[0] for w in words])
    w1 = _words([w[1] for w in words])
    w2 = _words([w[2] for w in words])

    # ---- per-group facts as arrays indexed by group code -----------------------------------------
    def spec_array(f) -> np.ndarray:
        a = np.zeros(len(Group) + 1, dtype=np.int64)
        for g, spec in SPECS.items():
            a[int(g)] = f(g, spec)
        return a

    err = e_oog + e_uf + (group == int(Group.INVALID))
    ok = 1 - err
    cost = spec_array(lambda g, s: s.gas)[group]
    need = spec_array(lambda g, s: s.need)[group] + np.where((group == Group.DUP) | (group == Group.SWAP), nimm, 0)
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

    sp_halt = int(sp[-1] + ok[-1] * delta[-1])
    gas_halt = int(ok[-1] * (gas[-1] - cost[-1]))
    if gas_halt != gas_left:
        raise WitnessError("the gas left after the last step differs from the run's result")
    entries = fixed_entries(code)
    n = 1 << max(9, (max(steps_n + sp_halt + 1, len(entries) + 1) - 1).bit_length())
    if n > 1 << L.MAX_TRACE_LOG:
        raise WitnessError(f"the run needs {n} rows, more than the circuit's 2^{L.MAX_TRACE_LOG}")

    T = np.zeros((n, L.WIDTH), dtype=np.int64)
    live = slice(0, steps_n)
    pad = slice(steps_n, n)
    T[:, L.CLK] = np.arange(n)
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
    code_n_entries = entries[256:]
    code_jd[:len(code_n_entries)] = code_n_entries[:, 4].astype(np.int64)
    T[live, L.JD] = code_jd[pc]
    T[live, L.E_OOG] = e_oog
    T[live, L.E_UF] = e_uf
    T[np.arange(steps_n), L.SEL_OFFSET + group - 1] = 1
    T[live, L.W0_OFFSET:L.W0_OFFSET + 32] = w0
    T[live, L.W1_OFFSET:L.W1_OFFSET + 32] = w1
    T[live, L.W2_OFFSET:L.W2_OFFSET + 32] = w2

    full = lambda a: np.concatenate([a, np.zeros(n - steps_n, dtype=np.int64)])  # noqa: E731
    sel = {g: T[:, L.sel(g)] for g in Group}
    ok_full = 1 - (T[:, L.E_OOG] + T[:, L.E_UF] + sel[Group.INVALID])

    # adder carries: route · (W0, W1, W2) pairs + constant + carry_in = 2^16 · carry_out
    coeff = np.zeros((n, 4), dtype=np.int64)
    for g, route in ADDER_ROUTES.items():
        coeff += sel[g][:, None] * np.asarray(route, dtype=np.int64)[None, :]
    pairs = lambda off: T[:, off:off + 32:2] + 256 * T[:, off + 1:off + 32:2]  # noqa: E731
    form = (coeff[:, 0:1] * pairs(L.W0_OFFSET) + coeff[:, 1:2] * pairs(L.W1_OFFSET)
            + coeff[:, 2:3] * pairs(L.W2_OFFSET) + coeff[:, 3:4] * ok_full[:, None])
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
    T[:, L.RES] = (sel[Group.LT] + sel[Group.GT]) * carry + (sel[Group.EQ] + sel[Group.ISZERO]) * T[:, L.ZFLAG]
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
    en0 = spec_array(lambda g, s: s.consumes >= 1)[group_full] * ok_full + T[:, L.DRAIN]
    en1 = spec_array(lambda g, s: s.consumes >= 2)[group_full] * ok_full
    en2 = spec_array(lambda g, s: s.produces >= 1)[group_full] * ok_full
    en3 = spec_array(lambda g, s: s.produces >= 2)[group_full] * ok_full
    p2_source = np.full(n, 2, dtype=np.int64)  # index into words_all: W0 (DUP), W1 (SWAP), W2, result
    p2_source[sel[Group.DUP] == 1] = 0
    p2_source[sel[Group.SWAP] == 1] = 1
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

    # table region: entries, then multiplicities of every lookup
    E = len(entries)
    T[:E, L.T_E] = 1
    T[:E, L.T_F:L.T_F + L.T_FIELDS] = entries.astype(np.int64)
    if check_ranges and np.any((range_values(T) < 0) | (range_values(T) > 255)):
        raise WitnessError("a range-checked limb is not a byte (gas or stack out of the proven range)")
    out = np.mod(T, P).astype(np.uint64)
    set_multiplicities(out, len(code))
    statement = VmStatement(code, gas_limit, code_status, gas_limit - gas_halt)
    return out, statement


def range_values(T: np.ndarray) -> np.ndarray:
    """The 48 range-checked limbs of every row, (n, 48), in :func:`circuits.vm.bus.range_values` order."""
    g = T[:, L.GAS_LIMBS:L.GAS_LIMBS + 4]
    return np.concatenate([T[:, L.W2_OFFSET:L.W2_OFFSET + 32], g, g[:, 3:4] + 192, T[:, L.OOGD:L.OOGD + 1],
                           T[:, L.SPL:L.SPL + 2], T[:, L.SPU:L.SPU + 2], T[:, L.TD0:L.TD0 + 3],
                           T[:, L.TD1:L.TD1 + 3]], axis=1)


def set_multiplicities(T: np.ndarray, code_length: int) -> None:
    """Fill the table's M column from the lookups the CPU rows make (in place, field matrix).

    Range entries count every range-checked limb that is a byte; a limb that is not has no entry, so
    it stays unaccounted and the bus cannot balance.  Bytecode entries count the live rows at each pc.
    """
    values = range_values(T.astype(np.int64)).ravel()
    T[:256, L.T_M] = np.bincount(values[(values >= 0) & (values < 256)], minlength=256)
    size = code_length + CODE_PADDING
    live_pc = T[T[:, L.HALTED] == 0, L.PC].astype(np.int64)
    T[256:256 + size, L.T_M] = np.bincount(live_pc[live_pc < size], minlength=size)[:size]
