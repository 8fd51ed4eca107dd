"""
The EVM-subset virtual machine
==============================

Cancun semantics and gas for the opcodes listed in :mod:`l2.vm.opcodes`,
256-bit words, nested calls and contract creation, with an optional
execution-trace recorder (:mod:`l2.vm.trace`) for the prover.

Typical use::

    state = WorldState({...})
    begin_transaction(state, origin=sender, target=contract)
    result = process_message_call(message, state, BlockEnv(), TxEnv(origin=sender))
"""

from __future__ import annotations

from .addresses import PRECOMPILE_ADDRESSES, compute_contract_address
from .frame import BlockEnv, Environment, Evm, Log, Message, MessageResult, TxEnv
from .interpreter import (
    begin_transaction,
    execute_code,
    process_create_message,
    process_message,
    process_message_call,
)
from .opcodes import OPCODES, STACK_IO, Op, op_name
from .trace import ExecutionTrace, TraceRecorder

__all__ = [
    "BlockEnv",
    "TxEnv",
    "Message",
    "MessageResult",
    "Log",
    "Evm",
    "Environment",
    "Op",
    "OPCODES",
    "STACK_IO",
    "op_name",
    "PRECOMPILE_ADDRESSES",
    "compute_contract_address",
    "begin_transaction",
    "process_message_call",
    "process_message",
    "process_create_message",
    "execute_code",
    "ExecutionTrace",
    "TraceRecorder",
]
