"""Call frames: split recorded runs into frames and put their statements back together.

Each run is a real transaction in the VM (hand-written bytecode, and the Vyper payer calling the
token); every frame becomes a statement built from its own steps, the way its execution table states
it, and :func:`l2.call_frames.compose` must reproduce the VM's gas, refund, logs, storage and value
transfers from the statements alone — and reject each altered statement with its reason.
"""

from __future__ import annotations

import dataclasses

import pytest

from circuits.vm.air import VmStatement
from circuits.vm.call_record import STATICCALL
from l2.call_frames import (
    CompositionError,
    FrameRun,
    StateView,
    call_record,
    call_records,
    compose,
    split_frames,
    transaction_warm_set,
)
from l2.state.world import Account, WorldState
from l2.vm import Message, Op, TxEnv, begin_transaction, compute_contract_address, process_message_call
from l2.vm.trace import ExecutionTrace, TraceRecorder
from vm_contracts import TRANSFER, address_hex, calldata, compile_contract
from vm_reference import BLOCK, CONTRACT, GAS_PRICE, ORIGIN, push, push_args

ECHO = b"\xe1" * 20
REVERTER = b"\xe2" * 20
STORER = b"\xe3" * 20
EOA = b"\xe4" * 20
NOBODY = b"\xe5" * 20
MIDDLE = b"\xe6" * 20
MIDDLE_REVERTING = b"\xe7" * 20
REENTER = b"\xe8" * 20
BURNER = b"\xe9" * 20
WARMER = b"\xea" * 20
ALICE = bytes.fromhex("a11ce00000000000000000000000000000000001")
BOB = bytes.fromhex("b0b0000000000000000000000000000000000002")
CAROL = bytes.fromhex("ca20100000000000000000000000000000000003")
GAS = 1_000_000
STATUS = {"success": 1, "revert": 2, "error": 3}


def word(address: bytes) -> int:
    return int.from_bytes(address, "big")


def call(target: bytes, value: int = 0, gas: int = 100_000, in_off: int = 0, in_size: int = 0, out_off: int = 0,
         out_size: int = 32, static: bool = False) -> bytes:
    """CALL or STATICCALL, leaving the success flag on the stack."""
    if static:
        return push_args(gas, word(target), in_off, in_size, out_off, out_size) + bytes([Op.STATICCALL])
    return push_args(gas, word(target), value, in_off, in_size, out_off, out_size) + bytes([Op.CALL])


def forwarder(final: int) -> bytes:
    """Copy the calldata to memory, CALL STORER with it, then RETURN (or REVERT) STORER's 32 bytes."""
    return (bytes.fromhex("365f5f37") + push(32) + b"\x5f\x36\x5f\x5f" + b"\x73" + STORER + b"\x5a\xf1\x50"
            + push(32) + b"\x5f" + bytes([final]))


def helpers() -> dict[bytes, Account]:
    return {
        ORIGIN: Account(balance=10**18, nonce=1),
        # return the calldata
        ECHO: Account(code=bytes.fromhex("365f5f37365ff3")),
        # store 1 at slot 0, then revert with 0x2a as data
        REVERTER: Account(code=bytes.fromhex("60015f55602a5f5260205ffd")),
        # store the calldata word at slot 0, LOG0 it, return it
        STORER: Account(code=bytes.fromhex("5f355f555f355f52602060" + "00a0" + "60205ff3"), storage={0: 9}),
        EOA: Account(nonce=1, balance=10),
        MIDDLE: Account(code=forwarder(Op.RETURN)),
        MIDDLE_REVERTING: Account(code=forwarder(Op.REVERT)),
        # CALL the transaction's contract back
        REENTER: Account(code=call(CONTRACT, gas=50_000, out_size=0) + b"\x50\x00"),
        # loop until out of gas
        BURNER: Account(code=bytes.fromhex("5b5f56")),
        # CALL ECHO, then revert
        WARMER: Account(code=call(ECHO, out_size=0) + b"\x50\x5f\x5f\xfd"),
    }


# ------------------------------------------------------------------------------ running


@dataclasses.dataclass
class Run:
    trace: ExecutionTrace
    before: WorldState
    after: WorldState
    origin: bytes
    target: bytes
    gas: int

    @property
    def result(self):
        return self.trace.result


