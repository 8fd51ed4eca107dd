"""
Interpreter
===========

Runs messages: :func:`process_message_call` is the entry point for the
top-level call or create of a transaction; :func:`process_message` and
:func:`process_create_message` run nested frames for CALL, STATICCALL and
CREATE. Each frame takes a world-state snapshot and reverts to it when it
fails, so a failed frame leaves no state change behind (only the gas it
burnt).

The loop fetches one byte, checks the stack depth against
:data:`~l2.vm.opcodes.STACK_IO` and calls the opcode's function from a
256-entry dispatch table. A tracer, when given, is called from this loop
before and after every step and when frames start and end; opcode functions
know nothing about it. Without a tracer a separate loop runs with no hook
at all.

A transaction starts with :func:`begin_transaction`, which resets the
per-transaction state (access sets, transient storage, original storage
values) and warms the addresses EIP-2929 and EIP-3651 say are warm.
"""

from __future__ import annotations

import gc
import sys
from typing import Any, Iterable

from ..state.world import WorldState
from .addresses import PRECOMPILE_ADDRESSES, compute_contract_address
from .analysis import analyze
from .exceptions import (
    AddressCollision,
    ExceptionalHalt,
    InvalidContractPrefix,
    OutOfGasError,
    Revert,
    StackOverflowError,
    StackUnderflowError,
)
from .frame import BlockEnv, Environment, Evm, Log, Message, MessageResult, TxEnv
from .gas import GAS_CODE_DEPOSIT, MAX_CODE_SIZE, STACK_DEPTH_LIMIT, STACK_LIMIT, charge_gas
from .instructions.system import invalid
from .opcodes import OPCODES, STACK_IO

__all__ = [
    "BlockEnv",
    "TxEnv",
    "Message",
    "Evm",
    "Log",
    "MessageResult",
    "Environment",
    "begin_transaction",
    "process_message_call",
    "process_message",
    "process_create_message",
    "execute_code",
    "compute_contract_address",
]

# 256-entry tables indexed by the opcode byte: the function to run and the
# stack depths at which it may run (depth ≥ δ and depth − δ + α ≤ 1024)
_DISPATCH = [invalid] * 256
_STACK_MIN = [0] * 256
_STACK_MAX = [STACK_LIMIT] * 256
for _op, _fn in OPCODES.items():
    _pops, _pushes = STACK_IO[_op]
    _DISPATCH[_op] = _fn
    _STACK_MIN[_op] = _pops
    _STACK_MAX[_op] = STACK_LIMIT + _pops - _pushes
del _op, _fn, _pops, _pushes

_RECURSION_LIMIT = 12 * STACK_DEPTH_LIMIT + 1000


def begin_transaction(
    state: WorldState,
    origin: bytes,
    target: bytes | None = None,
    coinbase: bytes | None = None,
    access_list: Iterable[tuple[bytes, Iterable[int]]] = (),
) -> None:
    """Start a transaction: reset per-transaction state and warm its addresses.

    Warm from the start (EIP-2929): the sender, the target (or the address
    being created), the precompile addresses 1..10, every access-list entry;
    and the block's coinbase when given (EIP-3651).
    """
    state.begin_transaction()
    for address in PRECOMPILE_ADDRESSES:
        state.warm_address(address)
    state.warm_address(origin)
    if target is not None:
        state.warm_address(target)
    if coinbase is not None:
        state.warm_address(coinbase)
    for address, slots in access_list:
        state.warm_address(address)
        for slot in slots:
            state.warm_slot(address, slot)


def process_message_call(
    message: Message,
    state: WorldState,
    block_env: BlockEnv,
    tx_env: TxEnv,
    tracer: Any = None,
) -> MessageResult:
    """Run the top-level message of a transaction and report its outcome.

    The caller and the current target are marked warm. For a create,
    ``message.current_target`` must hold the new address (the transaction
    layer derives it from the sender's nonce before bumping it); a target
    that already has code, nonce or storage fails with all gas consumed.
    The sender must be able to pay ``message.value``.

    ``message.gas`` is what the code may spend: the transaction layer has
    already taken the intrinsic gas, including the EIP-3860 initcode cost of
    a creation (2 gas per word), and applies the refund cap afterwards.
    """
    if message.should_transfer_value and message.value and state.get_balance(message.caller) < message.value:
        raise ValueError("the caller's balance is below the message value")
    env = Environment(state, block_env, tx_env, tracer)
    # each call level nests about six Python frames; 1024 levels must fit
    if sys.getrecursionlimit() < _RECURSION_LIMIT:
        sys.setrecursionlimit(_RECURSION_LIMIT)
    if tracer is None:
        return _process_message_call(message, env)
    # recording allocates millions of small acyclic objects; the cyclic
    # garbage collector would rescan them again and again (a 3x slowdown)
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        tracer.begin(message, env)
        return _process_message_call(message, env)
    finally:
        if gc_was_enabled:
            gc.enable()


