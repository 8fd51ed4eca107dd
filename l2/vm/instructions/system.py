"""
System instructions
===================

RETURN, REVERT, INVALID, CALL, STATICCALL and CREATE.

Calls follow EIP-150 (a callee gets at most all but one 64th of the gas
left after the call's own cost), EIP-2929 (100 gas for a warm address, 2600
for a cold one) and the value-transfer rules: 9000 extra gas for a non-zero
value, 25000 more when the value creates a new account, and a 2300 gas
stipend handed to the callee on top of the forwarded gas. A call that cannot
go ahead (call depth 1024 reached, balance below the value) pushes 0 and
gives the forwarded gas back.

CREATE prices initcode per EIP-3860 (2 gas per word, at most 49152 bytes),
derives the address from keccak(rlp([sender, nonce]))[12:], bumps the
creator's nonce and runs the initcode in a fresh frame; the returned code
pays 200 gas per byte, may not exceed 24576 bytes (EIP-170) nor start with
0xEF (EIP-3541).

The precompiled contracts at addresses 1..10 are warm from the start of a
transaction (EIP-2929), but none is implemented: a call to one of them
behaves as a call to an account without code.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..exceptions import InvalidOpcode, OutOfGasError, Revert, WriteInStaticContext
from ..frame import Message
from ..gas import (
    GAS_CALL_VALUE,
    GAS_COLD_ACCOUNT_ACCESS,
    GAS_CREATE,
    GAS_NEW_ACCOUNT,
    GAS_WARM_ACCESS,
    GAS_ZERO,
    MAX_INIT_CODE_SIZE,
    STACK_DEPTH_LIMIT,
    calculate_message_call_gas,
    charge_gas,
    extend_memory,
    extend_memory_multi,
    init_code_cost,
    max_message_call_gas,
)
from ..memory import memory_read, memory_write
from ..words import to_address
from ..addresses import compute_contract_address

if TYPE_CHECKING:
    from ..interpreter import Evm

# a nonce this large can no longer be incremented (EIP-2681)
MAX_NONCE = 2**64 - 1


def return_(evm: Evm) -> None:
    """Halt successfully, returning a memory region."""
    # STACK
    stack = evm.stack
    memory_start_index = stack.pop()
    size = stack.pop()
    # GAS
    extension = extend_memory(len(evm.memory), memory_start_index, size)
    charge_gas(evm, GAS_ZERO + extension.cost)
    # OPERATION
    if extension.expand_by:
        evm.memory += bytes(extension.expand_by)
    evm.output = memory_read(evm.memory, memory_start_index, size)
    evm.running = False
    # PROGRAM COUNTER
    pass


def revert(evm: Evm) -> None:
    """Halt, undo this frame's state changes and return a memory region."""
    # STACK
    stack = evm.stack
    memory_start_index = stack.pop()
    size = stack.pop()
    # GAS
    extension = extend_memory(len(evm.memory), memory_start_index, size)
    charge_gas(evm, extension.cost)
    # OPERATION
    if extension.expand_by:
        evm.memory += bytes(extension.expand_by)
    evm.output = memory_read(evm.memory, memory_start_index, size)
    raise Revert
    # PROGRAM COUNTER
    pass


def invalid(evm: Evm) -> None:
    """INVALID (0xFE) and every opcode this VM does not implement."""
    raise InvalidOpcode(evm.code[evm.pc])


def create(evm: Evm) -> None:
    """Create a contract from initcode in memory, at keccak(rlp([sender, nonce]))[12:]."""
    # STACK
    stack = evm.stack
    endowment = stack.pop()
    memory_start_index = stack.pop()
    size = stack.pop()
    # GAS
    extension = extend_memory(len(evm.memory), memory_start_index, size)
    charge_gas(evm, GAS_CREATE + extension.cost + init_code_cost(size))
    # OPERATION
    if extension.expand_by:
        evm.memory += bytes(extension.expand_by)
    state = evm.env.state
    sender_address = evm.message.current_target
    contract_address = compute_contract_address(sender_address, state.get_nonce(sender_address))
    _generic_create(evm, endowment, contract_address, memory_start_index, size)
    # PROGRAM COUNTER
    evm.pc += 1


def _generic_create(
    evm: Evm, endowment: int, contract_address: bytes, memory_start_index: int, size: int
) -> None:
    """The part of CREATE after its own cost: checks, nonce bump, child frame."""
    from ..interpreter import process_create_message

    call_data = memory_read(evm.memory, memory_start_index, size)
    # EIP-3860: oversized initcode fails like running out of gas
    if len(call_data) > MAX_INIT_CODE_SIZE:
        raise OutOfGasError
    state = evm.env.state
    state.warm_address(contract_address)
    create_message_gas = max_message_call_gas(evm.gas_left)
    evm.gas_left -= create_message_gas
    if evm.message.is_static:
        raise WriteInStaticContext
    evm.return_data = b""

    sender_address = evm.message.current_target
    if (
        state.get_balance(sender_address) < endowment
        or state.get_nonce(sender_address) == MAX_NONCE
        or evm.message.depth + 1 > STACK_DEPTH_LIMIT
    ):
        evm.gas_left += create_message_gas
        evm.stack.append(0)
        return
    if state.has_code_or_nonce(contract_address) or state.has_storage(contract_address):
        # address collision: the creator's nonce still moves and the gas is lost
        state.increment_nonce(sender_address)
        evm.stack.append(0)
        return
    state.increment_nonce(sender_address)

    child_message = Message(
        caller=sender_address,
        target=None,
        current_target=contract_address,
        gas=create_message_gas,
        value=endowment,
        data=b"",
        code=call_data,
        depth=evm.message.depth + 1,
        code_address=None,
        should_transfer_value=True,
        is_static=False,
    )
    child_evm = process_create_message(child_message, evm.env)
    evm.gas_left += child_evm.gas_left
    if child_evm.error is not None:
        evm.return_data = child_evm.output
        evm.stack.append(0)
    else:
        evm.logs.extend(child_evm.logs)
        evm.refund_counter += child_evm.refund_counter
        evm.return_data = b""
        evm.stack.append(int.from_bytes(contract_address, "big"))