def execute(state: WorldState, origin: bytes, target: bytes, data: bytes = b"", gas: int = GAS, value: int = 0) -> Run:
    """One traced transaction from ``origin`` to ``target`` on ``state`` (which it changes)."""
    before = state.copy()
    begin_transaction(state, origin, target, coinbase=BLOCK.coinbase)
    tracer = TraceRecorder()
    message = Message(caller=origin, target=target, current_target=target, gas=gas, value=value, data=data,
                      code=state.get_code(target), code_address=target)
    process_message_call(message, state, BLOCK, TxEnv(origin, GAS_PRICE), tracer)
    return Run(tracer.trace, before, state, origin, target, gas)


def run_code(code: bytes, balance: int = 0, storage: dict[int, int] | None = None, value: int = 0) -> Run:
    accounts = helpers()
    accounts[CONTRACT] = Account(balance=balance, code=code, storage=dict(storage or {}))
    return execute(WorldState(accounts), ORIGIN, CONTRACT, value=value)


def sstore_refund(original: int, current: int, new: int) -> int:
    """EIP-2200/3529 refund counter change of one SSTORE."""
    refund = 0
    if current != new:
        if original != 0 and current != 0 and new == 0:
            refund += 4800
        if original != 0 and current == 0:
            refund -= 4800
        if original == new:
            refund += 19_900 if original == 0 else 2800
    return refund


def statement(frame: FrameRun, run: Run) -> VmStatement:
    """The statement the frame's execution table proves, built from its steps (keys: step positions)."""
    context = frame.context
    status = STATUS[context.status]
    initial: dict[int, int] = {}
    final: dict[int, int] = {}
    transient: set[int] = set()
    refund = 0
    logs, sizes = [], []
    for position, step in enumerate(frame.steps):
        for op in step.storage_ops:
            if op.is_transient:
                transient.add(op.slot)
                continue
            initial.setdefault(op.slot, op.value_before)
            final[op.slot] = op.value_after
            if op.is_write:
                refund += sstore_refund(run.before.peek_storage(op.address, op.slot), op.value_before, op.value_after)
        if step.error is None and Op.LOG0 <= step.opcode <= Op.LOG4:
            data = [a.data for a in step.memory_accesses if not a.is_write]
            logs.append((position, tuple(step.pops[2 : 2 + step.opcode - Op.LOG0]), data[0] if data else b""))
        if step.error is None and step.opcode == Op.RETURNDATASIZE:
            sizes.append((position, step.pushes[0]))
    success = status == 1
    return VmStatement(
        code=context.code, gas_limit=context.gas, status=status, gas_used=context.gas - context.gas_left,
        output=context.output, output_offset=frame.steps[-1].pops[0] if context.output else 0,
        calldata=context.calldata, caller=context.caller, value=context.value, address=context.address,
        storage_initial=tuple(sorted(initial.items())), storage_final=tuple(sorted(final.items())) if success else (),
        refund=refund if success else 0, origin=run.origin, gas_price=GAS_PRICE, chain_id=BLOCK.chain_id,
        block_number=BLOCK.number, timestamp=BLOCK.timestamp, base_fee=BLOCK.base_fee, logs=tuple(logs),
        pcs=tuple(sorted({s.pc for s in frame.steps})), transient_slots=tuple(sorted(transient)),
        returndata_sizes=tuple(sizes), calls=call_records(frame, run.trace),
    )


def statements(run: Run) -> list[VmStatement]:
    return [statement(frame, run) for frame in split_frames(run.trace)]


def composed(run: Run, frames: list[VmStatement] | None = None):
    return compose(statements(run) if frames is None else frames, StateView(run.before), run.origin,
                   transaction_warm_set(run.origin, run.target, BLOCK.coinbase))


def assert_reproduces(run: Run):
    """compose accepts the run's statements and states what the VM did."""
    result = run.result
    out = composed(run)
    assert out.status == STATUS[result.status]
    assert out.gas_used == run.gas - result.gas_left
    assert out.refund == result.refund
    assert out.logs == [(log.address, tuple(log.topics), log.data) for log in result.logs]
    assert out.initial_storage == {key: run.before.peek_storage(*key) for key in out.initial_storage}
    assert out.storage == {key: run.after.peek_storage(*key) for key in out.initial_storage}
    balances = {a: run.before.get_balance(a) for a in {x for t in out.balances for x in t[:2]}}
    for sender, recipient, value in out.balances:
        balances[sender] -= value
        balances[recipient] += value
    assert balances == {a: run.after.get_balance(a) for a in balances}
    for address, code in out.codes.items():
        assert run.before.get_code(address) == code
    assert all(not run.before.get_code(a) for a in out.touched_no_code)
    return out


