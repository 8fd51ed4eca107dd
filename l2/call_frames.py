"""
Call frames: splitting a run into frames, and putting proven frames back together
=================================================================================

Every frame of a transaction (the transaction's own, one per CALL or STATICCALL that ran code, one
per CREATE that ran initcode) is proven by an execution table of its own, whose public statement is
a :class:`circuits.vm.air.VmStatement`.  A frame's statement lists its completed calls and creations
as :class:`circuits.vm.call_record.CallRecord` s: what the step popped and read, and the outcome it
was handed (``success``, ``output``, ``cost``).  Nothing inside one table proves that outcome; this
module does, from the statements alone.

Prover side: :func:`split_frames` cuts an :class:`~l2.vm.trace.ExecutionTrace` into
:class:`FrameRun` s, one per frame that ran code, in call order (the VM's DFS pre-order), and
:func:`call_record` / :func:`call_records` build the records of their calls and creations.
:meth:`FrameRun.result` is how the frame's own code ended it (a creation's before the deposit
rules), which is what its statement states.

Verifier side: :func:`compose` walks the statements in that order, replaying every record.

A CALL or STATICCALL:

* callee = the record's address; a frame is static when its caller is or the call is a STATICCALL;
* access = 100 if the callee is warm else 2600 (EIP-2929), then it is warm; the warm set is the
  transaction's (origin, target, coinbase, precompiles 1..10) plus every address touched so far,
  less what frames that reverted or failed warmed;
* extra = access + 9000·[value ≠ 0] + 25000·[value ≠ 0 and callee not alive];
* L = gas_before − expansion − extra, forwarded = min(gas word, L − ⌊L/64⌋) (EIP-150),
  given = forwarded + 2300·[value ≠ 0];
* caller's balance < value: success 0, output empty, the callee gets nothing and returns ``given``;
  callee without code: success 1, output empty, returns ``given``, the value moves;
  otherwise the next statement is the callee's: code, caller, address, value, calldata, gas limit
  and transaction/block values are checked, success = [status = success], output = its output,
  returned = gas_limit − gas_used;
* the record must state exactly that success and output, and cost = extra + forwarded − returned.

A CREATE in frame F:

* extra = 32000 + 2·⌈in_size/32⌉ (EIP-3860), L = gas_before − expansion − extra,
  forwarded = L − ⌊L/64⌋;
* the address is keccak(rlp([F's address, its nonce]))[12:] — the nonce at the transaction's start
  plus the creations of that creator that stuck so far — and must be the record's ``to``; it is
  warm from then on;
* balance below the value, depth 1024 reached or nonce 2^64 − 1: pushed 0, output empty,
  returned = forwarded;
* else the creator's nonce moves up; empty initcode creates an account with nonce 1 and no code
  (returned = forwarded); otherwise the next statement is the initcode's, run at the new address
  (nonce 1, empty storage, the value moved to it) with gas limit ``forwarded`` and no calldata.
  Its end is the initcode's own; then the deposit rules: a runtime starting with 0xEF (EIP-3541),
  longer than 24576 bytes (EIP-170) or costing more than the gas left at 200 per byte fails like
  an error (everything the initcode did is undone, nothing comes back).  A revert hands back its
  gas and output; a creation that stuck hands back gas left − 200·len(runtime), pushes the address,
  and the runtime is the address's code for the rest of the transaction.

For every record: RETURNDATASIZE after it (before the next) sees len(record.output); before any, 0.
Storage: a frame reads the current view (transaction-start values changed by frames that succeeded
and whose ancestors have not reverted); its writes enter the view when it succeeds and leave it when
an ancestor reverts (a journal per frame, which also holds balances, nonces, creations and warmth).
Each frame states, per slot it touches, the slot's original value (the transaction's start, which
EIP-2200 prices from) and whether the slot is warm when it starts (touched by a frame before it that
has not been undone, EIP-2929); both are checked here, and its slots are warm after it.
Refunds: a frame's own counter plus its successful children's; logs: a successful child's logs sit
among its caller's at the call's key.

A frame states whether it is static; that must be what its calls make it (a static frame's table
makes its SSTORE, TSTORE, LOGn and CREATE halt, :mod:`circuits.vm.static`).

Refused (the prover refuses these runs; :func:`compose` rejects them): a static frame sending value
with a CALL; a call or creation that runs out of gas before its
frame; initcode over 49152 bytes; a call that would pass depth 1024; a creation at an address that
holds code, a nonce or storage, or that was created earlier in the transaction; reentrancy (a callee
already on the frame stack); one address's transient storage touched by two frames;
account reads (BALANCE, EXTCODESIZE, EXTCODEHASH, SELFBALANCE) in a transaction with calls;
RETURNDATACOPY in a frame that makes a call.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol, Sequence

from circuits.vm.air import VmStatement
from circuits.vm.call_record import CALL, CREATE, STATICCALL, CallRecord, memory_gas, memory_words
from circuits.vm.opcodes import REVERTED, SUCCESS
from l2.vm.addresses import PRECOMPILE_ADDRESSES, compute_contract_address
from l2.vm.gas import (
    GAS_CALL_STIPEND,
    GAS_CALL_VALUE,
    GAS_CODE_DEPOSIT,
    GAS_COLD_ACCOUNT_ACCESS,
    GAS_CREATE,
    GAS_NEW_ACCOUNT,
    GAS_WARM_ACCESS,
    MAX_CODE_SIZE,
    MAX_INIT_CODE_SIZE,
    STACK_DEPTH_LIMIT,
    init_code_cost,
)
from l2.vm.instructions.system import MAX_NONCE
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
    "create_extra_gas",
    "deposit_gas_left",
]

RECORD_OPCODES = (CREATE, CALL, STATICCALL)
"""Steps whose completion a frame's statement lists as a call record."""
ACCOUNT_READS = frozenset((Op.BALANCE, Op.EXTCODESIZE, Op.EXTCODEHASH, Op.SELFBALANCE))
NEW_ACCOUNT_NONCE = 1
"""A created account starts with nonce 1 (EIP-161)."""


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


