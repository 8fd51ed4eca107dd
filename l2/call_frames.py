"""
Call frames: splitting a run into frames, and putting proven frames back together
=================================================================================

Every frame of a transaction (the transaction's own, and one per CALL or STATICCALL that ran code)
is proven by an execution table of its own, whose public statement is a
:class:`circuits.vm.air.VmStatement`.  A caller's statement lists its completed calls as
:class:`circuits.vm.call_record.CallRecord` s: what the step popped and read, and the outcome it
was handed (``success``, ``output``, ``cost``).  Nothing inside one table proves that outcome; this
module does, from the statements alone.

Prover side: :func:`split_frames` cuts an :class:`~l2.vm.trace.ExecutionTrace` into
:class:`FrameRun` s, one per frame that ran code, in call order (the VM's DFS pre-order), and
:func:`call_record` / :func:`call_records` build the records of their calls.

Verifier side: :func:`compose` walks the statements in that order, replaying every record:

* callee = the record's address; a frame is static when its caller is or the call is a STATICCALL;
* access = 100 if the callee is warm else 2600 (EIP-2929), then it is warm; the warm set is the
  transaction's (origin, target, coinbase, precompiles 1..10) plus every callee so far, less what
  frames that reverted or failed warmed;
* extra = access + 9000·[value ≠ 0] + 25000·[value ≠ 0 and callee not alive];
* L = gas_before − expansion − extra, forwarded = min(gas word, L − ⌊L/64⌋) (EIP-150),
  given = forwarded + 2300·[value ≠ 0];
* caller's balance < value: success 0, output empty, the callee gets nothing and returns ``given``;
  callee without code: success 1, output empty, returns ``given``, the value moves;
  otherwise the next statement is the callee's: code, caller, address, value, calldata, gas limit
  and transaction/block values are checked, success = [status = success], output = its output,
  returned = gas_limit − gas_used;
* the record must state exactly that success and output, and cost = extra + forwarded − returned;
* RETURNDATASIZE after a record (before the next) sees len(record.output); before any, 0;
* storage: a frame reads the current view (transaction-start values changed by frames that
  succeeded and whose ancestors have not reverted); its writes enter the view when it succeeds and
  leave it when an ancestor reverts (a journal per frame, which also holds balances and warmth);
* refunds: a frame's own counter plus its successful children's; logs: a successful child's logs
  sit among its caller's at the call's key.

Refused (the prover refuses these runs; :func:`compose` rejects them): CREATE; a static frame
sending value or executing SSTORE, TSTORE or LOG0–4; a call that runs out of gas before the callee
or would pass depth 1024; reentrancy (a callee already on the frame stack); one address's storage
or transient storage touched by two frames; account reads (BALANCE, EXTCODESIZE, EXTCODEHASH,
SELFBALANCE) in a transaction with calls; RETURNDATACOPY in a frame that makes a call; a call
whose output region grows memory past what its table's units touch.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol, Sequence

from circuits.vm.air import VmStatement
from circuits.vm.call_record import CALL, STATICCALL, CallRecord, memory_words
from circuits.vm.opcodes import SUCCESS
from l2.vm.addresses import PRECOMPILE_ADDRESSES
from l2.vm.gas import (
    GAS_CALL_STIPEND,
    GAS_CALL_VALUE,
    GAS_COLD_ACCOUNT_ACCESS,
    GAS_NEW_ACCOUNT,
    GAS_WARM_ACCESS,
    STACK_DEPTH_LIMIT,
)
from l2.vm.opcodes import Op
from l2.vm.trace import CallContext, ExecutionTrace, Step

if TYPE_CHECKING:
    from l2.state.world import WorldState

__all__ = [
    "FrameRun",
    "split_frames",
    "call_record",
    "call_records",
    "WorldView",
    "StateView",
    "transaction_warm_set",
    "Composition",
    "CompositionError",
    "compose",
    "access_gas",
    "extra_gas",
    "forwarded_gas",
    "callee_gas",
    "call_cost",
]

CALL_OPCODES = (CALL, STATICCALL)
STATIC_FORBIDDEN = frozenset((Op.SSTORE, Op.TSTORE, *(Op.LOG0 + n for n in range(5))))
"""What a static frame may not execute (EIP-214; the VM fails there, which is not proven yet)."""
ACCOUNT_READS = frozenset((Op.BALANCE, Op.EXTCODESIZE, Op.EXTCODEHASH, Op.SELFBALANCE))


# ----------------------------------------------------------------------------------- gas rules


def access_gas(warm: bool) -> int:
    """EIP-2929: 100 for a warm address, 2600 for a cold one."""
    return GAS_WARM_ACCESS if warm else GAS_COLD_ACCOUNT_ACCESS


def extra_gas(access: int, value: int, alive: bool) -> int:
    """extra = access + 9000·[value ≠ 0] + 25000·[value ≠ 0 ∧ callee not alive (EIP-161)]."""
    if value == 0:
        return access
    return access + GAS_CALL_VALUE + (0 if alive else GAS_NEW_ACCOUNT)


def forwarded_gas(gas_word: int, gas_before: int, expansion: int, extra: int) -> int:
    """EIP-150: forwarded = min(gas word, L − ⌊L/64⌋), L = gas_before − expansion − extra (≥ 0)."""
    left = gas_before - expansion - extra
    return min(gas_word, left - left // 64)


def callee_gas(forwarded: int, value: int) -> int:
    """given = forwarded + 2300·[value ≠ 0] (the stipend)."""
    return forwarded + (GAS_CALL_STIPEND if value else 0)


def call_cost(extra: int, forwarded: int, returned: int) -> int:
    """cost = extra + forwarded − returned: what the step takes beyond its memory expansion."""
    return extra + forwarded - returned


# ------------------------------------------------------------------------------ prover side


@dataclass
class FrameRun:
    """One frame of a recorded run, as its own execution table proves it."""

    index: int
    """The frame's call_index in the trace."""
    parent: int | None
    """The caller's call_index (None for the transaction's own frame)."""
    depth: int
    context: CallContext
    steps: list[Step]
    """The frame's steps in execution order (``step.call_index == index``)."""
    calls: list[int | None] = field(default_factory=list)
    """For each completed CALL/STATICCALL step, in order: the callee frame's call_index, or None when
    no frame ran code (balance below the value, callee without code, depth limit)."""

    def call_steps(self) -> list[tuple[int, Step]]:
        """(position in :attr:`steps`, step) of each completed CALL/STATICCALL, matching :attr:`calls`."""
        return [(i, s) for i, s in enumerate(self.steps) if s.opcode in CALL_OPCODES and s.error is None]

    def memory_before(self, position: int) -> bytes:
        """The frame's memory when the step at ``position`` began (replaying the writes before it:
        memory starts zeroed and only recorded writes change it)."""
        size = self.steps[position].memory_size_before if position < len(self.steps) else 0
        memory = bytearray(size)
        for step in self.steps[:position]:
            for address, data, is_write in step.memory_accesses:
                if is_write:
                    memory[address : address + len(data)] = data
        return bytes(memory)