def rejected(run: Run, frames: list[VmStatement], reason: str) -> None:
    with pytest.raises(CompositionError, match=reason):
        composed(run, frames)


def replace_call(frames: list[VmStatement], frame: int, call: int, **change) -> list[VmStatement]:
    out = list(frames)
    calls = list(out[frame].calls)
    calls[call] = dataclasses.replace(calls[call], **change)
    out[frame] = dataclasses.replace(out[frame], calls=tuple(calls))
    return out


def replace_frame(frames: list[VmStatement], frame: int, **change) -> list[VmStatement]:
    out = list(frames)
    out[frame] = dataclasses.replace(out[frame], **change)
    return out


# ------------------------------------------------------------------------------ programs


def returndata_program() -> bytes:
    """Calls whose output is longer and shorter than out_size, a STATICCALL, RETURNDATASIZE around them."""
    code = push_args(0xA0, 0) + b"\x52"  # grow memory to 6 words first
    code += push_args(0, 0x1122) + b"\x52"
    code += b"\x3d\x50"  # RETURNDATASIZE before any call: 0
    code += call(ECHO, in_off=30, in_size=2, out_off=64, out_size=1) + b"\x50" + b"\x3d\x50"
    code += call(ECHO, in_off=0, in_size=32, out_off=96, out_size=64) + b"\x50" + b"\x3d\x50"
    code += call(ECHO, in_off=28, in_size=4, out_off=128, out_size=4, static=True) + b"\x50" + b"\x3d"
    return code + push(0) + b"\x52" + push_args(0, 192) + b"\xf3"


def value_program() -> bytes:
    """Value to an account without code, to a dead one (twice), beyond the balance, and to code."""
    code = push_args(0, 0xABCDEF) + b"\x52"
    code += call(EOA, value=1, out_size=0) + b"\x50"
    code += call(NOBODY, value=2, out_size=0) + b"\x50"
    code += call(NOBODY, value=1, out_size=0) + b"\x50"
    code += call(EOA, value=1000, in_off=28, in_size=4, out_size=0) + b"\x50"
    code += call(STORER, value=3, in_off=0, in_size=32, out_off=32, out_size=32) + b"\x50"
    return code + b"\x00"


def nested_program() -> bytes:
    """Clear own slot 1, LOG, CALL MIDDLE → STORER (which clears its slot 0 and logs), LOG, return."""
    code = push_args(1, 0) + b"\x55"  # SSTORE(1, 0)
    code += push_args(0, 0, 0x11) + b"\xa1"  # LOG1(topic 0x11)
    code += call(MIDDLE, in_off=0, in_size=32, out_off=0, out_size=32) + b"\x50"
    code += push_args(0, 0, 0x22) + b"\xa1"
    return code + b"\x3d" + push(0) + b"\x52" + push_args(0, 32) + b"\xf3"


def test_compose_unwarms_what_a_reverted_frame_warmed():
    """WARMER calls ECHO (warming it) and reverts: the next CALL to ECHO pays the cold price again."""
    run = run_code(call(WARMER, out_size=0) + b"\x50" + call(ECHO, out_size=0) + b"\x50\x00")
    assert_reproduces(run)
    frames = statements(run)
    assert [f.status for f in frames] == [1, 2, 1, 1]
    rejected(run, replace_call(frames, 0, 1, cost=frames[0].calls[1].cost - 2500), "frame 0 call at key .*: cost is")


def failures_program() -> bytes:
    """A callee that reverts (after a write), one that runs out of gas, and a forwarder that reverts after
    its own callee succeeded."""
    code = call(REVERTER, out_size=32) + b"\x50" + b"\x3d\x50"
    code += call(BURNER, gas=20_000, out_size=0) + b"\x50" + b"\x3d\x50"
    code += push_args(0, 7) + b"\x52"
    code += call(MIDDLE_REVERTING, in_off=0, in_size=32, out_off=0, out_size=32) + b"\x50" + b"\x3d\x50"
    return code + b"\x00"


# ------------------------------------------------------------------------------ splitting


