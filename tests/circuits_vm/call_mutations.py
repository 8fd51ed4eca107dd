"""False CALL and STATICCALL steps, for the soundness catalogue (:mod:`circuits.vm.calls`).

A caller's table proves what its call step did against the public call record
(:class:`circuits.vm.call_record.CallRecord`): the words popped, the input read, the success pushed,
the gas taken and the output written back.  Each mutation here is a caller frame whose trace and
statement disagree on one of those (or whose call rows are out of shape), built from a real run
(the l2 VM calling a second contract) and turned into a trace by the honest witness builder; the
table region is then rewritten for the statement claimed, with the lookups counted as a cheating
prover would.  Each returns (matrix, statement, the exact set of constraints that catch it).

:func:`calls_run` is the honest caller frame and :func:`calls_bumps` its single-cell bumps, for the
coverage test of every constraint.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np
from circuit_programs import push

from circuits.field import P
from circuits.vm import layout as L
from circuits.vm.air import VmStatement
from circuits.vm.call_record import CALL, STATICCALL, memory_gas
from circuits.vm.opcodes import Group
from circuits.vm.tables import Environment, fixed_entries
from circuits.vm.witness import StepRecord, build_trace, set_multiplicities
from l2.call_frames import split_frames
from l2.call_proofs import frame_steps
from l2.state.world import Account, WorldState
from l2.vm import BlockEnv, Message, TxEnv, begin_transaction, process_message_call
from l2.vm.trace import TraceRecorder

BUS = "S' = S + lookups − m·w"
ONCE = "a once entry is looked up exactly once"

SENDER = bytes.fromhex("5e" * 20)
"""The transaction's sender."""
CALLING = bytes.fromhex("a1" * 20)
"""The contract whose frame (the caller's) the mutations prove."""
CALLEE = bytes.fromhex("b2" * 20)
"""The contract it calls."""
NO_CODE = bytes.fromhex("c3" * 20)
"""An account without code."""
FRAME_GAS = 300_000


def callee_code(length: int, revert: bool = False) -> bytes:
    """Copies its calldata to memory at 0 and returns (or reverts with) the first ``length`` bytes."""
    return b"\x36\x5f\x5f\x37" + push(length) + b"\x5f" + (b"\xfd" if revert else b"\xf3")


def call_code(kind: int, to: bytes, in_offset: int, in_size: int, out_offset: int, out_size: int,
              gas: int = 100_000, value: int = 0) -> bytes:
    """Push the call's words (the last pushed is popped first) and call."""
    words = push(out_size) + push(out_offset) + push(in_size) + push(in_offset)
    if kind == CALL:
        words += push(value)
    return words + push(int.from_bytes(to, "big")) + push(gas) + bytes([kind])


def memory_word(i: int) -> bytes:
    """The 32 bytes :func:`fill_memory` stores at word offset ``i`` (distinct, none zero)."""
    return bytes([0x11 * (i + 1) % 256 or 1, *range(i * 32 + 1, i * 32 + 32)])


def fill_memory(words: int) -> bytes:
    """MSTORE :func:`memory_word` (i) at each of the first ``words`` word offsets."""
    return b"".join(push(int.from_bytes(memory_word(i), "big")) + push(32 * i) + b"\x52" for i in range(words))


def world(code: bytes, accounts: dict[bytes, bytes] | None = None) -> WorldState:
    """SENDER, CALLING with ``code`` (and 1000 wei to send) and the given contracts (default: CALLEE
    returning 40 bytes)."""
    codes = {CALLEE: callee_code(40)} if accounts is None else accounts
    return WorldState({SENDER: Account(balance=10**18), CALLING: Account(balance=1000, code=code),
                       **{a: Account(code=c) for a, c in codes.items()}})


