"""``L1Chain``: a small, faithful model of Ethereum L1, persisted in the node's SQL store.

Accounts hold ETH balances and nonces; contracts are Python classes (:mod:`verifier.l1.contract`)
placed at addresses, whose registry name is stored with the address. Blocks have numbers and
timestamps: transactions go into the *open* block, and :meth:`L1Chain.mine` closes it and opens the
next one a slot (12 s by default) later. Genesis is block 0; the first open block is 1.

A transaction (:meth:`L1Chain.transact`, :meth:`L1Chain.deploy`) runs as Ethereum runs one:

1. It is refused, changing nothing, when it could not be included: a gas limit below the intrinsic
   gas or the EIP-7623 floor or above the block gas limit, a sender that is a contract (EIP-3607),
   or a balance below ``value + gas_limit * gas_price`` (:class:`InvalidTransaction`).
2. The sender's nonce is incremented and ``gas_limit * gas_price`` is taken from its balance; the
   intrinsic gas (21,000 + calldata) is charged.
3. The value moves and the method runs, its storage accesses, hashing, precompiles, events and calls
   metered (:mod:`verifier.l1.gas`).
4. On success its changes (storage, balances, created contracts, events) are kept; on a
   :class:`~verifier.l1.contract.Revert` or when it runs out of gas, all of them are dropped.
   **Gas is charged either way**, as on Ethereum: the receipt has status 0, the revert reason and
   the gas used (the whole limit when out of gas), and the nonce stays used.
5. Unused gas is returned at ``gas_price``; the fee for the gas used is burned. The default gas
   price is 0, so a dev chain costs no ETH, but every receipt still reports its gas.

Each transaction is one SQL transaction (:meth:`l2.store.Store.write`), including its receipt and
events, so a crash leaves the L1 as it was before or after the call, never half way. L1 writers lock
the ``l1_chain`` row first, so they are serialized on PostgreSQL as on SQLite. Nothing is cached
between calls: another process opening the same store sees the same L1.

Transactions carry no signatures: ``sender`` is trusted, as with an unlocked account on a dev node.
As on Ethereum, a call to an address without a contract succeeds and does nothing.
The calldata a call is charged for is ``selector || abi_encode(args)`` unless ``calldata`` gives
the bytes the transaction would carry; a deployment is charged for its constructor arguments (there
is no bytecode, so no code deposit cost).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import rlp
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from l2.crypto import address_to_hex, contract_address, keccak256, parse_address
from l2.store.store import Store
from verifier.l1.abi import abi_encode, encode_call
from verifier.l1.contract import BlockInfo, Revert, contract_class
from verifier.l1.execution import Execution, account_row, decode_fields
from verifier.l1.gas import GasMeter, OutOfGas, calldata_floor_gas, intrinsic_gas
from verifier.l1.models import L1AccountRow, L1BlockRow, L1ChainRow, L1EventRow, L1ReceiptRow, L1StorageRow

__all__ = [
    "L1Chain",
    "Block",
    "Event",
    "Receipt",
    "L1Error",
    "InvalidTransaction",
    "fund_dev_accounts",
    "DEFAULT_CHAIN_ID",
    "DEFAULT_SLOT_SECONDS",
    "DEFAULT_GAS_LIMIT",
    "ZERO_ADDRESS",
]

DEFAULT_CHAIN_ID = 31337  # a development L1 (the L2's default is 1337)
DEFAULT_SLOT_SECONDS = 12  # Ethereum's slot since the Merge
DEFAULT_GAS_LIMIT = 30_000_000  # block gas limit, and the default gas limit of a transaction
ZERO_ADDRESS = bytes(20)

Address = bytes | str


class L1Error(Exception):
    """A request the L1 refuses (no chain in the store, bad block timestamp, unknown contract name)."""


class InvalidTransaction(L1Error):
    """A transaction that cannot be included: nothing changes, not even the sender's nonce."""


@dataclass(frozen=True)
class Block:
    number: int
    timestamp: int


@dataclass(frozen=True)
class Event:
    """An event a contract emitted in a successful transaction."""

    address: bytes
    name: str
    fields: dict[str, Any]
    block_number: int
    tx_hash: bytes
    log_index: int  # position in its transaction


