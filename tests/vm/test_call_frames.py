"""Call frames: split recorded runs into frames and put their statements back together.

Each run is a real transaction in the VM (hand-written bytecode, the Vyper payer calling the token,
the Vyper factory creating tokens); every frame becomes a statement built from its own steps, the way
its execution table states it, and :func:`l2.call_frames.compose` must reproduce the VM's gas, refund,
logs, storage, value transfers, created code and nonces from the statements alone — and reject each
altered statement with its reason.
"""

from __future__ import annotations

import dataclasses

import pytest

from circuits.vm.air import VmStatement
from circuits.vm.call_record import CREATE, STATICCALL
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
from vm_contracts import DEPLOYED, TRANSFER, address_hex, calldata, compile_contract
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


def run_code(code: bytes, balance: int = 0, storage: dict[int, int] | None = None, value: int = 0,
             extra: dict[bytes, Account] | None = None, gas: int = GAS) -> Run:
    accounts = helpers()
    # a contract's nonce starts at 1 (EIP-161): its first CREATE uses nonce 1
    accounts[CONTRACT] = Account(nonce=1, balance=balance, code=code, storage=dict(storage or {}))
    accounts.update(extra or {})
    return execute(WorldState(accounts), ORIGIN, CONTRACT, value=value, gas=gas)


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
    status_name, gas_left, output = frame.result()
    status = STATUS[status_name]
    initial: dict[int, int] = {}
    final: dict[int, int] = {}
    warm: set[int] = set()
    transient: set[int] = set()
    refund = 0
    logs, sizes = [], []
    for position, step in enumerate(frame.steps):
        for op in step.storage_ops:
            if op.is_transient:
                transient.add(op.slot)
                continue
            if op.slot not in initial and op.warm_before:
                warm.add(op.slot)
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
    slots = sorted(initial)
    original = tuple(run.before.peek_storage(context.address, s) for s in slots)
    return VmStatement(
        code=context.code, gas_limit=context.gas, status=status, gas_used=context.gas - gas_left,
        output=output, output_offset=frame.steps[-1].pops[0] if output else 0,
        calldata=context.calldata, caller=context.caller, value=context.value, address=context.address,
        storage_initial=tuple(sorted(initial.items())), storage_final=tuple(sorted(final.items())) if success else (),
        refund=refund if success else 0, origin=run.origin, gas_price=GAS_PRICE, chain_id=BLOCK.chain_id,
        block_number=BLOCK.number, timestamp=BLOCK.timestamp, base_fee=BLOCK.base_fee, logs=tuple(logs),
        pcs=tuple(sorted({s.pc for s in frame.steps})), transient_slots=tuple(sorted(transient)),
        returndata_sizes=tuple(sizes), calls=call_records(frame, run.trace),
        storage_original=None if original == tuple(initial[s] for s in slots) else original,
        storage_warm=tuple(sorted(warm)), static=context.is_static,
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
    created = {c.address for c in run.trace.calls if c.is_create and run.after.get_nonce(c.address)}
    assert set(out.created) == created
    for address, code in out.created.items():
        assert not run.before.get_code(address) and not run.before.get_nonce(address)
        # nonce 1, or more when the new contract created in turn
        assert run.after.get_code(address) == code
        assert run.after.get_nonce(address) == out.nonces.get(address, (0, 1))[1]
    for address, (start, end) in out.nonces.items():
        assert (run.before.get_nonce(address), run.after.get_nonce(address)) == (start, end)
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
    # the token reverts on overspending with no data; try_pay goes on, its output region (32 bytes at
    # 384, past memory) grown with nothing written there
    run = execute(state, BOB, payer, calldata("try_pay(address,address,uint256)", address_hex(token),
                                               address_hex(CAROL), 10**9))
    assert run.result.status == "success" and [c.status for c in run.trace.calls] == ["success", "revert"]
    record = statements(run)[0].calls[0]
    assert record.success == 0 and record.memory_after > record.memory_after_input and not record.written
    assert assert_reproduces(run).logs == []
    # pay() calls the token twice (transfer, then balanceOf): the second frame finds the payer's
    # balance slot warm and already written, its original value the transaction's start
    run = execute(state, BOB, payer, calldata("pay(address,address,uint256)", address_hex(token),
                                               address_hex(CAROL), 10))
    assert run.result.status == "success"
    frames = statements(run)
    assert frames[2].storage_warm and frames[2].storage_original is not None
    assert_reproduces(run)
    rejected(run, replace_frame(frames, 2, storage_warm=()), "cold at its start, it is not")
    rejected(run, replace_frame(frames, 2, storage_original=None), "original value")


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
    # read right it composes; the revert also undid the slot's warmth, so the second frame finds it cold
    assert frames[2].storage_warm == ()
    assert_reproduces(run)
    rejected(run, replace_frame(frames, 2, storage_warm=(0,)), "frame 2: states slot 0x0 warm at its start")


def test_a_static_callee_with_sstore_halts():
    """EIP-214: the SSTORE of a STATICCALL's callee halts (its table proves that); a callee statement
    that says it is not static is refused."""
    run = run_code(call(STORER, static=True, out_size=0) + b"\x50\x00")
    frames = statements(run)
    assert frames[1].status == 3 and frames[1].static
    assert_reproduces(run)
    rejected(run, replace_frame(frames, 1, static=False), "frame 1: states it is not static, it is")


def test_rejects_reentrancy():
    run = run_code(call(REENTER, out_size=0) + b"\x50\x00")
    rejected(run, statements(run), "frame 1 call at key .*: reentrancy into c0de")


def test_compose_output_region_past_the_written_bytes():
    """The output region grows memory past what the call writes (the EVM grows it before the call)."""
    run = run_code(call(ECHO, in_size=4, out_off=1024, out_size=64) + b"\x50\x59" + push(0) + b"\x52"
                   + push_args(0, 32) + b"\xf3")
    assert int.from_bytes(run.result.output, "big") == 1088
    record = statements(run)[0].calls[0]
    assert record.memory_after == 34 and record.written == 4
    assert_reproduces(run)


def test_rejects_returndatacopy_and_account_reads_with_calls():
    run = run_code(call(ECHO, in_size=4, out_size=0) + b"\x50" + push_args(0, 0, 4) + b"\x3e\x00")
    rejected(run, statements(run), "RETURNDATACOPY in a frame that makes a call")
    run = run_code(call(ECHO, out_size=0) + b"\x50" + b"\x47\x50\x00")
    rejected(run, statements(run), "account reads in a transaction with calls")


def test_rejects_depth_past_the_limit(nested):
    run, frames = nested
    with pytest.raises(CompositionError, match="would pass depth 1024"):
        compose(frames, StateView(run.before), run.origin, transaction_warm_set(run.origin, run.target), depth0=1023)


# ------------------------------------------------------------------------------ CREATE

RET42 = bytes.fromhex("602a5f5260205ff3")
"""Runtime: return the word 42."""
CREATOR = b"\xeb" * 20
CREATOR_REVERTING = b"\xec" * 20
STATIC_CREATOR = b"\xed" * 20


def deployer(runtime: bytes, prefix: bytes = b"") -> bytes:
    """Initcode: ``prefix``, then return ``runtime`` (at most 32 bytes) as the code to deposit."""
    n = len(runtime)
    return prefix + bytes([0x5F + n]) + runtime + b"\x5f\x52" + push_args(32 - n, n) + b"\xf3"


STORING = deployer(RET42, prefix=bytes.fromhex("345f55"))
"""Initcode: store CALLVALUE at slot 0, then deploy RET42."""


def store_bytes(data: bytes, offset: int = 0) -> bytes:
    """MSTORE ``data`` at ``offset`` (a 32-byte word at a time; the last one zero-padded)."""
    code = b""
    for i in range(0, len(data), 32):
        code += b"\x7f" + data[i : i + 32].ljust(32, b"\x00") + push(offset + i) + b"\x52"
    return code


def create(initcode: bytes, value: int = 0, offset: int = 0) -> bytes:
    """CREATE from ``initcode`` written at ``offset``, leaving the pushed address (or 0) on the stack."""
    return store_bytes(initcode, offset) + push_args(value, offset, len(initcode)) + b"\xf0"


def returns_top() -> bytes:
    """MSTORE the top of the stack at 0 and RETURN those 32 bytes."""
    return push(0) + b"\x52" + push_args(0, 32) + b"\xf3"


def created_at(nonce: int, creator: bytes = CONTRACT) -> bytes:
    return compute_contract_address(creator, nonce)


def creators() -> dict[bytes, Account]:
    return {
        # CREATE(STORING) and return the address
        CREATOR: Account(nonce=1, code=create(STORING) + returns_top()),
        # CREATE(STORING), then revert
        CREATOR_REVERTING: Account(nonce=1, code=create(STORING) + b"\x50\x5f\x5f\xfd"),
        # CREATE with empty initcode (fails when static)
        STATIC_CREATOR: Account(nonce=1, code=push_args(0, 0, 0) + b"\xf0\x00"),
    }


def run_creating(code: bytes, balance: int = 0, extra: dict[bytes, Account] | None = None, gas: int = GAS) -> Run:
    return run_code(code, balance=balance, extra={**creators(), **(extra or {})}, gas=gas)


def test_factory_deploys_a_token_with_create():
    """The Vyper factory creates a token (constructor: mint to the factory, log Transfer), then logs
    Deployed: two frames, the token's storage written by its initcode, the factory's nonce 1 → 2."""
    state = WorldState({ALICE: Account(balance=10**18), BOB: Account(balance=10**18)})
    factory_init, _ = compile_contract("factory")
    token_init, token_runtime = compile_contract("token")
    factory = deploy(state, ALICE, factory_init)
    run = execute(state, BOB, factory, calldata("deploy(bytes,uint256)", token_init, 777), gas=3_000_000)
    assert run.result.status == "success"
    child = compute_contract_address(factory, 1)
    frames = split_frames(run.trace)
    assert [(f.index, f.parent, f.context.is_create) for f in frames] == [(0, None, False), (1, 0, True)]
    assert frames[0].calls == [1] and frames[0].addresses == {frames[0].call_steps()[0][1].index: child}
    out = assert_reproduces(run)
    assert out.created == {child: token_runtime}
    assert out.nonces == {factory: (1, 2)}
    assert out.logs == [(child, (TRANSFER, 0, word(factory)), (777).to_bytes(32, "big")),
                        (factory, (DEPLOYED, word(child)), b"")]
    assert any(address == child for address, _ in out.storage) and out.storage[(factory, 0)] == 1
    record = statements(run)[0].calls[0]
    assert (record.kind, record.address, record.success, record.output, record.gas) == (CREATE, child, 1, b"", 0)
    assert record.pushed == word(child)
    child_statement = statements(run)[1]
    assert child_statement.code == record.input and child_statement.output == token_runtime
    assert child_statement.storage_initial and all(v == 0 for _, v in child_statement.storage_initial)


def test_create_empty_initcode_runs_no_frame():
    run = run_creating(create(b"") + returns_top())
    address = created_at(1)
    assert run.trace.calls[1].is_create and not run.trace.calls[1].code
    frames = split_frames(run.trace)
    assert len(frames) == 1 and frames[0].calls == [None]
    record = statements(run)[0].calls[0]
    assert record.success == 1 and record.address == address and record.input == b""
    out = assert_reproduces(run)
    assert out.created == {address: b""} and out.nonces == {CONTRACT: (1, 2)}


def test_create_initcode_that_reverts_with_data():
    initcode = bytes.fromhex("60015f55") + bytes.fromhex("602a5f5260205ffd")  # SSTORE(0, 1), revert 42
    run = run_creating(create(initcode) + b"\x50\x3d" + returns_top())
    frames = statements(run)
    assert [f.status for f in frames] == [1, 2]
    record = frames[0].calls[0]
    assert record.success == 0 and record.pushed == 0 and record.output == (42).to_bytes(32, "big")
    assert record.address == created_at(1)  # the address is stated even though nothing was created
    assert [n for _, n in frames[0].returndata_sizes] == [32]
    out = assert_reproduces(run)
    assert out.created == {} and out.nonces == {CONTRACT: (1, 2)}  # the nonce moves all the same
    assert out.storage[(created_at(1), 0)] == 0


def test_create_initcode_that_errors_loses_the_gas():
    run = run_creating(create(b"\x60\x01\xfe") + returns_top())
    frames = statements(run)
    assert [f.status for f in frames] == [1, 3]
    record = frames[0].calls[0]
    assert record.success == 0 and record.output == b""
    assert record.cost == 32000 + 2 + frames[1].gas_limit  # nothing comes back
    out = assert_reproduces(run)
    assert out.created == {} and out.nonces == {CONTRACT: (1, 2)}


@pytest.mark.parametrize("initcode", [
    deployer(b"\xef\x00"),
    bytes.fromhex("612710") + b"\x5f\xf3",  # return 10000 zero bytes: a 2,000,000 gas deposit
], ids=["ef-prefix", "deposit-unaffordable"])
def test_create_whose_deposit_fails_is_undone(initcode):
    """The initcode succeeds (its statement says so) but the creation fails after it: like an error."""
    initcode = bytes.fromhex("60015f55") + initcode  # a write, undone with the creation
    run = run_creating(create(initcode) + returns_top())
    assert run.trace.calls[1].status == "error"
    frames = statements(run)
    assert [f.status for f in frames] == [1, 1] and frames[1].output
    assert frames[1].storage_final == ((0, 1),)
    record = frames[0].calls[0]
    assert record.success == 0 and record.output == b"" and record.cost == 32000 + 2 * 1 + frames[1].gas_limit
    out = assert_reproduces(run)
    assert out.created == {} and out.storage[(created_at(1), 0)] == 0 and out.nonces == {CONTRACT: (1, 2)}


def test_create_with_value_and_one_that_cannot_pay():
    """CREATE with value 5 (the initcode stores CALLVALUE), then one asking more than the balance
    (pushed 0, no nonce move, its address still computed), then one at that same address."""
    code = create(STORING, value=5) + b"\x50" + create(STORING, value=10**6) + b"\x50"
    code += create(STORING, value=1) + returns_top()
    run = run_creating(code, balance=100)
    frames = split_frames(run.trace)
    assert frames[0].calls == [1, None, 2]
    records = statements(run)[0].calls
    assert [(r.success, r.address, r.value) for r in records] == [
        (1, created_at(1), 5), (0, created_at(2), 10**6), (1, created_at(2), 1)]
    out = assert_reproduces(run)
    assert out.balances == [(CONTRACT, created_at(1), 5), (CONTRACT, created_at(2), 1)]
    assert out.storage == {(created_at(1), 0): 5, (created_at(2), 0): 1}
    assert out.created == {created_at(1): RET42, created_at(2): RET42} and out.nonces == {CONTRACT: (1, 3)}


def test_two_creates_from_one_creator():
    run = run_creating(create(STORING) + b"\x50" + create(deployer(RET42)) + returns_top())
    out = assert_reproduces(run)
    records = statements(run)[0].calls
    assert [r.pushed for r in records] == [word(created_at(1)), word(created_at(2))]
    assert out.nonces == {CONTRACT: (1, 3)} and set(out.created) == {created_at(1), created_at(2)}


def test_initcode_that_creates():
    """The initcode creates an empty contract (the new account's nonce starts at 1), then deploys RET42."""
    run = run_creating(create(deployer(RET42, prefix=push_args(0, 0, 0) + b"\xf0\x50")) + returns_top())
    inner = created_at(1, created_at(1))
    assert statements(run)[1].calls[0].address == inner
    out = assert_reproduces(run)
    assert out.created == {created_at(1): RET42, inner: b""}
    assert out.nonces == {CONTRACT: (1, 2), created_at(1): (0, 2)}


def test_create_then_call_the_created_contract():
    """The created runtime is the code a later CALL runs in the same transaction."""
    code = create(deployer(RET42)) + b"\x50" + call(created_at(1), out_off=0, out_size=32) + b"\x50"
    code += push_args(0, 32) + b"\xf3"
    run = run_creating(code)
    assert run.result.output == (42).to_bytes(32, "big")
    frames = statements(run)
    assert [f.code for f in frames] == [run.before.get_code(CONTRACT), deployer(RET42), RET42]
    out = assert_reproduces(run)
    assert out.codes == {CONTRACT: run.before.get_code(CONTRACT)}  # the created code is not the state's
    assert out.created == {created_at(1): RET42}
    # the created contract's frame must run the runtime, not anything else
    rejected(run, replace_frame(frames, 2, code=RET42 + b"\x00"), "frame 2: code is not the code at")


def test_create_inside_a_frame_that_reverts():
    """CREATOR_REVERTING creates, then reverts: the nonce bump and the creation go with it; CREATOR
    creates for good after."""
    code = call(CREATOR_REVERTING, out_size=0) + b"\x50" + call(CREATOR, out_size=32) + b"\x50"
    code += push_args(0, 32) + b"\xf3"
    run = run_creating(code)
    frames = statements(run)
    assert [(f.address, f.status) for f in frames] == [
        (CONTRACT, 1), (CREATOR_REVERTING, 2), (created_at(1, CREATOR_REVERTING), 1), (CREATOR, 1),
        (created_at(1, CREATOR), 1)]
    out = assert_reproduces(run)
    assert out.nonces == {CREATOR_REVERTING: (1, 1), CREATOR: (1, 2)}
    assert out.created == {created_at(1, CREATOR): RET42}
    assert out.storage[(created_at(1, CREATOR_REVERTING), 0)] == 0
    # a second creation at the reverted one's address is not proven yet
    again = call(CREATOR_REVERTING, out_size=0) + b"\x50" + call(CREATOR_REVERTING, out_size=0) + b"\x50\x00"
    run = run_creating(again)
    assert [f.address for f in statements(run)][1:] == [CREATOR_REVERTING, created_at(1, CREATOR_REVERTING)] * 2
    rejected(run, statements(run), "frame 3 CREATE at key .*: 0x.* was created earlier in the transaction")


def test_create_collision_is_refused_and_moves_the_nonce():
    """The first CREATE meets an account with a nonce (pushed 0, gas kept, nonce moves); the second,
    asking too much value, computes its address from the moved nonce (enough gas for both: a
    collision keeps all but a 64th of it)."""
    run = run_creating(create(STORING) + b"\x50" + create(STORING, value=10**6) + b"\x00",
                       extra={created_at(1): Account(nonce=1)}, gas=3_000_000)
    assert run.result.status == "success"
    frames = split_frames(run.trace)
    assert frames[0].calls == [None, None]
    records = statements(run)[0].calls
    assert [(r.success, r.address) for r in records] == [(0, created_at(1)), (0, created_at(2))]
    rejected(run, statements(run), "CREATE at key .*: 0x.* already holds code, a nonce or storage")


def test_call_record_of_a_create_needs_its_address():
    run = run_creating(create(STORING, value=10**6) + b"\x00")
    root = split_frames(run.trace)[0]
    (_, step), = root.call_steps()
    assert call_record(step, None, address=created_at(1)).address == created_at(1)
    with pytest.raises(ValueError, match="needs the address it computed"):
        call_record(step, None)


def test_frame_result_is_the_initcodes_own_end():
    run = run_creating(create(deployer(b"\xef\x00")) + b"\x00")
    child = split_frames(run.trace)[1]
    assert (child.context.status, child.context.gas_left, child.context.output) == ("error", 0, b"")
    status, left, output = child.result()
    last = child.steps[-1]
    assert (status, output) == ("success", b"\xef\x00") and left == last.gas_before - last.gas_cost > 0
    run = run_creating(create(deployer(RET42)) + b"\x00")
    child = split_frames(run.trace)[1]
    assert child.result() == ("success", child.context.gas_left + 200 * len(RET42), RET42)


@pytest.fixture(scope="module")
def creating():
    run = run_creating(create(STORING, value=5) + returns_top(), balance=100)
    return run, statements(run)


@pytest.mark.parametrize("change,reason", [
    (lambda r: {"to": word(created_at(2))}, "creates at .*, the creator's nonce 1 gives"),
    (lambda r: {"success": 0}, "success is 0, the callee gives 1"),
    (lambda r: {"cost": r.cost + 1}, "cost is"),
    (lambda r: {"cost": r.cost - 200}, "cost is"),
    (lambda r: {"output": b"\x01"}, "output 0x01 is not the callee's 0x"),
    (lambda r: {"value": 6}, "callee frame 1 has value 5, the call gives 6"),
    (lambda r: {"input": r.input[:-1] + b"\x01"}, "callee frame 1 has code"),
], ids=["address", "success", "cost", "deposit", "output", "value", "initcode"])
def test_rejects_wrong_create_record(creating, change, reason):
    run, frames = creating
    rejected(run, replace_call(frames, 0, 0, **change(frames[0].calls[0])), f"frame 0 CREATE at key .*: {reason}")


@pytest.mark.parametrize("change,reason", [
    (lambda s: {"gas_limit": s.gas_limit + 1}, "callee frame 1 has gas limit"),
    (lambda s: {"gas_limit": s.gas_limit + s.gas_limit // 63}, "callee frame 1 has gas limit"),
    (lambda s: {"calldata": b"\x01"}, "callee frame 1 has calldata"),
    (lambda s: {"caller": ORIGIN}, "callee frame 1 has caller"),
    (lambda s: {"address": created_at(2)}, "callee frame 1 has address"),
    (lambda s: {"output": RET42 + b"\x00"}, "cost is"),  # a longer runtime pays more deposit
    (lambda s: {"output": b"\xef" + RET42[1:]}, "success is 1, the callee gives 0"),
    (lambda s: {"storage_initial": ((0, 3),), "storage_final": ((0, 5),)}, "frame 1: reads a non-zero slot"),
], ids=["gas-limit", "all-gas", "calldata", "caller", "address", "runtime-longer", "runtime-ef", "storage"])
def test_rejects_wrong_initcode_statement(creating, change, reason):
    run, frames = creating
    rejected(run, replace_frame(frames, 1, **change(frames[1])), reason)


def test_changed_runtime_of_the_same_size_is_what_gets_created(creating):
    """The runtime is the initcode frame's output, proven by its table: a different one of the same
    length composes, and states a different created code (which the state binding then refuses)."""
    run, frames = creating
    other = RET42[:1] + b"\x2b" + RET42[2:]
    out = composed(run, replace_frame(frames, 1, output=other))
    assert out.created == {created_at(1): other} != {created_at(1): run.after.get_code(created_at(1))}


def test_create_in_a_static_frame_halts():
    run = run_creating(call(STATIC_CREATOR, static=True, out_size=0) + b"\x50\x00")
    frames = statements(run)
    assert frames[1].status == 3 and frames[1].calls == ()  # the VM fails at the CREATE
    assert_reproduces(run)
    rejected(run, replace_frame(frames, 1, static=False), "frame 1: states it is not static")
    # a record of a CREATE in a static frame is refused even when the executed pcs do not show it
    run = run_creating(create(b"") + b"\x00")
    frames = statements(run)
    frames = replace_frame(frames, 0, pcs=tuple(pc for pc in frames[0].pcs if frames[0].code[pc] != Op.CREATE),
                           static=True)
    with pytest.raises(CompositionError, match="frame 0 CREATE at key .*: a static frame creates"):
        compose(frames, StateView(run.before), run.origin, transaction_warm_set(run.origin, run.target), static0=True)


def test_rejects_create_out_of_gas_and_oversized_initcode(creating):
    run, frames = creating
    record = frames[0].calls[0]
    rejected(run, replace_call(frames, 0, 0, gas_before=32000 + 2 + record.expansion - 1),
             "out of gas before the initcode")
    big = 49153
    rejected(run, replace_call(frames, 0, 0, in_size=big, input=bytes(big)), "initcode of 49153 bytes is over 49152")