def create_extra_gas(in_size: int) -> int:
    """A CREATE's own gas: 32000 + 2·⌈in_size/32⌉ (EIP-3860)."""
    return GAS_CREATE + init_code_cost(in_size)


def deposit_gas_left(runtime: bytes, gas_left: int) -> int | None:
    """Gas left once initcode that returned ``runtime`` with ``gas_left`` pays the deposit of 200 per
    byte; None when the creation fails there: a runtime starting with 0xEF (EIP-3541), longer than
    24576 bytes (EIP-170) or costing more than the gas left."""
    cost = GAS_CODE_DEPOSIT * len(runtime)
    if runtime[:1] == b"\xef" or len(runtime) > MAX_CODE_SIZE or cost > gas_left:
        return None
    return gas_left - cost


def _create_forwarded(gas_before: int, expansion: int, in_size: int) -> int:
    """L − ⌊L/64⌋ with L = gas_before − expansion − the CREATE's own gas: what its frame is given."""
    left = gas_before - expansion - create_extra_gas(in_size)
    return left - left // 64


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
    """For each completed CREATE/CALL/STATICCALL step, in order: the frame it started (call_index), or
    None when no frame ran code (balance below the value, callee without code, empty initcode, depth
    limit, address collision)."""
    addresses: dict[int, bytes] = field(default_factory=dict)
    """For each completed CREATE step, by its index in the trace: the address it computed from the
    creator's nonce (whether or not anything was created there)."""
    create_nonces: dict[int, int] = field(default_factory=dict)
    """For each completed CREATE step, by its index in the trace: the creator's nonce it used."""

    def call_steps(self) -> list[tuple[int, Step]]:
        """(position in :attr:`steps`, step) of each completed CREATE/CALL/STATICCALL, matching
        :attr:`calls`."""
        return [(i, s) for i, s in enumerate(self.steps) if s.opcode in RECORD_OPCODES and s.error is None]

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

    def result(self) -> tuple[str, int, bytes]:
        """(status, gas left, output) as the frame's own code ended it — what its statement states.

        A call's are its context's.  A creation's are the initcode's, before the deposit rules: when
        the creation stuck, the context's gas left is net of the deposit (200 per runtime byte); when
        the initcode returned but the creation then failed (EIP-3541, the deposit, EIP-170) the
        context says "error" with no gas and no output, while the initcode itself succeeded with the
        gas its last step left and the bytes its RETURN read.
        """
        c = self.context
        if not c.is_create:
            return c.status, c.gas_left, bytes(c.output)
        if c.status == "success":
            return "success", c.gas_left + GAS_CODE_DEPOSIT * len(c.output), bytes(c.output)
        last = self.steps[-1] if self.steps else None
        if c.status == "error" and last is not None and last.error is None and last.opcode != Op.REVERT:
            output = b""
            if last.opcode == Op.RETURN and last.pops[1]:
                output = bytes(last.memory_accesses[0].data)
            return "success", last.gas_before - last.gas_cost, output
        return c.status, c.gas_left, bytes(c.output)