def record(code: bytes, accounts: dict[bytes, bytes] | None = None, gas: int = FRAME_GAS):
    """Run ``code`` as CALLING's (called by SENDER) in :func:`world`: the recorded trace."""
    state = world(code, accounts)
    begin_transaction(state, SENDER, CALLING)
    recorder = TraceRecorder()
    process_message_call(Message(SENDER, CALLING, CALLING, gas, code=code, code_address=CALLING), state, BlockEnv(),
                         TxEnv(SENDER, 0), recorder)
    return recorder.trace


@dataclass
class Frame:
    """The caller's frame of a recorded run: what its table is built from."""

    code: bytes
    gas: int
    status: str
    gas_left: int
    output: bytes
    env: Environment
    steps: list[StepRecord]

    def build(self, steps: list[StepRecord] | None = None, code: bytes | None = None,
              gas_left: int | None = None) -> tuple[np.ndarray, VmStatement]:
        """The honest witness builder on (possibly false) steps."""
        return build_trace(code or self.code, self.gas, self.steps if steps is None else steps, self.status,
                           self.gas_left if gas_left is None else gas_left, self.output, check_ranges=False,
                           env=self.env)


def caller_frame(code: bytes, accounts: dict[bytes, bytes] | None = None) -> Frame:
    trace = record(code, accounts)
    run = split_frames(trace)[0]
    c = run.context
    env = Environment(int.from_bytes(c.address, "big"), int.from_bytes(c.caller, "big"), c.value, bytes(c.calldata),
                      int.from_bytes(SENDER, "big"))
    return Frame(c.code, c.gas, c.status, c.gas_left, bytes(c.output), env, frame_steps(run, trace))


# ---- helpers (as the soundness catalogue's) -------------------------------------------------------

def rows_of(matrix: np.ndarray, group: Group) -> np.ndarray:
    return np.nonzero(matrix[:, L.sel(group)] == 1)[0]


def claim_once(matrix: np.ndarray) -> None:
    """Every once entry claims exactly one lookup (a cheating prover satisfies once · (m − 1) = 0 and
    leaves the bus to catch it)."""
    once = (matrix[:, L.T_ONE] == 1) & (matrix[:, L.T_E] == 1)
    matrix[once, L.T_M] = 1


def shift_gas(matrix: np.ndarray, row: int, delta: int) -> None:
    """Add ``delta`` to the gas of every row after ``row`` (with its range limbs)."""
    for r in range(row + 1, matrix.shape[0]):
        g = (int(matrix[r, L.GAS]) + delta) % P
        matrix[r, L.GAS] = g
        matrix[r, L.GAS_LIMBS:L.GAS_LIMBS + 4] = [g & 0xFF, (g >> 8) & 0xFF, (g >> 16) & 0xFF, g >> 24]


def restate(matrix: np.ndarray, st: VmStatement) -> None:
    """Rewrite the table region for statement ``st`` (its code, calls and return data sizes among the
    rest), counting the lookups the rows make as a cheating prover would."""
    args = (st.code, st.output_offset, st.output, st.environment, st.storage, st.hashes, st.logs, st.subset,
            st.accounts, st.transient_slots, st.returndata_sizes, st.calls)
    entries = fixed_entries(*args)
    matrix[:, [L.T_E, L.T_ONE, *range(L.T_F, L.T_F + L.T_FIELDS)]] = 0
    matrix[:len(entries), L.T_E] = 1
    matrix[:len(entries), L.T_F:L.T_F + L.T_FIELDS] = entries[:, :L.T_FIELDS]
    matrix[:len(entries), L.T_ONE] = entries[:, L.T_FIELDS]
    set_multiplicities(matrix, *args)


def claimed(matrix: np.ndarray, st: VmStatement) -> tuple[np.ndarray, VmStatement]:
    """``matrix`` with its table region rewritten for ``st``, every once entry claimed once."""
    restate(matrix, st)
    claim_once(matrix)
    return matrix, st


