"""
Memory instructions
===================

MLOAD, MSTORE, MSTORE8, MSIZE and MCOPY (EIP-5656). Touching memory beyond
its current size first pays for the expansion (3·words + words²/512 in
total) and zero-fills it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..gas import GAS_BASE, GAS_COPY, GAS_VERY_LOW, charge_gas, extend_memory, extend_memory_multi

if TYPE_CHECKING:
    from ..interpreter import Evm


def mstore(evm: Evm) -> None:
    """memory[offset : offset + 32] = word (big-endian)."""
    # STACK
    stack = evm.stack
    start = stack.pop()
    value = stack.pop()
    # GAS
    memory = evm.memory
    if start + 32 > len(memory):
        extension = extend_memory(len(memory), start, 32)
        charge_gas(evm, GAS_VERY_LOW + extension.cost)
        memory += bytes(extension.expand_by)
    else:
        charge_gas(evm, GAS_VERY_LOW)
    # OPERATION
    memory[start : start + 32] = value.to_bytes(32, "big")
    # PROGRAM COUNTER
    evm.pc += 1


def mstore8(evm: Evm) -> None:
    """memory[offset] = word & 0xFF."""
    # STACK
    stack = evm.stack
    start = stack.pop()
    value = stack.pop()
    # GAS
    memory = evm.memory
    if start + 1 > len(memory):
        extension = extend_memory(len(memory), start, 1)
        charge_gas(evm, GAS_VERY_LOW + extension.cost)
        memory += bytes(extension.expand_by)
    else:
        charge_gas(evm, GAS_VERY_LOW)
    # OPERATION
    memory[start] = value & 0xFF
    # PROGRAM COUNTER
    evm.pc += 1


def mload(evm: Evm) -> None:
    """Push memory[offset : offset + 32] as a big-endian word."""
    # STACK
    stack = evm.stack
    start = stack.pop()
    # GAS
    memory = evm.memory
    if start + 32 > len(memory):
        extension = extend_memory(len(memory), start, 32)
        charge_gas(evm, GAS_VERY_LOW + extension.cost)
        memory += bytes(extension.expand_by)
    else:
        charge_gas(evm, GAS_VERY_LOW)
    # OPERATION
    stack.append(int.from_bytes(memory[start : start + 32], "big"))
    # PROGRAM COUNTER
    evm.pc += 1


def msize(evm: Evm) -> None:
    """Size of memory in bytes (always a multiple of 32)."""
    # STACK
    pass
    # GAS
    charge_gas(evm, GAS_BASE)
    # OPERATION
    evm.stack.append(len(evm.memory))
    # PROGRAM COUNTER
    evm.pc += 1


def mcopy(evm: Evm) -> None:
    """memory[dst : dst + n] = memory[src : src + n], overlap allowed."""
    # STACK
    stack = evm.stack
    destination = stack.pop()
    source = stack.pop()
    length = stack.pop()
    # GAS
    words = (length + 31) >> 5
    extension = extend_memory_multi(len(evm.memory), ((source, length), (destination, length)))
    charge_gas(evm, GAS_VERY_LOW + GAS_COPY * words + extension.cost)
    # OPERATION
    memory = evm.memory
    if extension.expand_by:
        memory += bytes(extension.expand_by)
    if length:
        memory[destination : destination + length] = memory[source : source + length]
    # PROGRAM COUNTER
    evm.pc += 1