@dataclass(frozen=True)
class Receipt:
    """The outcome of a transaction; ``chain.receipt(tx_hash)`` returns it again (without ``return_value``).

    ``gas_used`` = max(base_gas + calldata_gas + execution_gas - refund, floor_gas); ``calldata_gas`` is
    the EIP-2028 cost of the data and ``execution_gas`` what the call spent, by category in
    ``gas_by_category``.
    """

    tx_hash: bytes
    block_number: int
    position: int  # index in the block
    sender: bytes
    nonce: int
    to: bytes | None  # None for a deployment
    contract_address: bytes | None  # the deployed contract
    method: str | None
    value: int
    calldata: bytes
    status: int  # 1 success, 0 reverted or out of gas
    gas_limit: int
    gas_used: int
    base_gas: int
    calldata_gas: int
    execution_gas: int
    refund: int
    floor_gas: int
    gas_price: int
    gas_by_category: dict[str, int]
    revert_reason: str | None
    events: tuple[Event, ...]
    return_value: Any = field(default=None, compare=False)  # what the method returned (not persisted)

    @property
    def success(self) -> bool:
        return self.status == 1

    @property
    def fee(self) -> int:
        """Wei paid (and burned) for the gas used."""
        return self.gas_used * self.gas_price

    @property
    def floor_applied(self) -> bool:
        """Whether the EIP-7623 floor, not the standard cost, set ``gas_used``."""
        return self.base_gas + self.calldata_gas + self.execution_gas - self.refund < self.floor_gas


def _address(value: Address) -> bytes:
    return parse_address(value)