def with_call(st: VmStatement, index: int = 0, **changes) -> VmStatement:
    """``st`` with its ``index``-th call record changed."""
    calls = list(st.calls)
    calls[index] = replace(calls[index], **changes)
    return replace(st, calls=tuple(calls))


def call_step(steps: list[StepRecord], index: int = 0) -> int:
    """The position of the ``index``-th call step."""
    return [i for i, s in enumerate(steps) if s.call is not None][index]


def shifted(steps: list[StepRecord], after: int, gas: int = 0, sp: int = 0) -> list[StepRecord]:
    """The steps with gas and stack pointer moved by ``gas`` and ``sp`` after step ``after``."""
    return [s if i <= after else replace(s, gas_before=s.gas_before + gas,
                                         stack_pointer_before=s.stack_pointer_before + sp)
            for i, s in enumerate(steps)]


def _flip(data: bytes, at: int, bit: int = 0) -> bytes:
    return data[:at] + bytes([data[at] ^ (1 << bit)]) + data[at + 1:]


# ---- the honest frames ----------------------------------------------------------------------------

CALL_CODE = (push(0) + fill_memory(2) + call_code(CALL, CALLEE, 0, 33, 64, 33)
             + b"\x3d\x50\x50\x00")
"""A word left on the stack, two words stored, CALL of CALLEE with 33 input bytes at 0 and 33 output
bytes at 64 (it returns 40), then RETURNDATASIZE, POP of it and of the success, STOP."""
TWO_CALLS_CODE = (fill_memory(3) + call_code(CALL, CALLEE, 5, 40, 0, 20) + b"\x50"
                  + call_code(STATICCALL, CALLEE, 1, 64, 32, 32) + b"\x50\x3d\x50\x00")
"""CALL with 40 input bytes at 5, 20 output bytes at 0; STATICCALL with 64 input bytes at 1, 32 output
bytes at 32 (memory is 3 words before either)."""


@lru_cache(maxsize=None)
def _frame(code: bytes) -> Frame:
    return caller_frame(code)


def frame(code: bytes) -> Frame:
    """The caller's frame of ``code`` (recorded once), with a list of steps of its own to change."""
    f = _frame(code)
    return replace(f, steps=list(f.steps))


def calls_run() -> tuple[np.ndarray, VmStatement]:
    """The honest caller frame of :data:`CALL_CODE`."""
    return frame(CALL_CODE).build()


def call_rows(m: np.ndarray, index: int = 0) -> dict[str, int | list[int]]:
    """The rows of the ``index``-th call: head, CALLARG rows, input units, CALLEND, output units."""
    head = int(np.nonzero((m[:, L.sel(Group.CALL)] + m[:, L.sel(Group.STATICCALL)]) == 1)[0][index])
    end = int(rows_of(m, Group.CALLEND)[index])
    args = [r for r in range(head + 1, end) if m[r, L.sel(Group.CALLARG)] == 1]
    inputs = list(range(args[-1] + 1, end))
    outputs = []
    r = end + 1
    while m[r, L.KRET] == 1:
        outputs.append(r)
        r += 1
    return {"head": head, "args": args, "in": inputs, "end": end, "out": outputs}


# ---- the catalogue ------------------------------------------------------------------------------------

def _record_word_other(name: str, doc: str, **changes):
    def make():
        matrix, st = calls_run()
        fields = {k: (v(st.calls[0]) if callable(v) else v) for k, v in changes.items()}
        return (*claimed(matrix, with_call(st, **fields)), {BUS})
    make.__name__ = f"m_call_{name}_other"
    make.__doc__ = doc
    return make


m_call_gas_other = _record_word_other("gas", "The record lists a gas word one more than the trace popped.",
                                      gas=lambda c: c.gas + 1)
m_call_to_other = _record_word_other("to", "The record lists another callee (its address word's bit 0 flipped).",
                                     to=lambda c: c.to ^ 1)
m_call_value_other = _record_word_other("value", "The record says the CALL sent 1 wei (the trace popped 0).",
                                        value=1)