def split_frames(trace: ExecutionTrace) -> list[FrameRun]:
    """The frames of ``trace`` that ran code, in call_index order, with the callee of each call.

    A callee without code has a context in the trace but runs no step: it is no frame, and the call
    that reached it lists None.  Which call started which frame follows from the order of steps:
    a callee with code runs its first step right after the call step; a call that pushed 1 and is
    not followed by its callee's step reached an account without code; any other pushed 0 with no
    frame.
    """
    contexts = trace.calls
    for context in contexts:
        if context.is_create:
            raise ValueError(f"frame {context.call_index} is a creation: CREATE is not proven yet")
    by_frame: dict[int, list[Step]] = {c.call_index: [] for c in contexts}
    for step in trace.steps:
        if step.opcode == Op.CREATE:
            raise ValueError(f"step {step.index} (frame {step.call_index}, pc {step.pc}) is a CREATE: "
                             "CREATE is not proven yet")
        by_frame[step.call_index].append(step)
    # pre-order: a frame's caller is the latest earlier frame one level up
    children: dict[int, list[CallContext]] = {c.call_index: [] for c in contexts}
    parents: dict[int, int | None] = {}
    path: list[CallContext] = []
    for context in contexts:
        level = context.depth - contexts[0].depth
        if not 0 <= level <= len(path) or (level == 0 and path):
            raise ValueError(f"frame {context.call_index} at depth {context.depth} is not in call order")
        del path[level:]
        parents[context.call_index] = path[-1].call_index if path else None
        if path:
            children[path[-1].call_index].append(context)
        path.append(context)

    runs = []
    for context in contexts:
        if context.call_index and not context.code:
            continue
        run = FrameRun(context.call_index, parents[context.call_index], context.depth, context,
                       by_frame[context.call_index])
        pending = list(children[context.call_index])
        for _, step in run.call_steps():
            callee = pending[0] if pending else None
            first = by_frame[callee.call_index] if callee is not None else []
            if first and first[0].index == step.index + 1:
                run.calls.append(callee.call_index)
                pending.pop(0)
            elif callee is not None and not callee.code and step.pushes == (1,):
                run.calls.append(None)
                pending.pop(0)
            elif step.pushes == (0,):
                run.calls.append(None)
            else:
                raise ValueError(f"frame {run.index}: the call at step {step.index} pushed {step.pushes} "
                                 "with no frame to match it")
        if pending:
            raise ValueError(f"frame {run.index}: frame {pending[0].call_index} was started by no call")
        runs.append(run)
    return runs


