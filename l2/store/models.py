"""The node's SQL tables (SQLAlchemy 2.x declarative models).

========================  ==========================================================================
table                     holds
========================  ==========================================================================
``chain``                 one row: chain id, configuration, genesis root, number of the head batch.
                          Every writer locks this row first, so writers are serialized on every
                          backend (SQLite additionally takes its write lock at ``BEGIN IMMEDIATE``).
``accounts``              the current world state: nonce, balance, code hash per address
``code``                  contract code by keccak-256 hash (content addressed, never deleted)
``storage``               non-zero storage words of the current state
``transactions``          every admitted transaction: raw bytes, hash, recovered sender, fees,
                          status (``pending``/``included``/``skipped``/``failed``), skip reason,
                          batch position and receipt JSON
``batches``               sealed batches: number, parent, previous/new state root, ordered tx
                          hashes, gas, trace statistics, the block values the batch was
                          executed with and the L1 deposits it credited before its transactions
                          (so it can be re-executed bit for bit)
``state_changes``         per batch, the old and new value of every state field it changed: undoing
                          the changes of later batches rebuilds the state any batch started from,
                          which is what re-executing a batch for its trace needs
``proofs``                proof bytes, parameters and timings per batch
``kv``                    namespaced key/value rows for components that bring their own state
                          (the simulated L1 contract, the bridge)
========================  ==========================================================================

The schema is created and upgraded only by the Alembic migrations in ``l2/store/migrations``; these
models must describe the same tables (a test compares them).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from l2.store.types import ADDRESS, HASH, U256

__all__ = [
    "Base",
    "Chain",
    "AccountRow",
    "CodeRow",
    "StorageRow",
    "TxRow",
    "BatchRow",
    "StateChangeRow",
    "ProofRow",
    "KeyValueRow",
    "TX_PENDING",
    "TX_INCLUDED",
    "TX_SKIPPED",
    "TX_FAILED",
    "TX_STATUSES",
]

TX_PENDING = "pending"  # admitted, waiting for a batch
TX_INCLUDED = "included"  # in a batch, receipt status 1
TX_FAILED = "failed"  # in a batch, execution failed (receipt status 0, gas still charged)
TX_SKIPPED = "skipped"  # left out of a batch for the reason in skip_reason; its nonce is free again
TX_STATUSES = (TX_PENDING, TX_INCLUDED, TX_SKIPPED, TX_FAILED)

# A nonce is used once per sender by every transaction that is not skipped.
_LIVE_TX = "status != 'skipped'"


class Base(DeclarativeBase):
    pass


class Chain(Base):
    __tablename__ = "chain"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    chain_id: Mapped[int] = mapped_column(BigInteger)
    config: Mapped[dict[str, Any]] = mapped_column(JSON)
    genesis_root: Mapped[str] = mapped_column(HASH())
    head: Mapped[int] = mapped_column(Integer)  # number of the latest batch (0 = genesis)
    created_at: Mapped[float] = mapped_column(Float)


class AccountRow(Base):
    __tablename__ = "accounts"

    address: Mapped[str] = mapped_column(ADDRESS(), primary_key=True)
    nonce: Mapped[int] = mapped_column(BigInteger)
    balance: Mapped[int] = mapped_column(U256)
    code_hash: Mapped[str] = mapped_column(HASH())


class CodeRow(Base):
    __tablename__ = "code"

    code_hash: Mapped[str] = mapped_column(HASH(), primary_key=True)
    code: Mapped[bytes] = mapped_column(LargeBinary)


class StorageRow(Base):
    __tablename__ = "storage"

    address: Mapped[str] = mapped_column(ADDRESS(), primary_key=True)
    slot: Mapped[int] = mapped_column(U256, primary_key=True)
    value: Mapped[int] = mapped_column(U256)


class BatchRow(Base):
    __tablename__ = "batches"

    number: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    parent: Mapped[int | None] = mapped_column(Integer, ForeignKey("batches.number"), nullable=True)
    prev_state_root: Mapped[str] = mapped_column(HASH())
    state_root: Mapped[str] = mapped_column(HASH())
    tx_hashes: Mapped[list[str]] = mapped_column(JSON)
    tx_count: Mapped[int] = mapped_column(Integer)
    gas_used: Mapped[int] = mapped_column(BigInteger)
    steps: Mapped[int] = mapped_column(BigInteger)
    trace_stats: Mapped[dict[str, Any]] = mapped_column(JSON)
    # the block environment the batch executed in
    timestamp: Mapped[int] = mapped_column(BigInteger)
    base_fee: Mapped[int] = mapped_column(U256)
    coinbase: Mapped[str] = mapped_column(ADDRESS())
    gas_limit: Mapped[int] = mapped_column(BigInteger)
    sealed_at: Mapped[float] = mapped_column(Float)
    # L1 deposits credited first, in id order: [[id, recipient 0x-hex, amount as a decimal string], ...]
    deposits: Mapped[list[Any]] = mapped_column(JSON, default=list, server_default=text("'[]'"))


class TxRow(Base):
    __tablename__ = "transactions"
    __table_args__ = (
        Index(
            "ux_transactions_sender_nonce_live",
            "sender",
            "nonce",
            unique=True,
            sqlite_where=text(_LIVE_TX),
            postgresql_where=text(_LIVE_TX),
        ),
        Index("ix_transactions_status_sender_nonce", "status", "sender", "nonce"),
        Index("ix_transactions_batch", "batch_number", "batch_index"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)  # arrival order
    hash: Mapped[str] = mapped_column(HASH(), unique=True)
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    tx_type: Mapped[int] = mapped_column(Integer)
    sender: Mapped[str] = mapped_column(ADDRESS())
    nonce: Mapped[int] = mapped_column(BigInteger)
    to: Mapped[str | None] = mapped_column(ADDRESS(), nullable=True)
    value: Mapped[int] = mapped_column(U256)
    gas: Mapped[int] = mapped_column(BigInteger)
    max_fee_per_gas: Mapped[int] = mapped_column(U256)
    max_priority_fee_per_gas: Mapped[int] = mapped_column(U256)
    status: Mapped[str] = mapped_column(String(16))
    skip_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    batch_number: Mapped[int | None] = mapped_column(Integer, ForeignKey("batches.number"), nullable=True)
    batch_index: Mapped[int | None] = mapped_column(Integer, nullable=True)
    receipt: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    received_at: Mapped[float] = mapped_column(Float)


class StateChangeRow(Base):
    __tablename__ = "state_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    batch_number: Mapped[int] = mapped_column(Integer, ForeignKey("batches.number"), index=True)
    address: Mapped[str] = mapped_column(ADDRESS())
    kind: Mapped[str] = mapped_column(String(16))  # nonce | balance | code_hash | storage
    slot: Mapped[int | None] = mapped_column(U256, nullable=True)
    old: Mapped[int] = mapped_column(U256)
    new: Mapped[int] = mapped_column(U256)


class ProofRow(Base):
    __tablename__ = "proofs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    batch_number: Mapped[int] = mapped_column(Integer, ForeignKey("batches.number"), index=True)
    proof: Mapped[bytes] = mapped_column(LargeBinary)
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    timings: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[float] = mapped_column(Float)


class KeyValueRow(Base):
    __tablename__ = "kv"

    namespace: Mapped[str] = mapped_column(String(64), primary_key=True)
    key: Mapped[str] = mapped_column(String(256), primary_key=True)
    value: Mapped[bytes] = mapped_column(LargeBinary)


# The simulated L1's tables (migration 0003) live on this metadata too, so that ``Base.metadata``
# describes every table the migrations create whichever module is imported first.
import verifier.l1.models  # noqa: E402,F401