m_call_in_offset_other = _record_word_other("in_offset", "The record's input starts at 1 (the trace read from 0).",
                                            in_offset=1)
m_call_in_size_other = _record_word_other("in_size", "The record's input is 32 bytes, its first 32 (the trace "
                                          "popped and read 33).", in_size=32, input=lambda c: c.input[:32])
m_call_out_offset_other = _record_word_other("out_offset", "The record's output region starts at 65 (the trace "
                                             "popped and wrote at 64).", out_offset=65)
m_call_out_size_other = _record_word_other("out_size", "The record's output region is 32 bytes (the trace popped "
                                           "33 and wrote 33).", out_size=32)


def m_call_cost_lower():
    """The record's cost is 1 below what the trace's CALLEND took."""
    matrix, st = calls_run()
    return (*claimed(matrix, with_call(st, cost=st.calls[0].cost - 1)), {BUS})


def m_call_pays_less():
    """CALLEND takes 1 gas less than the record's cost (the rows after it, and gas used, follow)."""
    matrix, st = calls_run()
    end = call_rows(matrix)["end"]
    matrix[end, L.CCOST] = st.calls[0].cost - 1
    shift_gas(matrix, end, 1)
    return (*claimed(matrix, replace(st, gas_used=st.gas_used - 1)), {BUS})


def m_call_success_recorded_failed():
    """The trace pushes success 1; the record says the call failed."""
    matrix, st = calls_run()
    return (*claimed(matrix, with_call(st, success=0)), {BUS})


def m_call_failure_pushed_for_success():
    """The trace pushes 0 (and the POP that takes it agrees); the record says the call succeeded."""
    f = frame(CALL_CODE)
    _, honest = f.build()
    at = call_step(f.steps)
    steps = f.steps
    steps[at] = replace(steps[at], call=replace(steps[at].call, success=0))
    pop = at + 3
    assert steps[pop].opcode == 0x50 and steps[pop].pops == (1,)
    steps[pop] = replace(steps[pop], pops=(0,))
    matrix, _ = f.build(steps)
    return (*claimed(matrix, honest), {BUS})


def m_call_input_word_byte_other():
    """The record's input differs from memory in byte 31 (read by the word unit)."""
    matrix, st = calls_run()
    return (*claimed(matrix, with_call(st, input=_flip(st.calls[0].input, 31))), {BUS})


def m_call_input_tail_byte_other():
    """The record's input differs from memory in byte 32 (read by the byte unit)."""
    matrix, st = calls_run()
    return (*claimed(matrix, with_call(st, input=_flip(st.calls[0].input, 32, 5))), {BUS})


def _writes_other_output(at: int):
    f = frame(CALL_CODE)
    _, honest = f.build()
    i = call_step(f.steps)
    f.steps[i] = replace(f.steps[i], call=replace(f.steps[i].call, output=_flip(f.steps[i].call.output, at)))
    matrix, _ = f.build()
    return (*claimed(matrix, honest), {BUS})


def m_call_writes_other_output_word():
    """The output's word unit writes byte 3 of another output than the record's."""
    return _writes_other_output(3)


def m_call_writes_other_output_byte():
    """The output's byte unit (byte 32) writes another byte than the record's."""
    return _writes_other_output(32)


def m_call_argument_skipped():
    """The call pops 6 words (no CALLARG row for out_size, which stays on the stack)."""
    f = frame(CALL_CODE)
    i = call_step(f.steps)
    steps = f.steps
    steps[i] = replace(steps[i], pops=steps[i].pops[:-1])
    matrix, st = f.build(shifted(steps, i, sp=1))
    # its entry is left unclaimed, and without that row the output region never grows memory, so
    # CALLEND's memory size is not the record's
    return matrix, st, {ONCE, BUS}