def call_record(step: Step, callee: CallContext | None, key: int = 0, memory: bytes | None = None) -> CallRecord:
    """The record of a completed CALL/STATICCALL ``step``; ``callee`` is the frame it ran (None: none).

    The input is what the step read from memory (recorded when a frame was entered), else the
    region of ``memory``, the caller's memory before the step (:meth:`FrameRun.memory_before`).
    ``step.gas_cost`` is net (gas before − gas after the step), so cost = gas_cost − expansion.
    """
    if step.opcode not in CALL_OPCODES:
        raise ValueError(f"step {step.index} is {step.name}, not a CALL or STATICCALL")
    if step.error is not None:
        raise ValueError(f"step {step.index} failed ({step.error}): only a completed call has a record")
    if step.opcode == CALL:
        gas, to, value, in_offset, in_size, out_offset, out_size = step.pops
    else:
        gas, to, in_offset, in_size, out_offset, out_size = step.pops
        value = 0
    reads = [access.data for access in step.memory_accesses if not access.is_write]
    if in_size == 0:
        data = b""
    elif reads:
        data = reads[0]
    elif callee is not None:
        data = callee.calldata
    elif memory is not None:
        data = bytes(memory[in_offset : in_offset + in_size]).ljust(in_size, b"\x00")
    else:
        raise ValueError(f"step {step.index}: the call's input needs the caller's memory")
    output = callee.output if callee is not None else b""
    partial = CallRecord(key, step.opcode, gas, to, value, in_offset, in_size, out_offset, out_size,
                         step.gas_before, step.memory_size_before // 32, data, step.pushes[0], 0, output)
    return CallRecord(key, step.opcode, gas, to, value, in_offset, in_size, out_offset, out_size,
                      step.gas_before, step.memory_size_before // 32, data, step.pushes[0],
                      step.gas_cost - partial.expansion, output)


def call_records(run: FrameRun, trace: ExecutionTrace, keys: Sequence[int] | None = None) -> tuple[CallRecord, ...]:
    """The records of ``run``'s completed calls; keys default to each step's position in the frame."""
    contexts = {c.call_index: c for c in trace.calls}
    places = run.call_steps()
    if keys is not None and len(keys) != len(places):
        raise ValueError("one key per completed call")
    out = []
    for n, ((position, step), callee) in enumerate(zip(places, run.calls)):
        memory = None if callee is not None else run.memory_before(position)
        out.append(call_record(step, contexts[callee] if callee is not None else None,
                               position if keys is None else keys[n], memory))
    return tuple(out)


# ---------------------------------------------------------------------------- verifier side


class WorldView(Protocol):
    """The state at the start of the transaction's execution (after its up-front charges)."""

    def code(self, address: bytes) -> bytes: ...

    def balance(self, address: bytes) -> int: ...

    def alive(self, address: bytes) -> bool: ...

    def storage(self, address: bytes, slot: int) -> int: ...


class StateView:
    """A :class:`WorldView` of a :class:`~l2.state.world.WorldState` as it is now (a copy: later changes
    to the state do not show)."""

    def __init__(self, state: WorldState) -> None:
        self._accounts = {address: account.copy() for address, account in state.accounts()}

    def code(self, address: bytes) -> bytes:
        account = self._accounts.get(address)
        return account.code if account is not None else b""

    def balance(self, address: bytes) -> int:
        account = self._accounts.get(address)
        return account.balance if account is not None else 0

    def alive(self, address: bytes) -> bool:
        account = self._accounts.get(address)
        return account is not None and not account.is_empty()

    def storage(self, address: bytes, slot: int) -> int:
        account = self._accounts.get(address)
        return account.storage.get(slot, 0) if account is not None else 0


def transaction_warm_set(origin: bytes, target: bytes, coinbase: bytes | None = None) -> set[bytes]:
    """EIP-2929/3651: the addresses warm when a transaction starts."""
    return {*PRECOMPILE_ADDRESSES, origin, target, *((coinbase,) if coinbase is not None else ())}


class CompositionError(ValueError):
    """The statements do not fit together as one transaction (or use something not proven yet)."""


@dataclass
class Composition:
    """What a transaction's proven frames add up to."""

    status: int
    """The transaction frame's status (1 success, 2 revert, 3 error)."""
    gas_used: int
    refund: int
    """The whole refund counter (before the transaction's cap): 0 unless the transaction succeeded."""
    logs: list[tuple[bytes, tuple[int, ...], bytes]]
    """(address, topics, data) in execution order; empty unless the transaction succeeded."""
    storage: dict[tuple[bytes, int], int]
    """Final value of every slot any frame touched (committed writes only)."""
    initial_storage: dict[tuple[bytes, int], int]
    """Transaction-start value of every slot any frame touched (to bind to the state)."""
    balances: list[tuple[bytes, bytes, int]]
    """(from, to, value) of every value transfer that stuck, the transaction's own first."""
    codes: dict[bytes, bytes]
    """Code each frame ran, by address (to bind to the state)."""
    touched_no_code: set[bytes]
    """Callees reached that hold no code (to bind to the state as code-less)."""
    balances_read: dict[bytes, int] = field(default_factory=dict)
    """Start balance of every account whose balance a transfer or a balance check used."""
    alive_read: dict[bytes, bool] = field(default_factory=dict)
    """Start liveness (EIP-161) of every callee of a value call (the 25000 gas rule)."""


@dataclass
class _Outcome:
    success: bool
    refund: int
    logs: list[tuple[bytes, tuple[int, ...], bytes]]


def compose(frames: Sequence[VmStatement], world: WorldView, origin: bytes, warm: set[bytes],
            depth0: int = 0, static0: bool = False) -> Composition:
    """Check that ``frames`` (the transaction's frame, then its callees in call order) are one
    transaction from ``origin`` starting with the ``warm`` addresses (:func:`transaction_warm_set`),
    and return what it did.  Raises :class:`CompositionError` naming the frame and call otherwise."""
    if not frames:
        raise CompositionError("no frame: the transaction's own frame is missing")
    walk = _Walk(frames, world, warm)
    root = frames[0]
    if root.origin != origin:
        raise CompositionError("frame 0: origin is not the transaction's")
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 8 * STACK_DEPTH_LIMIT + 1000))  # one Python level per call level
    try:
        outcome = walk.frame(0, depth0, static0, ())
    finally:
        sys.setrecursionlimit(limit)
    if walk.position != len(frames):
        raise CompositionError(f"frame {walk.position}: left over, no call starts it")
    return Composition(
        status=root.status,
        gas_used=root.gas_used,
        refund=outcome.refund,
        logs=outcome.logs,
        storage={key: walk.storage.get(key, value) for key, value in walk.initial_storage.items()},
        initial_storage=dict(walk.initial_storage),
        balances=list(walk.transfers),
        codes=dict(walk.codes),
        touched_no_code=set(walk.touched_no_code),
        balances_read=dict(walk.balances_read),
        alive_read=dict(walk.alive_read),
    )


