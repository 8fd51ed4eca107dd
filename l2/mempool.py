"""The mempool: admission of signed transactions into the SQL store, and their inclusion order.

Admission (:meth:`Mempool.admit`) runs the checks below and stores the transaction with its
recovered sender, all in the caller's write transaction; the transaction is acknowledged only once
that commits. Every refusal is an :class:`AdmissionError` (or another ``TxError``) with a one-line
reason, and nothing is stored.

Stateless (``l2.tx.validate_static``, before any lock is taken; the signature last, since recovering
a sender costs milliseconds):
  size ≤ 128 KiB, canonical encoding, chain id, intrinsic gas ≤ gas limit ≤ block gas limit,
  priority fee ≤ fee cap, a valid low-s signature.

Against the latest sealed state and the sender's pending transactions:
  * the hash is new (a *skipped* transaction may be sent again: it goes back to pending);
  * the fee cap covers the base fee;
  * the nonce is not used: not below the account nonce, and no pending transaction of the sender
    has it (there is no replace-by-fee); at most ``MAX_NONCE_GAP`` above the next free nonce;
  * the sender is not a contract (EIP-3607);
  * the balance covers ``gas · max_fee + value`` of this transaction *plus* that of every pending
    transaction of the sender, so an admitted transaction is not refused for funds later unless
    its sender receives less than it spent in between.

Order (:class:`PendingQueue`): each sender's transactions in nonce order; across senders the
highest effective gas price first, ties in arrival order. A sender whose next transaction cannot go
into the batch (nonce gap, no room, skipped) is set aside, since its later nonces cannot run either.
"""

from __future__ import annotations

import heapq
import time
from collections import deque
from dataclasses import dataclass
from typing import Iterable

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from l2.crypto import to_hex
from l2.store.models import TX_PENDING, TX_SKIPPED, TxRow
from l2.store.store import account_state
from l2.tx import Transaction, TxError, decode, effective_gas_price, tx_hash, validate_static

__all__ = ["AdmissionError", "Admitted", "Mempool", "PendingQueue", "MAX_NONCE_GAP", "max_cost"]

MAX_NONCE_GAP = 1024
"""How far above its next free nonce a sender may queue a transaction."""


class AdmissionError(TxError):
    """A transaction the mempool refuses; the message is the one-line reason."""


@dataclass(frozen=True)
class Admitted:
    """A transaction stored as pending."""

    hash: str
    sender: bytes
    nonce: int
    tx: Transaction
    status: str = TX_PENDING


def max_cost(tx: Transaction) -> int:
    """The most a transaction can take from its sender: gas · max fee per gas + value."""
    return tx.gas * tx.max_fee_per_gas + tx.value


