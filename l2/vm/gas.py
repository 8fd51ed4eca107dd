"""
Gas
===

The Cancun gas schedule for the supported opcodes, and the helpers that
price memory expansion and message calls. Names follow the Ethereum
execution specs so a reader can check each constant against them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from .exceptions import OutOfGasError

if TYPE_CHECKING:
    from .interpreter import Evm

GAS_JUMPDEST = 1
GAS_BASE = 2
GAS_VERY_LOW = 3
GAS_LOW = 5
GAS_FAST_STEP = 5
GAS_MID = 8
GAS_HIGH = 10
GAS_EXPONENTIATION = 10
GAS_EXPONENTIATION_PER_BYTE = 50
GAS_MEMORY = 3
GAS_KECCAK256 = 30
GAS_KECCAK256_WORD = 6
GAS_COPY = 3
GAS_RETURN_DATA_COPY = 3
GAS_LOG = 375
GAS_LOG_DATA = 8
GAS_LOG_TOPIC = 375
GAS_CREATE = 32000
GAS_CODE_DEPOSIT = 200
GAS_ZERO = 0
GAS_NEW_ACCOUNT = 25000
GAS_CALL_VALUE = 9000
GAS_CALL_STIPEND = 2300
GAS_INIT_CODE_WORD_COST = 2

# EIP-2929 access costs
GAS_WARM_ACCESS = 100
GAS_COLD_SLOAD = 2100
GAS_COLD_ACCOUNT_ACCESS = 2600

# EIP-2200 / EIP-3529 storage costs and refunds
GAS_STORAGE_SET = 20000
GAS_STORAGE_UPDATE = 5000
GAS_STORAGE_CLEAR_REFUND = 4800

STACK_DEPTH_LIMIT = 1024
STACK_LIMIT = 1024
MAX_CODE_SIZE = 0x6000  # EIP-170
MAX_INIT_CODE_SIZE = 2 * MAX_CODE_SIZE  # EIP-3860


class ExtendMemory(NamedTuple):
    """Gas to pay and bytes to append for a memory expansion."""

    cost: int
    expand_by: int


class MessageCallGas(NamedTuple):
    """Gas charged to the caller and gas handed to the callee."""

    cost: int
    stipend: int


def charge_gas(evm: Evm, amount: int) -> None:
    """Subtract ``amount`` from the frame's gas; running out is an exceptional halt."""
    evm.gas_left -= amount
    if evm.gas_left < 0:
        raise OutOfGasError


def ceil32(value: int) -> int:
    return (value + 31) & ~31


def memory_cost(size_in_bytes: int) -> int:
    """Total cost of a memory of this size: 3·words + words²/512."""
    words = (size_in_bytes + 31) >> 5
    return GAS_MEMORY * words + (words * words >> 9)


def extend_memory(memory_size: int, start: int, size: int) -> ExtendMemory:
    """Cost of touching ``[start, start + size)`` when memory holds ``memory_size`` bytes.

    A zero-size access never expands memory, whatever its offset.
    """
    if size == 0:
        return ExtendMemory(0, 0)
    end = start + size
    if end <= memory_size:
        return ExtendMemory(0, 0)
    after = (end + 31) & ~31
    return ExtendMemory(memory_cost(after) - memory_cost(memory_size), after - memory_size)


def extend_memory_multi(memory_size: int, extensions: tuple[tuple[int, int], ...]) -> ExtendMemory:
    """Cost of touching several regions: memory grows to the largest end."""
    size_to_extend = 0
    to_be_paid = 0
    current = memory_size
    for start, size in extensions:
        if size == 0:
            continue
        after = ceil32(start + size)
        if after <= current:
            continue
        size_to_extend += after - current
        to_be_paid += memory_cost(after) - memory_cost(current)
        current = after
    return ExtendMemory(to_be_paid, size_to_extend)


def max_message_call_gas(gas: int) -> int:
    """EIP-150: a call may forward at most all but one 64th of the gas left."""
    return gas - gas // 64


def calculate_message_call_gas(
    value: int, gas: int, gas_left: int, memory_cost: int, extra_gas: int
) -> MessageCallGas:
    """Gas a CALL/STATICCALL charges and the gas its callee receives.

    When the caller cannot even pay the fixed part, the requested gas is
    charged as is, which makes the charge fail with out-of-gas.
    """
    call_stipend = 0 if value == 0 else GAS_CALL_STIPEND
    if gas_left < extra_gas + memory_cost:
        return MessageCallGas(gas + extra_gas, gas + call_stipend)
    gas = min(gas, max_message_call_gas(gas_left - memory_cost - extra_gas))
    return MessageCallGas(gas + extra_gas, gas + call_stipend)


def init_code_cost(init_code_length: int) -> int:
    """EIP-3860: 2 gas per 32-byte word of initcode."""
    return GAS_INIT_CODE_WORD_COST * ((init_code_length + 31) >> 5)
