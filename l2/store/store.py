"""The node's database: sessions, the write lock, and the state and transaction queries.

Every state-changing operation of the node — admitting a transaction, sealing a batch, storing a
proof — runs inside one :meth:`Store.write` block, which is one SQL transaction: it commits as a
whole when the block ends, or not at all. A process killed at any moment therefore leaves the
database as it was before or after the operation, never in between; an operation is reported to
the user only after its commit returned.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from l2.crypto import to_hex
from l2.state.world import EMPTY_CODE_HASH, Account, WorldState
from l2.store.engine import WRITE_OPTION, make_engine, upgrade
from l2.store.models import AccountRow, Chain, CodeRow, KeyValueRow, StorageRow

__all__ = ["Store", "StoreError", "load_world", "account_state", "kv_get", "kv_put"]

EMPTY_CODE_HASH_HEX = to_hex(EMPTY_CODE_HASH)


class StoreError(Exception):
    """The database is missing, not a node's database, or inconsistent; one line."""


class Store:
    """A node database at ``url`` (SQLite file or PostgreSQL), upgraded to the current schema."""

    def __init__(self, url: str, *, migrate: bool = True) -> None:
        self.url = url
        self.engine = make_engine(url)
        try:
            if migrate:
                upgrade(self.engine)
        except Exception:
            self.engine.dispose()
            raise
        self._read_sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._write_sessions = sessionmaker(
            self.engine.execution_options(**{WRITE_OPTION: True}), expire_on_commit=False
        )

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for reads on one consistent snapshot; loaded rows stay usable after the block."""
        with self._read_sessions() as session:
            with session.begin():
                yield session

    @contextmanager
    def write(self, *, lock: bool = True) -> Iterator[Session]:
        """One write transaction: committed when the block ends normally, rolled back on an exception.

        With ``lock`` (the default) the ``chain`` row is locked first, which serializes writers on
        PostgreSQL; on SQLite ``BEGIN IMMEDIATE`` already holds the database's write lock.
        """
        with self._write_sessions() as session:
            with session.begin():
                if lock:
                    chain = session.execute(select(Chain.id).where(Chain.id == 1).with_for_update()).scalar()
                    if chain is None:
                        raise StoreError("the database holds no chain (run `l2 init`)")
                yield session

    def chain(self, session: Session) -> Chain:
        chain = session.get(Chain, 1)
        if chain is None:
            raise StoreError("the database holds no chain (run `l2 init`)")
        return chain


def load_world(session: Session) -> WorldState:
    """The whole current world state from the ``accounts``/``storage``/``code`` rows."""
    codes = {row.code_hash: row.code for row in session.execute(select(CodeRow)).scalars()}
    accounts: dict[bytes, Account] = {}
    for row in session.execute(select(AccountRow)).scalars():
        if row.code_hash == EMPTY_CODE_HASH_HEX:
            code = b""
        else:
            try:
                code = codes[row.code_hash]
            except KeyError:
                raise StoreError(f"code {row.code_hash} of account {row.address} is missing") from None
        accounts[bytes.fromhex(row.address[2:])] = Account(row.nonce, row.balance, code, {})
    for row in session.execute(select(StorageRow)).scalars():
        address = bytes.fromhex(row.address[2:])
        account = accounts.get(address)
        if account is None:
            raise StoreError(f"storage of {row.address} without an account row")
        account.storage[row.slot] = row.value
    return WorldState(accounts)


def account_state(session: Session, address: bytes) -> tuple[int, int, bool]:
    """(nonce, balance, has_code) of one account in the current state; zeros when absent."""
    row = session.execute(
        select(AccountRow.nonce, AccountRow.balance, AccountRow.code_hash).where(AccountRow.address == to_hex(address))
    ).first()
    if row is None:
        return 0, 0, False
    return row.nonce, row.balance, row.code_hash != EMPTY_CODE_HASH_HEX


def kv_get(session: Session, namespace: str, key: str) -> bytes | None:
    """A value of the ``kv`` table (None when absent)."""
    row = session.get(KeyValueRow, (namespace, key))
    return None if row is None else row.value


def kv_put(session: Session, namespace: str, key: str, value: bytes | None) -> None:
    """Set (or with None delete) a value of the ``kv`` table, inside the caller's transaction."""
    row = session.get(KeyValueRow, (namespace, key))
    if value is None:
        if row is not None:
            session.delete(row)
    elif row is None:
        session.add(KeyValueRow(namespace=namespace, key=key, value=bytes(value)))
    else:
        row.value = bytes(value)
