"""
Environment instructions
========================

What a frame can learn about its call and about other accounts: addresses,
value, calldata, code, gas price, balances, code sizes and hashes, and the
return data of the last call. Account reads pay the EIP-2929 warm (100) or
cold (2600) price and warm the address.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..exceptions import OutOfBoundsRead
from ..gas import (
    GAS_BASE,
    GAS_COLD_ACCOUNT_ACCESS,
    GAS_COPY,
    GAS_FAST_STEP,
    GAS_RETURN_DATA_COPY,
    GAS_VERY_LOW,
    GAS_WARM_ACCESS,
    charge_gas,
    extend_memory,
)
from ..memory import buffer_read, memory_write
from ..words import to_address

if TYPE_CHECKING:
    from ..interpreter import Evm


def address(evm: Evm) -> None:
    """The address of the executing account."""
    # STACK
    pass
    # GAS
    charge_gas(evm, GAS_BASE)
    # OPERATION
    evm.stack.append(int.from_bytes(evm.message.current_target, "big"))
    # PROGRAM COUNTER
    evm.pc += 1


def balance(evm: Evm) -> None:
    """Balance of an account (warm 100 / cold 2600)."""
    # STACK
    target = to_address(evm.stack.pop())
    # GAS
    state = evm.env.state
    charge_gas(evm, GAS_WARM_ACCESS if state.warm_address(target) else GAS_COLD_ACCOUNT_ACCESS)
    # OPERATION
    evm.stack.append(state.get_balance(target))
    # PROGRAM COUNTER
    evm.pc += 1


def origin(evm: Evm) -> None:
    """The externally owned account that started the transaction."""
    # STACK
    pass
    # GAS
    charge_gas(evm, GAS_BASE)
    # OPERATION
    evm.stack.append(int.from_bytes(evm.env.tx_env.origin, "big"))
    # PROGRAM COUNTER
    evm.pc += 1


def caller(evm: Evm) -> None:
    """The account that called this frame."""
    # STACK
    pass
    # GAS
    charge_gas(evm, GAS_BASE)
    # OPERATION
    evm.stack.append(int.from_bytes(evm.message.caller, "big"))
    # PROGRAM COUNTER
    evm.pc += 1


def callvalue(evm: Evm) -> None:
    """Wei sent with this call."""
    # STACK
    pass
    # GAS
    charge_gas(evm, GAS_BASE)
    # OPERATION
    evm.stack.append(evm.message.value)
    # PROGRAM COUNTER
    evm.pc += 1


def calldataload(evm: Evm) -> None:
    """32 bytes of calldata from an offset, zero-padded past its end."""
    # STACK
    stack = evm.stack
    start_index = stack.pop()
    # GAS
    charge_gas(evm, GAS_VERY_LOW)
    # OPERATION
    stack.append(int.from_bytes(buffer_read(evm.message.data, start_index, 32), "big"))
    # PROGRAM COUNTER
    evm.pc += 1


def calldatasize(evm: Evm) -> None:
    """Length of the calldata in bytes."""
    # STACK
    pass
    # GAS
    charge_gas(evm, GAS_BASE)
    # OPERATION
    evm.stack.append(len(evm.message.data))
    # PROGRAM COUNTER
    evm.pc += 1


def calldatacopy(evm: Evm) -> None:
    """Copy calldata into memory (3 + 3 per word + expansion)."""
    # STACK
    stack = evm.stack
    memory_start_index = stack.pop()
    data_start_index = stack.pop()
    size = stack.pop()
    # GAS
    words = (size + 31) >> 5
    extension = extend_memory(len(evm.memory), memory_start_index, size)
    charge_gas(evm, GAS_VERY_LOW + GAS_COPY * words + extension.cost)
    # OPERATION
    if extension.expand_by:
        evm.memory += bytes(extension.expand_by)
    memory_write(evm.memory, memory_start_index, buffer_read(evm.message.data, data_start_index, size))
    # PROGRAM COUNTER
    evm.pc += 1


def codesize(evm: Evm) -> None:
    """Length of the executing code."""
    # STACK
    pass
    # GAS
    charge_gas(evm, GAS_BASE)
    # OPERATION
    evm.stack.append(len(evm.code))
    # PROGRAM COUNTER
    evm.pc += 1


def codecopy(evm: Evm) -> None:
    """Copy the executing code into memory (3 + 3 per word + expansion)."""
    # STACK
    stack = evm.stack
    memory_start_index = stack.pop()
    code_start_index = stack.pop()
    size = stack.pop()
    # GAS
    words = (size + 31) >> 5
    extension = extend_memory(len(evm.memory), memory_start_index, size)
    charge_gas(evm, GAS_VERY_LOW + GAS_COPY * words + extension.cost)
    # OPERATION
    if extension.expand_by:
        evm.memory += bytes(extension.expand_by)
    memory_write(evm.memory, memory_start_index, buffer_read(evm.code, code_start_index, size))
    # PROGRAM COUNTER
    evm.pc += 1


def gasprice(evm: Evm) -> None:
    """The effective gas price of the transaction."""
    # STACK
    pass
    # GAS
    charge_gas(evm, GAS_BASE)
    # OPERATION
    evm.stack.append(evm.env.tx_env.gas_price)
    # PROGRAM COUNTER
    evm.pc += 1


def extcodesize(evm: Evm) -> None:
    """Code length of an account (warm 100 / cold 2600)."""
    # STACK
    target = to_address(evm.stack.pop())
    # GAS
    state = evm.env.state
    charge_gas(evm, GAS_WARM_ACCESS if state.warm_address(target) else GAS_COLD_ACCOUNT_ACCESS)
    # OPERATION
    evm.stack.append(len(state.get_code(target)))
    # PROGRAM COUNTER
    evm.pc += 1


def extcodehash(evm: Evm) -> None:
    """keccak256 of an account's code; 0 for an empty or absent account."""
    # STACK
    target = to_address(evm.stack.pop())
    # GAS
    state = evm.env.state
    charge_gas(evm, GAS_WARM_ACCESS if state.warm_address(target) else GAS_COLD_ACCOUNT_ACCESS)
    # OPERATION
    account = state.get_account(target)
    if account is None or account.is_empty():
        evm.stack.append(0)
    else:
        evm.stack.append(int.from_bytes(state.get_code_hash(target), "big"))
    # PROGRAM COUNTER
    evm.pc += 1


