"""
Execution trace
===============

A :class:`TraceRecorder` is the interpreter's tracer: the interpreter loop
calls it before and after each step and when a frame starts and ends. It
records an :class:`ExecutionTrace`, the witness a circuit needs to check the
execution:

* one :class:`Step` per executed instruction, with exactly the words it
  popped (top of stack first) and pushed (in push order), following the
  (δ, α) stack effects of :data:`l2.vm.opcodes.STACK_IO` — DUPn pops n words
  and pushes n + 1, SWAPn pops and pushes n + 1;
* every byte of memory read or written, as :class:`MemoryOp` with a global
  counter as time (a memory-checking argument sorts them by frame, address
  and counter);
* every storage and transient-storage read and write, as :class:`StorageOp`
  with the value before and after and whether the slot was warm;
* for BALANCE, EXTCODESIZE and EXTCODEHASH, the account read: its balance,
  code size and code hash (0 for an empty account, as EXTCODEHASH pushes);
* one :class:`CallContext` per frame;
* the state the transaction read or wrote, as :class:`StateAccess` (value at
  the start of the transaction and at the end), for the state-tree update.

Recording is cheap on purpose: a step is a list filled in place, memory is
captured as (address, bytes) chunks only for the instructions that touch
memory, and byte-level :class:`MemoryOp` s are expanded only on request.

Memory regions per instruction (offsets from the popped words):

=================  ==========================================================
MLOAD              read 32 bytes at offset
MSTORE / MSTORE8   write 32 / 1 bytes at offset
KECCAK256, LOGn    read ``size`` bytes at offset
RETURN, REVERT     read ``size`` bytes at offset
CALLDATACOPY,      write ``size`` bytes at the destination offset
CODECOPY,
RETURNDATACOPY
MCOPY              read ``length`` bytes at source, then write them at the
                   destination
CALL, STATICCALL   read the input region when a callee frame ran, then write
                   min(output size, returned bytes) at the output offset
CREATE             read the initcode region
=================  ==========================================================

A step that halts exceptionally records its pops, no pushes, no memory or
storage operations, and a gas cost equal to all the gas it had. The gas
cost of CALL, STATICCALL and CREATE steps is net: what the caller paid
minus the gas the callee gave back.
"""

from __future__ import annotations

import gc
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterator, NamedTuple

from .exceptions import Revert
from .frame import Environment, Evm, Message, MessageResult
from .opcodes import STACK_IO, Op, op_name
from .words import to_address

if TYPE_CHECKING:
    from ..state.world import WorldState

__all__ = [
    "MemoryAccess",
    "MemoryOp",
    "StorageOp",
    "StateAccess",
    "CallContext",
    "Step",
    "ExecutionTrace",
    "TraceRecorder",
    "steps",
]


class MemoryAccess(NamedTuple):
    """A contiguous memory region read or written by one step."""

    address: int
    data: bytes
    is_write: bool


class MemoryOp(NamedTuple):
    """One byte of memory read or written.

    ``counter`` is a global time stamp: it increases with the step index and,
    within a step, in access order (a CALL's input read comes before its
    output write). ``call_index`` names the frame whose memory it is.
    """

    step: int
    address: int
    value_byte: int
    is_write: bool
    counter: int
    call_index: int


class StorageOp(NamedTuple):
    """A storage (or transient storage) read or write by SLOAD/SSTORE/TLOAD/TSTORE.

    ``warm_before`` is the EIP-2929 status of the slot before the step;
    transient slots are always priced warm and record True.
    """

    step: int
    address: bytes
    slot: int
    value_before: int
    value_after: int
    is_write: bool
    is_transient: bool
    warm_before: bool


class StateAccess(NamedTuple):
    """A state field the transaction touched: value at its start and at its end.

    ``kind`` is ``nonce``, ``balance``, ``code`` (values are code hashes as
    integers) or ``storage`` (with ``slot``).
    """

    kind: str
    address: bytes
    slot: int | None
    old: int
    new: int


@dataclass
class CallContext:
    """One frame: who called what with which value, data, code and gas.

    The result fields are filled when the frame ends: ``status`` is
    ``success``, ``revert`` or ``error``; ``gas_left`` is what the frame
    hands back to its caller.
    """

    call_index: int
    depth: int
    caller: bytes
    address: bytes
    value: int
    calldata: bytes
    code: bytes
    gas: int
    is_static: bool
    is_create: bool
    status: str = "running"
    gas_left: int = 0
    output: bytes = b""
    error: str | None = None