class L1Chain:
    """The L1 stored in ``store`` (created by :meth:`create`, attached to by :meth:`open`)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    # -- creation

    @staticmethod
    def exists(store: Store) -> bool:
        with store.read() as session:
            return session.get(L1ChainRow, 1) is not None

    @classmethod
    def create(cls, store: Store, *, chain_id: int = DEFAULT_CHAIN_ID, slot_seconds: int = DEFAULT_SLOT_SECONDS,
               genesis_timestamp: int | None = None, gas_price: int = 0,
               gas_limit: int = DEFAULT_GAS_LIMIT) -> L1Chain:
        """Write the genesis (block 0 at ``genesis_timestamp``, default now) and open block 1."""
        if slot_seconds < 1:
            raise L1Error("slot_seconds must be at least 1")
        if gas_price < 0 or gas_limit < 21_000:
            raise L1Error("gas_price must be >= 0 and gas_limit >= 21000")
        genesis = int(time.time()) if genesis_timestamp is None else genesis_timestamp
        with store.write(lock=False) as session:
            if session.get(L1ChainRow, 1) is not None:
                raise L1Error("the store already holds an L1 chain")
            session.add(L1ChainRow(id=1, chain_id=chain_id, slot_seconds=slot_seconds, gas_price=gas_price,
                                   gas_limit=gas_limit, head=1, created_at=time.time()))
            session.add(L1BlockRow(number=0, timestamp=genesis))
            session.add(L1BlockRow(number=1, timestamp=genesis + slot_seconds))
        return cls(store)

    @classmethod
    def open(cls, store: Store) -> L1Chain:
        """The L1 already in ``store``; :class:`L1Error` when there is none."""
        if not cls.exists(store):
            raise L1Error("the store holds no L1 chain")
        return cls(store)

    # -- configuration and blocks

    def _config(self, session: Session) -> L1ChainRow:
        row = session.get(L1ChainRow, 1)
        if row is None:
            raise L1Error("the store holds no L1 chain")
        return row

    def _lock(self, session: Session) -> L1ChainRow:
        row = session.execute(select(L1ChainRow).where(L1ChainRow.id == 1).with_for_update()).scalar()
        if row is None:
            raise L1Error("the store holds no L1 chain")
        return row

    @property
    def chain_id(self) -> int:
        with self.store.read() as session:
            return self._config(session).chain_id

    @property
    def slot_seconds(self) -> int:
        with self.store.read() as session:
            return self._config(session).slot_seconds

    @property
    def gas_price(self) -> int:
        with self.store.read() as session:
            return self._config(session).gas_price

    @property
    def gas_limit(self) -> int:
        with self.store.read() as session:
            return self._config(session).gas_limit

    def block(self, number: int | None = None) -> Block:
        """Block ``number``, or the open block (the one transactions go into) when None."""
        with self.store.read() as session:
            if number is None:
                number = self._config(session).head
            row = session.get(L1BlockRow, number)
            if row is None:
                raise L1Error(f"no L1 block {number}")
            return Block(row.number, row.timestamp)

    @property
    def block_number(self) -> int:
        return self.block().number

    @property
    def timestamp(self) -> int:
        return self.block().timestamp

    def mine(self, timestamp: int | None = None) -> Block:
        """Close the open block and open the next, a slot later or at ``timestamp`` (> the previous one)."""
        with self.store.write(lock=False) as session:
            head = self._lock(session)
            current = session.get(L1BlockRow, head.head)
            if timestamp is None:
                timestamp = current.timestamp + head.slot_seconds
            elif timestamp <= current.timestamp:
                raise L1Error(f"block timestamp {timestamp} is not after {current.timestamp}")
            head.head += 1
            session.add(L1BlockRow(number=head.head, timestamp=timestamp))
            return Block(head.head, timestamp)

    # -- accounts

    def balance(self, address: Address) -> int:
        with self.store.read() as session:
            row = session.get(L1AccountRow, address_to_hex(_address(address)))
            return 0 if row is None else row.balance

    def nonce(self, address: Address) -> int:
        with self.store.read() as session:
            row = session.get(L1AccountRow, address_to_hex(_address(address)))
            return 0 if row is None else row.nonce

    def contract_at(self, address: Address) -> str | None:
        """Registry name of the contract at ``address``; None for a plain account."""
        with self.store.read() as session:
            row = session.get(L1AccountRow, address_to_hex(_address(address)))
            return None if row is None else row.contract

    def storage_at(self, address: Address, slot: int) -> int:
        with self.store.read() as session:
            row = session.get(L1StorageRow, (address_to_hex(_address(address)), slot))
            return 0 if row is None else row.value

    # -- transactions

    @contextmanager
    def _writing(self, session: Session | None) -> Iterator[Session]:
        if session is not None:
            yield session
            return
        with self.store.write(lock=False) as own:
            yield own

    def transact(self, sender: Address, to: Address, method: str | None, *args: Any, value: int = 0,
                 calldata: bytes | None = None, gas_limit: int | None = None, gas_price: int | None = None,
                 session: Session | None = None) -> Receipt:
        """Send a transaction calling ``method(*args)`` on ``to`` (``method`` None: a plain transfer).

        ``calldata``: the bytes the transaction carries, for pricing (default ``selector || abi(args)``,
        empty for a plain transfer). ``gas_limit`` defaults to the block gas limit, ``gas_price`` to
        the chain's. ``session``: run inside the caller's write transaction (from ``Store.write()``)
        instead of a transaction of its own. Raises :class:`InvalidTransaction` when it cannot be
        included; a revert is a receipt with status 0.
        """
        if value < 0:
            raise InvalidTransaction("value must be >= 0")
        if calldata is None:
            calldata = b"" if method is None else encode_call(method, args)
        with self._writing(session) as s:
            return self._run(s, _address(sender), _address(to), method, args, value, bytes(calldata), gas_limit,
                             gas_price, create=None)

    def deploy(self, sender: Address, contract: str, *args: Any, value: int = 0, calldata: bytes | None = None,
               gas_limit: int | None = None, gas_price: int | None = None,
               session: Session | None = None) -> Receipt:
        """Deploy the contract class registered as ``contract`` at the CREATE address of the sender.

        Runs the class's ``constructor(*args)`` if it has one; the address is in
        ``receipt.contract_address``. Charged 21,000 + 32,000 + calldata (default: the ABI encoding of
        ``args``) + initcode words (EIP-3860) + what the constructor spends.
        """
        try:
            contract_class(contract)
        except LookupError as exc:
            raise L1Error(str(exc)) from None
        if value < 0:
            raise InvalidTransaction("value must be >= 0")
        if calldata is None:
            calldata = abi_encode(args)
        with self._writing(session) as s:
            return self._run(s, _address(sender), None, None, args, value, bytes(calldata), gas_limit, gas_price,
                             create=contract)

    def call(self, to: Address, method: str, *args: Any, sender: Address = ZERO_ADDRESS, value: int = 0) -> Any:
        """Run ``method(*args)`` on the current state and return its result; nothing is written.

        Like ``eth_call``: any method can be called and its changes are discarded. A revert raises
        :class:`~verifier.l1.contract.Revert`.
        """
        with self.store.read() as session:
            config = self._config(session)
            block = session.get(L1BlockRow, config.head)
            execution = Execution(session, GasMeter(config.gas_limit),
                                  BlockInfo(block.number, block.timestamp, config.chain_id), _address(sender))
            target, origin = _address(to), _address(sender)
            if value:
                execution.transfer(address_to_hex(origin), address_to_hex(target), value)
            return execution.invoke(target, method, args, sender=origin, value=value, static=False, depth=0)

    def _run(self, session: Session, sender: bytes, to: bytes | None, method: str | None, args: tuple[Any, ...],
             value: int, calldata: bytes, gas_limit: int | None, gas_price: int | None, *,
             create: str | None) -> Receipt:
        config = self._lock(session)
        block_row = session.get(L1BlockRow, config.head)
        gas_limit = config.gas_limit if gas_limit is None else gas_limit
        gas_price = config.gas_price if gas_price is None else gas_price
        if gas_price < 0:
            raise InvalidTransaction("gas price must be >= 0")
        if gas_limit > config.gas_limit:
            raise InvalidTransaction(f"gas limit {gas_limit} exceeds the block gas limit {config.gas_limit}")
        needed = max(intrinsic_gas(calldata, create=create is not None), calldata_floor_gas(calldata))
        if gas_limit < needed:
            raise InvalidTransaction(f"gas limit {gas_limit} is below the intrinsic gas or EIP-7623 floor {needed}")
        sender_hex = address_to_hex(sender)
        sender_row = session.get(L1AccountRow, sender_hex)
        balance = 0 if sender_row is None else sender_row.balance
        if sender_row is not None and sender_row.contract is not None:
            raise InvalidTransaction(f"sender {sender_hex} is a contract (EIP-3607)")
        upfront = value + gas_limit * gas_price
        if balance < upfront:
            raise InvalidTransaction(
                f"sender {sender_hex} holds {balance} wei, needs {upfront} (value + gas limit × price)")

        sender_row = account_row(session, sender_hex)
        nonce = sender_row.nonce
        target = contract_address(sender, nonce) if create is not None else to
        target_hex = address_to_hex(target)
        tx_hash = keccak256(rlp.encode([config.chain_id, nonce, sender, b"" if to is None else to, value, calldata,
                                        gas_limit, gas_price]))
        # bought gas and nonce: kept whatever the call does
        sender_row.nonce = nonce + 1
        sender_row.balance = balance - gas_limit * gas_price

        meter = GasMeter(gas_limit)
        meter.start(calldata, create=create is not None)
        block = BlockInfo(block_row.number, block_row.timestamp, config.chain_id)
        execution = Execution(session, meter, block, origin=sender)
        execution.warm_accounts.update((sender_hex, target_hex))  # EIP-2929: origin and target start warm
        status, reason, result, out_of_gas = 1, None, None, False
        try:
            if create is not None:
                execution.create(target_hex, create)
            if value:
                execution.transfer(sender_hex, target_hex, value)
            if create is not None:
                result = execution.invoke_constructor(target, args, sender=sender, value=value)
            else:
                result = execution.invoke(target, method, args, sender=sender, value=value, static=False, depth=0)
        except Revert as exc:
            status, reason = 0, exc.reason
        except OutOfGas as exc:
            status, reason, out_of_gas = 0, f"out of gas ({exc})", True
        settlement = meter.settle(success=status == 1, out_of_gas=out_of_gas)
        pending = execution.commit() if status == 1 else []
        sender_row = account_row(session, sender_hex)
        sender_row.balance += (gas_limit - settlement.gas_used) * gas_price  # unused gas back; the rest burned

        position = session.execute(select(func.count()).select_from(L1ReceiptRow)
                                   .where(L1ReceiptRow.block_number == block.number)).scalar_one()
        tx_hex = "0x" + tx_hash.hex()
        events = tuple(
            Event(bytes.fromhex(ev.address[2:]), ev.name, decode_fields(ev.fields), block.number, tx_hash, index)
            for index, ev in enumerate(pending))
        for index, ev in enumerate(pending):
            session.add(L1EventRow(block_number=block.number, tx_hash=tx_hex, log_index=index, address=ev.address,
                                   name=ev.name, fields=ev.fields))
        receipt = Receipt(
            tx_hash=tx_hash, block_number=block.number, position=position, sender=sender, nonce=nonce, to=to,
            contract_address=target if create is not None and status == 1 else None, method=method, value=value,
            calldata=calldata, status=status, gas_limit=gas_limit, gas_used=settlement.gas_used,
            base_gas=settlement.base_gas, calldata_gas=settlement.calldata_gas,
            execution_gas=settlement.execution_gas, refund=settlement.refund, floor_gas=settlement.floor_gas,
            gas_price=gas_price, gas_by_category=settlement.by_category, revert_reason=reason, events=events,
            return_value=result)
        session.add(_receipt_row(receipt))
        return receipt

    # -- history

    def receipt(self, tx_hash: bytes) -> Receipt | None:
        """The receipt of an included transaction; None when unknown."""
        tx_hex = "0x" + bytes(tx_hash).hex()
        with self.store.read() as session:
            row = session.get(L1ReceiptRow, tx_hex)
            if row is None:
                return None
            events = session.execute(
                select(L1EventRow).where(L1EventRow.tx_hash == tx_hex).order_by(L1EventRow.log_index)).scalars()
            return _receipt_from_row(row, tuple(_event_from_row(e) for e in events))

    def receipts(self, block_number: int) -> list[Receipt]:
        """The receipts of block ``block_number`` in order."""
        with self.store.read() as session:
            hashes = session.execute(select(L1ReceiptRow.tx_hash).where(L1ReceiptRow.block_number == block_number)
                                     .order_by(L1ReceiptRow.position)).scalars().all()
        return [self.receipt(bytes.fromhex(h[2:])) for h in hashes]

    def events(self, address: Address | None = None, name: str | None = None, from_block: int | None = None,
               to_block: int | None = None) -> list[Event]:
        """Events in emission order, filtered by contract, name and block range (both ends inclusive)."""
        query = select(L1EventRow).order_by(L1EventRow.id)
        if address is not None:
            query = query.where(L1EventRow.address == address_to_hex(_address(address)))
        if name is not None:
            query = query.where(L1EventRow.name == name)
        if from_block is not None:
            query = query.where(L1EventRow.block_number >= from_block)
        if to_block is not None:
            query = query.where(L1EventRow.block_number <= to_block)
        with self.store.read() as session:
            return [_event_from_row(row) for row in session.execute(query).scalars()]


def _event_from_row(row: L1EventRow) -> Event:
    return Event(bytes.fromhex(row.address[2:]), row.name, decode_fields(row.fields), row.block_number,
                 bytes.fromhex(row.tx_hash[2:]), row.log_index)


def _hex_or_none(address: bytes | None) -> str | None:
    return None if address is None else address_to_hex(address)


def _bytes_or_none(text: str | None) -> bytes | None:
    return None if text is None else bytes.fromhex(text[2:])


def _receipt_row(r: Receipt) -> L1ReceiptRow:
    return L1ReceiptRow(
        tx_hash="0x" + r.tx_hash.hex(), block_number=r.block_number, position=r.position,
        sender=address_to_hex(r.sender), nonce=r.nonce, to=_hex_or_none(r.to),
        contract_address=_hex_or_none(r.contract_address), method=r.method, value=r.value, calldata=r.calldata,
        status=r.status, gas_limit=r.gas_limit, gas_used=r.gas_used, base_gas=r.base_gas,
        calldata_gas=r.calldata_gas, execution_gas=r.execution_gas, refund=r.refund, floor_gas=r.floor_gas,
        gas_price=r.gas_price, gas_by_category=dict(r.gas_by_category), revert_reason=r.revert_reason)


def _receipt_from_row(row: L1ReceiptRow, events: tuple[Event, ...]) -> Receipt:
    return Receipt(
        tx_hash=bytes.fromhex(row.tx_hash[2:]), block_number=row.block_number, position=row.position,
        sender=bytes.fromhex(row.sender[2:]), nonce=row.nonce, to=_bytes_or_none(row.to),
        contract_address=_bytes_or_none(row.contract_address), method=row.method, value=row.value,
        calldata=bytes(row.calldata), status=row.status, gas_limit=row.gas_limit, gas_used=row.gas_used,
        base_gas=row.base_gas, calldata_gas=row.calldata_gas, execution_gas=row.execution_gas, refund=row.refund,
        floor_gas=row.floor_gas, gas_price=row.gas_price, gas_by_category=dict(row.gas_by_category),
        revert_reason=row.revert_reason, events=events)


def fund_dev_accounts(chain: L1Chain, addresses: Iterable[Address], amount: int) -> None:
    """Credit ``amount`` wei to each address (created if absent), in one SQL transaction.

    Development funding outside any transaction, as a genesis allocation: no nonce, gas or receipt.
    """
    if amount < 0:
        raise L1Error("amount must be >= 0")
    with chain.store.write(lock=False) as session:
        chain._lock(session)
        for address in addresses:
            row = account_row(session, address_to_hex(_address(address)))
            if row.contract is not None:
                raise L1Error(f"{row.address} is a contract, not a development account")
            row.balance += amount
