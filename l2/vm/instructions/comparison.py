"""
Comparison instructions
=======================

LT, GT, SLT, SGT, EQ and ISZERO push 1 when the relation holds, else 0.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..gas import GAS_VERY_LOW, charge_gas
from ..words import to_signed

if TYPE_CHECKING:
    from ..interpreter import Evm


def less_than(evm: Evm) -> None:
    """a < b, unsigned."""
    # STACK
    stack = evm.stack
    left = stack.pop()
    right = stack.pop()
    # GAS
    charge_gas(evm, GAS_VERY_LOW)
    # OPERATION
    stack.append(1 if left < right else 0)
    # PROGRAM COUNTER
    evm.pc += 1


def greater_than(evm: Evm) -> None:
    """a > b, unsigned."""
    # STACK
    stack = evm.stack
    left = stack.pop()
    right = stack.pop()
    # GAS
    charge_gas(evm, GAS_VERY_LOW)
    # OPERATION
    stack.append(1 if left > right else 0)
    # PROGRAM COUNTER
    evm.pc += 1


def signed_less_than(evm: Evm) -> None:
    """a < b, two's complement."""
    # STACK
    stack = evm.stack
    left = to_signed(stack.pop())
    right = to_signed(stack.pop())
    # GAS
    charge_gas(evm, GAS_VERY_LOW)
    # OPERATION
    stack.append(1 if left < right else 0)
    # PROGRAM COUNTER
    evm.pc += 1


def signed_greater_than(evm: Evm) -> None:
    """a > b, two's complement."""
    # STACK
    stack = evm.stack
    left = to_signed(stack.pop())
    right = to_signed(stack.pop())
    # GAS
    charge_gas(evm, GAS_VERY_LOW)
    # OPERATION
    stack.append(1 if left > right else 0)
    # PROGRAM COUNTER
    evm.pc += 1


def equal(evm: Evm) -> None:
    """a == b."""
    # STACK
    stack = evm.stack
    left = stack.pop()
    right = stack.pop()
    # GAS
    charge_gas(evm, GAS_VERY_LOW)
    # OPERATION
    stack.append(1 if left == right else 0)
    # PROGRAM COUNTER
    evm.pc += 1


def is_zero(evm: Evm) -> None:
    """a == 0."""
    # STACK
    stack = evm.stack
    x = stack.pop()
    # GAS
    charge_gas(evm, GAS_VERY_LOW)
    # OPERATION
    stack.append(1 if x == 0 else 0)
    # PROGRAM COUNTER
    evm.pc += 1
