"""The sequencer: seals pending transactions into a batch and commits the new state root.

:meth:`Sequencer.seal` is one SQL transaction, begun under the write lock:

1. load the latest state (the ``accounts``/``storage``/``code`` rows) and rebuild its state tree;
   its root must equal the head batch's ``state_root``;
2. credit the L1 deposits the node passes in that the state has not credited yet (those with an id
   at or above the L2 bridge account's nonce), in id order, as the batch proof states them
   (:func:`bridge.deposits.apply_deposits`);
3. take pending transactions — first the ``priority`` ones (forced through L1) with the lower
   nonces of their senders they wait on, then the others, each group in mempool order
   (:class:`l2.mempool.PendingQueue`) — and apply each with the VM and a trace recorder
   (:func:`l2.executor.apply_transaction`):

   * a transaction that cannot be included in this state (fee cap, funds, nonce already used)
     is **skipped** with that reason;
   * one whose execution runs an opcode outside the proven set is undone and **skipped** with
     the opcode and its pc (:func:`unproven_opcodes`), as a circuit-capacity checker does;
   * one that does not fit the batch's gas cap or trace-row cap stays **pending** for a later
     batch (or is skipped if it alone exceeds the row cap);
   * a nonce gap leaves the sender's transactions pending;
   * the others are **included** (receipt status 1) or **failed** (status 0, gas charged);

4. write the changed accounts and slots, the per-field old/new values of this batch
   (``state_changes``: enough to rebuild the state any batch started from and re-execute it
   for its trace; deposits included), the receipts and statuses, and the batch row with the new
   state root (the :class:`~l2.state.tree.StateTree` root, ``0x``-hex), the deposits it credited
   and the trace statistics;
5. commit. A batch is reported only after this commit: killing the process at any point
   leaves either no trace of the batch or all of it.

A call that credits no deposit and includes no transaction creates no batch (skips are still
recorded). :meth:`Sequencer.import_batch` writes a batch that was sealed elsewhere (read back from
L1) the same way, executing exactly its deposits and transactions.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import Any, Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from bridge.deposits import DepositError, apply_deposits, next_deposit_id
from l2.batch_statement import MAX_DEPOSITS, BatchStatement, Deposit, StatementError, root_bytes
from l2.crypto import to_hex
from l2.executor import InvalidTransaction, TxOutcome, apply_transaction
from l2.mempool import Mempool, PendingQueue
from l2.state.keys import Kind, account_key, storage_key
from l2.state.tree import StateTree
from l2.state.world import WorldState, code_hash
from l2.store.models import (
    TX_FAILED,
    TX_INCLUDED,
    TX_PENDING,
    TX_SKIPPED,
    AccountRow,
    BatchRow,
    Chain,
    CodeRow,
    StateChangeRow,
    StorageRow,
    TxRow,
)
from l2.store.store import StoreError, load_world
from l2.tx import Transaction, decode, tx_hash
from l2.vm import BlockEnv, Op
from l2.vm.trace import ExecutionTrace, TraceRecorder

__all__ = [
    "VM_OPCODES",
    "DEFAULT_GAS_LIMIT",
    "DEFAULT_MAX_TRACE_ROWS",
    "BatchLimits",
    "SealedState",
    "SealResult",
    "Sequencer",
    "unproven_opcodes",
    "trace_rows",
    "state_tree",
    "receipt_json",
    "apply_changes",
    "deposits_json",
    "deposits_from_json",
]

VM_OPCODES: frozenset[int] = frozenset(int(op) for op in Op)
"""Every opcode the VM executes: the default proven set, so nothing is skipped until the circuits
publish a narrower one."""

DEFAULT_GAS_LIMIT = 30_000_000
"""Gas cap of a batch (and the largest gas limit a transaction may ask for): 1,428 plain transfers."""

DEFAULT_MAX_TRACE_ROWS = 1 << 20
"""Cap on the VM steps a batch records (the rows of its execution trace)."""


def _normalize_opcodes(opcodes: Iterable[int | str]) -> frozenset[int]:
    out = set()
    for op in opcodes:
        out.add(int(Op[op]) if isinstance(op, str) else int(op))
    return frozenset(out)


def unproven_opcodes(trace: ExecutionTrace | None, proven: Collection[int | str] | None = None) -> list[tuple[str, int]]:
    """The opcodes ``trace`` executed that are not in ``proven``: (mnemonic, first pc), first seen first.

    ``proven`` holds opcode bytes or mnemonics; None means :data:`VM_OPCODES`. A byte outside the
    VM's opcode table executes as INVALID, and is checked as INVALID.
    """
    if trace is None:
        return []
    allowed = VM_OPCODES if proven is None else _normalize_opcodes(proven)
    out = []
    for name, places in trace.distinct_opcodes().items():
        opcode = int(Op[name]) if name in Op.__members__ else int(Op.INVALID)
        if opcode not in allowed:
            out.append((name, places[0][1]))
    return out


def trace_rows(trace: ExecutionTrace | None) -> int:
    """Rows a transaction adds to the batch's execution trace: one per VM step."""
    return 0 if trace is None else len(trace)