def test_split_frames_nested():
    run = run_code(nested_program(), storage={1: 5})
    frames = split_frames(run.trace)
    assert [(f.index, f.parent, f.depth) for f in frames] == [(0, None, 0), (1, 0, 1), (2, 1, 2)]
    assert [f.calls for f in frames] == [[1], [2], []]
    assert all(step.call_index == f.index for f in frames for step in f.steps)
    assert sum(len(f.steps) for f in frames) == len(run.trace.steps)


def test_split_frames_value_calls_name_no_frame_for_code_less_and_poor():
    run = run_code(value_program(), balance=100)
    frames = split_frames(run.trace)
    # EOA, NOBODY, NOBODY (code-less contexts: no frames), EOA beyond the balance (none), STORER
    assert frames[0].calls == [None, None, None, None, frames[1].index]
    assert [f.context.address for f in frames] == [CONTRACT, STORER]


def test_call_record_matches_the_step():
    run = run_code(returndata_program())
    root = split_frames(run.trace)[0]
    contexts = {c.call_index: c for c in run.trace.calls}
    for (position, step), callee in zip(root.call_steps(), root.calls):
        record = call_record(step, contexts[callee])
        after = root.steps[position + 1].gas_before
        assert record.cost == step.gas_before - after - record.expansion
        assert record.gas_before == step.gas_before and record.memory_before == 6
        assert record.success == 1 and record.output == record.input
    kinds = [r.kind for r in call_records(root, run.trace)]
    assert kinds == [Op.CALL, Op.CALL, STATICCALL]


def test_call_record_input_from_memory_when_no_frame_ran():
    run = run_code(value_program(), balance=100)
    root = split_frames(run.trace)[0]
    poor = call_records(root, run.trace)[3]
    assert poor.success == 0 and poor.input == (0xABCDEF).to_bytes(4, "big") and poor.output == b""
    position, step = root.call_steps()[3]
    with pytest.raises(ValueError, match="caller's memory"):
        call_record(step, None)


def test_create_is_refused():
    run = run_code(push_args(0, 0, 0) + b"\xf0\x00")
    with pytest.raises(ValueError, match="CREATE is not proven yet"):
        split_frames(run.trace)


# ------------------------------------------------------------------------------ composing


def test_compose_returndata_and_output_sizes():
    run = run_code(returndata_program())
    out = assert_reproduces(run)
    assert out.status == 1 and out.codes == {CONTRACT: run.before.get_code(CONTRACT), ECHO: helpers()[ECHO].code}
    assert [n for _, n in statements(run)[0].returndata_sizes] == [0, 2, 32, 4]


def test_compose_value_calls():
    run = run_code(value_program(), balance=100)
    out = assert_reproduces(run)
    assert out.balances == [(CONTRACT, EOA, 1), (CONTRACT, NOBODY, 2), (CONTRACT, NOBODY, 1), (CONTRACT, STORER, 3)]
    assert out.touched_no_code == {EOA, NOBODY}
    assert out.alive_read == {EOA: True, NOBODY: False, STORER: True}  # code makes an account alive
    assert out.storage[(STORER, 0)] == 0xABCDEF


def test_compose_nested_depth_two_with_logs_and_refunds():
    run = run_code(nested_program(), storage={1: 5})
    out = assert_reproduces(run)
    assert out.refund == 2 * 4800
    assert [topics for _, topics, _ in out.logs] == [(0x11,), (), (0x22,)]
    assert out.storage == {(CONTRACT, 1): 0, (STORER, 0): 0}


def test_compose_callee_revert_out_of_gas_and_reverted_ancestor():
    run = run_code(failures_program())
    out = assert_reproduces(run)
    frames = statements(run)
    assert [f.status for f in frames] == [1, 2, 3, 2, 1]
    # STORER succeeded under MIDDLE_REVERTING: its write and log are gone with it
    assert out.storage == {(REVERTER, 0): 0, (STORER, 0): 9} and out.logs == []
    assert [n for _, n in frames[0].returndata_sizes] == [32, 0, 32]


def test_compose_reverted_transaction_keeps_no_logs_or_refund():
    code = nested_program()[:-1] + b"\xfd"  # the same, ending in REVERT
    run = run_code(code, storage={1: 5})
    out = assert_reproduces(run)
    assert out.status == 2 and out.refund == 0 and out.logs == [] and out.balances == []