class Step(NamedTuple):
    """One executed instruction.

    ``pops`` are the words popped, top of stack first; ``pushes`` the words
    pushed, in the order pushed (the last one is the new top of stack).
    ``stack_pointer_before`` is the stack depth before the step.
    ``memory_accesses`` holds the memory regions touched, in order;
    :attr:`memory_ops` expands them to bytes. ``error`` names the exception
    of a step that failed. ``account`` is (balance, code size, code hash) of
    the address a BALANCE, EXTCODESIZE or EXTCODEHASH read (None elsewhere).
    """

    index: int
    depth: int
    call_index: int
    pc: int
    opcode: int
    gas_before: int
    gas_cost: int
    stack_pointer_before: int
    pops: tuple[int, ...]
    pushes: tuple[int, ...]
    memory_size_before: int
    memory_size_after: int
    memory_accesses: tuple[MemoryAccess, ...]
    storage_ops: tuple[StorageOp, ...]
    error: str | None
    memory_counter: int
    account: tuple[int, int, int] | None = None

    @property
    def name(self) -> str:
        return op_name(self.opcode)

    @property
    def memory_ops(self) -> tuple[MemoryOp, ...]:
        """The byte-level memory operations of this step, with their counters."""
        out = []
        counter = self.memory_counter
        index = self.index
        frame = self.call_index
        for address, data, is_write in self.memory_accesses:
            for offset, byte in enumerate(data):
                out.append(MemoryOp(index, address + offset, byte, is_write, counter, frame))
                counter += 1
        return tuple(out)


# record layout while a step is being filled in (a list, turned into a Step later)
_INDEX, _DEPTH, _CALL, _PC, _OPCODE, _GAS_BEFORE, _GAS_COST, _SP = range(8)
_POPS, _PUSHES, _MEM_BEFORE, _MEM_AFTER, _MEM_ACCESS, _STORAGE, _ERROR, _MEM_COUNTER = range(8, 16)
_ACCOUNT = 16

_POP_COUNT = [0] * 256
_PUSH_COUNT = [0] * 256
for _op, (_d, _a) in STACK_IO.items():
    _POP_COUNT[_op] = _d
    _PUSH_COUNT[_op] = _a
del _op, _d, _a


# Memory regions per opcode, as functions of the popped words: (start, size).
# Everything is captured after the step ran: a read region holds the same
# bytes after the step as before (expansion only adds zeros, which read as
# zero before), except where the step also writes. For MCOPY the bytes read
# are the bytes written; for CALL/STATICCALL they are the callee's calldata.
_MEMORY_READS = {
    Op.MLOAD: lambda p: ((p[0], 32),),
    Op.KECCAK256: lambda p: ((p[0], p[1]),),
    Op.RETURN: lambda p: ((p[0], p[1]),),
    Op.REVERT: lambda p: ((p[0], p[1]),),
    Op.CREATE: lambda p: ((p[1], p[2]),),
    **{Op(Op.LOG0 + n): (lambda p: ((p[0], p[1]),)) for n in range(5)},
}
_MEMORY_WRITES = {
    Op.MSTORE: lambda p, rd: ((p[0], 32),),
    Op.MSTORE8: lambda p, rd: ((p[0], 1),),
    Op.CALLDATACOPY: lambda p, rd: ((p[0], p[2]),),
    Op.CODECOPY: lambda p, rd: ((p[0], p[2]),),
    Op.RETURNDATACOPY: lambda p, rd: ((p[0], p[2]),),
    Op.MCOPY: lambda p, rd: ((p[0], p[2]),),
    Op.CALL: lambda p, rd: ((p[5], min(p[6], len(rd))),),
    Op.STATICCALL: lambda p, rd: ((p[4], min(p[5], len(rd))),),
}
# position of the input offset among the popped words
_CALL_INPUT = {Op.CALL: 3, Op.STATICCALL: 2}
_STORAGE_OPCODES = frozenset((Op.SLOAD, Op.SSTORE, Op.TLOAD, Op.TSTORE))
_BEFORE = _STORAGE_OPCODES | frozenset(_CALL_INPUT)
_ACCOUNT_READS = frozenset((Op.BALANCE, Op.EXTCODESIZE, Op.EXTCODEHASH))
_AFTER = frozenset(_MEMORY_READS) | frozenset(_MEMORY_WRITES) | _STORAGE_OPCODES | _ACCOUNT_READS