@dataclass(frozen=True)
class BatchLimits:
    """What one batch may hold."""

    gas_limit: int = DEFAULT_GAS_LIMIT
    max_trace_rows: int = DEFAULT_MAX_TRACE_ROWS
    max_txs: int | None = None


@dataclass(frozen=True)
class SealedState:
    """The world state and state tree as of head batch ``head`` (what a seal starts from)."""

    head: int
    world: WorldState
    tree: StateTree


@dataclass
class SealResult:
    """The outcome of one :meth:`Sequencer.seal` (``batch`` is None when nothing was included)."""

    batch: int | None
    tx_hashes: list[str]
    skipped: list[tuple[str, str]]  # (hash, reason)
    prev_state_root: str
    state_root: str
    steps: int
    gas_used: int
    failed: int = 0
    outcomes: list[TxOutcome] = field(default_factory=list, repr=False)
    deposits: list[Deposit] = field(default_factory=list)  # the L1 deposits credited, in id order
    # the state after the batch, for a caller that keeps it for the next seal (see Sequencer.seal)
    state: SealedState | None = field(default=None, repr=False)

    def to_json(self) -> dict[str, Any]:
        return {
            "batch": self.batch,
            "txs": len(self.tx_hashes),
            "skipped": len(self.skipped),
            "prev_state_root": self.prev_state_root,
            "state_root": self.state_root,
            "steps": self.steps,
            "gas_used": self.gas_used,
            "failed": self.failed,
            "deposits": [d.id for d in self.deposits],
            "tx_hashes": list(self.tx_hashes),
            "skipped_txs": [{"hash": h, "reason": r} for h, r in self.skipped],
        }


# --------------------------------------------------------------------------------------------------
# state tree and state rows


def state_tree(world: WorldState) -> StateTree:
    """The state tree of ``world``: nonce, balance and code-hash leaves per account, one per slot."""
    items = []
    for address, account in world.accounts():
        items.append((account_key(address, Kind.NONCE), account.nonce))
        items.append((account_key(address, Kind.BALANCE), account.balance))
        items.append((account_key(address, Kind.CODE_HASH), int.from_bytes(code_hash(account.code), "big")))
        for slot, value in account.storage.items():
            items.append((storage_key(address, slot), value))
    return StateTree.from_items(items)