def m_call_argument_added():
    """The call pops an 8th word (the one left under its arguments) on a CALLARG row of index 7."""
    f = frame(CALL_CODE)
    i = call_step(f.steps)
    steps = f.steps
    steps[i] = replace(steps[i], pops=(*steps[i].pops, 0))
    matrix, st = f.build(shifted(steps, i, sp=-1))
    return matrix, st, {BUS}


def m_call_arguments_out_of_order():
    """in_offset and in_size are popped as arguments 4 and 3 (their rows' indices swapped)."""
    matrix, st = calls_run()
    a = call_rows(matrix)["args"]
    matrix[a[2], L.TIDX], matrix[a[3], L.TIDX] = matrix[a[3], L.TIDX], matrix[a[2], L.TIDX]
    return matrix, st, {"argument indices count up", BUS}


def m_call_input_cut_short():
    """The trace reads only the input's first 32 bytes (no byte unit) before CALLEND, though it popped
    33 as in_size; the record lists the 33 bytes."""
    f = frame(CALL_CODE)
    _, honest = f.build()
    i = call_step(f.steps)
    rec = f.steps[i].call
    f.steps[i] = replace(f.steps[i], call=replace(rec, in_size=32, input=rec.input[:32]))
    matrix, _ = f.build()
    return (*claimed(matrix, honest), {BUS})


def m_call_output_not_written():
    """CALLEND is followed by no write unit though the record's output is 40 bytes and out_size 33 (the
    trace skips the output region's expansion gas)."""
    f = frame(CALL_CODE)
    _, honest = f.build()
    i = call_step(f.steps)
    rec = f.steps[i].call
    grow = memory_gas(rec.memory_after) - memory_gas(rec.memory_after_input)
    f.steps[i] = replace(f.steps[i], call=replace(rec, out_size=0))
    matrix, _ = f.build(shifted(f.steps, i, gas=grow), gas_left=f.gas_left + grow)
    return (*claimed(matrix, replace(honest, gas_used=honest.gas_used - grow)), {BUS})


def m_call_static_with_value_word():
    """The code has a STATICCALL where the trace pops a CALL's seven words (a value word on CALLARG
    row 1); the record is a STATICCALL's."""
    f = frame(CALL_CODE)
    _, honest = f.build()
    i = call_step(f.steps)
    pc = f.steps[i].pc
    code = f.code[:pc] + bytes([STATICCALL]) + f.code[pc + 1:]
    f.steps[i] = replace(f.steps[i], opcode=STATICCALL)
    matrix, _ = f.build(code=code)
    bad = with_call(replace(honest, code=code), kind=STATICCALL)
    return (*claimed(matrix, bad), {"the first argument's index", BUS})


def m_call_key_of_other_call():
    """The second call's rows carry the first call's key (cpid)."""
    matrix, st = frame(TWO_CALLS_CODE).build()
    first, second = call_rows(matrix, 0), call_rows(matrix, 1)
    for r in (*second["args"], *second["in"], second["end"], *second["out"]):
        matrix[r, L.CPID] = first["head"]
    return (*claimed(matrix, st), {"call key in", BUS})


def m_call_records_swapped():
    """The statement lists the two calls' records under each other's keys."""
    matrix, st = frame(TWO_CALLS_CODE).build()
    a, b = st.calls
    bad = replace(st, calls=(replace(b, key=a.key), replace(a, key=b.key)))
    return (*claimed(matrix, bad), {BUS})


def m_returndatasize_after_call_wrong():
    """RETURNDATASIZE after the call pushes 41 while its entry (the output's length) says 40."""
    f = frame(CALL_CODE)
    _, honest = f.build()
    i = call_step(f.steps)
    assert f.steps[i + 1].opcode == 0x3D and f.steps[i + 1].pushes == (40,)
    f.steps[i + 1] = replace(f.steps[i + 1], pushes=(41,))
    f.steps[i + 2] = replace(f.steps[i + 2], pops=(41,))
    matrix, _ = f.build()
    return (*claimed(matrix, honest), {BUS})