class TraceRecorder:
    """The interpreter hook that builds an :class:`ExecutionTrace`.

    Pass it as ``tracer`` to :func:`l2.vm.interpreter.process_message_call`;
    afterwards :attr:`trace` holds the result. One recorder records one
    message call.
    """

    def __init__(self) -> None:
        self._records: list[list[Any]] = []
        self._calls: list[CallContext] = []
        # steps awaiting their end, by index: the number of frames before a
        # CALL/STATICCALL, or (address, slot, value, warm) before a storage opcode
        self._pending: dict[int, Any] = {}
        self.trace: ExecutionTrace | None = None

    # hooks ---------------------------------------------------------------

    def begin(self, message: Message, env: Environment) -> None:
        """Called once before the top-level frame (nothing to set up)."""

    def enter_frame(self, evm: Evm) -> None:
        message = evm.message
        evm.call_index = len(self._calls)
        self._calls.append(
            CallContext(
                len(self._calls),
                message.depth,
                message.caller,
                message.current_target,
                message.value,
                bytes(message.data),
                message.code,
                message.gas,
                message.is_static,
                message.is_create,
            )
        )

    def exit_frame(self, evm: Evm) -> None:
        context = self._calls[evm.call_index]
        if evm.error is None:
            context.status = "success"
        else:
            context.status = "revert" if isinstance(evm.error, Revert) else "error"
            context.error = type(evm.error).__name__
        context.gas_left = evm.gas_left
        context.output = evm.output

    def step_start(self, evm: Evm, op: int) -> list[Any]:
        stack = evm.stack
        sp = len(stack)
        pop_count = _POP_COUNT[op]
        pops = tuple(stack[-1 : -pop_count - 1 : -1]) if pop_count else ()
        records = self._records
        record = [
            len(records),
            evm.message.depth,
            evm.call_index,
            evm.pc,
            op,
            evm.gas_left,
            0,
            sp,
            pops,
            (),
            len(evm.memory),
            0,
            (),
            (),
            None,
            0,
            None,
        ]
        records.append(record)
        if op in _BEFORE and len(pops) == pop_count:
            self._capture_before(evm, op, record, pops)
        return record

    def step_end(self, evm: Evm, record: list[Any]) -> None:
        op = record[_OPCODE]
        push_count = _PUSH_COUNT[op]
        if push_count:
            record[_PUSHES] = tuple(evm.stack[-push_count:])
        record[_GAS_COST] = record[_GAS_BEFORE] - evm.gas_left
        record[_MEM_AFTER] = len(evm.memory)
        if op in _AFTER:
            self._capture_after(evm, op, record)

    def step_fail(self, evm: Evm, record: list[Any], error: Exception) -> None:
        record[_GAS_COST] = record[_GAS_BEFORE]
        record[_MEM_AFTER] = len(evm.memory)
        record[_ERROR] = type(error).__name__
        self._pending.pop(record[_INDEX], None)

    def finish(self, result: MessageResult, state: WorldState) -> None:
        accesses = [StateAccess(a.kind, a.address, a.slot, a.old, a.new) for a in state.transaction_accesses()]
        self.trace = ExecutionTrace(self._records, self._calls, accesses, result)

    # memory and storage capture -----------------------------------------

    def _capture_before(self, evm: Evm, op: int, record: list[Any], pops: tuple[int, ...]) -> None:
        if op in _CALL_INPUT:
            self._pending[record[_INDEX]] = len(self._calls)
            return
        state = evm.env.state
        target = evm.message.current_target
        slot = pops[0]
        if op == Op.SLOAD or op == Op.SSTORE:
            before = (target, slot, state.peek_storage(target, slot), state.is_warm_slot(target, slot))
        else:
            before = (target, slot, state.get_transient(target, slot), True)
        self._pending[record[_INDEX]] = before

    def _capture_after(self, evm: Evm, op: int, record: list[Any]) -> None:
        index = record[_INDEX]
        pops = record[_POPS]
        memory = evm.memory
        accesses = []
        reader = _MEMORY_READS.get(op)
        if reader is not None:
            for start, size in reader(pops):
                if size:
                    accesses.append(MemoryAccess(start, bytes(memory[start : start + size]), False))
        elif op in _CALL_INPUT:
            calls_before = self._pending.pop(index)
            # a callee frame ran iff one was entered during this step; its
            # calldata is exactly the input region read from this memory
            if len(self._calls) > calls_before and pops[_CALL_INPUT[op] + 1]:
                calldata = self._calls[calls_before].calldata
                accesses.append(MemoryAccess(pops[_CALL_INPUT[op]], calldata, False))
        writer = _MEMORY_WRITES.get(op)
        if writer is not None:
            for start, size in writer(pops, evm.return_data):
                if size:
                    data = bytes(memory[start : start + size])
                    if op == Op.MCOPY:
                        accesses.append(MemoryAccess(pops[1], data, False))
                    accesses.append(MemoryAccess(start, data, True))
        if accesses:
            record[_MEM_ACCESS] = tuple(accesses)
        if op in _ACCOUNT_READS:
            record[_ACCOUNT] = _account_fields(evm.env.state, to_address(pops[0]))
        if op in _STORAGE_OPCODES:
            target, slot, before, warm = self._pending.pop(index)
            state = evm.env.state
            if op == Op.SLOAD:
                storage_op = StorageOp(index, target, slot, before, before, False, False, warm)
            elif op == Op.SSTORE:
                after = state.peek_storage(target, slot)
                storage_op = StorageOp(index, target, slot, before, after, True, False, warm)
            elif op == Op.TLOAD:
                storage_op = StorageOp(index, target, slot, before, before, False, True, True)
            else:
                after = state.get_transient(target, slot)
                storage_op = StorageOp(index, target, slot, before, after, True, True, True)
            record[_STORAGE] = (storage_op,)


