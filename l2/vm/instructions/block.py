"""
Block instructions
==================

CHAINID, NUMBER, TIMESTAMP and BASEFEE read the block environment. Each
costs 2 gas.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..gas import GAS_BASE, charge_gas

if TYPE_CHECKING:
    from ..interpreter import Evm


def chain_id(evm: Evm) -> None:
    """The chain id (EIP-155 replay protection domain)."""
    # STACK
    pass
    # GAS
    charge_gas(evm, GAS_BASE)
    # OPERATION
    evm.stack.append(evm.env.block_env.chain_id)
    # PROGRAM COUNTER
    evm.pc += 1


def number(evm: Evm) -> None:
    """The number of the block being built."""
    # STACK
    pass
    # GAS
    charge_gas(evm, GAS_BASE)
    # OPERATION
    evm.stack.append(evm.env.block_env.number)
    # PROGRAM COUNTER
    evm.pc += 1


def timestamp(evm: Evm) -> None:
    """The block's timestamp in seconds."""
    # STACK
    pass
    # GAS
    charge_gas(evm, GAS_BASE)
    # OPERATION
    evm.stack.append(evm.env.block_env.timestamp)
    # PROGRAM COUNTER
    evm.pc += 1


def base_fee(evm: Evm) -> None:
    """The block's EIP-1559 base fee per gas."""
    # STACK
    pass
    # GAS
    charge_gas(evm, GAS_BASE)
    # OPERATION
    evm.stack.append(evm.env.block_env.base_fee)
    # PROGRAM COUNTER
    evm.pc += 1