INITCODE = bytes.fromhex("600160005360016000f3")
"""PUSH1 1 PUSH1 0 MSTORE8 PUSH1 1 PUSH1 0 RETURN: a contract whose code is the byte 0x01."""
CREATE_CODE = (push(int.from_bytes(INITCODE.ljust(32, b"\x00"), "big")) + push(0) + b"\x52"
               + push(len(INITCODE)) + push(0) + push(0) + b"\xf0\x50\x00")
"""The initcode stored at 0, CREATE(0, 0, 10), POP of the new address, STOP."""


def create_run() -> tuple[np.ndarray, VmStatement]:
    """The honest creator frame of :data:`CREATE_CODE`."""
    return frame(CREATE_CODE).build()


def m_create_pushes_other_address():
    """The trace pushes the new address; the record lists another (bit 0 flipped)."""
    matrix, st = create_run()
    assert st.calls[0].kind == 0xF0 and st.calls[0].success == 1
    return (*claimed(matrix, with_call(st, to=st.calls[0].to ^ 1)), {BUS})


def m_create_value_other():
    """The record says the CREATE endowed 1 wei (the trace popped 0)."""
    matrix, st = create_run()
    return (*claimed(matrix, with_call(st, value=1)), {BUS})


def m_create_initcode_other():
    """The record's initcode differs from memory in its byte 4."""
    matrix, st = create_run()
    return (*claimed(matrix, with_call(st, input=_flip(st.calls[0].input, 4))), {BUS})


STORAGE_CODE = push(5) + push(1) + b"\x55" + push(2) + b"\x54\x50\x00"
"""SSTORE(1, 5), SLOAD(2), POP, STOP: two cold slots, the first written from 0."""


def storage_run() -> tuple[np.ndarray, VmStatement]:
    matrix, st = frame(STORAGE_CODE).build()
    assert [s for s, _ in st.storage_initial] == [1, 2] and not st.storage_warm and st.storage_original is None
    return matrix, st


def m_storage_cold_slot_claimed_warm():
    """The run found slot 2 cold (and paid 2100); the statement says an earlier frame warmed it."""
    matrix, st = storage_run()
    return (*claimed(matrix, replace(st, storage_warm=(2,))), {BUS})


def m_storage_original_other():
    """The statement says slot 1 held 5 when the transaction began (the run priced its SSTORE from 0)."""
    matrix, st = storage_run()
    return (*claimed(matrix, replace(st, storage_original=(5, 0))), {BUS})


WRITE_CODE = push(5) + push(1) + b"\x55\x00"
"""SSTORE(1, 5), STOP."""


def static_write_run() -> tuple[np.ndarray, VmStatement]:
    """A static frame's SSTORE, which halts (EIP-214)."""
    f = frame(WRITE_CODE)
    steps = f.steps[:2] + [replace(f.steps[2], error="WriteInStaticContext")]
    matrix, st = build_trace(f.code, f.gas, steps, "error", 0, b"", check_ranges=False, env=f.env, static=True)
    assert st.static and st.status == 3
    return matrix, st


def m_static_write_completes():
    """A static frame's SSTORE completes (the statement says static; the trace stores)."""
    f = frame(WRITE_CODE)
    matrix, st = f.build()
    matrix[:, L.STC] = 1
    return matrix, replace(st, static=True), {"a write in a static frame fails"}


def m_static_error_outside_a_static_frame():
    """A frame that is not static halts at its SSTORE with the static-context error."""
    matrix, st = static_write_run()
    matrix[:, L.STC] = 0
    return matrix, replace(st, static=False), {"e_st only in a static frame"}


def m_static_flag_not_the_statements():
    """The table runs as a static frame; the statement says it is not static."""
    matrix, st = static_write_run()
    return matrix, replace(st, static=False), {"the frame is static as stated"}