def split_frames(trace: ExecutionTrace) -> list[FrameRun]:
    """The frames of ``trace`` that ran code, in call_index order, with the frame each call or
    creation started.

    A callee without code (or a creation with empty initcode) has a context in the trace but runs no
    step: it is no frame, and the step that reached it lists None.  Which step started which frame
    follows from the order of steps: a frame with code runs its first step right after the step that
    started it; a call that pushed 1 (a CREATE that pushed the address) not followed by its frame's
    step reached a context without code; any other pushed 0 with no frame.
    """
    contexts = trace.calls
    by_frame: dict[int, list[Step]] = {c.call_index: [] for c in contexts}
    for step in trace.steps:
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
    entered: dict[int, CallContext] = {}  # step index → the context the step entered
    for context in contexts:
        if context.call_index and not context.code:
            continue
        run = FrameRun(context.call_index, parents[context.call_index], context.depth, context,
                       by_frame[context.call_index])
        pending = list(children[context.call_index])
        for _, step in run.call_steps():
            creating = step.opcode == CREATE
            callee = pending[0] if pending and pending[0].is_create == creating else None
            first = by_frame[callee.call_index] if callee is not None else []
            reached = (int.from_bytes(callee.address, "big") if creating else 1) if callee is not None else None
            if first and first[0].index == step.index + 1:
                run.calls.append(callee.call_index)
            elif callee is not None and not callee.code and step.pushes == (reached,):
                run.calls.append(None)
            elif step.pushes == (0,):
                run.calls.append(None)
                continue
            else:
                raise ValueError(f"frame {run.index}: the {step.name} at step {step.index} pushed {step.pushes} "
                                 "with no frame to match it")
            entered[step.index] = pending.pop(0)
        if pending:
            raise ValueError(f"frame {run.index}: frame {pending[0].call_index} was started by no call")
        runs.append(run)
    if any(step.opcode == CREATE for run in runs for _, step in run.call_steps()):
        addresses = _create_addresses(trace, entered)
        for run in runs:
            run.addresses = {step.index: addresses[step.index][0] for _, step in run.call_steps()
                             if step.opcode == CREATE}
            run.create_nonces = {step.index: addresses[step.index][1] for _, step in run.call_steps()
                                 if step.opcode == CREATE}
    return runs


