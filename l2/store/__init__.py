"""SQL storage of the node: models, engine setup, migrations and the session/lock discipline."""

from __future__ import annotations

from l2.store.engine import HEAD_REVISION, current_revision, make_engine, sqlite_url, upgrade
from l2.store.models import (
    TX_FAILED,
    TX_INCLUDED,
    TX_PENDING,
    TX_SKIPPED,
    AccountRow,
    BatchRow,
    Chain,
    CodeRow,
    KeyValueRow,
    ProofRow,
    StateChangeRow,
    StorageRow,
    TxRow,
)
from l2.store.store import Store, StoreError, account_state, kv_get, kv_put, load_world

__all__ = [
    "HEAD_REVISION", "current_revision", "make_engine", "sqlite_url", "upgrade",
    "TX_PENDING", "TX_INCLUDED", "TX_SKIPPED", "TX_FAILED",
    "AccountRow", "BatchRow", "Chain", "CodeRow", "KeyValueRow", "ProofRow", "StateChangeRow",
    "StorageRow", "TxRow", "Store", "StoreError", "account_state", "kv_get", "kv_put", "load_world",
]