CALL_MUTATIONS = [m_static_write_completes, m_static_error_outside_a_static_frame, m_static_flag_not_the_statements,
                  m_storage_cold_slot_claimed_warm, m_storage_original_other, m_create_pushes_other_address, m_create_value_other, m_create_initcode_other, m_call_gas_other, m_call_to_other, m_call_value_other, m_call_in_offset_other,
                  m_call_in_size_other, m_call_out_offset_other, m_call_out_size_other, m_call_cost_lower,
                  m_call_pays_less, m_call_success_recorded_failed, m_call_failure_pushed_for_success,
                  m_call_input_word_byte_other, m_call_input_tail_byte_other, m_call_writes_other_output_word,
                  m_call_writes_other_output_byte, m_call_argument_skipped, m_call_argument_added,
                  m_call_arguments_out_of_order, m_call_input_cut_short, m_call_output_not_written,
                  m_call_static_with_value_word, m_call_key_of_other_call, m_call_records_swapped,
                  m_returndatasize_after_call_wrong]


# ---- single-cell bumps of the honest frame --------------------------------------------------------

def calls_bumps(m: np.ndarray) -> list[tuple[str, int, int | list[int], int | list[int]]]:
    """One cell (or a unit's type) of a call's rows set to a wrong value."""
    rows = call_rows(m)
    args, ins, end, outs = rows["args"], rows["in"], rows["end"], rows["out"]
    assert len(args) == 6 and len(ins) == 2 and len(outs) == 2
    out = []
    bump = lambda label, r, col, d: out.append((label, r, col, int(m[r, col]) + d))  # noqa: E731
    out += [("kcall = 2", ins[0], L.KCALL, 2), ("kret = 2", outs[0], L.KRET, 2), ("kcall on a PUSH", 0, L.KCALL, 1),
            ("kret on an input unit", ins[0], L.KRET, 1), ("ccost on a PUSH", 0, L.CCOST, 1),
            ("first CALLARG dropped", args[0], L.sel(Group.CALLARG), 0),
            ("CALLARG after a PUSH", 1, L.sel(Group.CALLARG), 1),
            ("first input unit dropped", ins[0], L.sel(Group.COPYUNIT), 0),
            ("first input unit kcall = 0", ins[0], L.KCALL, 0), ("second input unit kcall = 0", ins[1], L.KCALL, 0),
            ("input's last unit not the last", ins[1], L.LASTU, 0), ("CALLEND dropped", end, L.sel(Group.CALLEND), 0),
            ("first output unit kret = 0", outs[0], L.KRET, 0), ("second output unit kret = 0", outs[1], L.KRET, 0),
            ("CALLARG stay dropped", args[0], L.STAY, 0), ("CALLEND stay dropped", end, L.STAY, 0),
            ("input unit writes", ins[0], [L.U_RW, L.U_WW], [0, 1]),
            ("xcall = 2 on the out_size row", args[5], L.XCALL, 2), ("xcall on a PUSH", 0, L.XCALL, 1),
            ("stc = 2", 3, L.STC, 2), ("stc changes", 3, L.STC, 1), ("e_st = 2 on a PUSH", 0, L.E_ST, 2),
            ("e_st on a PUSH", 0, L.E_ST, 1)]
    bump("first argument index + 1", args[0], L.TIDX, 1)
    bump("third argument index + 1", args[2], L.TIDX, 1)
    bump("first CALLARG cpid + 1", args[0], L.CPID, 1)
    bump("second CALLARG cpid + 1", args[1], L.CPID, 1)
    bump("CALLEND cpid + 1", end, L.CPID, 1)
    for col in ("CPSRC", "CPSIZE", "CPREM"):
        bump(f"second CALLARG {col.lower()} + 1", args[1], getattr(L, col), 1)
    for col in ("CPDST", "CPSIZE", "CPREM", "CPID"):
        bump(f"first output unit {col.lower()} + 1", outs[0], getattr(L, col), 1)
    return out