def _create_addresses(trace: ExecutionTrace, entered: dict[int, CallContext]) -> dict[int, tuple[bytes, int]]:
    """The address each completed CREATE step computed, and the creator's nonce it used, replaying the
    creators' nonces.

    A nonce starts at its value when the transaction began (the recorded state accesses); a CREATE
    that went past the balance, nonce and depth checks moves its creator's nonce up — one that
    entered a context, or one that met an address collision (which keeps the gas it would have
    forwarded); a created account starts at nonce 1.  Each change belongs to the frame that made
    it, and is undone with that frame (or an ancestor) when it reverts or fails.
    """
    start = {a.address: a.old for a in trace.state_accesses if a.kind == "nonce"}
    contexts = {c.call_index: c for c in trace.calls}
    nonces: dict[bytes, int] = {}
    stack: list[tuple[int, list[tuple[bytes, int]]]] = []  # (call_index, journal of (address, old nonce))
    open_frames: set[int] = set()

    def nonce(address: bytes) -> int:
        return nonces.get(address, start.get(address, 0))

    def set_nonce(address: bytes, value: int) -> None:
        stack[-1][1].append((address, nonce(address)))
        nonces[address] = value

    def close() -> None:
        index, journal = stack.pop()
        open_frames.discard(index)
        if contexts[index].status == "success":
            if stack:
                stack[-1][1].extend(journal)
        else:
            for address, old in reversed(journal):
                nonces[address] = old

    out: dict[int, tuple[bytes, int]] = {}
    for step in trace.steps:
        frame = step.call_index
        if frame not in open_frames:
            stack.append((frame, []))
            open_frames.add(frame)
            if contexts[frame].is_create:
                set_nonce(contexts[frame].address, NEW_ACCOUNT_NONCE)
        while stack[-1][0] != frame:
            close()
        if step.opcode != CREATE or step.error is not None:
            continue
        creator = contexts[frame].address
        current = nonce(creator)
        address = compute_contract_address(creator, current)
        out[step.index] = (address, current)
        child = entered.get(step.index)
        if child is not None and child.address != address:
            raise ValueError(f"step {step.index}: the CREATE entered 0x{child.address.hex()}, the creator's "
                             f"nonce {current} gives 0x{address.hex()}")
        if child is None and step.pushes == (0,):
            _, in_offset, in_size = step.pops
            before = step.memory_size_before // 32
            expansion = memory_gas(max(before, memory_words(in_offset, in_size))) - memory_gas(before)
            forwarded = _create_forwarded(step.gas_before, expansion, in_size)
            # a collision keeps the forwarded gas; a CREATE that did not go ahead hands it back
            if not forwarded or step.gas_cost - expansion - create_extra_gas(in_size) != forwarded:
                continue
        set_nonce(creator, current + 1)
        if child is not None and not child.code:
            set_nonce(child.address, NEW_ACCOUNT_NONCE)  # empty initcode: the account exists at once
    return out