class Mempool:
    """Admission of raw transactions for one chain."""

    def __init__(self, chain_id: int, base_fee: int, block_gas_limit: int) -> None:
        self.chain_id = chain_id
        self.base_fee = base_fee
        self.block_gas_limit = block_gas_limit

    def prepare(self, raw: bytes) -> tuple[Transaction, bytes]:
        """Decode and check ``raw`` without the database; returns (transaction, sender)."""
        tx = decode(raw)
        sender = validate_static(tx, self.chain_id, self.block_gas_limit)
        return tx, sender

    def next_nonce(self, session: Session, sender: bytes) -> int:
        """The nonce a new transaction of ``sender`` takes: one past its last pending one, or the account's."""
        nonce, _, _ = account_state(session, sender)
        highest = session.execute(
            select(func.max(TxRow.nonce)).where(TxRow.sender == to_hex(sender), TxRow.status == TX_PENDING)
        ).scalar()
        return nonce if highest is None else max(nonce, highest + 1)

    def admit(self, session: Session, raw: bytes, prepared: tuple[Transaction, bytes] | None = None) -> Admitted:
        """Check ``raw`` against the state and the pool and store it as pending in ``session``.

        ``session`` must be a write session (:meth:`l2.store.Store.write`); the caller acknowledges
        the transaction only after it commits. ``prepared`` is the result of :meth:`prepare` when
        the caller already ran it outside the lock.
        """
        tx, sender = prepared if prepared is not None else self.prepare(raw)
        raw = bytes(raw)
        digest = to_hex(tx_hash(tx))
        sender_hex = to_hex(sender)

        # plain column queries and a Core insert: admission is the node's hot write path
        existing = session.execute(select(TxRow.status).where(TxRow.hash == digest)).scalar()
        if existing is not None and existing != TX_SKIPPED:
            raise AdmissionError(f"transaction {digest} is already known ({existing})")
        try:
            effective_gas_price(tx, self.base_fee)
        except TxError as exc:
            raise AdmissionError(str(exc)) from None

        nonce, balance, has_code = account_state(session, sender)
        if tx.nonce < nonce:
            raise AdmissionError(f"nonce {tx.nonce} already used (account {sender_hex} is at nonce {nonce})")
        pending = session.execute(
            select(TxRow.nonce, TxRow.hash, TxRow.gas, TxRow.max_fee_per_gas, TxRow.value).where(
                TxRow.sender == sender_hex, TxRow.status == TX_PENDING
            )
        ).all()
        for row in pending:
            if row.nonce == tx.nonce:
                raise AdmissionError(f"nonce {tx.nonce} already used by pending transaction {row.hash}")
        next_free = max([nonce] + [row.nonce + 1 for row in pending])
        if tx.nonce > next_free + MAX_NONCE_GAP:
            raise AdmissionError(
                f"nonce {tx.nonce} too far ahead (next nonce of {sender_hex} is {next_free}, "
                f"at most {MAX_NONCE_GAP} ahead accepted)"
            )
        if has_code:
            raise AdmissionError(f"sender {sender_hex} is a contract (EIP-3607)")
        reserved = sum(row.gas * row.max_fee_per_gas + row.value for row in pending)
        cost = max_cost(tx)
        if balance < reserved + cost:
            held = f" ({reserved} wei held by pending transactions)" if reserved else ""
            raise AdmissionError(
                f"insufficient funds: balance {balance} wei{held}, gas × max fee + value needs {cost} wei"
            )

        if existing is not None:  # a skipped transaction sent again
            session.execute(
                update(TxRow)
                .where(TxRow.hash == digest)
                .values(status=TX_PENDING, skip_reason=None, received_at=time.time())
            )
        else:
            session.execute(
                insert(TxRow).values(
                    hash=digest,
                    raw=raw,
                    tx_type=tx.TX_TYPE,
                    sender=sender_hex,
                    nonce=tx.nonce,
                    to=None if tx.to is None else to_hex(tx.to),
                    value=tx.value,
                    gas=tx.gas,
                    max_fee_per_gas=tx.max_fee_per_gas,
                    max_priority_fee_per_gas=tx.max_priority_fee_per_gas,
                    status=TX_PENDING,
                    received_at=time.time(),
                )
            )
        return Admitted(digest, sender, tx.nonce, tx)

    @staticmethod
    def pending_rows(session: Session) -> list[TxRow]:
        """Every pending transaction, in arrival order."""
        return list(session.execute(select(TxRow).where(TxRow.status == TX_PENDING).order_by(TxRow.id)).scalars())


def _ordering_price(row: TxRow, base_fee: int) -> int:
    if row.max_fee_per_gas < base_fee:
        return -1  # cannot pay the base fee: last, and the sequencer will skip it
    return min(row.max_fee_per_gas, base_fee + row.max_priority_fee_per_gas)


class PendingQueue:
    """Pending transactions in inclusion order (see the module docstring).

    :meth:`pop` yields the best next transaction; after including it, :meth:`advance` makes the
    sender's next nonce eligible. A sender not advanced is out of this batch.
    """

    def __init__(self, rows: Iterable[TxRow], base_fee: int) -> None:
        self._base_fee = base_fee
        by_sender: dict[str, list[TxRow]] = {}
        for row in rows:
            by_sender.setdefault(row.sender, []).append(row)
        self._queues = {s: deque(sorted(q, key=lambda r: (r.nonce, r.id))) for s, q in by_sender.items()}
        self._heap: list[tuple[int, int, str]] = []
        for sender in self._queues:
            self._push_head(sender)

    def _push_head(self, sender: str) -> None:
        queue = self._queues[sender]
        if queue:
            row = queue[0]
            heapq.heappush(self._heap, (-_ordering_price(row, self._base_fee), row.id, sender))

    def pop(self) -> TxRow | None:
        """The next transaction to try, or None when no sender has one."""
        if not self._heap:
            return None
        _, _, sender = heapq.heappop(self._heap)
        return self._queues[sender].popleft()

    def advance(self, sender: str) -> None:
        """The last popped transaction of ``sender`` went in: its next one may follow."""
        self._push_head(sender)

    def remaining(self, sender: str) -> list[TxRow]:
        """Transactions of ``sender`` not yet popped."""
        return list(self._queues.get(sender, ()))
