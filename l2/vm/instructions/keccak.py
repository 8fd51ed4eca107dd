"""
Keccak instruction
==================

KECCAK256 hashes a region of memory: 30 gas plus 6 per word, plus memory
expansion.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from Crypto.Hash import keccak as _keccak

from ..gas import GAS_KECCAK256, GAS_KECCAK256_WORD, charge_gas, extend_memory
from ..memory import memory_read

if TYPE_CHECKING:
    from ..interpreter import Evm


def keccak(evm: Evm) -> None:
    """keccak256(memory[offset : offset + size])."""
    # STACK
    stack = evm.stack
    memory_start_index = stack.pop()
    size = stack.pop()
    # GAS
    words = (size + 31) >> 5
    extension = extend_memory(len(evm.memory), memory_start_index, size)
    charge_gas(evm, GAS_KECCAK256 + GAS_KECCAK256_WORD * words + extension.cost)
    # OPERATION
    if extension.expand_by:
        evm.memory += bytes(extension.expand_by)
    data = memory_read(evm.memory, memory_start_index, size)
    digest = _keccak.new(digest_bits=256, data=data).digest()
    stack.append(int.from_bytes(digest, "big"))
    # PROGRAM COUNTER
    evm.pc += 1