def call_record(step: Step, callee: CallContext | None, key: int = 0, memory: bytes | None = None,
                address: bytes | None = None, nonce: int = 0) -> CallRecord:
    """The record of a completed CREATE/CALL/STATICCALL ``step``; ``callee`` is the frame it ran
    (None: none).

    A call's input is what the step read from memory (recorded when a frame was entered), else the
    region of ``memory``, the caller's memory before the step (:meth:`FrameRun.memory_before`).
    A CREATE's input is the initcode it read; its ``to`` is the address it computed: its frame's,
    else the address it pushed, else ``address`` (:attr:`FrameRun.addresses`: a CREATE that did not go
    ahead pushes 0).  Its output is the return data after the step: the initcode's when it reverted,
    else empty.  ``step.gas_cost`` is net (gas before − gas after the step), so cost = gas_cost −
    expansion.
    """
    if step.opcode not in RECORD_OPCODES:
        raise ValueError(f"step {step.index} is {step.name}, not a CREATE, CALL or STATICCALL")
    if step.error is not None:
        raise ValueError(f"step {step.index} failed ({step.error}): only a completed call has a record")
    reads = [access.data for access in step.memory_accesses if not access.is_write]
    if step.opcode == CREATE:
        value, in_offset, in_size = step.pops
        gas, out_offset, out_size = 0, 0, 0
        data = reads[0] if in_size else b""
        pushed = step.pushes[0]
        if callee is not None:
            to = int.from_bytes(callee.address, "big")
            if pushed not in (0, to):
                raise ValueError(f"step {step.index}: the CREATE pushed {pushed:#x}, its frame ran at {to:#x}")
        elif pushed:
            to = pushed
        elif address is not None:
            to = int.from_bytes(address, "big")
        else:
            raise ValueError(f"step {step.index}: a CREATE that created nothing needs the address it computed")
        success = int(pushed != 0)
        output = bytes(callee.output) if callee is not None and callee.status == "revert" else b""
    else:
        if step.opcode == CALL:
            gas, to, value, in_offset, in_size, out_offset, out_size = step.pops
        else:
            gas, to, in_offset, in_size, out_offset, out_size = step.pops
            value = 0
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
        success = step.pushes[0]
        output = bytes(callee.output) if callee is not None else b""
    fields = (key, step.opcode, gas, to, value, in_offset, in_size, out_offset, out_size, step.gas_before,
              step.memory_size_before // 32, data, success)
    expansion = CallRecord(*fields, 0, output).expansion
    return CallRecord(*fields, step.gas_cost - expansion, output, nonce if step.opcode == CREATE else 0)


def call_records(run: FrameRun, trace: ExecutionTrace, keys: Sequence[int] | None = None) -> tuple[CallRecord, ...]:
    """The records of ``run``'s completed calls and creations; keys default to each step's position
    in the frame."""
    contexts = {c.call_index: c for c in trace.calls}
    places = run.call_steps()
    if keys is not None and len(keys) != len(places):
        raise ValueError("one key per completed call")
    out = []
    for n, ((position, step), callee) in enumerate(zip(places, run.calls)):
        memory = None if callee is not None or step.opcode == CREATE else run.memory_before(position)
        out.append(call_record(step, contexts[callee] if callee is not None else None,
                               position if keys is None else keys[n], memory, run.addresses.get(step.index),
                               run.create_nonces.get(step.index, 0)))
    return tuple(out)


# ---------------------------------------------------------------------------- verifier side


class WorldView(Protocol):
    """The state at the start of the transaction's execution (after its up-front charges)."""

    def code(self, address: bytes) -> bytes: ...

    def balance(self, address: bytes) -> int: ...

    def alive(self, address: bytes) -> bool: ...

    def storage(self, address: bytes, slot: int) -> int: ...

    def nonce(self, address: bytes) -> int: ...

    def unused(self, address: bytes) -> bool:
        """No code, nonce 0 and no storage: CREATE may create there."""
        ...


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

    def nonce(self, address: bytes) -> int:
        account = self._accounts.get(address)
        return account.nonce if account is not None else 0

    def unused(self, address: bytes) -> bool:
        account = self._accounts.get(address)
        return account is None or (account.nonce == 0 and not account.code and not account.storage)


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
    """Code each frame ran, by address, as the state held it when the transaction started (to bind to
    the state): neither initcode nor the code of a contract created in the transaction."""
    touched_no_code: set[bytes]
    """Callees reached that hold no code (to bind to the state as code-less)."""
    balances_read: dict[bytes, int] = field(default_factory=dict)
    """Start balance of every account whose balance a transfer or a balance check used."""
    alive_read: dict[bytes, bool] = field(default_factory=dict)
    """Start liveness (EIP-161) of every callee of a value call (the 25000 gas rule)."""
    created: dict[bytes, bytes] = field(default_factory=dict)
    """Runtime code of every creation that stuck, by address (each such account has nonce 1 and was
    unused when the transaction started)."""
    nonces: dict[bytes, tuple[int, int]] = field(default_factory=dict)
    """(nonce at the transaction's start, nonce at its end) of every creator whose nonce was read."""


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
        created=dict(walk.created),
        nonces={address: (start, walk.nonce.get(address, start)) for address, start in walk.nonce_start.items()},
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
    """The state of one :func:`compose` walk: views of storage, balances, nonces, created code and
    warmth with undo journals."""

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
        self.warm_slots: set[tuple[bytes, int]] = set()
        self.transient_owner: dict[bytes, int] = {}
        self.balance: dict[bytes, int] = {}
        self.balances_read: dict[bytes, int] = {}
        self.alive_read: dict[bytes, bool] = {}
        self.transfers: list[tuple[bytes, bytes, int]] = []
        self.codes: dict[bytes, bytes] = {}
        self.touched_no_code: set[bytes] = set()
        self.nonce_start: dict[bytes, int] = {}
        self.nonce: dict[bytes, int] = {}
        self.created: dict[bytes, bytes] = {}
        self.targeted: set[bytes] = set()
        """Addresses a creation went ahead at in this transaction, undone or not (never journaled)."""
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
        """EIP-161: alive at the start, or holding value received since, or created since."""
        if address not in self.alive_read:
            self.alive_read[address] = bool(self.world.alive(address))
        return self.alive_read[address] or self._balance(address) > 0 or self.nonce.get(address, 0) > 0

    def _code(self, address: bytes) -> bytes:
        """The address's code now: what a creation that stuck installed, else the state's."""
        created = self.created.get(address)
        return created if created is not None else self.world.code(address)

    def _nonce(self, address: bytes) -> int:
        if address not in self.nonce_start:
            self.nonce_start[address] = self.world.nonce(address)
        return self.nonce.get(address, self.nonce_start[address])

    def _set_nonce(self, address: bytes, value: int) -> None:
        self.journals[-1].append(("nonce", address, self.nonce.get(address)))
        self.nonce[address] = value

    def _install(self, address: bytes, runtime: bytes) -> None:
        self.journals[-1].append(("created", address, None))
        self.created[address] = runtime

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
            elif kind == "warm slot":
                self.warm_slots.discard(key)
            elif kind == "nonce":
                if old is None:
                    del self.nonce[key]
                else:
                    self.nonce[key] = old
            elif kind == "created":
                del self.created[key]
            else:
                del self.transfers[key:]

    # frames ----------------------------------------------------------------------------

    def frame(self, number: int, depth: int, static: bool, stack: tuple[bytes, ...],
              creation: bool = False) -> _Outcome:
        """Walk statement ``number`` (already matched to its call or creation) and return what it
        hands back; a creation's success is after the deposit rules."""
        s = self.frames[number]
        self.position = number + 1
        name = f"frame {number}"
        if creation:
            if any(value for _, value in s.storage_initial):
                raise CompositionError(f"{name}: reads a non-zero slot of a new contract (its storage starts empty)")
        else:
            if s.code != self._code(s.address):
                raise CompositionError(f"{name}: code is not the code at {s.address.hex()}")
            if s.address not in self.created:
                self.codes[s.address] = s.code
        executed = _executed_opcodes(s)
        if s.static != static:
            # its table makes every write of a static frame halt (circuits.vm.static)
            raise CompositionError(f"{name}: states it is {'' if s.static else 'not '}static, it is "
                                   f"{'' if static else 'not '}(a STATICCALL's or its descendants')")
        if self.has_calls and (s.accounts or executed & ACCOUNT_READS):
            raise CompositionError(f"{name}: account reads in a transaction with calls are not proven yet")
        if s.calls and Op.RETURNDATACOPY in executed:
            raise CompositionError(f"{name}: RETURNDATACOPY in a frame that makes a call is not proven yet")
        originals = s.storage_original if s.storage_original is not None else [v for _, v in s.storage_initial]
        warm_stated = set(s.storage_warm)
        for (slot, value), original in zip(s.storage_initial, originals):
            key = (s.address, slot)
            if self._slot(key) != value:
                raise CompositionError(f"{name}: reads slot {slot:#x} as {value:#x}, the storage view holds "
                                       f"{self._slot(key):#x}")
            # EIP-2200 prices from the value when the transaction began; EIP-2929 from the warm set
            if original != self.initial_storage[key]:
                raise CompositionError(f"{name}: states slot {slot:#x}'s original value as {original:#x}, the "
                                       f"transaction began with {self.initial_storage[key]:#x}")
            if (key in self.warm_slots) != (slot in warm_stated):
                state = "warm" if slot in warm_stated else "cold"
                raise CompositionError(f"{name}: states slot {slot:#x} {state} at its start, it is not")
        for owners, used, what in ((self.transient_owner, s.transient_slots, "transient storage"),):
            if used and owners.setdefault(s.address, number) != number:
                raise CompositionError(f"{name}: {what} of {s.address.hex()} is touched by frames "
                                       f"{owners[s.address]} and {number} (not proven yet)")

        self.journals.append([])
        for slot, _ in s.storage_initial:   # warm from here on, unless this frame or an ancestor reverts
            if (s.address, slot) not in self.warm_slots:
                self.warm_slots.add((s.address, slot))
                self.journals[-1].append(("warm slot", (s.address, slot), None))
        if creation:
            self._set_nonce(s.address, NEW_ACCOUNT_NONCE)
        self._transfer(s.caller, s.address, s.value, name)
        merged: list[tuple[int, list[tuple[bytes, tuple[int, ...], bytes]]]] = [
            (key, [(s.address, topics, data)]) for key, topics, data in s.logs]
        children_refund = 0
        returned_size = 0
        sizes = list(s.returndata_sizes)
        for record in s.calls:
            self._check_sizes(name, sizes, record.key, returned_size)
            if record.kind == CREATE:
                child = self.create(number, s, record, depth, static, stack + (s.address,))
            else:
                child = self.call(number, s, record, depth, static, stack + (s.address,))
            returned_size = len(record.output)
            if child is not None and child.success:
                children_refund += child.refund
                merged.append((record.key, child.logs))
        self._check_sizes(name, sizes, None, returned_size)

        stuck = s.status == SUCCESS
        if stuck and creation:
            stuck = deposit_gas_left(s.output, s.gas_limit - s.gas_used) is not None
        if stuck:
            for slot, value in s.storage_final:
                self._set_slot((s.address, slot), value)
            # the frame's changes (and its children's) now stand or fall with its caller
            journal = self.journals.pop()
            self.journals[-1].extend(journal)
            if creation:
                self._install(s.address, s.output)
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

    def _next_frame(self, where: str, checks: tuple[tuple[str, object, object], ...]) -> tuple[int, VmStatement]:
        """The next statement, which the call or creation at ``where`` starts; ``checks`` are (what,
        the statement's value, the value the step gives)."""
        if self.position >= len(self.frames):
            raise CompositionError(f"{where}: the callee's frame is missing")
        number = self.position
        c = self.frames[number]
        for what, got, want in checks:
            if got(c) != want:
                raise CompositionError(f"{where}: callee frame {number} has {what} {_show(got(c))}, "
                                       f"the call gives {_show(want)}")
        return number, c

    def call(self, number: int, s: VmStatement, record: CallRecord, depth: int, static: bool,
             stack: tuple[bytes, ...]) -> _Outcome | None:
        """Replay one CALL or STATICCALL record of frame ``number``; the callee frame's outcome when one ran."""
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
        elif not self._code(callee):
            self.touched_no_code.add(callee)
            self._transfer(s.address, callee, record.value, where)
            success, output, returned = 1, b"", given
        else:
            if callee in stack:
                raise CompositionError(f"{where}: reentrancy into {callee.hex()} (not proven yet)")
            number_callee, c = self._next_frame(where, (
                ("caller", lambda c: c.caller, s.address),
                ("address", lambda c: c.address, callee),
                ("value", lambda c: c.value, record.value),
                ("calldata", lambda c: c.calldata, record.input),
                ("gas limit", lambda c: c.gas_limit, given),
                ("origin", lambda c: c.origin, s.origin),
                ("transaction and block values", lambda c: c.block_values, s.block_values),
            ))
            outcome = self.frame(number_callee, depth + 1, static or record.kind == STATICCALL, stack)
            success, output, returned = int(outcome.success), c.output, c.gas_limit - c.gas_used
        self._check_outcome(where, record, success, output, call_cost(extra, forwarded, returned))
        return outcome

    def create(self, number: int, s: VmStatement, record: CallRecord, depth: int, static: bool,
               stack: tuple[bytes, ...]) -> _Outcome | None:
        """Replay one CREATE record of frame ``number``; the initcode frame's outcome when one ran."""
        where = f"frame {number} CREATE at key {record.key}"
        if static:
            raise CompositionError(f"{where}: a static frame creates a contract (not proven yet)")
        if record.in_size > MAX_INIT_CODE_SIZE:
            raise CompositionError(f"{where}: initcode of {record.in_size} bytes is over {MAX_INIT_CODE_SIZE} "
                                   "(the VM runs out of gas: not proven yet)")
        extra = create_extra_gas(record.in_size)
        expansion = record.expansion
        if record.gas_before < expansion + extra:
            raise CompositionError(f"{where}: out of gas before the initcode (not proven yet)")
        forwarded = _create_forwarded(record.gas_before, expansion, record.in_size)
        creator = s.address
        nonce = self._nonce(creator)
        address = compute_contract_address(creator, nonce)
        if record.nonce != nonce:
            raise CompositionError(f"{where}: states the creator's nonce {record.nonce}, it is {nonce}")
        if record.address != address:
            raise CompositionError(f"{where}: creates at {record.to:#x}, the creator's nonce {nonce} gives "
                                   f"0x{address.hex()}")
        self._warm(address)

        outcome = None
        if ((record.value and self._balance(creator) < record.value) or depth + 1 > STACK_DEPTH_LIMIT
                or nonce >= MAX_NONCE):
            success, output, returned = 0, b"", forwarded
        elif address in self.targeted or not self.world.unused(address):
            raise CompositionError(f"{where}: 0x{address.hex()} already holds code, a nonce or storage, or was "
                                   "created earlier in the transaction (not proven yet)")
        else:
            self.targeted.add(address)
            self._set_nonce(creator, nonce + 1)
            if not record.input:
                # nothing to run: the account exists at once, nonce 1 and no code
                self._set_nonce(address, NEW_ACCOUNT_NONCE)
                self._transfer(creator, address, record.value, where)
                self._install(address, b"")
                success, output, returned = 1, b"", forwarded
            else:
                number_child, c = self._next_frame(where, (
                    ("code", lambda c: c.code, record.input),
                    ("caller", lambda c: c.caller, creator),
                    ("address", lambda c: c.address, address),
                    ("value", lambda c: c.value, record.value),
                    ("calldata", lambda c: c.calldata, b""),
                    ("gas limit", lambda c: c.gas_limit, forwarded),
                    ("origin", lambda c: c.origin, s.origin),
                    ("transaction and block values", lambda c: c.block_values, s.block_values),
                ))
                outcome = self.frame(number_child, depth + 1, False, stack, creation=True)
                left = c.gas_limit - c.gas_used
                if outcome.success:  # the runtime is deposited: 200 gas per byte
                    success, output, returned = 1, b"", left - GAS_CODE_DEPOSIT * len(c.output)
                elif c.status == REVERTED:
                    success, output, returned = 0, c.output, left
                else:  # an error, or the deposit rules failed the creation: all gas is gone
                    success, output, returned = 0, b"", 0
        self._check_outcome(where, record, success, output, call_cost(extra, forwarded, returned))
        return outcome

    def _check_outcome(self, where: str, record: CallRecord, success: int, output: bytes, cost: int) -> None:
        """The record states exactly the outcome the rules give."""
        if record.success != success:
            raise CompositionError(f"{where}: success is {record.success}, the callee gives {success}")
        if record.output != output:
            raise CompositionError(f"{where}: output {_show(record.output)} is not the callee's {_show(output)}")
        if record.cost != cost:
            raise CompositionError(f"{where}: cost is {record.cost}, the rules give {cost}")


def _show(value: object) -> str:
    if isinstance(value, bytes):
        return "0x" + (value.hex() if len(value) <= 40 else value[:40].hex() + "…")
    return str(value)
