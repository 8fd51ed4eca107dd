"""One L1 transaction's view of the state: metered storage, balances, warm sets, events, nested calls.

Reads go to the SQL session, which holds the state as it was when the transaction began; writes stay
in this object and reach the session only through :meth:`Execution.commit`, which the chain calls
when the transaction succeeded. A failed transaction therefore changes nothing here.

The metering follows the EVM:

* a storage slot or account is *cold* the first time the transaction touches it and *warm* after
  (EIP-2929); the warm sets belong to the transaction, and a reverted call frame drops what it
  added, as the EVM does;
* SSTORE is priced from the slot's *original* value (when the transaction began), its current value
  and the new one (EIP-2200 with EIP-3529's refunds), see :func:`verifier.l1.gas.sstore_gas`;
* a nested call (``Contract.call_contract``, ``send_value``) takes a snapshot of the writes, warm
  sets, events and refund counter; if the callee reverts, the snapshot is restored and the gas it
  spent stays spent. Calls forward all remaining gas (there is no 63/64 rule), and running out of
  gas anywhere fails the whole transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from l2.crypto import address_to_hex
from verifier.l1.contract import PAYABLE, VIEW, BlockInfo, Message, Revert, contract_class, entry_kind
from verifier.l1.gas import SELFBALANCE_GAS, GasMeter
from verifier.l1.models import L1AccountRow, L1StorageRow

__all__ = ["Execution", "Frame", "PendingEvent", "MAX_CALL_DEPTH", "encode_fields", "decode_fields", "account_row"]

MAX_CALL_DEPTH = 1024  # the EVM's call stack limit
_WORD_LIMIT = 1 << 256


def account_row(session: Session, address: str) -> L1AccountRow:
    """The account row of ``address`` (hex), created empty if absent."""
    row = session.get(L1AccountRow, address)
    if row is None:
        row = L1AccountRow(address=address, balance=0, nonce=0, contract=None)
        session.add(row)
        session.flush()
    return row


@dataclass(frozen=True)
class PendingEvent:
    address: str
    name: str
    fields: dict[str, Any]


@dataclass(frozen=True)
class _Snapshot:
    current: dict[tuple[str, int], int]
    balances: dict[str, int]
    contracts: dict[str, str]
    warm_slots: frozenset[tuple[str, int]]
    warm_accounts: frozenset[str]
    events: int
    refund: int


class Execution:
    """The state of one transaction (or one read-only call) on top of a SQL session."""

    def __init__(self, session: Session, meter: GasMeter, block: BlockInfo, origin: bytes) -> None:
        self.session = session
        self.meter = meter
        self.block = block
        self.origin = origin
        self._original: dict[tuple[str, int], int] = {}  # slot values when the transaction began
        self._current: dict[tuple[str, int], int] = {}  # slots written by the transaction
        self._balances: dict[str, int] = {}  # balances changed by the transaction
        self._contracts: dict[str, str] = {}  # contracts created by the transaction: address -> name
        self.warm_slots: set[tuple[str, int]] = set()
        self.warm_accounts: set[str] = set()
        self.events: list[PendingEvent] = []

    # -- snapshots of the writes, for reverting a call frame

    def snapshot(self) -> _Snapshot:
        return _Snapshot(dict(self._current), dict(self._balances), dict(self._contracts),
                         frozenset(self.warm_slots), frozenset(self.warm_accounts), len(self.events),
                         self.meter.refund_counter)

    def restore(self, snap: _Snapshot) -> None:
        self._current = dict(snap.current)
        self._balances = dict(snap.balances)
        self._contracts = dict(snap.contracts)
        self.warm_slots = set(snap.warm_slots)
        self.warm_accounts = set(snap.warm_accounts)
        del self.events[snap.events:]
        self.meter.refund_counter = snap.refund

    # -- storage

    def _original_value(self, key: tuple[str, int]) -> int:
        value = self._original.get(key)
        if value is None:
            row = self.session.get(L1StorageRow, key)
            value = self._original[key] = 0 if row is None else row.value
        return value

    def _current_value(self, key: tuple[str, int]) -> int:
        value = self._current.get(key)
        return self._original_value(key) if value is None else value

    def sload(self, address: str, slot: int) -> int:
        key = (address, slot)
        self.meter.sload(cold=key not in self.warm_slots)
        self.warm_slots.add(key)
        return self._current_value(key)

    def sstore(self, address: str, slot: int, value: int) -> None:
        key = (address, slot)
        self.meter.sstore(self._original_value(key), self._current_value(key), value, cold=key not in self.warm_slots)
        self.warm_slots.add(key)
        self._current[key] = value

    def peek(self, address: str, slot: int) -> int:
        """A slot's current value without metering (for the chain's own reads)."""
        return self._current_value((address, slot))

    # -- accounts

    def balance(self, address: str) -> int:
        value = self._balances.get(address)
        if value is None:
            row = self.session.get(L1AccountRow, address)
            value = 0 if row is None else row.balance
        return value

    def contract_name(self, address: str) -> str | None:
        name = self._contracts.get(address)
        if name is None:
            row = self.session.get(L1AccountRow, address)
            name = None if row is None else row.contract
        return name

    def is_empty(self, address: str) -> bool:
        """EIP-161: no code, zero nonce, zero balance."""
        if self.contract_name(address) is not None or self.balance(address) != 0:
            return False
        row = self.session.get(L1AccountRow, address)
        return row is None or row.nonce == 0

    def transfer(self, src: str, dst: str, amount: int) -> None:
        """Move ``amount`` wei; reverts when ``src`` holds less."""
        if amount < 0:
            raise ValueError("a transfer moves a non-negative amount")
        have = self.balance(src)
        if have < amount:
            raise Revert(f"insufficient balance: {src} holds {have} wei, needs {amount}")
        self._balances[src] = have - amount
        self._balances[dst] = self.balance(dst) + amount

    def create(self, address: str, name: str) -> None:
        """Place a new contract of registry ``name`` at ``address``; reverts on a used address (EIP-7610)."""
        row = self.session.get(L1AccountRow, address)
        has_storage = self.session.execute(
            select(L1StorageRow.slot).where(L1StorageRow.address == address).limit(1)).first() is not None
        if self.contract_name(address) is not None or (row is not None and row.nonce != 0) or has_storage:
            raise Revert(f"contract address collision at {address}")
        self._contracts[address] = name
        self.warm_accounts.add(address)

    # -- calls

    def invoke(self, address: bytes, method: str | None, args: tuple[Any, ...], *, sender: bytes, value: int,
               static: bool, depth: int) -> Any:
        """Run ``method(*args)`` of the contract at ``address`` (value already moved); None for a plain account.

        ``method`` None is a call without data: it runs the contract's ``receive``.
        """
        name = self.contract_name(address_to_hex(address))
        if name is None:
            return None  # an account without code: the call succeeds and does nothing
        cls = contract_class(name)
        entry = "receive" if method is None else method
        kind = None if entry == "constructor" else entry_kind(cls, entry)
        if kind is None:
            if method is None:
                raise Revert(f"contract {name} at {address_to_hex(address)} does not accept plain transfers")
            raise Revert(f"contract {name} has no external method {method!r}")
        if value and kind != PAYABLE:
            raise Revert(f"{name}.{entry} is not payable")
        frame = Frame(self, address, Message(sender, value), static=static or kind == VIEW, depth=depth)
        return getattr(cls(frame), entry)(*args)

    def invoke_constructor(self, address: bytes, args: tuple[Any, ...], *, sender: bytes, value: int) -> Any:
        """Run the ``constructor(*args)`` of a contract just created at ``address`` (value already moved).

        A class without a constructor gets Solidity's default one: no arguments, not payable.
        """
        name = self._contracts[address_to_hex(address)]
        cls = contract_class(name)
        constructor = getattr(cls, "constructor", None)
        if value and (constructor is None or entry_kind(cls, "constructor") != PAYABLE):
            raise Revert(f"the constructor of {name} is not payable")
        if constructor is None:
            if args:
                raise Revert(f"{name} has no constructor taking arguments")
            return None
        frame = Frame(self, address, Message(sender, value), static=False, depth=0)
        return cls(frame).constructor(*args)

    def commit(self) -> list[PendingEvent]:
        """Write the transaction's changes to the session; returns the events to record."""
        session = self.session
        for address in sorted(set(self._balances) | set(self._contracts)):
            row = account_row(session, address)
            if address in self._balances:
                row.balance = self._balances[address]
            if address in self._contracts:
                row.contract = self._contracts[address]
                row.nonce = max(row.nonce, 1)  # EIP-161: a contract starts at nonce 1
        for (address, slot), value in sorted(self._current.items()):
            if value == self._original[(address, slot)]:
                continue
            row = session.get(L1StorageRow, (address, slot))
            if value == 0:
                if row is not None:
                    session.delete(row)
            elif row is None:
                session.add(L1StorageRow(address=address, slot=slot, value=value))
            else:
                row.value = value
        return list(self.events)


