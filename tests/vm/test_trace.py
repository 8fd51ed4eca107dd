"""Execution-trace recorder: exact stack/memory/storage records, and self-consistency."""

from __future__ import annotations

from collections import defaultdict

from l2.state.world import Account
from l2.vm import STACK_IO, Op
from l2.vm.trace import MemoryOp, StorageOp, TraceRecorder, steps
from vm_programs import CALLER as P_CALLER
from vm_programs import CONTRACT as P_CONTRACT
from vm_programs import make_case
from vm_reference import CALLER, CONTRACT, push, push_args, run_ours

ECHO = b"\xe1" * 20


def trace_of(code: bytes, gas: int = 1_000_000, data: bytes = b"", storage=None, extra=None):
    accounts = {CALLER: Account(balance=10**18), CONTRACT: Account(code=code, storage=dict(storage or {}))}
    accounts.update(extra or {})
    recorder = TraceRecorder()
    outcome, state = run_ours(accounts, CALLER, CONTRACT, gas, data=data, tracer=recorder)
    return recorder.trace, outcome, state


def test_pops_and_pushes_of_a_known_program():
    code = push_args(3, 2) + b"\x01" + b"\x80" + b"\x5f\x91" + b"\x50" + b"\x00"
    # PUSH1 2, PUSH1 3, ADD, DUP1, PUSH0, SWAP2, POP, STOP
    trace, outcome, _ = trace_of(code)
    got = [(s.name, s.pops, s.pushes, s.stack_pointer_before, s.gas_cost) for s in trace.steps]
    assert got == [
        ("PUSH1", (), (2,), 0, 3),
        ("PUSH1", (), (3,), 1, 3),
        ("ADD", (3, 2), (5,), 2, 3),
        ("DUP1", (5,), (5, 5), 1, 3),
        ("PUSH0", (), (0,), 2, 2),
        ("SWAP2", (0, 5, 5), (0, 5, 5), 3, 3),
        ("POP", (5,), (), 3, 2),
        ("STOP", (), (), 2, 0),
    ]
    assert [s.pc for s in trace.steps] == [0, 2, 4, 5, 6, 7, 8, 9]
    assert all(s.depth == 0 and s.call_index == 0 for s in trace.steps)
    assert sum(s.gas_cost for s in trace.steps) == 1_000_000 - outcome.gas_left


def test_swap_pops_top_first_and_pushes_in_push_order():
    trace, _, _ = trace_of(push_args(1, 2, 3) + b"\x91\x00")  # stack (top first) 1 2 3, SWAP2
    swap = trace.steps[3]
    assert swap.pops == (1, 2, 3)
    assert swap.pushes == (1, 2, 3)  # bottom to top: 1 now at the bottom, 3 on top


def test_memory_ops_at_byte_level():
    word = int.from_bytes(bytes(range(1, 33)), "big")
    code = push_args(5, 0xAB) + b"\x53"  # MSTORE8(5, 0xab)
    code += push_args(32, word) + b"\x52"  # MSTORE(32, 1..32)
    code += push(30) + b"\x51\x50"  # MLOAD(30)
    code += push_args(33, 32, 3) + b"\x5e"  # MCOPY(dst 33, src 32, 3): overlapping
    code += b"\x00"
    trace, _, _ = trace_of(code)
    by_name = {s.name: s for s in trace.steps}
    store8 = by_name["MSTORE8"]
    assert store8.memory_ops == (MemoryOp(store8.index, 5, 0xAB, True, 0, 0),)
    assert (store8.memory_size_before, store8.memory_size_after) == (0, 32)
    store = by_name["MSTORE"]
    assert [(m.address, m.value_byte, m.is_write) for m in store.memory_ops] == [(32 + i, i + 1, True) for i in range(32)]
    load = by_name["MLOAD"]
    # bytes 30 and 31 were never written; 32.. hold 1, 2, ...
    assert [(m.address, m.value_byte) for m in load.memory_ops] == [(30, 0), (31, 0)] + [(32 + i, i + 1) for i in range(30)]
    assert all(not m.is_write for m in load.memory_ops)
    copy = by_name["MCOPY"]
    assert [(m.address, m.value_byte, m.is_write) for m in copy.memory_ops] == [
        (32, 1, False), (33, 2, False), (34, 3, False), (33, 1, True), (34, 2, True), (35, 3, True)
    ]
    counters = [m.counter for m in trace.memory_ops()]
    assert counters == list(range(len(counters)))


