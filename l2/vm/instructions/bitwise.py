"""
Bitwise instructions
====================

AND, OR, XOR, NOT, BYTE, SHL, SHR and SAR. Shifts by 256 or more give 0
(or all ones for SAR of a negative word).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..gas import GAS_VERY_LOW, charge_gas
from ..words import U256_MAX, to_signed

if TYPE_CHECKING:
    from ..interpreter import Evm


def bitwise_and(evm: Evm) -> None:
    """a & b."""
    # STACK
    stack = evm.stack
    x = stack.pop()
    y = stack.pop()
    # GAS
    charge_gas(evm, GAS_VERY_LOW)
    # OPERATION
    stack.append(x & y)
    # PROGRAM COUNTER
    evm.pc += 1


def bitwise_or(evm: Evm) -> None:
    """a | b."""
    # STACK
    stack = evm.stack
    x = stack.pop()
    y = stack.pop()
    # GAS
    charge_gas(evm, GAS_VERY_LOW)
    # OPERATION
    stack.append(x | y)
    # PROGRAM COUNTER
    evm.pc += 1


def bitwise_xor(evm: Evm) -> None:
    """a ^ b."""
    # STACK
    stack = evm.stack
    x = stack.pop()
    y = stack.pop()
    # GAS
    charge_gas(evm, GAS_VERY_LOW)
    # OPERATION
    stack.append(x ^ y)
    # PROGRAM COUNTER
    evm.pc += 1


def bitwise_not(evm: Evm) -> None:
    """~a = 2^256 - 1 - a."""
    # STACK
    stack = evm.stack
    x = stack.pop()
    # GAS
    charge_gas(evm, GAS_VERY_LOW)
    # OPERATION
    stack.append(U256_MAX ^ x)
    # PROGRAM COUNTER
    evm.pc += 1


def get_byte(evm: Evm) -> None:
    """Byte ``i`` of x counting from the most significant (i ≥ 32 gives 0)."""
    # STACK
    stack = evm.stack
    byte_index = stack.pop()
    word = stack.pop()
    # GAS
    charge_gas(evm, GAS_VERY_LOW)
    # OPERATION
    result = 0 if byte_index >= 32 else (word >> (248 - 8 * byte_index)) & 0xFF
    stack.append(result)
    # PROGRAM COUNTER
    evm.pc += 1


def bitwise_shl(evm: Evm) -> None:
    """x << shift mod 2^256 (the shift is the top of the stack)."""
    # STACK
    stack = evm.stack
    shift = stack.pop()
    value = stack.pop()
    # GAS
    charge_gas(evm, GAS_VERY_LOW)
    # OPERATION
    stack.append((value << shift) & U256_MAX if shift < 256 else 0)
    # PROGRAM COUNTER
    evm.pc += 1


def bitwise_shr(evm: Evm) -> None:
    """x >> shift, logical."""
    # STACK
    stack = evm.stack
    shift = stack.pop()
    value = stack.pop()
    # GAS
    charge_gas(evm, GAS_VERY_LOW)
    # OPERATION
    stack.append(value >> shift if shift < 256 else 0)
    # PROGRAM COUNTER
    evm.pc += 1


def bitwise_sar(evm: Evm) -> None:
    """x >> shift, arithmetic: the sign bit fills the vacated bits."""
    # STACK
    stack = evm.stack
    shift = stack.pop()
    signed_value = to_signed(stack.pop())
    # GAS
    charge_gas(evm, GAS_VERY_LOW)
    # OPERATION
    if shift < 256:
        result = signed_value >> shift
    else:
        result = -1 if signed_value < 0 else 0
    stack.append(result & U256_MAX)
    # PROGRAM COUNTER
    evm.pc += 1
