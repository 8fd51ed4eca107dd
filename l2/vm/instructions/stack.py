"""
Stack instructions
==================

POP, PUSH0..PUSH32, DUP1..DUP16 and SWAP1..SWAP16. PUSH immediates were
decoded once by :func:`l2.vm.analysis.analyze`; the functions for each width
are made by small factories so every opcode still has its own named function.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from ..gas import GAS_BASE, GAS_VERY_LOW, charge_gas

if TYPE_CHECKING:
    from ..interpreter import Evm


def pop(evm: Evm) -> None:
    """Discard the top word."""
    # STACK
    evm.stack.pop()
    # GAS
    charge_gas(evm, GAS_BASE)
    # OPERATION
    pass
    # PROGRAM COUNTER
    evm.pc += 1


def push0(evm: Evm) -> None:
    """Push 0 (EIP-3855, 2 gas)."""
    # STACK
    pass
    # GAS
    charge_gas(evm, GAS_BASE)
    # OPERATION
    evm.stack.append(0)
    # PROGRAM COUNTER
    evm.pc += 1


def make_push(num_bytes: int) -> Callable[[Evm], None]:
    """PUSH<num_bytes>: push the next ``num_bytes`` code bytes as a word."""

    def push_n(evm: Evm) -> None:
        # STACK
        pass
        # GAS
        charge_gas(evm, GAS_VERY_LOW)
        # OPERATION
        evm.stack.append(evm.push_values[evm.pc])
        # PROGRAM COUNTER
        evm.pc += 1 + num_bytes

    push_n.__name__ = push_n.__qualname__ = f"push{num_bytes}"
    push_n.__doc__ = f"Push the {num_bytes}-byte immediate that follows the opcode."
    return push_n


def make_dup(depth: int) -> Callable[[Evm], None]:
    """DUP<depth>: push a copy of the ``depth``-th word from the top."""

    def dup_n(evm: Evm) -> None:
        # STACK
        stack = evm.stack
        # GAS
        charge_gas(evm, GAS_VERY_LOW)
        # OPERATION
        stack.append(stack[-depth])
        # PROGRAM COUNTER
        evm.pc += 1

    dup_n.__name__ = dup_n.__qualname__ = f"dup{depth}"
    dup_n.__doc__ = f"Push a copy of stack item {depth} (1 = top)."
    return dup_n


def make_swap(depth: int) -> Callable[[Evm], None]:
    """SWAP<depth>: exchange the top word with the one ``depth`` below it."""
    other = -1 - depth

    def swap_n(evm: Evm) -> None:
        # STACK
        stack = evm.stack
        # GAS
        charge_gas(evm, GAS_VERY_LOW)
        # OPERATION
        stack[-1], stack[other] = stack[other], stack[-1]
        # PROGRAM COUNTER
        evm.pc += 1

    swap_n.__name__ = swap_n.__qualname__ = f"swap{depth}"
    swap_n.__doc__ = f"Exchange the top of the stack with item {depth + 1}."
    return swap_n


PUSH = {n: make_push(n) for n in range(1, 33)}
DUP = {n: make_dup(n) for n in range(1, 17)}
SWAP = {n: make_swap(n) for n in range(1, 17)}