def test_storage_ops():
    code = push(1) + b"\x54\x50"  # SLOAD(1) cold
    code += push(1) + b"\x54\x50"  # SLOAD(1) warm
    code += push_args(1, 5) + b"\x55"  # SSTORE(1, 5)
    code += push_args(2, 7) + b"\x5d"  # TSTORE(2, 7)
    code += push(2) + b"\x5c\x50\x00"  # TLOAD(2)
    trace, _, _ = trace_of(code, storage={1: 9})
    ops = [(o.slot, o.value_before, o.value_after, o.is_write, o.is_transient, o.warm_before) for o in trace.storage_ops()]
    assert ops == [
        (1, 9, 9, False, False, False),
        (1, 9, 9, False, False, True),
        (1, 9, 5, True, False, True),
        (2, 0, 7, True, True, True),
        (2, 7, 7, False, True, True),
    ]
    assert all(isinstance(o, StorageOp) and o.address == CONTRACT for o in trace.storage_ops())
    accesses = {(a.kind, a.address, a.slot): (a.old, a.new) for a in trace.state_accesses}
    assert accesses[("storage", CONTRACT, 1)] == (9, 5)
    assert ("storage", CONTRACT, 2) not in accesses  # transient storage is not state


def test_call_contexts_and_call_step_memory():
    extra = {ECHO: Account(code=bytes.fromhex("365f5f37365ff3"))}
    code = push_args(0, 0x1122) + b"\x52"
    code += push_args(50_000, int.from_bytes(ECHO, "big"), 0, 30, 2, 64, 1) + b"\xf1\x00"
    trace, outcome, _ = trace_of(code, extra=extra)
    assert len(trace.calls) == 2
    top, child = trace.calls
    assert (top.depth, top.address, top.caller, top.status) == (0, CONTRACT, CALLER, "success")
    assert (child.call_index, child.depth, child.caller, child.address) == (1, 1, CONTRACT, ECHO)
    assert child.calldata == b"\x11\x22" and child.gas == 50_000 and child.status == "success"
    assert child.output == b"\x11\x22"
    call = next(s for s in trace.steps if s.name == "CALL")
    assert [(m.address, m.value_byte, m.is_write, m.call_index) for m in call.memory_ops] == [
        (30, 0x11, False, 0), (31, 0x22, False, 0), (64, 0x11, True, 0)
    ]
    assert call.pushes == (1,)
    child_steps = [s for s in trace.steps if s.call_index == 1]
    assert [s.name for s in child_steps] == ["CALLDATASIZE", "PUSH0", "PUSH0", "CALLDATACOPY", "CALLDATASIZE", "PUSH0", "RETURN"]
    assert all(s.depth == 1 for s in child_steps)
    assert call.index < child_steps[0].index
    # the CALL's cost is net: paid 2600 cold + memory, got the unused callee gas back
    # (memory grows from one word to three for the output at 64)
    assert call.gas_cost == 2600 + 3 * 2 + sum(s.gas_cost for s in child_steps)
    top_steps = [s for s in trace.steps if s.call_index == 0]
    assert sum(s.gas_cost for s in top_steps) == 1_000_000 - outcome.gas_left


def test_failed_step_records_pops_and_burns_all_gas():
    trace, outcome, _ = trace_of(push(7) + b"\x01", gas=100)
    add = trace.steps[-1]
    assert add.name == "ADD" and add.pops == (7,) and add.pushes == ()
    assert add.error == "StackUnderflowError" and add.gas_cost == 97
    assert outcome.status == "error"
    trace, _, _ = trace_of(push(9) + b"\x56")
    assert trace.steps[-1].error == "InvalidJumpDestError" and trace.steps[-1].pops == (9,)