def returndatasize(evm: Evm) -> None:
    """Length of the output of the last call or create from this frame."""
    # STACK
    pass
    # GAS
    charge_gas(evm, GAS_BASE)
    # OPERATION
    evm.stack.append(len(evm.return_data))
    # PROGRAM COUNTER
    evm.pc += 1


def returndatacopy(evm: Evm) -> None:
    """Copy return data into memory; reading past its end is an exceptional halt."""
    # STACK
    stack = evm.stack
    memory_start_index = stack.pop()
    return_data_start = stack.pop()
    size = stack.pop()
    # GAS
    words = (size + 31) >> 5
    extension = extend_memory(len(evm.memory), memory_start_index, size)
    charge_gas(evm, GAS_VERY_LOW + GAS_RETURN_DATA_COPY * words + extension.cost)
    if return_data_start + size > len(evm.return_data):
        raise OutOfBoundsRead
    # OPERATION
    if extension.expand_by:
        evm.memory += bytes(extension.expand_by)
    memory_write(
        evm.memory, memory_start_index, evm.return_data[return_data_start : return_data_start + size]
    )
    # PROGRAM COUNTER
    evm.pc += 1


def self_balance(evm: Evm) -> None:
    """Balance of the executing account (5 gas, no access cost)."""
    # STACK
    pass
    # GAS
    charge_gas(evm, GAS_FAST_STEP)
    # OPERATION
    evm.stack.append(evm.env.state.get_balance(evm.message.current_target))
    # PROGRAM COUNTER
    evm.pc += 1