class Frame:
    """One call frame: the contract at ``address`` running for ``msg``; what ``Contract`` calls into."""

    def __init__(self, execution: Execution, address: bytes, msg: Message, *, static: bool, depth: int) -> None:
        self.execution = execution
        self.address = address
        self.address_hex = address_to_hex(address)
        self.msg = msg
        self.static = static
        self.depth = depth

    @property
    def meter(self) -> GasMeter:
        return self.execution.meter

    def _no_state_change(self, what: str) -> None:
        if self.static:
            raise Revert(f"{what} in a static (view) call")

    def sload(self, slot: int) -> int:
        _check_word("slot", slot)
        return self.execution.sload(self.address_hex, slot)

    def sstore(self, slot: int, value: int) -> None:
        _check_word("slot", slot)
        _check_word("value", value)
        self._no_state_change("storage write")
        self.execution.sstore(self.address_hex, slot, value)

    def log(self, name: str, fields: dict[str, Any], *, topics: int, data_bytes: int) -> None:
        self._no_state_change("event")
        self.meter.log(topics, data_bytes)
        self.execution.events.append(PendingEvent(self.address_hex, name, encode_fields(fields)))

    def self_balance(self) -> int:
        self.meter.charge("compute", SELFBALANCE_GAS)
        return self.execution.balance(self.address_hex)

    def call(self, to: bytes, method: str | None, args: tuple[Any, ...], value: int) -> Any:
        """CALL ``to`` (``method`` None: a plain value transfer); reverts of the callee undo its changes."""
        if value < 0:
            raise ValueError("a call sends a non-negative value")
        if value:
            self._no_state_change("value transfer")
        if self.depth + 1 >= MAX_CALL_DEPTH:
            raise Revert("call depth limit reached")
        execution = self.execution
        target = address_to_hex(to)
        cold = target not in execution.warm_accounts
        new_account = value > 0 and execution.is_empty(target)
        self.meter.call(cold=cold, value=value > 0, new_account=new_account)
        execution.warm_accounts.add(target)  # the caller's access: it stays warm if the callee reverts
        snap = execution.snapshot()
        try:
            if value:
                execution.transfer(self.address_hex, target, value)
            return execution.invoke(to, method, args, sender=self.address, value=value, static=self.static,
                                    depth=self.depth + 1)
        except Revert:
            execution.restore(snap)
            raise


def _check_word(what: str, value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < _WORD_LIMIT:
        raise ValueError(f"a storage {what} is an int in [0, 2^256), got {value!r}")


# Event fields are stored as JSON: bytes are tagged so they come back as bytes.
_BYTES_TAG = "$bytes"


def encode_fields(fields: dict[str, Any]) -> dict[str, Any]:
    return {name: _encode(value) for name, value in fields.items()}


def decode_fields(fields: dict[str, Any]) -> dict[str, Any]:
    return {name: _decode(value) for name, value in fields.items()}


def _encode(value: Any) -> Any:
    if isinstance(value, (bytes, bytearray)):
        return {_BYTES_TAG: bytes(value).hex()}
    if isinstance(value, (list, tuple)):
        return [_encode(v) for v in value]
    if isinstance(value, (bool, int, str)):
        return value
    raise TypeError(f"an event field is an int, bool, str, bytes or a list of them, not {type(value).__name__}")


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        return bytes.fromhex(value[_BYTES_TAG])
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value