def _process_message_call(message: Message, env: Environment) -> MessageResult:
    state = env.state
    tracer = env.tracer
    state.warm_address(message.caller)
    state.warm_address(message.current_target)

    if message.is_create:
        target = message.current_target
        if state.has_code_or_nonce(target) or state.has_storage(target):
            result = MessageResult("error", b"", 0, 0, (), None, AddressCollision.__name__)
            if tracer is not None:
                tracer.finish(result, state)
            return result
        evm = process_create_message(message, env)
    else:
        evm = process_message(message, env)
        if state.account_exists_and_is_empty(message.current_target):
            state.touch(message.current_target)

    if evm.error is None:
        result = MessageResult(
            "success",
            evm.output,
            evm.gas_left,
            evm.refund_counter,
            tuple(evm.logs),
            message.current_target if message.is_create else None,
            None,
        )
    else:
        result = MessageResult(
            "revert" if isinstance(evm.error, Revert) else "error",
            evm.output,
            evm.gas_left,
            0,
            (),
            None,
            type(evm.error).__name__,
        )
    if tracer is not None:
        tracer.finish(result, state)
    return result


def process_create_message(message: Message, env: Environment) -> Evm:
    """Run initcode and install the code it returns at ``message.current_target``."""
    state = env.state
    snapshot = state.snapshot()
    # a new contract starts with nonce 1 (EIP-161) and no storage
    state.clear_storage(message.current_target)
    state.increment_nonce(message.current_target)
    evm = process_message(message, env)
    if evm.error is None:
        contract_code = evm.output
        try:
            if contract_code[:1] == b"\xef":
                raise InvalidContractPrefix
            charge_gas(evm, GAS_CODE_DEPOSIT * len(contract_code))
            if len(contract_code) > MAX_CODE_SIZE:
                raise OutOfGasError
        except ExceptionalHalt as error:
            state.revert(snapshot)
            evm.gas_left = 0
            evm.output = b""
            evm.error = error
        else:
            state.set_code(message.current_target, contract_code)
            state.commit(snapshot)
    else:
        state.revert(snapshot)
    if env.tracer is not None:
        env.tracer.exit_frame(evm)
    return evm


def process_message(message: Message, env: Environment) -> Evm:
    """Transfer the value, run the code, and keep or undo the frame's changes."""
    state = env.state
    snapshot = state.snapshot()
    state.touch(message.current_target)
    if message.should_transfer_value and message.value:
        state.transfer(message.caller, message.current_target, message.value)
    evm = execute_code(message, env)
    if evm.error is None:
        state.commit(snapshot)
    else:
        state.revert(snapshot)
    if env.tracer is not None and not message.is_create:
        env.tracer.exit_frame(evm)
    return evm


def execute_code(message: Message, env: Environment) -> Evm:
    """Run ``message.code`` in a new frame until it halts."""
    info = analyze(message.code)
    evm = Evm(message, env, info.jumpdests, info.push_values)
    tracer = env.tracer
    try:
        if tracer is None:
            _run(evm)
        else:
            tracer.enter_frame(evm)
            _run_traced(evm, tracer)
    except ExceptionalHalt as error:
        evm.gas_left = 0
        evm.output = b""
        evm.error = error
    except Revert as error:
        evm.error = error
    return evm


def _run(evm: Evm) -> None:
    code = evm.code
    code_length = len(code)
    stack = evm.stack
    dispatch = _DISPATCH
    stack_min = _STACK_MIN
    stack_max = _STACK_MAX
    while evm.running:
        pc = evm.pc
        if pc >= code_length:
            # running off the end of the code is a STOP
            return
        op = code[pc]
        depth = len(stack)
        if depth < stack_min[op]:
            raise StackUnderflowError
        if depth > stack_max[op]:
            raise StackOverflowError
        dispatch[op](evm)


def _run_traced(evm: Evm, tracer: Any) -> None:
    code = evm.code
    code_length = len(code)
    stack = evm.stack
    dispatch = _DISPATCH
    stack_min = _STACK_MIN
    stack_max = _STACK_MAX
    step_start = tracer.step_start
    step_end = tracer.step_end
    step_fail = tracer.step_fail
    while evm.running:
        pc = evm.pc
        if pc >= code_length:
            return
        op = code[pc]
        record = step_start(evm, op)
        try:
            depth = len(stack)
            if depth < stack_min[op]:
                raise StackUnderflowError
            if depth > stack_max[op]:
                raise StackOverflowError
            dispatch[op](evm)
        except Revert:
            step_end(evm, record)
            raise
        except ExceptionalHalt as error:
            step_fail(evm, record, error)
            raise
        step_end(evm, record)