def test_revert_step_keeps_its_memory_read():
    trace, outcome, _ = trace_of(push_args(0, 0xAA) + b"\x53" + push_args(0, 1) + b"\xfd")
    revert = trace.steps[-1]
    assert outcome.status == "revert" and revert.error is None
    assert [(m.address, m.value_byte, m.is_write) for m in revert.memory_ops] == [(0, 0xAA, False)]
    assert trace.calls[0].status == "revert"


def test_summary_and_distinct_opcodes():
    code = push_args(1, 2) + b"\x01" + push_args(3, 4) + b"\x01\x00"
    trace, _, _ = trace_of(code)
    summary = trace.summary()
    assert summary["steps"] == 7 and summary["opcodes"] == {"STOP": 1, "ADD": 2, "PUSH1": 4}
    assert summary["status"] == "success"
    assert steps(trace) == [("STOP", 0, (10,)), ("ADD", 1, (4, 9)), ("PUSH1", 0x60, (0, 2, 5, 7))]
    assert trace.distinct_opcodes()["ADD"] == [(0, 4), (0, 9)]


def _replay_stack_and_memory(trace):
    """Check a trace the way a circuit would: stack and memory consistency per frame.

    Memory is replayed region by region (a byte-level replay of the hashing
    loops in these programs would be millions of operations); the byte-level
    view is compared with the regions for the small accesses.
    """
    stacks: dict[int, list[int]] = defaultdict(list)
    memories: dict[int, bytearray] = defaultdict(bytearray)
    for step in trace.steps:
        stack = stacks[step.call_index]
        assert step.stack_pointer_before == len(stack)
        expected_pops = tuple(reversed(stack[len(stack) - len(step.pops) :])) if step.pops else ()
        assert step.pops == expected_pops
        if step.error is not None:
            assert step.pushes == () and step.memory_accesses == () and step.storage_ops == ()
            continue
        assert (len(step.pops), len(step.pushes)) == STACK_IO[Op(step.opcode)]
        del stack[len(stack) - len(step.pops) :]
        stack.extend(step.pushes)
        memory = memories[step.call_index]
        if len(memory) < step.memory_size_after:
            memory.extend(bytes(step.memory_size_after - len(memory)))
        for access in step.memory_accesses:
            end = access.address + len(access.data)
            assert end <= step.memory_size_after
            if access.is_write:
                memory[access.address : end] = access.data
            else:
                assert memory[access.address : end] == access.data
        if sum(len(a.data) for a in step.memory_accesses) <= 256:
            flat = [(a.address + i, b, a.is_write) for a in step.memory_accesses for i, b in enumerate(a.data)]
            assert [(m.address, m.value_byte, m.is_write) for m in step.memory_ops] == flat
        assert step.memory_size_after >= step.memory_size_before
        assert step.memory_size_after % 32 == 0


def test_random_program_traces_are_self_consistent():
    checked = 0
    for seed in range(150):
        case = make_case(seed)
        recorder = TraceRecorder()
        outcome, _ = run_ours(case.accounts, P_CALLER, P_CONTRACT, case.gas, case.value, case.calldata, tracer=recorder)
        trace = recorder.trace
        _replay_stack_and_memory(trace)
        starts = [s.memory_counter for s in trace.steps]
        sizes = [sum(len(a.data) for a in s.memory_accesses) for s in trace.steps]
        assert all(b == a + n for a, b, n in zip(starts, starts[1:], sizes))
        assert trace.result.status == outcome.status
        checked += len(trace)
    assert checked > 10_000


def test_tracing_does_not_change_execution():
    for seed in range(150):
        case = make_case(seed)
        plain, plain_state = run_ours(case.accounts, P_CALLER, P_CONTRACT, case.gas, case.value, case.calldata)
        recorder = TraceRecorder()
        traced, traced_state = run_ours(case.accounts, P_CALLER, P_CONTRACT, case.gas, case.value, case.calldata, tracer=recorder)
        assert plain == traced
        assert plain_state == traced_state


def test_stack_overflow_step():
    trace, _, _ = trace_of(b"\x5f" * 1025)
    last = trace.steps[-1]
    assert last.error == "StackOverflowError" and last.stack_pointer_before == 1024