def test_compose_vyper_payer_calls_token():
    state = WorldState({ALICE: Account(balance=10**18), BOB: Account(balance=10**18)})
    token_init, _ = compile_contract("token")
    payer_init, _ = compile_contract("payer")
    token = deploy(state, ALICE, token_init + calldata("(uint256)", 10**6)[4:])
    payer = deploy(state, ALICE, payer_init)
    execute(state, ALICE, token, calldata("transfer(address,uint256)", address_hex(payer), 1000))
    run = execute(state, BOB, payer, calldata("try_pay(address,address,uint256)", address_hex(token),
                                               address_hex(CAROL), 10))
    out = assert_reproduces(run)
    assert out.status == 1 and len(split_frames(run.trace)) == 2
    assert out.logs == [(token, (TRANSFER, word(payer), word(CAROL)), (10).to_bytes(32, "big"))]
    # the token reverts on overspending with no data; try_pay goes on, but its output region (32 bytes
    # at 384, past memory) is grown with nothing written there: the caller's table cannot state that
    run = execute(state, BOB, payer, calldata("try_pay(address,address,uint256)", address_hex(token),
                                               address_hex(CAROL), 10**9))
    assert run.result.status == "success" and [c.status for c in run.trace.calls] == ["success", "revert"]
    with pytest.raises(ValueError, match="grows memory past"):
        statements(run)
    # pay() calls the token twice (transfer, then balanceOf): its storage is read by two frames
    run = execute(state, BOB, payer, calldata("pay(address,address,uint256)", address_hex(token),
                                               address_hex(CAROL), 10))
    assert run.result.status == "success"
    rejected(run, statements(run), "storage of .* is touched by frames 1 and 2")


def deploy(state: WorldState, sender: bytes, initcode: bytes) -> bytes:
    nonce = state.get_nonce(sender)
    address = compute_contract_address(sender, nonce)
    state.set_nonce(sender, nonce + 1)
    begin_transaction(state, sender, address, coinbase=BLOCK.coinbase)
    message = Message(caller=sender, target=None, current_target=address, gas=5_000_000, code=initcode)
    assert process_message_call(message, state, BLOCK, TxEnv(sender, GAS_PRICE)).status == "success"
    return address


# ------------------------------------------------------------------------------ rejections


@pytest.fixture(scope="module")
def nested():
    run = run_code(nested_program(), storage={1: 5})
    return run, statements(run)


@pytest.mark.parametrize("frame,change,reason", [
    (0, lambda r: {"cost": r.cost + 1}, "frame 0 call at key .*: cost is"),
    (1, lambda r: {"cost": r.cost - 1}, "frame 1 call at key .*: cost is"),
    (0, lambda r: {"success": 0}, "success is 0, the callee gives 1"),
    (1, lambda r: {"output": b"\x01" * 32}, "output 0x0101.* is not the callee's"),
    (1, lambda r: {"output": r.output[:31]}, "is not the callee's"),
    (0, lambda r: {"gas": 1000}, "callee frame 1 has gas limit"),
], ids=["cost", "nested-cost", "success", "output", "short-output", "gas-word"])
def test_rejects_wrong_record(nested, frame, change, reason):
    run, frames = nested
    rejected(run, replace_call(frames, frame, 0, **change(frames[frame].calls[0])), reason)


@pytest.mark.parametrize("frame,change,reason", [
    (1, lambda s: {"calldata": b"\x00" * 31 + b"\x01"}, "callee frame 1 has calldata"),
    (2, lambda s: {"gas_limit": s.gas_limit + 1}, "callee frame 2 has gas limit"),
    (1, lambda s: {"caller": b"\x01" * 20}, "callee frame 1 has caller"),
    (2, lambda s: {"timestamp": 5}, "transaction and block values"),
    (1, lambda s: {"origin": b"\x02" * 20}, "has origin"),
], ids=["calldata", "gas-limit", "caller", "block", "origin"])
def test_rejects_wrong_callee_statement(nested, frame, change, reason):
    run, frames = nested
    rejected(run, replace_frame(frames, frame, **change(frames[frame])), reason)


def test_rejects_callee_given_more_than_63_64(nested):
    run, frames = nested
    # the caller asks for everything: the callee claims all the gas left, not all but a 64th
    record = frames[0].calls[0]
    claimed = record.gas_before - record.expansion - 2600
    frames = replace_call(frames, 0, 0, gas=2**256 - 1)
    frames = replace_frame(frames, 1, gas_limit=claimed)
    rejected(run, frames, "callee frame 1 has gas limit")


