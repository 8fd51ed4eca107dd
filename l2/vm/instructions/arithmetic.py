"""
Arithmetic instructions
=======================

ADD, SUB, MUL, DIV, SDIV, MOD, SMOD, ADDMOD, MULMOD, EXP and SIGNEXTEND on
256-bit words. Results wrap modulo 2^256; division and modulo by zero give
zero; signed operations read words as two's complement.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..gas import (
    GAS_EXPONENTIATION,
    GAS_EXPONENTIATION_PER_BYTE,
    GAS_LOW,
    GAS_MID,
    GAS_VERY_LOW,
    charge_gas,
)
from ..words import SIGN_BIT, U256_CEIL, U256_MAX, to_signed

if TYPE_CHECKING:
    from ..interpreter import Evm


def add(evm: Evm) -> None:
    """a + b mod 2^256."""
    # STACK
    stack = evm.stack
    x = stack.pop()
    y = stack.pop()
    # GAS
    charge_gas(evm, GAS_VERY_LOW)
    # OPERATION
    stack.append((x + y) & U256_MAX)
    # PROGRAM COUNTER
    evm.pc += 1


def sub(evm: Evm) -> None:
    """a - b mod 2^256 (a is the top of the stack)."""
    # STACK
    stack = evm.stack
    x = stack.pop()
    y = stack.pop()
    # GAS
    charge_gas(evm, GAS_VERY_LOW)
    # OPERATION
    stack.append((x - y) & U256_MAX)
    # PROGRAM COUNTER
    evm.pc += 1


def mul(evm: Evm) -> None:
    """a · b mod 2^256."""
    # STACK
    stack = evm.stack
    x = stack.pop()
    y = stack.pop()
    # GAS
    charge_gas(evm, GAS_LOW)
    # OPERATION
    stack.append((x * y) & U256_MAX)
    # PROGRAM COUNTER
    evm.pc += 1


def div(evm: Evm) -> None:
    """floor(a / b), and 0 when b = 0."""
    # STACK
    stack = evm.stack
    dividend = stack.pop()
    divisor = stack.pop()
    # GAS
    charge_gas(evm, GAS_LOW)
    # OPERATION
    stack.append(0 if divisor == 0 else dividend // divisor)
    # PROGRAM COUNTER
    evm.pc += 1


def sdiv(evm: Evm) -> None:
    """Signed division truncated toward zero; 0 when b = 0; -2^255 / -1 = -2^255."""
    # STACK
    stack = evm.stack
    dividend = to_signed(stack.pop())
    divisor = to_signed(stack.pop())
    # GAS
    charge_gas(evm, GAS_LOW)
    # OPERATION
    if divisor == 0:
        quotient = 0
    elif dividend == -SIGN_BIT and divisor == -1:
        quotient = -SIGN_BIT
    else:
        sign = -1 if (dividend < 0) != (divisor < 0) else 1
        quotient = sign * (abs(dividend) // abs(divisor))
    stack.append(quotient & U256_MAX)
    # PROGRAM COUNTER
    evm.pc += 1


def mod(evm: Evm) -> None:
    """a mod b, and 0 when b = 0."""
    # STACK
    stack = evm.stack
    x = stack.pop()
    y = stack.pop()
    # GAS
    charge_gas(evm, GAS_LOW)
    # OPERATION
    stack.append(0 if y == 0 else x % y)
    # PROGRAM COUNTER
    evm.pc += 1


def smod(evm: Evm) -> None:
    """Signed remainder with the sign of a; 0 when b = 0."""
    # STACK
    stack = evm.stack
    x = to_signed(stack.pop())
    y = to_signed(stack.pop())
    # GAS
    charge_gas(evm, GAS_LOW)
    # OPERATION
    if y == 0:
        remainder = 0
    else:
        remainder = abs(x) % abs(y)
        if x < 0:
            remainder = -remainder
    stack.append(remainder & U256_MAX)
    # PROGRAM COUNTER
    evm.pc += 1


def addmod(evm: Evm) -> None:
    """(a + b) mod n over the integers (no wrap at 2^256); 0 when n = 0."""
    # STACK
    stack = evm.stack
    x = stack.pop()
    y = stack.pop()
    z = stack.pop()
    # GAS
    charge_gas(evm, GAS_MID)
    # OPERATION
    stack.append(0 if z == 0 else (x + y) % z)
    # PROGRAM COUNTER
    evm.pc += 1


def mulmod(evm: Evm) -> None:
    """(a · b) mod n over the integers (no wrap at 2^256); 0 when n = 0."""
    # STACK
    stack = evm.stack
    x = stack.pop()
    y = stack.pop()
    z = stack.pop()
    # GAS
    charge_gas(evm, GAS_MID)
    # OPERATION
    stack.append(0 if z == 0 else (x * y) % z)
    # PROGRAM COUNTER
    evm.pc += 1


def exp(evm: Evm) -> None:
    """a^b mod 2^256; costs 10 + 50 per byte of the exponent."""
    # STACK
    stack = evm.stack
    base = stack.pop()
    exponent = stack.pop()
    # GAS
    exponent_bytes = (exponent.bit_length() + 7) >> 3
    charge_gas(evm, GAS_EXPONENTIATION + GAS_EXPONENTIATION_PER_BYTE * exponent_bytes)
    # OPERATION
    stack.append(pow(base, exponent, U256_CEIL))
    # PROGRAM COUNTER
    evm.pc += 1


def signextend(evm: Evm) -> None:
    """Extend the sign bit of byte ``b`` (0 = least significant) of x to 256 bits."""
    # STACK
    stack = evm.stack
    byte_num = stack.pop()
    value = stack.pop()
    # GAS
    charge_gas(evm, GAS_LOW)
    # OPERATION
    if byte_num > 30:
        # the sign bit is already bit 255: nothing to extend
        result = value
    else:
        bits = 8 * (byte_num + 1)
        low = value & ((1 << bits) - 1)
        if low >> (bits - 1):
            result = low | (U256_MAX ^ ((1 << bits) - 1))
        else:
            result = low
    stack.append(result)
    # PROGRAM COUNTER
    evm.pc += 1