def _executed_opcodes(statement: VmStatement) -> set[int]:
    """Opcodes at the statement's executed pcs (every instruction of the code when it lists none)."""
    code = statement.code
    if statement.pcs is not None:
        return {code[pc] if pc < len(code) else Op.STOP for pc in statement.pcs}
    found, pc = set(), 0
    while pc < len(code):
        found.add(code[pc])
        pc += 1 + (code[pc] - Op.PUSH0 if Op.PUSH1 <= code[pc] <= Op.PUSH32 else 0)
    return found


class _Walk:
    """The state of one :func:`compose` walk: views of storage, balances and warmth with undo journals."""

    def __init__(self, frames: Sequence[VmStatement], world: WorldView, warm: set[bytes]):
        self.frames = frames
        self.world = world
        self.position = 0
        root = frames[0]
        # the VM warms the transaction's caller and target when the transaction starts
        self.warm = set(warm) | {root.caller, root.address}
        self.has_calls = any(s.calls for s in frames)  # account reads are refused only then
        self.storage: dict[tuple[bytes, int], int] = {}
        self.initial_storage: dict[tuple[bytes, int], int] = {}
        self.storage_owner: dict[bytes, int] = {}
        self.transient_owner: dict[bytes, int] = {}
        self.balance: dict[bytes, int] = {}
        self.balances_read: dict[bytes, int] = {}
        self.alive_read: dict[bytes, bool] = {}
        self.transfers: list[tuple[bytes, bytes, int]] = []
        self.codes: dict[bytes, bytes] = {}
        self.touched_no_code: set[bytes] = set()
        self.journals: list[list[tuple[str, object, object]]] = [[]]

    # views with undo -------------------------------------------------------------------

    def _slot(self, key: tuple[bytes, int]) -> int:
        if key not in self.initial_storage:
            self.initial_storage[key] = self.world.storage(*key)
        return self.storage.get(key, self.initial_storage[key])

    def _set_slot(self, key: tuple[bytes, int], value: int) -> None:
        self.journals[-1].append(("storage", key, self._slot(key)))
        self.storage[key] = value

    def _balance(self, address: bytes) -> int:
        if address not in self.balance:
            self.balances_read[address] = self.balance[address] = self.world.balance(address)
        return self.balance[address]

    def _alive(self, address: bytes) -> bool:
        """EIP-161: alive at the start, or holding value received since (no account dies here)."""
        if address not in self.alive_read:
            self.alive_read[address] = bool(self.world.alive(address))
        return self.alive_read[address] or self._balance(address) > 0

    def _transfer(self, sender: bytes, recipient: bytes, value: int, where: str) -> None:
        if not value:
            return
        if self._balance(sender) < value:
            raise CompositionError(f"{where}: the sender cannot pay the value")
        for address, delta in ((sender, -value), (recipient, value)):
            self.journals[-1].append(("balance", address, self._balance(address)))
            self.balance[address] += delta
        self.journals[-1].append(("transfer", len(self.transfers), None))
        self.transfers.append((sender, recipient, value))

    def _warm(self, address: bytes) -> bool:
        """Warm ``address``; whether it already was."""
        if address in self.warm:
            return True
        self.warm.add(address)
        self.journals[-1].append(("warm", address, None))
        return False

    def _undo(self, journal: list[tuple[str, object, object]]) -> None:
        for kind, key, old in reversed(journal):
            if kind == "storage":
                self.storage[key] = old
            elif kind == "balance":
                self.balance[key] = old
            elif kind == "warm":
                self.warm.discard(key)
            else:
                del self.transfers[key:]

    # frames ----------------------------------------------------------------------------

    def frame(self, number: int, depth: int, static: bool, stack: tuple[bytes, ...]) -> _Outcome:
        """Walk statement ``number`` (already matched to its call) and return what it hands back."""
        s = self.frames[number]
        self.position = number + 1
        name = f"frame {number}"
        if s.code != self.world.code(s.address):
            raise CompositionError(f"{name}: code is not the code at {s.address.hex()}")
        self.codes[s.address] = s.code
        executed = _executed_opcodes(s)
        if static and executed & STATIC_FORBIDDEN:
            raise CompositionError(f"{name}: a static frame executes SSTORE, TSTORE or LOG (not proven yet)")
        if self.has_calls and (s.accounts or executed & ACCOUNT_READS):
            raise CompositionError(f"{name}: account reads in a transaction with calls are not proven yet")
        if s.calls and Op.RETURNDATACOPY in executed:
            raise CompositionError(f"{name}: RETURNDATACOPY in a frame that makes a call is not proven yet")
        for slot, value in s.storage_initial:
            if self._slot((s.address, slot)) != value:
                raise CompositionError(f"{name}: reads slot {slot:#x} as {value:#x}, the storage view holds "
                                       f"{self._slot((s.address, slot)):#x}")
        for owners, used, what in ((self.storage_owner, s.storage_initial, "storage"),
                                   (self.transient_owner, s.transient_slots, "transient storage")):
            if used and owners.setdefault(s.address, number) != number:
                raise CompositionError(f"{name}: {what} of {s.address.hex()} is touched by frames "
                                       f"{owners[s.address]} and {number} (not proven yet)")

        self.journals.append([])
        self._transfer(s.caller, s.address, s.value, name)
        merged: list[tuple[int, list[tuple[bytes, tuple[int, ...], bytes]]]] = [
            (key, [(s.address, topics, data)]) for key, topics, data in s.logs]
        children_refund = 0
        returned_size = 0
        sizes = list(s.returndata_sizes)
        for record in s.calls:
            self._check_sizes(name, sizes, record.key, returned_size)
            child = self.call(number, s, record, depth, static, stack + (s.address,))
            returned_size = len(record.output)
            if child is not None and child.success:
                children_refund += child.refund
                merged.append((record.key, child.logs))
        self._check_sizes(name, sizes, None, returned_size)

        if s.status == SUCCESS:
            for slot, value in s.storage_final:
                self._set_slot((s.address, slot), value)
            # the frame's changes (and its children's) now stand or fall with its caller
            journal = self.journals.pop()
            self.journals[-1].extend(journal)
            merged.sort(key=lambda item: item[0])
            return _Outcome(True, s.refund + children_refund, [log for _, logs in merged for log in logs])
        self._undo(self.journals.pop())
        return _Outcome(False, 0, [])

    def _check_sizes(self, name: str, sizes: list[tuple[int, int]], before: int | None, size: int) -> None:
        """RETURNDATASIZE steps before clk ``before`` (all when None) saw a buffer of ``size`` bytes."""
        while sizes and (before is None or sizes[0][0] < before):
            key, seen = sizes.pop(0)
            if seen != size:
                raise CompositionError(f"{name}: RETURNDATASIZE at key {key} pushed {seen}, the buffer holds {size}")

    def call(self, number: int, s: VmStatement, record: CallRecord, depth: int, static: bool,
             stack: tuple[bytes, ...]) -> _Outcome | None:
        """Replay one record of frame ``number``; the callee frame's outcome when one ran."""
        where = f"frame {number} call at key {record.key}"
        callee = record.address
        if static and record.value:
            raise CompositionError(f"{where}: a static frame sends value (not proven yet)")
        access = access_gas(self._warm(callee))
        extra = extra_gas(access, record.value, self._alive(callee) if record.value else True)
        expansion = record.expansion
        if record.gas_before < expansion + extra:
            raise CompositionError(f"{where}: out of gas before the callee (not proven yet)")
        forwarded = forwarded_gas(record.gas, record.gas_before, expansion, extra)
        given = callee_gas(forwarded, record.value)
        if depth + 1 > STACK_DEPTH_LIMIT:
            raise CompositionError(f"{where}: the callee would pass depth {STACK_DEPTH_LIMIT} (not proven yet)")

        outcome = None
        if record.value and self._balance(s.address) < record.value:
            success, output, returned = 0, b"", given
        elif not self.world.code(callee):
            self.touched_no_code.add(callee)
            self._transfer(s.address, callee, record.value, where)
            success, output, returned = 1, b"", given
        else:
            if callee in stack:
                raise CompositionError(f"{where}: reentrancy into {callee.hex()} (not proven yet)")
            if self.position >= len(self.frames):
                raise CompositionError(f"{where}: the callee's frame is missing")
            number_callee = self.position
            c = self.frames[number_callee]
            for what, got, want in (
                ("caller", c.caller, s.address),
                ("address", c.address, callee),
                ("value", c.value, record.value),
                ("calldata", c.calldata, record.input),
                ("gas limit", c.gas_limit, given),
                ("origin", c.origin, s.origin),
                ("transaction and block values", c.block_values, s.block_values),
            ):
                if got != want:
                    raise CompositionError(f"{where}: callee frame {number_callee} has {what} {_show(got)}, "
                                           f"the call gives {_show(want)}")
            outcome = self.frame(number_callee, depth + 1, static or record.kind == STATICCALL, stack)
            success, output, returned = int(outcome.success), c.output, c.gas_limit - c.gas_used

        if record.success != success:
            raise CompositionError(f"{where}: success is {record.success}, the callee gives {success}")
        if record.output != output:
            raise CompositionError(f"{where}: output {_show(record.output)} is not the callee's {_show(output)}")
        cost = call_cost(extra, forwarded, returned)
        if record.cost != cost:
            raise CompositionError(f"{where}: cost is {record.cost}, the rules give {cost}")
        if record.memory_after > max(record.memory_after_input, memory_words(record.out_offset, record.written)):
            raise CompositionError(f"{where}: the output region grows memory past what the call writes "
                                   "(not provable)")
        return outcome


def _show(value: object) -> str:
    if isinstance(value, bytes):
        return "0x" + (value.hex() if len(value) <= 40 else value[:40].hex() + "…")
    return str(value)
