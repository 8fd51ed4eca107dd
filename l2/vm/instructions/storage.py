"""
Storage instructions
====================

SLOAD and SSTORE on persistent storage, TLOAD and TSTORE on transient
storage (EIP-1153, cleared after each transaction).

SSTORE follows EIP-2200 with the EIP-2929 access prices and the EIP-3529
refunds. With ``original`` the slot's value at the start of the transaction,
``current`` its value now and ``new`` the value written:

* cost: +2100 if the slot is cold; then 20000 if original = current ≠ new and
  original = 0, 2900 if original = current ≠ new and original ≠ 0, else 100;
* refund: +4800 when a non-zero original is cleared now, −4800 when that
  clearing is undone, and when ``new`` restores ``original`` the difference
  between what the first write paid and a warm access is given back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..exceptions import OutOfGasError, WriteInStaticContext
from ..gas import (
    GAS_CALL_STIPEND,
    GAS_COLD_SLOAD,
    GAS_STORAGE_CLEAR_REFUND,
    GAS_STORAGE_SET,
    GAS_STORAGE_UPDATE,
    GAS_WARM_ACCESS,
    charge_gas,
)

if TYPE_CHECKING:
    from ..interpreter import Evm


def sload(evm: Evm) -> None:
    """Push the value of a storage slot (warm 100 / cold 2100)."""
    # STACK
    stack = evm.stack
    key = stack.pop()
    # GAS
    state = evm.env.state
    target = evm.message.current_target
    charge_gas(evm, GAS_WARM_ACCESS if state.warm_slot(target, key) else GAS_COLD_SLOAD)
    # OPERATION
    stack.append(state.get_storage(target, key))
    # PROGRAM COUNTER
    evm.pc += 1


def sstore(evm: Evm) -> None:
    """Write a storage slot (EIP-2200/2929/3529 pricing, see the module docstring)."""
    # STACK
    stack = evm.stack
    key = stack.pop()
    new_value = stack.pop()
    # GAS
    # EIP-2200: SSTORE needs more than the call stipend left, so a callee
    # given only the stipend can never write storage
    if evm.gas_left <= GAS_CALL_STIPEND:
        raise OutOfGasError
    state = evm.env.state
    target = evm.message.current_target
    original_value = state.get_original_storage(target, key)
    current_value = state.get_storage(target, key)
    gas_cost = 0 if state.warm_slot(target, key) else GAS_COLD_SLOAD
    if original_value == current_value and current_value != new_value:
        if original_value == 0:
            gas_cost += GAS_STORAGE_SET
        else:
            gas_cost += GAS_STORAGE_UPDATE - GAS_COLD_SLOAD
    else:
        gas_cost += GAS_WARM_ACCESS
    if current_value != new_value:
        if original_value != 0 and current_value != 0 and new_value == 0:
            evm.refund_counter += GAS_STORAGE_CLEAR_REFUND
        if original_value != 0 and current_value == 0:
            evm.refund_counter -= GAS_STORAGE_CLEAR_REFUND
        if original_value == new_value:
            if original_value == 0:
                evm.refund_counter += GAS_STORAGE_SET - GAS_WARM_ACCESS
            else:
                evm.refund_counter += GAS_STORAGE_UPDATE - GAS_COLD_SLOAD - GAS_WARM_ACCESS
    charge_gas(evm, gas_cost)
    if evm.message.is_static:
        raise WriteInStaticContext
    # OPERATION
    state.set_storage(target, key, new_value)
    # PROGRAM COUNTER
    evm.pc += 1


def tload(evm: Evm) -> None:
    """Push a transient storage slot (100 gas)."""
    # STACK
    stack = evm.stack
    key = stack.pop()
    # GAS
    charge_gas(evm, GAS_WARM_ACCESS)
    # OPERATION
    stack.append(evm.env.state.get_transient(evm.message.current_target, key))
    # PROGRAM COUNTER
    evm.pc += 1


def tstore(evm: Evm) -> None:
    """Write a transient storage slot (100 gas, forbidden in static context)."""
    # STACK
    stack = evm.stack
    key = stack.pop()
    new_value = stack.pop()
    # GAS
    charge_gas(evm, GAS_WARM_ACCESS)
    if evm.message.is_static:
        raise WriteInStaticContext
    # OPERATION
    evm.env.state.set_transient(evm.message.current_target, key, new_value)
    # PROGRAM COUNTER
    evm.pc += 1