def _chunks(items: list, size: int = 500) -> Iterable[list]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def apply_changes(
    session: Session, world: WorldState, tree: StateTree, accounts: Iterable[bytes], slots: Iterable[tuple[bytes, int]],
    batch_number: int,
) -> list[StateChangeRow]:
    """Write changed accounts/slots of ``world`` to the tree and the state rows.

    ``tree`` must hold the state before the changes. Returns the old → new record of every field
    that changed, for the caller to add once the batch row exists.
    """
    live = dict(world.accounts())
    accounts = sorted(set(accounts))
    slots = sorted(set(slots))
    changes: list[StateChangeRow] = []

    rows: dict[str, AccountRow] = {}
    for chunk in _chunks([to_hex(a) for a in accounts]):
        for row in session.execute(select(AccountRow).where(AccountRow.address.in_(chunk))).scalars():
            rows[row.address] = row
    for address in accounts:
        hex_address = to_hex(address)
        old = tree.get_account(address)
        account = live.get(address)
        if account is None:
            new = (0, 0, bytes(32))
        else:
            new = (account.nonce, account.balance, code_hash(account.code))
        for kind, before, after in (
            ("nonce", old[0], new[0]),
            ("balance", old[1], new[1]),
            ("code_hash", int.from_bytes(old[2], "big"), int.from_bytes(new[2], "big")),
        ):
            if before != after:
                changes.append(StateChangeRow(batch_number=batch_number, address=hex_address, kind=kind,
                                              slot=None, old=before, new=after))
        tree.set_account(address, *new)
        row = rows.get(hex_address)
        if account is None:
            if row is not None:
                session.delete(row)
            continue
        new_hash = to_hex(new[2])
        if account.code and session.get(CodeRow, new_hash) is None:
            session.add(CodeRow(code_hash=new_hash, code=account.code))
        if row is None:
            session.add(AccountRow(address=hex_address, nonce=account.nonce, balance=account.balance, code_hash=new_hash))
        else:
            row.nonce, row.balance, row.code_hash = account.nonce, account.balance, new_hash

    for address, slot in slots:
        hex_address = to_hex(address)
        before = tree.get_storage(address, slot)
        account = live.get(address)
        after = 0 if account is None else account.storage.get(slot, 0)
        if before == after:
            continue
        changes.append(StateChangeRow(batch_number=batch_number, address=hex_address, kind="storage",
                                      slot=slot, old=before, new=after))
        tree.set_storage(address, slot, after)
        row = session.get(StorageRow, (hex_address, slot))
        if after == 0:
            if row is not None:
                session.delete(row)
        elif row is None:
            session.add(StorageRow(address=hex_address, slot=slot, value=after))
        else:
            row.value = after
    return changes


def deposits_json(deposits: Iterable[Deposit]) -> list[list[Any]]:
    """The ``batches.deposits`` column: ``[[id, recipient 0x-hex, amount as a decimal string], ...]``."""
    return [[d.id, to_hex(d.recipient), str(d.amount)] for d in deposits]


def deposits_from_json(data: Iterable[list[Any]] | None) -> list[Deposit]:
    """The :class:`~l2.batch_statement.Deposit` values of a ``batches.deposits`` column."""
    return [Deposit(int(ident), bytes.fromhex(recipient[2:]), int(amount)) for ident, recipient, amount in data or ()]


def receipt_json(outcome: TxOutcome, tx: Transaction, tx_hash: str, sender: bytes, batch: int, index: int) -> dict[str, Any]:
    """The stored receipt: JSON-RPC receipt fields plus the VM's error and revert data."""
    out = outcome.receipt.to_dict()
    out.update(
        {
            "transactionHash": tx_hash,
            "transactionIndex": hex(index),
            "batchNumber": hex(batch),
            "from": to_hex(sender),
            "to": None if tx.to is None else to_hex(tx.to),
            "type": hex(tx.TX_TYPE),
            "effectiveGasPrice": hex(outcome.effective_gas_price),
            "gasRefund": hex(outcome.gas_refund),
            "error": outcome.result.error,
            "returnData": to_hex(outcome.result.output),
        }
    )
    return out


# --------------------------------------------------------------------------------------------------
# sealing


@dataclass
class _Fill:
    """What a seal has taken so far: included (row, tx, outcome), skipped (row, reason), gas and rows."""

    included: list[tuple[TxRow, Transaction, TxOutcome]] = field(default_factory=list)
    skipped: list[tuple[TxRow, str]] = field(default_factory=list)
    gas_used: int = 0
    rows_used: int = 0