def _account_fields(state: WorldState, address: bytes) -> tuple[int, int, int]:
    """(balance, code size, code hash) of ``address`` as BALANCE, EXTCODESIZE and EXTCODEHASH read it."""
    account = state.get_account(address)
    code = state.get_code(address)
    empty = account is None or account.is_empty()
    return state.get_balance(address), len(code), 0 if empty else int.from_bytes(state.get_code_hash(address), "big")


@dataclass
class ExecutionTrace:
    """Everything recorded for one message call (see the module docstring)."""

    _records: list[list[Any]] = field(repr=False)
    calls: list[CallContext]
    state_accesses: list[StateAccess]
    result: MessageResult
    _steps: list[Step] | None = field(default=None, repr=False)

    @property
    def steps(self) -> list[Step]:
        """The steps in execution order (built on first use)."""
        if self._steps is None:
            gc_was_enabled = gc.isenabled()
            gc.disable()  # millions of acyclic tuples: no cycles to find
            try:
                counter = 0
                built = []
                make = Step._make
                for record in self._records:
                    record[_MEM_COUNTER] = counter
                    for access in record[_MEM_ACCESS]:
                        counter += len(access.data)
                    built.append(make(record))
                self._steps = built
            finally:
                if gc_was_enabled:
                    gc.enable()
        return self._steps

    def __len__(self) -> int:
        return len(self._records)

    def memory_ops(self) -> Iterator[MemoryOp]:
        """Every byte of memory read or written, in counter order."""
        for step in self.steps:
            if step.memory_accesses:
                yield from step.memory_ops

    def storage_ops(self) -> list[StorageOp]:
        """Every storage and transient-storage operation, in order."""
        return [op for step in self.steps for op in step.storage_ops]

    def opcode_counts(self) -> dict[str, int]:
        counts = Counter(record[_OPCODE] for record in self._records)
        return {op_name(op): n for op, n in sorted(counts.items())}

    def summary(self) -> dict[str, Any]:
        """Step count, per-opcode counts and sizes of the other tables."""
        memory_bytes = sum(len(a.data) for r in self._records for a in r[_MEM_ACCESS])
        return {
            "steps": len(self._records),
            "calls": len(self.calls),
            "opcodes": self.opcode_counts(),
            "memory_ops": memory_bytes,
            "storage_ops": sum(len(r[_STORAGE]) for r in self._records),
            "state_accesses": len(self.state_accesses),
            "status": self.result.status,
        }

    def distinct_opcodes(self) -> dict[str, list[tuple[int, int]]]:
        """Each opcode executed, with the (call_index, pc) places it ran at, first seen first."""
        seen: dict[str, dict[tuple[int, int], None]] = {}
        for record in self._records:
            places = seen.setdefault(op_name(record[_OPCODE]), {})
            places.setdefault((record[_CALL], record[_PC]), None)
        return {name: list(places) for name, places in seen.items()}


def steps(trace: ExecutionTrace) -> list[tuple[str, int, tuple[int, ...]]]:
    """The distinct opcodes a trace executed: (mnemonic, opcode byte, sorted pcs).

    Sorted by opcode byte; used to check a program against the opcodes a
    circuit proves (and to name the first pc of one it does not).
    """
    found: dict[int, set[int]] = {}
    for record in trace._records:
        found.setdefault(record[_OPCODE], set()).add(record[_PC])
    return [(op_name(op), op, tuple(sorted(pcs))) for op, pcs in sorted(found.items())]