def test_rejects_extra_and_missing_frames(nested):
    run, frames = nested
    rejected(run, frames + [frames[-1]], "frame 3: left over")
    rejected(run, frames[:-1], "frame 1 call at key .*: the callee's frame is missing")
    rejected(run, [frames[0], frames[2], frames[1]], "callee frame 1 has")


def test_rejects_wrong_storage_and_state(nested):
    run, frames = nested
    rejected(run, replace_frame(frames, 2, storage_initial=((0, 8),), storage_final=((0, 0),)), "reads slot 0x0 as 0x8")
    rejected(run, replace_frame(frames, 0, code=frames[0].code + b"\x00"), "frame 0: code is not the code")
    with pytest.raises(CompositionError, match="origin is not the transaction's"):
        compose(frames, StateView(run.before), b"\x03" * 20, set())


def test_rejects_wrong_returndatasize():
    run = run_code(returndata_program())
    frames = statements(run)
    sizes = list(frames[0].returndata_sizes)
    for n in range(len(sizes)):
        wrong = sizes[:n] + [(sizes[n][0], sizes[n][1] + 1)] + sizes[n + 1:]
        rejected(run, replace_frame(frames, 0, returndata_sizes=tuple(wrong)),
                 f"frame 0: RETURNDATASIZE at key {sizes[n][0]} pushed")


def test_rejects_value_in_a_staticcall_callee():
    run = run_code(returndata_program())
    frames = statements(run)
    assert frames[0].calls[2].kind == STATICCALL
    rejected(run, replace_frame(frames, 3, value=1), "callee frame 3 has value 1, the call gives 0")


def test_rejects_a_kept_write_of_a_reverted_callee():
    """REVERTER writes slot 0 and reverts; the next frame at the same address must read the old value."""
    run = run_code(call(REVERTER, out_size=0) + b"\x50" + call(REVERTER, out_size=0) + b"\x50\x00")
    frames = statements(run)
    assert [f.storage_initial for f in frames[1:]] == [((0, 0),), ((0, 0),)]
    kept = replace_frame(frames, 2, storage_initial=((0, 1),))
    rejected(run, kept, "frame 2: reads slot 0x0 as 0x1, the storage view holds 0x0")
    # even read right, one address's storage in two frames is not proven yet
    rejected(run, frames, "storage of e2e2.* is touched by frames 1 and 2")


def test_rejects_static_callee_with_sstore():
    run = run_code(call(STORER, static=True, out_size=0) + b"\x50\x00")
    frames = statements(run)
    assert frames[1].status == 3
    rejected(run, frames, "frame 1: a static frame executes SSTORE")


def test_rejects_reentrancy():
    run = run_code(call(REENTER, out_size=0) + b"\x50\x00")
    rejected(run, statements(run), "frame 1 call at key .*: reentrancy into c0de")


def test_rejects_output_region_past_the_written_bytes():
    run = run_code(call(ECHO, out_off=1024, out_size=32) + b"\x50\x00")
    with pytest.raises(ValueError, match="grows memory past"):
        statements(run)  # the statement itself refuses it
    root = split_frames(run.trace)[0]
    frames = [statement(dataclasses.replace(root, calls=[]), run), statement(split_frames(run.trace)[1], run)]
    object.__setattr__(frames[0], "calls", call_records(root, run.trace))  # past the statement's own check
    rejected(run, frames, "frame 0 call at key .*: the output region grows memory")


def test_rejects_returndatacopy_and_account_reads_with_calls():
    run = run_code(call(ECHO, in_size=4, out_size=0) + b"\x50" + push_args(0, 0, 4) + b"\x3e\x00")
    rejected(run, statements(run), "RETURNDATACOPY in a frame that makes a call")
    run = run_code(call(ECHO, out_size=0) + b"\x50" + b"\x47\x50\x00")
    rejected(run, statements(run), "account reads in a transaction with calls")


def test_rejects_depth_past_the_limit(nested):
    run, frames = nested
    with pytest.raises(CompositionError, match="would pass depth 1024"):
        compose(frames, StateView(run.before), run.origin, transaction_warm_set(run.origin, run.target), depth0=1023)