class Sequencer:
    """Seals batches for one chain.

    ``proven_opcodes`` is the set the circuits prove (opcode bytes or names; default
    :data:`VM_OPCODES`). ``tracer_factory`` makes the per-transaction trace recorder.
    """

    def __init__(
        self,
        *,
        chain_id: int,
        base_fee: int,
        coinbase: bytes,
        limits: BatchLimits | None = None,
        proven_opcodes: Collection[int | str] | None = None,
        tracer_factory: Callable[[], Any] = TraceRecorder,
    ) -> None:
        self.chain_id = chain_id
        self.base_fee = base_fee
        self.coinbase = coinbase
        self.limits = limits or BatchLimits()
        self.proven_opcodes = VM_OPCODES if proven_opcodes is None else _normalize_opcodes(proven_opcodes)
        self.tracer_factory = tracer_factory

    def block_env(self, number: int, timestamp: int) -> BlockEnv:
        return BlockEnv(
            number=number,
            timestamp=timestamp,
            base_fee=self.base_fee,
            chain_id=self.chain_id,
            coinbase=self.coinbase,
            gas_limit=self.limits.gas_limit,
        )

    def seal(self, session: Session, *, timestamp: int | None = None, state: SealedState | None = None,
             deposits: Iterable[Deposit] = (), priority: Collection[str] = ()) -> SealResult:
        """Seal pending transactions into the next batch inside ``session`` (a locked write session).

        The caller commits; see the module docstring for what is written. ``state`` is the
        :attr:`SealResult.state` of this process's previous seal, once that seal committed: it is
        used when the head has not moved since (only sealing changes the state, and every seal
        moves the head), which saves reloading the state and rebuilding its tree. The object is
        consumed either way.

        ``deposits``: L1 deposits known to the caller; those the state has already credited are
        ignored, the others (at most ``MAX_DEPOSITS``, the rest wait) must follow on from the
        bridge account's nonce without a gap (:class:`~bridge.deposits.DepositError` otherwise).
        ``priority``: hashes of pending transactions to try before all others.
        """
        chain = session.get(Chain, 1)
        head = session.get(BatchRow, chain.head)
        if head is None:
            raise StoreError(f"head batch {chain.head} is missing")
        if state is not None and state.head == head.number and state.tree.root_hex == head.state_root:
            world, tree = state.world, state.tree
        else:
            world = load_world(session)
            tree = state_tree(world)
            if tree.root_hex != head.state_root:
                raise StoreError(
                    f"stored state does not match batch {head.number}'s root ({tree.root_hex} != {head.state_root})"
                )
        number = head.number + 1
        now = int(time.time()) if timestamp is None else int(timestamp)
        env = self.block_env(number, max(now, head.timestamp))

        marker = world.marker()
        # deposits first: the batch statement credits them before its transactions
        first_id = next_deposit_id(world)
        credited = sorted((d for d in deposits if d.id >= first_id), key=lambda d: d.id)[:MAX_DEPOSITS]
        try:
            apply_deposits(world, credited)
        except DepositError:
            world.revert(marker)
            world.forget_changes()
            raise

        fill = _Fill()
        pending = Mempool.pending_rows(session)
        wanted = set(priority)
        if wanted:
            # a forced transaction can only run after its sender's lower nonces: they go first too
            reach: dict[str, int] = {}
            for row in pending:
                if row.hash in wanted:
                    reach[row.sender] = max(reach.get(row.sender, -1), row.nonce)
            early = [row for row in pending if row.nonce <= reach.get(row.sender, -1)]
            taken = {row.id for row in early}
            self._fill(PendingQueue(early, self.base_fee), world, env, fill)
            pending = [row for row in pending if row.id not in taken]
        self._fill(PendingQueue(pending, self.base_fee), world, env, fill)

        for row, reason in fill.skipped:
            row.status = TX_SKIPPED
            row.skip_reason = reason
        skipped = [(r.hash, reason) for r, reason in fill.skipped]
        prev_root = head.state_root
        if not fill.included and not credited:
            session.flush()
            world.forget_changes()
            return SealResult(None, [], skipped, prev_root, prev_root, 0, 0,
                              state=SealedState(head.number, world, tree))
        return self._write_batch(session, chain, head, world, tree, marker, env, credited, fill, skipped)

    def _fill(self, queue: PendingQueue, world: WorldState, env: BlockEnv, fill: _Fill) -> None:
        """Apply transactions from ``queue`` to ``world`` while the batch has room (see the module docstring)."""
        limits = self.limits
        while True:
            if limits.max_txs is not None and len(fill.included) >= limits.max_txs:
                break
            row = queue.pop()
            if row is None:
                break
            tx = decode(row.raw)
            sender = bytes.fromhex(row.sender[2:])
            state_nonce = world.get_nonce(sender)
            if tx.nonce > state_nonce:
                continue  # nonce gap: the sender's transactions wait
            if tx.gas > limits.gas_limit - fill.gas_used:
                continue  # no room left in this batch: waits for the next one
            snapshot = world.snapshot()
            tracer = self.tracer_factory()
            try:
                outcome = apply_transaction(
                    world, tx, sender, env, tracer=tracer,
                    gas_available=limits.gas_limit - fill.gas_used, cumulative_gas_used=fill.gas_used,
                )
            except InvalidTransaction as exc:
                world.revert(snapshot)
                fill.skipped.append((row, str(exc)))
                continue
            unproven = unproven_opcodes(outcome.trace, self.proven_opcodes)
            if unproven:
                world.revert(snapshot)
                places = ", ".join(f"{name} at pc {pc}" for name, pc in unproven)
                word = "opcode" if len(unproven) == 1 else "opcodes"
                fill.skipped.append((row, f"unproven {word}: {places}"))
                continue
            rows = trace_rows(outcome.trace)
            if fill.rows_used + rows > limits.max_trace_rows:
                world.revert(snapshot)
                if rows > limits.max_trace_rows:
                    fill.skipped.append((row, f"trace of {rows} rows exceeds the batch cap of {limits.max_trace_rows}"))
                continue
            fill.included.append((row, tx, outcome))
            fill.gas_used += outcome.gas_used
            fill.rows_used += rows
            queue.advance(row.sender)

    def _write_batch(self, session: Session, chain: Chain, head: BatchRow, world: WorldState, tree: StateTree,
                     marker: int, env: BlockEnv, credited: list[Deposit], fill: _Fill,
                     skipped: list[tuple[str, str]]) -> SealResult:
        """Write batch ``env.number``: state rows and changes, the batch row, the transactions' receipts."""
        number = env.number
        changes = world.changes(marker)
        change_rows = apply_changes(session, world, tree, changes.accounts, changes.slots, number)
        new_root = tree.root_hex
        included = fill.included
        stats = self._trace_stats([outcome for _, _, outcome in included])
        hashes = [row.hash for row, _, _ in included]
        session.add(
            BatchRow(
                number=number,
                parent=head.number,
                prev_state_root=head.state_root,
                state_root=new_root,
                tx_hashes=hashes,
                tx_count=len(hashes),
                gas_used=fill.gas_used,
                steps=fill.rows_used,
                trace_stats=stats,
                timestamp=env.timestamp,
                base_fee=env.base_fee,
                coinbase=to_hex(env.coinbase),
                gas_limit=env.gas_limit,
                sealed_at=time.time(),
                deposits=deposits_json(credited),
            )
        )
        session.flush()  # the batch row goes in before the rows that reference it
        session.add_all(change_rows)
        failed = 0
        for index, (row, tx, outcome) in enumerate(included):
            row.status = TX_INCLUDED if outcome.success else TX_FAILED
            failed += 0 if outcome.success else 1
            row.batch_number = number
            row.batch_index = index
            row.receipt = receipt_json(outcome, tx, row.hash, bytes.fromhex(row.sender[2:]), number, index)
        chain.head = number
        session.flush()
        world.forget_changes()
        return SealResult(
            number, hashes, skipped, head.state_root, new_root, fill.rows_used, fill.gas_used,
            failed, [outcome for _, _, outcome in included], list(credited), SealedState(number, world, tree),
        )

    def import_batch(self, session: Session, statement: BatchStatement) -> SealResult:
        """Write a batch sealed elsewhere (a :class:`~l2.batch_statement.BatchStatement`, e.g. read
        back from L1) as the next batch: its deposits, then its transactions in order, executed in
        its own block context. Raises StoreError when it does not follow the head, a transaction
        cannot be applied, or the roots it reaches are not the statement's."""
        chain = session.get(Chain, 1)
        head = session.get(BatchRow, chain.head)
        number = statement.number
        if number != head.number + 1:
            raise StoreError(f"batch {number} does not follow the head batch {head.number}")
        if statement.chain_id != self.chain_id:
            raise StoreError(f"batch {number} is for chain {statement.chain_id}, not {self.chain_id}")
        world = load_world(session)
        tree = state_tree(world)
        if root_bytes(tree.root) != root_bytes(statement.prev_root):
            raise StoreError(f"batch {number} starts from another state root than batch {head.number} ended at")
        env = BlockEnv(number=number, timestamp=statement.timestamp, base_fee=statement.base_fee,
                       chain_id=self.chain_id, coinbase=statement.fee_recipient, gas_limit=statement.gas_limit)
        marker = world.marker()
        try:
            apply_deposits(world, statement.deposits)
            decoded = statement.decoded
        except (DepositError, StatementError) as exc:
            raise StoreError(f"batch {number}: {exc}") from None
        fill = _Fill()
        now = time.time()
        for index, ((tx, sender), raw) in enumerate(zip(decoded, statement.transactions)):
            try:
                outcome = apply_transaction(world, tx, sender, env, tracer=self.tracer_factory(),
                                            gas_available=env.gas_limit - fill.gas_used,
                                            cumulative_gas_used=fill.gas_used)
            except InvalidTransaction as exc:
                raise StoreError(f"batch {number}: transaction {index} cannot be applied: {exc}") from None
            row = TxRow(hash=to_hex(tx_hash(tx)), raw=raw, tx_type=tx.TX_TYPE, sender=to_hex(sender), nonce=tx.nonce,
                        to=None if tx.to is None else to_hex(tx.to), value=tx.value, gas=tx.gas,
                        max_fee_per_gas=tx.max_fee_per_gas, max_priority_fee_per_gas=tx.max_priority_fee_per_gas,
                        status=TX_PENDING, received_at=now)
            session.add(row)
            fill.included.append((row, tx, outcome))
            fill.gas_used += outcome.gas_used
            fill.rows_used += trace_rows(outcome.trace)
        result = self._write_batch(session, chain, head, world, tree, marker, env, list(statement.deposits), fill, [])
        expected = "0x" + root_bytes(statement.new_root).hex()
        if result.state_root != expected:
            raise StoreError(f"re-executing batch {number} gives root {result.state_root}, the batch says {expected}")
        return result

    @staticmethod
    def _trace_stats(outcomes: list[TxOutcome]) -> dict[str, Any]:
        opcodes: Counter[str] = Counter()
        totals = Counter()
        tx_steps = []
        for outcome in outcomes:
            trace = outcome.trace
            if trace is None:
                tx_steps.append(0)
                continue
            summary = trace.summary()
            opcodes.update(summary["opcodes"])
            for key in ("steps", "calls", "memory_ops", "storage_ops", "state_accesses"):
                totals[key] += summary[key]
            tx_steps.append(summary["steps"])
        return {
            "steps": totals["steps"],
            "calls": totals["calls"],
            "memory_ops": totals["memory_ops"],
            "storage_ops": totals["storage_ops"],
            "state_accesses": totals["state_accesses"],
            "opcodes": dict(sorted(opcodes.items())),
            "tx_steps": tx_steps,
        }