def call(evm: Evm) -> None:
    """Call another account, optionally sending value."""
    # STACK
    stack = evm.stack
    gas = stack.pop()
    to = to_address(stack.pop())
    value = stack.pop()
    memory_input_start_position = stack.pop()
    memory_input_size = stack.pop()
    memory_output_start_position = stack.pop()
    memory_output_size = stack.pop()
    # GAS
    extension = extend_memory_multi(
        len(evm.memory),
        (
            (memory_input_start_position, memory_input_size),
            (memory_output_start_position, memory_output_size),
        ),
    )
    state = evm.env.state
    access_gas_cost = GAS_WARM_ACCESS if state.warm_address(to) else GAS_COLD_ACCOUNT_ACCESS
    create_gas_cost = 0 if value == 0 or state.is_alive(to) else GAS_NEW_ACCOUNT
    transfer_gas_cost = 0 if value == 0 else GAS_CALL_VALUE
    message_call_gas = calculate_message_call_gas(
        value,
        gas,
        evm.gas_left,
        extension.cost,
        access_gas_cost + create_gas_cost + transfer_gas_cost,
    )
    charge_gas(evm, message_call_gas.cost + extension.cost)
    if evm.message.is_static and value != 0:
        raise WriteInStaticContext
    # OPERATION
    if extension.expand_by:
        evm.memory += bytes(extension.expand_by)
    if state.get_balance(evm.message.current_target) < value:
        stack.append(0)
        evm.return_data = b""
        evm.gas_left += message_call_gas.stipend
    else:
        _generic_call(
            evm,
            message_call_gas.stipend,
            value,
            to,
            True,
            False,
            memory_input_start_position,
            memory_input_size,
            memory_output_start_position,
            memory_output_size,
        )
    # PROGRAM COUNTER
    evm.pc += 1


def staticcall(evm: Evm) -> None:
    """Call another account with state changes forbidden for the whole call tree."""
    # STACK
    stack = evm.stack
    gas = stack.pop()
    to = to_address(stack.pop())
    memory_input_start_position = stack.pop()
    memory_input_size = stack.pop()
    memory_output_start_position = stack.pop()
    memory_output_size = stack.pop()
    # GAS
    extension = extend_memory_multi(
        len(evm.memory),
        (
            (memory_input_start_position, memory_input_size),
            (memory_output_start_position, memory_output_size),
        ),
    )
    state = evm.env.state
    access_gas_cost = GAS_WARM_ACCESS if state.warm_address(to) else GAS_COLD_ACCOUNT_ACCESS
    message_call_gas = calculate_message_call_gas(
        0, gas, evm.gas_left, extension.cost, access_gas_cost
    )
    charge_gas(evm, message_call_gas.cost + extension.cost)
    # OPERATION
    if extension.expand_by:
        evm.memory += bytes(extension.expand_by)
    _generic_call(
        evm,
        message_call_gas.stipend,
        0,
        to,
        False,
        True,
        memory_input_start_position,
        memory_input_size,
        memory_output_start_position,
        memory_output_size,
    )
    # PROGRAM COUNTER
    evm.pc += 1


def _generic_call(
    evm: Evm,
    gas: int,
    value: int,
    to: bytes,
    should_transfer_value: bool,
    is_staticcall: bool,
    memory_input_start_position: int,
    memory_input_size: int,
    memory_output_start_position: int,
    memory_output_size: int,
) -> None:
    """Run the callee in a child frame and copy its output back."""
    from ..interpreter import process_message

    evm.return_data = b""
    if evm.message.depth + 1 > STACK_DEPTH_LIMIT:
        evm.gas_left += gas
        evm.stack.append(0)
        return
    call_data = memory_read(evm.memory, memory_input_start_position, memory_input_size)
    child_message = Message(
        caller=evm.message.current_target,
        target=to,
        current_target=to,
        gas=gas,
        value=value,
        data=call_data,
        code=evm.env.state.get_code(to),
        depth=evm.message.depth + 1,
        code_address=to,
        should_transfer_value=should_transfer_value,
        is_static=True if is_staticcall else evm.message.is_static,
    )
    child_evm = process_message(child_message, evm.env)
    evm.gas_left += child_evm.gas_left
    if child_evm.error is not None:
        evm.stack.append(0)
    else:
        evm.logs.extend(child_evm.logs)
        evm.refund_counter += child_evm.refund_counter
        evm.stack.append(1)
    evm.return_data = child_evm.output
    actual_output_size = min(memory_output_size, len(child_evm.output))
    memory_write(evm.memory, memory_output_start_position, child_evm.output[:actual_output_size])
