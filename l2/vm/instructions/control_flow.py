"""
Control-flow instructions
=========================

STOP, JUMP, JUMPI, PC, GAS and JUMPDEST. A jump must land on a JUMPDEST
instruction (not on a 0x5B byte inside PUSH data); anything else is an
exceptional halt.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..exceptions import InvalidJumpDestError
from ..gas import GAS_BASE, GAS_HIGH, GAS_JUMPDEST, GAS_MID, charge_gas

if TYPE_CHECKING:
    from ..interpreter import Evm


def stop(evm: Evm) -> None:
    """Halt successfully with empty output."""
    # STACK
    pass
    # GAS
    pass
    # OPERATION
    evm.running = False
    # PROGRAM COUNTER
    evm.pc += 1


def jump(evm: Evm) -> None:
    """Continue at a JUMPDEST."""
    # STACK
    jump_dest = evm.stack.pop()
    # GAS
    charge_gas(evm, GAS_MID)
    # OPERATION
    if jump_dest not in evm.valid_jump_destinations:
        raise InvalidJumpDestError
    # PROGRAM COUNTER
    evm.pc = jump_dest


def jumpi(evm: Evm) -> None:
    """Continue at a JUMPDEST when the condition is non-zero, else fall through."""
    # STACK
    stack = evm.stack
    jump_dest = stack.pop()
    condition = stack.pop()
    # GAS
    charge_gas(evm, GAS_HIGH)
    # OPERATION
    if condition == 0:
        destination = evm.pc + 1
    elif jump_dest not in evm.valid_jump_destinations:
        raise InvalidJumpDestError
    else:
        destination = jump_dest
    # PROGRAM COUNTER
    evm.pc = destination


def pc(evm: Evm) -> None:
    """Push the address of this instruction."""
    # STACK
    pass
    # GAS
    charge_gas(evm, GAS_BASE)
    # OPERATION
    evm.stack.append(evm.pc)
    # PROGRAM COUNTER
    evm.pc += 1


def gas_left(evm: Evm) -> None:
    """Push the gas left after paying for this instruction."""
    # STACK
    pass
    # GAS
    charge_gas(evm, GAS_BASE)
    # OPERATION
    evm.stack.append(evm.gas_left)
    # PROGRAM COUNTER
    evm.pc += 1


def jumpdest(evm: Evm) -> None:
    """Mark a valid jump target; does nothing else."""
    # STACK
    pass
    # GAS
    charge_gas(evm, GAS_JUMPDEST)
    # OPERATION
    pass
    # PROGRAM COUNTER
    evm.pc += 1
